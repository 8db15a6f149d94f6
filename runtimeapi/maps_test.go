package runtimeapi

import (
	"regexp"
	"strings"
	"testing"

	"switchyard/admin"
)

// The map and ACL commands, on the pattern files of a running
// configuration. Texts are haproxy 2.6.12's; entry ids are switchyard's.

var entryIDRe = regexp.MustCompile(`0x[0-9a-f]+`)

// noIDs replaces the entry ids of a show map answer with "ID".
func noIDs(s string) string { return entryIDRe.ReplaceAllString(s, "ID") }

func TestMapCommands(t *testing.T) {
	e := newEnv(t, testCfg)
	p := e.socket(admin.Admin)
	m, a := e.dir+"/hosts.map", e.dir+"/ips.acl"
	run := func(in, want string) {
		t.Helper()
		if got := noIDs(ask(t, p, in+"\n")); got != want {
			t.Errorf("%q:\n got %q\nwant %q", in, got, want)
		}
	}
	run("show map", "# id (file) description\n0 ("+m+") pattern loaded from file '"+m+"' used by map. curr_ver=0 next_ver=0 entry_cnt=2\n\n")
	run("show acl", "# id (file) description\n1 ("+a+") pattern loaded from file '"+a+"' used by acl. curr_ver=0 next_ver=0 entry_cnt=2\n\n")
	run("show map "+m, "ID a.example.com be\nID b.example.com be2\n\n")
	run("show map #0", "ID a.example.com be\nID b.example.com be2\n\n")
	run("show acl #1", "ID 10.0.0.0/8\nID 192.168.1.1\n\n")
	run("show map nope", "Unknown map identifier. Please use #<id> or <file>.\n\n")
	run("show acl "+m, "Unknown ACL identifier. Please use #<id> or <file>.\n\n")
	run("show map #x", "Unknown map identifier. Please use #<id> or <file>.\n\n")

	run("get map "+m+" a.example.com", "type=str, case=sensitive, found=yes, idx=tree, key=\"a.example.com\", value=\"be\", type=\"str\"\n\n")
	run("get map "+m+" zzz", "type=str, case=sensitive, found=no\n\n")
	run("get acl "+a+" 10.1.1.1", "type=ip, case=sensitive, match=yes, idx=tree, pattern=\"10.0.0.0/8\"\n\n")
	run("get acl "+a+" 11.1.1.1", "type=ip, case=sensitive, match=no\n\n")
	run("get acl "+a+" not-an-ip", "type=ip, case=sensitive, match=no\n\n")
	run("get map", "Missing map identifier and/or key.\n\n")
	run("get acl "+a, "Missing ACL identifier and/or key.\n\n")
	run("get map nope k", "Unknown map identifier. Please use #<id> or <file>.\n\n")

	run("add map "+m+" c.example.com be", "\n")
	run("get map "+m+" c.example.com", "type=str, case=sensitive, found=yes, idx=tree, key=\"c.example.com\", value=\"be\", type=\"str\"\n\n")
	run("add map", "'add map' expects three parameters (map identifier, key and value) or one parameter (map identifier) and a payload\n\n")
	run("add map "+m+" k", "'add map' expects three parameters (map identifier, key and value) or one parameter (map identifier) and a payload\n\n")
	run("add map nope k v", "Unknown map identifier. Please use #<id> or <file>.\n\n")
	run("add map @5 "+m+" k v", "Version number in the future, please use 'prepare map' before.\n\n")
	run("add acl "+m+" k", "This ACL is shared with a map containing samples. You must use the command 'add map' to add values.\n\n")
	run("add acl", "'add acl' expects two parameters: ACL identifier and pattern.\n\n")
	run("add acl "+a+" 172.16.0.0/12", "\n")
	run("get acl "+a+" 172.16.3.4", "type=ip, case=sensitive, match=yes, idx=tree, pattern=\"172.16.0.0/12\"\n\n")
	// A pattern the ACL cannot use changes nothing.
	if got := ask(t, p, "add acl "+a+" notanip\n"); !strings.HasPrefix(got, "'notanip'") || !strings.HasSuffix(got, ".\n\n") {
		t.Errorf("add acl notanip: %q", got)
	}
	run("show acl "+a, "ID 10.0.0.0/8\nID 192.168.1.1\nID 172.16.0.0/12\n\n")

	run("set map", "'set map' expects three parameters: map identifier, key and value.\n\n")
	run("set map "+m+" nokey v", "entry not found.\n\n")
	run("set map "+m+" #0xzz v", "Malformed identifier. Please use #<id> or <file>.\n\n")
	run("set map "+m+" #0x1 v", "key or pattern not found.\n\n")
	run("set map nope k v", "Unknown map identifier. Please use #<id> or <file>.\n\n")
	run("set map "+m+" c.example.com be2", "\n")
	run("get map "+m+" c.example.com", "type=str, case=sensitive, found=yes, idx=tree, key=\"c.example.com\", value=\"be2\", type=\"str\"\n\n")
	// By id: the id show map prints.
	id := entryIDRe.FindString(strings.Split(ask(t, p, "show map "+m+"\n"), "\n")[0])
	run("set map "+m+" #"+id+" first", "\n")
	run("get map "+m+" a.example.com", "type=str, case=sensitive, found=yes, idx=tree, key=\"a.example.com\", value=\"first\", type=\"str\"\n\n")
	run("del map "+m+" #"+id, "\n")
	run("get map "+m+" a.example.com", "type=str, case=sensitive, found=no\n\n")

	run("del map", "This command expects two parameters: map identifier and key.\n\n")
	run("del acl "+a, "This command expects two parameters: ACL identifier and key.\n\n")
	run("del map nope k", "Unknown map identifier. Please use #<id> or <file>.\n\n")
	run("del acl "+m+" k", "Unknown map identifier. Please use #<id> or <file>.\n\n")
	run("del map "+m+" nokey", "Key not found.\n\n")
	run("del map "+m+" #0x1", "Key not found.\n\n")
	run("del map "+m+" c.example.com", "\n")
	run("show map "+m, "ID b.example.com be2\n\n")

	run("clear map", "Missing map identifier.\n\n")
	run("clear acl", "Missing ACL identifier.\n\n")
	run("clear map nope", "Unknown map identifier. Please use #<id> or <file>.\n\n")
	run("clear acl "+m, "Unknown ACL identifier. Please use #<id> or <file>.\n\n")
	run("clear acl "+a, "\n")
	run("show acl "+a, "\n")
	run("get acl "+a+" 10.1.1.1", "type=ip, case=sensitive, match=no\n\n")
}

