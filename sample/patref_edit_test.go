package sample

import (
	"path/filepath"
	"testing"
)

// Run-time edits follow haproxy's pat_ref_add/set/delete, reach every
// index at once, and an edit an index refuses changes nothing.
func TestPatternRefEdits(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "m.map"), "a 1\nb 2\na 3\n")
	env := &Env{Dir: dir, Patterns: NewPatternRefs()}
	str, err := ParseExpr(env, "str(a),map(m.map,none)")
	if err != nil {
		t.Fatal(err)
	}
	num, err := ParseExpr(env, "str(a),map_str_int(m.map,-1)")
	if err != nil {
		t.Fatal(err)
	}
	ref := env.Patterns.Lookup("m.map")
	eval := func() (string, string) {
		return text(str.Eval(&Ctx{})), text(num.Eval(&Ctx{}))
	}
	if s, n := eval(); s != "1" || n != "1" {
		t.Fatalf("initial %s %s", s, n)
	}
	if err := ref.Set("a", "7"); err != nil {
		t.Fatal(err)
	}
	if s, n := eval(); s != "7" || n != "7" {
		t.Fatalf("after set: %s %s", s, n)
	}
	if err := ref.Set("a", "x"); err == nil || err.Error() != "unable to parse 'x'" {
		t.Fatalf("bad value: %v", err)
	}
	if s, n := eval(); s != "7" || n != "7" {
		t.Fatalf("after refused set: %s %s", s, n)
	}
	if err := ref.Set("zz", "1"); err == nil || err.Error() != "entry not found" {
		t.Fatalf("set of a missing key: %v", err)
	}
	if !ref.Delete("a") || ref.Delete("a") {
		t.Fatal("delete")
	}
	if s, n := eval(); s != "none" || n != "-1" {
		t.Fatalf("after delete: %s %s", s, n)
	}
	if err := ref.Add("a", "y"); err == nil {
		t.Fatal("add of a value map_str_int refuses")
	}
	if err := ref.SetOrAdd("a", "9"); err != nil {
		t.Fatal(err)
	}
	if err := ref.Add("a", "10"); err != nil { // a duplicate: the first wins
		t.Fatal(err)
	}
	if s, n := eval(); s != "9" || n != "9" || ref.Len() != 3 {
		t.Fatalf("after add: %s %s (%d entries)", s, n, ref.Len())
	}
	ref.Clear()
	if s, _ := eval(); s != "none" || ref.Len() != 0 {
		t.Fatalf("after clear: %s", s)
	}
	// ACLs: add-acl adds once, del-acl removes.
	writeFile(t, filepath.Join(dir, "nets.lst"), "10.0.0.0/8\n")
	s := NewACLSet(env)
	if err := s.Add("n", []string{"src", "-f", "nets.lst"}); err != nil {
		t.Fatal(err)
	}
	nets := env.Patterns.Lookup("nets.lst")
	if err := nets.AddIfMissing("192.168.0.0/16"); err != nil {
		t.Fatal(err)
	}
	nets.AddIfMissing("192.168.0.0/16")
	if nets.Len() != 2 || !evalACL(t, s, "n", "192.168.1.1:1") {
		t.Fatal("add-acl")
	}
	if err := nets.AddIfMissing("not-an-ip"); err == nil || nets.Len() != 2 {
		t.Fatalf("bad pattern: %v", err)
	}
	nets.Delete("192.168.0.0/16")
	if evalACL(t, s, "n", "192.168.1.1:1") {
		t.Fatal("del-acl")
	}
}
