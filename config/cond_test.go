package config

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// condTests are conditions as written after .if; err is a substring of the
// expected error. ours marks cases whose result is ours by design, not
// haproxy's (build features, SSL library, nesting bound).
var condTests = []struct {
	expr string
	want bool
	err  string
	ours bool
}{
	{expr: "", want: false},
	{expr: "0", want: false},
	{expr: "1", want: true},
	{expr: "-0", want: false},
	{expr: "+5", want: true},
	{expr: "-3", want: true},
	{expr: "0x10", want: true},
	{expr: "0x0", want: false},
	{expr: "010", want: true},
	{expr: "99999999999999999999999", want: true},
	{expr: "08", err: "unexpected character '8' at the end of conditional expression '08'"},
	{expr: "0x", err: "unexpected character 'x'"},
	{expr: "1abc", err: "unexpected character 'a'"},
	{expr: "1 2", err: "unexpected character '2'"},
	{expr: "yes", err: "unparsable conditional expression 'yes'"},
	{expr: "!0", want: true},
	{expr: "! ! 1", want: true},
	{expr: "!!0", want: false},
	{expr: "!", err: "unparsable conditional expression '!'"},
	{expr: "1 && 0", want: false},
	{expr: "1&&1", want: true},
	{expr: "0 || 1", want: true},
	{expr: "0||0", want: false},
	{expr: "1 || 0 && 0", want: true},
	{expr: "0 && 1 || 1", want: true},
	{expr: "1 &&", err: "unparsable conditional expression '&&'"},
	{expr: "0 ||", err: "unparsable conditional expression '||'"},
	{expr: "&& 1", err: "unparsable conditional expression '&& 1'"},
	{expr: "1 |", err: "unexpected character '|'"},
	{expr: "1 & 1", err: "unexpected character '&'"},
	{expr: "(1", err: "expected ')' after conditional expression '(1'"},
	{expr: "()", err: "unparsable conditional expression ')'"},
	{expr: "(0 || 1) && 1", want: true},
	{expr: "!(0 || 0)", want: true},
	{expr: "((((1))))", want: true},
	{expr: "1 || yes", err: "unparsable conditional expression 'yes'"},
	{expr: "defined(ONE)", want: true},
	{expr: "defined(EMPTY)", want: true},
	{expr: "defined(NOPE)", want: false},
	{expr: "defined", want: false},
	{expr: "defined()", want: false},
	{expr: "defined (ONE)", err: "unexpected character '('"},
	{expr: "!defined(NOPE) && defined(ONE)", want: true},
	{expr: "streq(a,a)", want: true},
	{expr: "streq(a, a)", want: false},
	{expr: "strneq(a,b)", want: true},
	{expr: "streq(,)", want: true},
	{expr: "streq(a)", err: "missing arguments (got 1/2) in predicate 'streq'"},
	{expr: "streq", err: "missing arguments (got 1/2)"},
	{expr: "streq(a,b,c)", err: "expected ')' before ',c)' in predicate 'streq'"},
	{expr: "streq(a,b", err: "expected ')' in predicate 'streq'"},
	{expr: `streq(x\ y,"x y")`, want: true},
	{expr: `streq('a,b',"a,b")`, want: true},
	{expr: `streq('a"b',a\"b)`, want: true},
	{expr: `streq(\q,"\q")`, want: true},
	{expr: `streq(a\`, err: "unterminated escape sequence in argument 1"},
	{expr: "foo(1)", err: "unparsable conditional expression 'foo(1)'"},
	{expr: "version_atleast(2.6)", want: true},
	{expr: "version_atleast(2.6.12)", want: true},
	{expr: "version_atleast(2.6.12-1)", want: false},
	{expr: "version_atleast(2.4-dev19)", want: true},
	{expr: "version_atleast(2.7-dev0)", want: false},
	{expr: "version_before(2.6.13)", want: true},
	{expr: "version_before(2.6)", want: false},
	{expr: "version_before(3)", want: true},
	// An unparsable version counts as older, as in haproxy.
	{expr: "version_atleast(abc)", want: true},
	{expr: "version_before(abc)", want: false},
	{expr: "feature(OPENSSL)", want: true, ours: true},
	{expr: "feature(SSL)", want: false, ours: true},
	{expr: "feature(QUIC)", want: false, ours: true},
	{expr: "ssllib_name_startswith(Open)", want: false, ours: true},
	{expr: "openssl_version_atleast(1.1.1)", err: "not supported", ours: true},
	{expr: "1 || openssl_version_before(1.1.1)", want: true, ours: true},
	{expr: strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300), err: "nested deeper than 256", ours: true},
}

func TestEvalCond(t *testing.T) {
	for _, tt := range condTests {
		got, err := EvalCond([]string{tt.expr}, lexTestOptions())
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("EvalCond(%q) = %v, %v; want error containing %q", tt.expr, got, err, tt.err)
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("EvalCond(%q) = %v, %v; want %v", tt.expr, got, err, tt.want)
		}
	}
}

// Words are joined with one space, as haproxy re-merges a .if line.
func TestEvalCondJoinsWords(t *testing.T) {
	got, err := EvalCond([]string{"streq(a", "b,a", "b)", "&&", "1"}, LexOptions{})
	if err != nil || !got {
		t.Errorf("got %v, %v; want true", got, err)
	}
	if got, err := EvalCond([]string{"", ""}, LexOptions{}); err == nil {
		t.Errorf("two empty words: got %v, nil; want an error as haproxy gives", got)
	}
}

func TestCondCompareVersion(t *testing.T) {
	tests := []struct {
		cur, v string
		want   int
	}{
		{"2.6.0", "2.6", 0},
		{"2.6.0", "2.6.0.0", 0},
		{"2.6.0", "2.5.99", -1},
		{"2.6.0", "2.6.1", 1},
		{"2.6.0", "2.6-dev1", -1},
		{"2.6-dev1", "2.6-rc1", 1},
		{"2.6-rc1", "2.6-pre1", 0},
		{"2.4-dev18-f6818d-20", "2.4-dev18-19", -1},
		{"2.4-dev18-f6818d-20", "2.4-dev18-20", 0},
		{"1.5-dev18-43", "1.5-dev18", -1},
		{"2.6.12-1+deb12u4", "2.6.12", 0},
		{"2.6.12-1+deb12u4", "2.6.12-1", 1},
		{"2.6.0", "2.6.0.0.0", -3},
		{"2.6.0", "2.x", -3},
		{"2.6.0", "", -3},
		{"", "2.6", -2},
		{"2.6.0", "2.6-", 0},
		{"2.6.0", "2.6.0-", 0},
		{"2.6.0", "2.6.0-dev-", -1},
		{"2.6.0", "2.6.0-dev1x", -3},
		{"2.6.0", " 2.6", 0},
	}
	for _, tt := range tests {
		if got := condCompareVersion(tt.cur, tt.v); got != tt.want {
			t.Errorf("condCompareVersion(%q, %q) = %d, want %d", tt.cur, tt.v, got, tt.want)
		}
	}
}

// TestEvalCondAgainstHAProxy compares with `haproxy -cc`, which exits 0 for
// true, 1 for false and 2 for an error. haproxy splits the -cc argument
// into words first, so the test does the same with Lex.
func TestEvalCondAgainstHAProxy(t *testing.T) {
	bin := lexHAProxy(t)
	opt := lexTestOptions()
	opt.Version = lexHAProxyVersion(t)
	for _, tt := range condTests {
		if tt.ours {
			continue
		}
		lines, _, errs := Lex("cc", []byte("x "+tt.expr+"\n"), opt)
		if len(errs) > 0 || len(lines) != 1 {
			t.Fatalf("cannot split %q into words: %v", tt.expr, errs)
		}
		got, err := EvalCond(lines[0].Args[1:], opt)
		ours := 1
		switch {
		case err != nil:
			ours = 2
		case got:
			ours = 0
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		cmd := exec.CommandContext(ctx, bin, "-cc", tt.expr)
		for k, v := range lexTestEnv {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		out, runErr := cmd.CombinedOutput()
		cancel()
		theirs := 0
		if ee, ok := runErr.(*exec.ExitError); ok {
			theirs = ee.ExitCode()
		} else if runErr != nil {
			t.Fatalf("haproxy -cc %q: %v", tt.expr, runErr)
		}
		if ours != theirs {
			t.Errorf("condition %q: EvalCond gives %d (%v, %v), haproxy -cc %d: %s", tt.expr, ours, got, err, theirs, out)
		}
	}
}
