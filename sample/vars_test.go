package sample

import (
	"net/netip"
	"testing"
)

func TestParseVarName(t *testing.T) {
	tests := []struct {
		in   string
		want VarRef
		err  string
	}{
		{"txn.user", VarRef{ScopeTxn, "user"}, ""},
		{"sess.a.b_c9", VarRef{ScopeSess, "a.b_c9"}, ""},
		{"proc.x", VarRef{ScopeProc, "x"}, ""},
		{"req.x", VarRef{ScopeReq, "x"}, ""},
		{"res.x", VarRef{ScopeRes, "x"}, ""},
		{"check.x", VarRef{ScopeCheck, "x"}, ""},
		{"", VarRef{}, "Empty variable name cannot be accepted"},
		{"txn.", VarRef{}, "invalid variable name 'txn.'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'"},
		{"user", VarRef{}, "invalid variable name 'user'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'"},
		{"txn.a-b", VarRef{}, "invalid syntax at char '-b'"},
	}
	for _, tt := range tests {
		got, err := ParseVarName(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseVarName(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseVarName(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestVars(t *testing.T) {
	ref := func(s string) VarRef {
		r, err := ParseVarName(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	var v Vars
	buf := []byte("alice")
	v.Set(ref("txn.user"), Str(buf))
	buf[0] = 'X' // the variable holds its own copy
	v.Set(ref("sess.n"), Int(3))
	v.Set(ref("req.ip"), IP(netip.MustParseAddr("10.0.0.1")))
	v.Set(ref("check.x"), Int(1))

	get := func(name string) string {
		return text(v.Get(ref(name)))
	}
	for name, want := range map[string]string{
		"txn.user": "alice", "sess.n": "3", "req.ip": "10.0.0.1", "res.ip": "<none>", "check.x": "<none>",
	} {
		if got := get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	v.Set(ref("txn.user"), Str([]byte("bob")))
	if got := get("txn.user"); got != "bob" {
		t.Errorf("overwritten txn.user = %q", got)
	}
	v.Unset(ref("txn.user"))
	if got := get("txn.user"); got != "<none>" {
		t.Errorf("unset txn.user = %q", got)
	}
	if got := get("req.ip"); got != "10.0.0.1" {
		t.Errorf("req.ip after unsetting another = %q", got)
	}
	v.Reset()
	if get("req.ip") != "<none>" || get("sess.n") != "3" {
		t.Errorf("after Reset: req.ip=%q sess.n=%q; transaction vars must go, session ones stay", get("req.ip"), get("sess.n"))
	}
	v.ResetSession()
	if get("sess.n") != "<none>" {
		t.Errorf("after ResetSession: sess.n=%q", get("sess.n"))
	}
}

func TestProcVars(t *testing.T) {
	r, _ := ParseVarName("proc.test_counter")
	var a, b Vars
	a.Set(r, Str([]byte("shared")))
	if got := text(b.Get(r)); got != "shared" {
		t.Errorf("proc var seen from another Vars = %q", got)
	}
	b.Reset()
	b.ResetSession()
	if got := text(a.Get(r)); got != "shared" {
		t.Errorf("proc var after resets = %q", got)
	}
	a.Unset(r)
	if got := text(b.Get(r)); got != "<none>" {
		t.Errorf("unset proc var = %q", got)
	}
}

// Once a transaction's variables have been set once, setting them again
// on later transactions reuses their storage.
func TestVarsSetDoesNotAllocate(t *testing.T) {
	user, _ := ParseVarName("txn.user")
	role, _ := ParseVarName("req.role")
	var v Vars
	val := Str([]byte("someone@example.com"))
	allocs := testing.AllocsPerRun(100, func() {
		v.Reset()
		v.Set(user, val)
		v.Set(role, Int(2))
		v.Get(user)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per transaction", allocs)
	}
}

// proc.* variables the configuration names exist, unset, from the start
// (haproxy creates them when it reads the configuration): ifexists finds
// them, ifset does not, and unset-var takes their value, not them.
func TestDeclaredProcVars(t *testing.T) {
	declared, _ := ParseVarName("proc.test_declared_x")
	other, _ := ParseVarName("proc.test_declared_other")
	DeclareProcVars([]VarRef{declared})
	var v Vars
	if _, ok := v.Get(declared); ok || !v.Exists(declared) || v.Exists(other) {
		t.Fatalf("declared: get ok=%v exists=%v; other exists=%v", ok, v.Exists(declared), v.Exists(other))
	}
	if v.SetIf(declared, Int(1), VarIfSet) || v.SetIf(declared, Int(1), VarIfNotExists) {
		t.Fatal("ifset or ifnotexists stored into a declared, unset variable")
	}
	if !v.SetIf(declared, Int(12), VarIfExists) || v.SetIf(other, Int(1), VarIfExists) {
		t.Fatal("ifexists: stored into the wrong variable")
	}
	if got, ok := v.Get(declared); !ok || got.Int != 12 {
		t.Fatalf("declared = %v %v, want 12", got, ok)
	}
	v.Unset(declared)
	if _, ok := v.Get(declared); ok || !v.Exists(declared) {
		t.Fatal("unset-var removed a declared variable instead of its value")
	}
	// ifgt stores only below the current value, as haproxy's.
	if !v.SetIf(declared, Int(5), VarIfNotSet) || v.SetIf(declared, Int(9), VarIfGt) || !v.SetIf(declared, Int(3), VarIfGt) {
		t.Fatal("ifnotset, then ifgt against 5")
	}
	if got, _ := v.Get(declared); got.Int != 3 {
		t.Fatalf("after ifgt: %v, want 3", got)
	}
}