// TestMapVersions: prepare, add @ver, show @ver and commit replace a
// map's content at once; the current version serves until the commit.
func TestMapVersions(t *testing.T) {
	e := newEnv(t, testCfg)
	p := e.socket(admin.Admin)
	m := e.dir + "/hosts.map"
	run := func(in, want string) {
		t.Helper()
		if got := noIDs(ask(t, p, in+"\n")); got != want {
			t.Errorf("%q:\n got %q\nwant %q", in, got, want)
		}
	}
	run("prepare map nope", "Unknown map identifier. Please use #<id> or <file>.\n\n")
	run("prepare map", "Unknown map identifier. Please use #<id> or <file>.\n\n")
	run("prepare map "+m, "New version created: 1\n\n")
	run("add map @1 "+m+" new.example.com be2", "\n")
	run("add map @1 "+m+" <<\nx.example.com be\ny.example.com be2\n", "\n")
	run("show map @1 "+m, "ID new.example.com be2\nID x.example.com be\nID y.example.com be2\n\n")
	// Not in service yet.
	run("get map "+m+" new.example.com", "type=str, case=sensitive, found=no\n\n")
	run("show map", "# id (file) description\n0 ("+m+") pattern loaded from file '"+m+"' used by map. curr_ver=0 next_ver=1 entry_cnt=5\n\n")
	run("commit map", "Missing version number.\n\n")
	run("commit map @1", "Missing map identifier.\n\n")
	run("commit map @1 nope", "Unknown map identifier. Please use #<id> or <file>.\n\n")
	run("commit map @9 "+m, "Version number out of range.\n\n")
	run("commit map @0 "+m, "Version number out of range.\n\n")
	run("commit map @1 "+m, "\n")
	run("get map "+m+" new.example.com", "type=str, case=sensitive, found=yes, idx=tree, key=\"new.example.com\", value=\"be2\", type=\"str\"\n\n")
	run("get map "+m+" a.example.com", "type=str, case=sensitive, found=no\n\n")
	run("show map "+m, "ID new.example.com be2\nID x.example.com be\nID y.example.com be2\n\n")
	run("show map", "# id (file) description\n0 ("+m+") pattern loaded from file '"+m+"' used by map. curr_ver=1 next_ver=1 entry_cnt=3\n\n")
	// A version being prepared can be cleared, and its entries edited.
	run("prepare map "+m, "New version created: 2\n\n")
	run("add map @2 "+m+" z.example.com be", "\n")
	run("set map "+m+" z.example.com be2", "\n")
	run("show map @2 "+m, "ID z.example.com be2\n\n")
	run("clear map @2 "+m, "\n")
	run("show map @2 "+m, "\n")
	run("commit map @2 "+m, "\n")
	run("show map "+m, "\n")
}

// TestMapEditsReachMatching: an entry added through the CLI is seen by
// the converter using the map, not only by get map.
func TestMapEditsReachMatching(t *testing.T) {
	e := newEnv(t, testCfg)
	p := e.socket(admin.Admin)
	ref := e.rt.Snapshot().Patterns.Lookup(e.dir + "/hosts.map")
	if ref == nil {
		t.Fatal("no reference for hosts.map")
	}
	ask(t, p, "add map "+e.dir+"/hosts.map seen.example.com be\n")
	for _, en := range ref.List() {
		if en.Key == "seen.example.com" && en.Value == "be" {
			return
		}
	}
	t.Errorf("the reference does not hold the new entry: %v", ref.List())
}
