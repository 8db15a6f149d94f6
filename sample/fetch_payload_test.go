package sample

import (
	"strings"
	"testing"
)

// The payload fetches read the bytes of a TCP stream, and ask to wait
// (Miss) while too few came and more may come.
func TestPayloadFetches(t *testing.T) {
	data := []byte("\x00\x03abcdefgh")
	tests := []struct {
		expr  string
		data  []byte
		final bool
		want  string
	}{
		{"req.len", data, false, "10"},
		{"req.payload(2,3)", data, false, "abc"},
		{"req.payload(2,0)", data, true, "abcdefgh"},
		{"req.payload(8,4)", data, true, "<none>"},
		{"req.payload(0,16385)", data, false, "<none>"},
		{"req.payload_lv(0,2)", data, false, "abc"},
		{"req.payload_lv(0,2,+1)", data, false, "bcd"},
		{"req.payload_lv(0,2,-1)", data, false, "\x03ab"},
		{"req.payload_lv(0,2,5)", data, false, "def"},
		{"req.payload_lv(1,1,9)", data, true, "<none>"},
		{"payload(2,1)", data, false, "a"},
		{"res.len", data, false, "<none>"},
		{"req.len", nil, false, "<none>"},
		{"req.payload(0,1)", nil, false, "<none>"},
		{"wait_end", nil, false, "1"},
		{"wait_end", data, true, "1"},
		{"wait_end", data, false, "<none>"},
	}
	for _, tt := range tests {
		e, err := ParseExpr(nil, tt.expr)
		if err != nil {
			t.Fatalf("%s: %v", tt.expr, err)
		}
		c := &Ctx{}
		if tt.data != nil {
			c.L6 = &Payload{Req: tt.data, Final: tt.final}
		}
		if got := text(e.Eval(c)); got != tt.want {
			t.Errorf("%s on %q = %q, want %q", tt.expr, tt.data, got, tt.want)
		}
	}
}

func TestPayloadLVArguments(t *testing.T) {
	for _, tt := range []struct{ expr, err string }{
		{"req.payload_lv(-1,2)", "payload offset1 must be positive"},
		{"req.payload_lv(0,0)", "payload length must be > 0"},
		{"req.payload_lv(0,2,x)", "payload offset2 is not a number"},
		{"req.payload_lv(0,2,-3)", "payload offset2 too negative"},
		{"req.payload(1)", "missing arguments"},
	} {
		if _, err := ParseExpr(nil, tt.expr); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: error %v, want %q", tt.expr, err, tt.err)
		}
	}
}

// Conditions on bytes still coming are three-valued, combined as haproxy
// combines ACL_TEST_PASS, MISS and FAIL: a term that is not yet decided
// leaves its suite undecided unless a term fails, "or" passes when any
// suite passes, and neither "if" nor "unless" fires on Miss.
func TestCondWaitsForBytes(t *testing.T) {
	acls := NewACLSet(nil)
	tests := []struct {
		cond  string
		data  string
		final bool
		want  Tri
	}{
		{"if { req.len eq 4 }", "ab", false, Miss},
		{"if { req.len eq 4 }", "ab", true, Fail},
		{"if { req.len eq 4 }", "abcd", false, Pass},
		{"unless { req.len eq 4 }", "ab", false, Miss},
		{"unless { req.len eq 4 }", "ab", true, Pass},
		{"if { req.len gt 0 } { req.payload(0,3) -m bin 616263 }", "ab", false, Miss},
		{"if { req.len gt 0 } { req.payload(0,3) -m bin 616263 }", "abc", false, Pass},
		{"if { req.len gt 0 } { req.payload(0,3) -m bin 616263 }", "abd", false, Fail},
		{"if FALSE { req.len eq 4 }", "ab", false, Fail},
		{"if { req.len eq 4 } || TRUE", "ab", false, Pass},
		{"if { req.len eq 4 } || FALSE", "ab", false, Miss},
		{"if !{ req.len eq 4 }", "ab", false, Miss},
		{"if !{ req.len eq 4 }", "abcd", false, Fail},
		{"if WAIT_END", "", false, Miss},
		{"if WAIT_END", "", true, Pass},
		{"if REQ_CONTENT", "", true, Fail},
		{"if REQ_CONTENT", "a", false, Pass},
	}
	for _, tt := range tests {
		c, err := ParseCond(strings.Fields(tt.cond), acls)
		if err != nil {
			t.Fatalf("%s: %v", tt.cond, err)
		}
		ctx := &Ctx{L6: &Payload{Req: []byte(tt.data), Final: tt.final}}
		if got := c.Test(ctx); got != tt.want {
			t.Errorf("%s on %q (final %v) = %d, want %d", tt.cond, tt.data, tt.final, got, tt.want)
		}
		if got := c.Eval(ctx); got != (tt.want == Pass) {
			t.Errorf("Eval(%s) on %q = %v", tt.cond, tt.data, got)
		}
	}
}
