package sample

import (
	"path/filepath"
	"testing"
)

// The runtime API's view of a reference: entries named by id across
// edits, a whole content replaced at once, a check without change, and
// get map's lookups.
func TestPatternRefIDs(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "m.map"), "a 1\nb 2\na 3\n")
	env := &Env{Dir: dir, Patterns: NewPatternRefs()}
	num, err := ParseExpr(env, "str(a),map_str_int(m.map,-1)")
	if err != nil {
		t.Fatal(err)
	}
	ref := env.Patterns.Lookup("m.map")
	l := ref.List()
	if len(l) != 3 || l[0].Key != "a" || l[1].Value != "2" || l[0].ID == l[1].ID || l[0].ID == 0 {
		t.Fatalf("List: %+v", l)
	}
	// Ids survive the edits of other entries and value changes.
	if err := ref.Add("c", "4"); err != nil {
		t.Fatal(err)
	}
	if err := ref.SetID(l[0].ID, "8"); err != nil {
		t.Fatal(err)
	}
	if got := text(num.Eval(&Ctx{})); got != "8" {
		t.Errorf("after SetID: %s", got)
	}
	if err := ref.SetID(l[0].ID, "x"); err == nil || text(num.Eval(&Ctx{})) != "8" {
		t.Errorf("a value map_str_int refuses: %v", err)
	}
	if err := ref.SetID(12345, "1"); err != ErrNoEntry {
		t.Errorf("SetID of no entry: %v", err)
	}
	if !ref.DeleteID(l[0].ID) || ref.DeleteID(l[0].ID) {
		t.Fatal("DeleteID")
	}
	// The second "a" now matches: only the named entry went.
	if got := text(num.Eval(&Ctx{})); got != "3" {
		t.Errorf("after DeleteID: %s", got)
	}
	l2 := ref.List()
	if len(l2) != 3 || l2[0].ID != l[1].ID || l2[1].ID != l[2].ID {
		t.Errorf("ids after edits: %+v then %+v", l, l2)
	}
	// Check tells without changing.
	if err := ref.Check("d", "x"); err == nil {
		t.Error("Check accepted a value map_str_int refuses")
	}
	if err := ref.Check("d", "5"); err != nil || ref.Len() != 3 {
		t.Errorf("Check: %v, %d entries", err, ref.Len())
	}
	// Replace puts a whole content in service, or nothing.
	if err := ref.Replace([]RefEntry{{ID: 7, Key: "a", Value: "x"}}); err == nil || text(num.Eval(&Ctx{})) != "3" {
		t.Errorf("Replace with a bad value: %v", err)
	}
	if err := ref.Replace([]RefEntry{{ID: 7, Key: "a", Value: "42"}}); err != nil {
		t.Fatal(err)
	}
	if got := text(num.Eval(&Ctx{})); got != "42" || ref.List()[0].ID != 7 {
		t.Errorf("after Replace: %s %+v", got, ref.List())
	}
	m := ref.Match("a")
	if len(m) != 1 || m[0] != (RefMatch{Method: "str", Found: true, Tree: true, Key: "a", Value: "42", ValueType: "sint"}) {
		t.Errorf("Match: %+v", m)
	}
	if m := ref.Match("zz"); len(m) != 1 || m[0].Found {
		t.Errorf("Match of nothing: %+v", m)
	}
}

// TestPatternRefMatchACL: an ACL's way of matching, the sample cast to
// its type.
func TestPatternRefMatchACL(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ips"), "10.0.0.0/8\n")
	writeFile(t, filepath.Join(dir, "hosts"), "Example.com\n")
	env := &Env{Dir: dir, Patterns: NewPatternRefs()}
	acls := NewACLSet(env)
	for _, line := range [][]string{{"a", "src", "-f", "ips"}, {"b", "hdr(host)", "-i", "-f", "hosts"}} {
		if err := acls.Add(line[0], line[1:]); err != nil {
			t.Fatal(err)
		}
	}
	ips, hosts := env.Patterns.Lookup("ips"), env.Patterns.Lookup("hosts")
	if m := ips.Match("10.2.3.4"); len(m) != 1 || m[0] != (RefMatch{Method: "ip", Found: true, Tree: true, Key: "10.0.0.0/8"}) {
		t.Errorf("ip: %+v", m)
	}
	if m := ips.Match("not-an-ip"); len(m) != 1 || m[0].Found {
		t.Errorf("not an address: %+v", m)
	}
	if m := hosts.Match("EXAMPLE.COM"); len(m) != 1 || m[0] != (RefMatch{Method: "str", ICase: true, Found: true, Key: "Example.com"}) {
		t.Errorf("-i: %+v", m)
	}
}
