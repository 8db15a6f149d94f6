package sample

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// evalACL evaluates a named ACL of set for a request from src.
func evalACL(t *testing.T, s *ACLSet, name string, src string) bool {
	t.Helper()
	c, err := ParseCond([]string{"if", name}, s)
	if err != nil {
		t.Fatal(err)
	}
	ctx := &Ctx{Src: netip.MustParseAddrPort(src)}
	return c.Eval(ctx)
}

// Two ACLs naming the same file share one reference: a reload of the file
// reaches both, and a file with a bad line changes nothing.
func TestPatternRefShared(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "nets.lst")
	writeFile(t, file, "10.0.0.0/8\n")
	env := &Env{Dir: dir, Patterns: NewPatternRefs()}
	s := NewACLSet(env)
	for _, l := range []string{"a src -f nets.lst", "b src -f " + file} {
		w := strings.Fields(l)
		if err := s.Add(w[0], w[1:]); err != nil {
			t.Fatal(err)
		}
	}
	refs := env.Patterns.Refs()
	if len(refs) != 1 {
		t.Fatalf("%d references for one file", len(refs))
	}
	if !evalACL(t, s, "a", "10.1.2.3:1") || evalACL(t, s, "b", "192.168.0.1:1") {
		t.Fatal("initial content does not match")
	}
	writeFile(t, file, "192.168.0.0/16\n")
	if changed, err := refs[0].Reload(); err != nil || !changed {
		t.Fatalf("Reload = %v, %v", changed, err)
	}
	for _, name := range []string{"a", "b"} {
		if evalACL(t, s, name, "10.1.2.3:1") || !evalACL(t, s, name, "192.168.0.1:1") {
			t.Errorf("ACL %s does not see the new content", name)
		}
	}
	writeFile(t, file, "172.16.0.0/12\nnot-an-address!\n")
	_, err := refs[0].Reload()
	if err == nil || !strings.Contains(err.Error(), "at line 2 of file") {
		t.Fatalf("Reload of a bad file: %v", err)
	}
	if !evalACL(t, s, "a", "192.168.0.1:1") || evalACL(t, s, "a", "172.16.0.1:1") {
		t.Error("a bad file replaced the content")
	}
	if changed, err := refs[0].Reload(); changed || err == nil {
		t.Errorf("the same bad file again: changed=%v err=%v", changed, err)
	}
}

// A new configuration shares the references of files that did not change,
// and reads the others afresh, leaving the running ones alone.
func TestPatternRefsAcrossReloads(t *testing.T) {
	dir := t.TempDir()
	same, edited := filepath.Join(dir, "same.lst"), filepath.Join(dir, "edited.lst")
	writeFile(t, same, "a\n")
	writeFile(t, edited, "b\n")
	old := NewPatternRefs()
	oldSame, _ := old.load(same, "same.lst", false)
	oldEdited, _ := old.load(edited, "edited.lst", false)
	writeFile(t, edited, "c\n")
	next := NewPatternRefs(old)
	newSame, _ := next.load(same, "same.lst", false)
	newEdited, err := next.load(edited, "edited.lst", false)
	if err != nil {
		t.Fatal(err)
	}
	if newSame != oldSame {
		t.Error("an unchanged file was read again")
	}
	if newEdited == oldEdited || oldEdited.cur.Load().keys[0] != "b" || newEdited.cur.Load().keys[0] != "c" {
		t.Error("a changed file was not read afresh beside the running reference")
	}
}

// parseRefFile reads haproxy's pattern and map file syntax; map values
// lose their trailing blanks (pat_ref_read_from_file_smp).
func TestParseRefFile(t *testing.T) {
	data := "# comment\n  key1   value one  \r\n\nkey2\n\tkey3\tv3\n"
	e, err := parseRefFile([]byte(data), "m", true)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{"key1", "value one"}, {"key2", ""}, {"key3", "v3"}}
	if len(e.keys) != len(want) {
		t.Fatalf("keys %q", e.keys)
	}
	for i, w := range want {
		if e.keys[i] != w[0] || e.vals[i] != w[1] {
			t.Errorf("entry %d = %q %q, want %q %q", i, e.keys[i], e.vals[i], w[0], w[1])
		}
	}
	if e.lines[2] != 5 {
		t.Errorf("key3 at line %d, want 5", e.lines[2])
	}
	e, _ = parseRefFile([]byte(data), "p", false)
	if e.keys[0] != "key1   value one  " {
		t.Errorf("pattern mode keeps the whole line: %q", e.keys[0])
	}
}

// A file is a list of patterns or a map, not both, as in haproxy.
func TestPatternRefOneUse(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f.map")
	writeFile(t, file, "a 1\n")
	refs := NewPatternRefs()
	if _, err := refs.load(file, "f.map", true); err != nil {
		t.Fatal(err)
	}
	_, err := refs.load(file, "f.map", false)
	if err == nil || !strings.Contains(err.Error(), `The file "f.map" is already used as two column file and cannot be used by as one column file.`) {
		t.Errorf("map then list: %v", err)
	}
}

// A "virt@" map is backed by no file: it starts empty, whatever the
// directory, its run-time entries are what map() reads, and a new
// configuration naming it keeps the running one's reference, entries
// included (an ACME challenge in flight survives a reload).
func TestVirtualMap(t *testing.T) {
	dir := t.TempDir() // holds no file named "virt@acme"
	env := &Env{Dir: dir, Patterns: NewPatternRefs()}
	e, err := ParseExpr(env, "str(tok),map(virt@acme,none)")
	if err != nil {
		t.Fatal(err)
	}
	eval := func(e *Expr) string {
		v, ok := e.Eval(&Ctx{})
		if !ok {
			return "<none>"
		}
		return string(v.Str)
	}
	if got := eval(e); got != "none" {
		t.Fatalf("empty virtual map gave %q", got)
	}
	ref := env.Patterns.Lookup("virt@acme")
	if ref == nil || !ref.Virtual || !ref.Map {
		t.Fatalf("Lookup(virt@acme) = %+v", ref)
	}
	if err := ref.Add("tok", "thumb"); err != nil {
		t.Fatal(err)
	}
	if got := eval(e); got != "thumb" {
		t.Fatalf("after Add: %q", got)
	}
	if changed, err := ref.Reload(); changed || err != nil {
		t.Errorf("Reload of a virtual map = %v, %v", changed, err)
	}
	next := &Env{Dir: dir, Patterns: NewPatternRefs(env.Patterns)}
	e2, err := ParseExpr(next, "str(tok),map(virt@acme)")
	if err != nil {
		t.Fatal(err)
	}
	if next.Patterns.Lookup("virt@acme") != ref || eval(e2) != "thumb" {
		t.Error("a reload did not keep the virtual map and its entries")
	}
	ref.Delete("tok")
	if got := eval(e2); got != "<none>" {
		t.Errorf("after Delete: %q", got)
	}
	// As with files, one name cannot be both a map and a pattern list.
	if _, err := ParseCond([]string{"if", "{", "str(x)", "-f", "virt@acme", "}"}, NewACLSet(next)); err == nil ||
		!strings.Contains(err.Error(), "already used as two column file") {
		t.Errorf("virt@acme as an ACL list: %v", err)
	}
}
