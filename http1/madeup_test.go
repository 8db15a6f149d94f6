package http1

import "testing"

func TestAppendMadeUpReply(t *testing.T) {
	parse := func(raw string) *Request {
		var r Request
		if _, err := r.Parse([]byte(raw), DefaultLimits); err != nil {
			t.Fatal(err)
		}
		return &r
	}
	get11 := parse("GET / HTTP/1.1\r\nhost: a\r\n\r\n")
	get10 := parse("GET / HTTP/1.0\r\n\r\n")
	head := parse("HEAD / HTTP/1.1\r\nhost: a\r\n\r\n")
	for _, tc := range []struct {
		name  string
		req   *Request
		close bool
		ctype string
		want  string
	}{
		{"keep-alive", get11, false, "text/plain", "HTTP/1.1 429 Too Many Requests\r\nx-a: 1\r\ncontent-length: 2\r\ncontent-type: text/plain\r\n\r\nhi"},
		{"close", get11, true, "", "HTTP/1.1 429 Too Many Requests\r\nx-a: 1\r\ncontent-length: 2\r\nconnection: close\r\n\r\nhi"},
		{"http/1.0 keeps alive in words", get10, false, "", "HTTP/1.1 429 Too Many Requests\r\nx-a: 1\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nhi"},
		{"head has no body", head, false, "", "HTTP/1.1 429 Too Many Requests\r\nx-a: 1\r\ncontent-length: 2\r\n\r\n"},
	} {
		dst := AppendReplyHead(nil, 429)
		dst = AppendReplyFieldName(dst, "X-A")
		dst = append(dst, "1\r\n"...)
		dst = AppendReplyTail(dst, []byte("hi"), tc.ctype, tc.close, tc.req)
		if string(dst) != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, dst, tc.want)
		}
	}
	if ReasonPhrase(299) != "Other" {
		t.Errorf("unknown status: %q", ReasonPhrase(299))
	}
}
