package sample

import (
	"strings"
	"testing"
)

// The response body fetches read Ctx.ResBody, found only while a response
// is there; res.body_size adds what the message announces beyond it.
func TestFetchResponseBody(t *testing.T) {
	rs := &testResp{status: 200, testReq: req("x x HTTP/1.1", "Content-Length: 10")}
	tests := []struct {
		name string
		resp bool   // a response is there
		body string // "<nil>": not set
		left int64
		want [3]string // res.body, res.body_len, res.body_size
	}{
		{"partial length", true, "hello", 5, [3]string{"hello", "5", "10"}},
		{"whole", true, "hello", 0, [3]string{"hello", "5", "5"}},
		{"until close", true, "hel", -1, [3]string{"hel", "3", "3"}},
		{"no body", true, "", 0, [3]string{"", "0", "0"}},
		{"not set", true, "<nil>", 0, [3]string{"<none>", "<none>", "<none>"}},
		{"response gone", false, "hello", 0, [3]string{"<none>", "<none>", "<none>"}},
	}
	for _, tt := range tests {
		for i, f := range []string{"res.body", "res.body_len", "res.body_size"} {
			e, err := ParseExpr(nil, f)
			if err != nil {
				t.Fatalf("ParseExpr(%q): %v", f, err)
			}
			c := ctxFor(req("GET / HTTP/1.1"))
			if tt.resp {
				c.Resp, c.OnResponse = rs, true
			}
			if tt.body != "<nil>" {
				c.ResBody = []byte(tt.body)
			}
			c.ResBodyLeft = tt.left
			if got := text(e.Eval(c)); got != tt.want[i] {
				t.Errorf("%s: %s = %q, want %q", tt.name, f, got, tt.want[i])
			}
		}
	}
}

// Reset forgets the response body with the rest of the transaction.
func TestResetClearsResponseBody(t *testing.T) {
	c := &Ctx{ResBody: []byte("x"), ResBodyLeft: 3}
	c.Reset()
	if c.ResBody != nil || c.ResBodyLeft != 0 {
		t.Fatalf("after Reset: ResBody %q, ResBodyLeft %d", c.ResBody, c.ResBodyLeft)
	}
}

// The fetches read the response: a request rule cannot use them.
func TestResponseBodyFetchesNeedResponse(t *testing.T) {
	for _, f := range []string{"res.body", "res.body_len", "res.body_size"} {
		e, err := ParseExpr(nil, f)
		if err != nil {
			t.Fatalf("ParseExpr(%q): %v", f, err)
		}
		err = e.Check(SrcL4 | SrcHTTPReq)
		if err == nil || !strings.Contains(err.Error(), "HTTP response headers") {
			t.Errorf("%s in a request rule: err = %v, want one naming the response", f, err)
		}
		if err := e.Check(SrcL4 | SrcHTTPReq | SrcHTTPRes); err != nil {
			t.Errorf("%s in a response rule: %v", f, err)
		}
	}
}
