package http1

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"switchyard/internal/haproxytest"
)

// errorFiles are errorfile contents haproxy accepts or refuses; TestHaproxyErrorFiles
// asks haproxy -c about each.
var errorFiles = []struct {
	name, data string
	ok         bool
}{
	{"valid", "HTTP/1.1 503 Busy\r\nContent-Length: 3\r\n\r\nabc", true},
	{"length mismatch", "HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nabc", false},
	{"no length", "HTTP/1.1 503 Busy\r\n\r\nabc", true},
	{"incomplete head", "HTTP/1.1 503 Busy\r\nContent-Length: 3\r\n", false},
	{"empty", "", true},
	{"status 100", "HTTP/1.1 100 Continue\r\n\r\n", false},
	{"status 101", "HTTP/1.1 101 X\r\n\r\n", true},
	{"status 103", "HTTP/1.1 103 X\r\n\r\n", false},
	{"status 099", "HTTP/1.1 099 X\r\n\r\n", true},
	{"status 2000", "HTTP/1.1 2000 X\r\n\r\n", true},
	{"204 with body", "HTTP/1.1 204 X\r\nContent-Length: 3\r\n\r\nabc", false},
	{"304 without body", "HTTP/1.1 304 X\r\nContent-Length: 3\r\n\r\n", true},
	{"zero length with body", "HTTP/1.1 503 X\r\nContent-Length: 0\r\n\r\nabc", false},
	{"chunked", "HTTP/1.1 503 X\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", false},
	{"gzip coding", "HTTP/1.1 503 X\r\nTransfer-Encoding: gzip\r\n\r\nabc", true},
	{"version too long", "HTTP/1.12 503 X\r\n\r\n", false},
	{"version odd", "XTTP/1.1 503 X\r\n\r\n", true},
	{"garbage", "garbage", false},
	{"bad field", "HTTP/1.1 503 X\r\nFoo : bar\r\n\r\n", false},
	{"bare lf", "HTTP/1.1 503 X\nContent-Length: 3\n\nabc", true},
	{"connection close", "HTTP/1.1 503 X\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc", true},
	{"largest", "HTTP/1.1 503 X\r\nContent-Length: 16252\r\n\r\n" + strings.Repeat("a", 16252), true},
	{"too large", "HTTP/1.1 503 X\r\nContent-Length: 16253\r\n\r\n" + strings.Repeat("a", 16253), false},
	{"truncated", "HTTP/1.1 503 X\r\nContent-Length: 20000\r\n\r\n" + strings.Repeat("a", 20000), false},
	{"truncated until close", "HTTP/1.1 503 X\r\n\r\n" + strings.Repeat("a", 20000), false},
}

func TestParseErrorFile(t *testing.T) {
	for _, f := range errorFiles {
		r, err := ParseErrorFile([]byte(f.data), DefaultLimits.BufSize)
		if (err == nil) != f.ok {
			t.Errorf("%s: err = %v, want ok=%v", f.name, err, f.ok)
		}
		if err == nil && r.Truncated != (len(f.data) > DefaultLimits.BufSize) {
			t.Errorf("%s: Truncated = %v", f.name, r.Truncated)
		}
	}
}

// TestHaproxyErrorFiles proves the table above with haproxy's own check.
func TestHaproxyErrorFiles(t *testing.T) {
	haproxytest.Need(t)
	dir := t.TempDir()
	for i, f := range errorFiles {
		file := filepath.Join(dir, fmt.Sprintf("%d.http", i))
		cfg := filepath.Join(dir, fmt.Sprintf("%d.cfg", i))
		if err := os.WriteFile(file, []byte(f.data), 0o600); err != nil {
			t.Fatal(err)
		}
		conf := "defaults\n  mode http\n  timeout client 1s\n  timeout server 1s\n  timeout connect 1s\n" +
			"  errorfile 503 " + file + "\nfrontend f\n  bind 127.0.0.1:1\n"
		if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(haproxytest.Bin, "-c", "-f", cfg).CombinedOutput()
		if (err == nil) != f.ok {
			t.Errorf("%s: haproxy -c: %v, table says ok=%v\n%s", f.name, err, f.ok, out)
		}
	}
}

func TestErrorResponseUnknownStatus(t *testing.T) {
	if string(ErrorResponse(418)) != builtinMessages[500] {
		t.Error("an unknown status must get the 500 message, as in haproxy")
	}
	if ErrorReply(999).Status() != 500 {
		t.Error("ErrorReply(999) is not the 500 reply")
	}
}

func TestReplyEmptyFile(t *testing.T) {
	r, err := ParseErrorFile(nil, DefaultLimits.BufSize)
	if err != nil || r.Status() != 0 {
		t.Fatalf("empty file: %v, status %d", err, r.Status())
	}
	var req Request
	req.Parse([]byte("GET / HTTP/1.1\r\n\r\n"), DefaultLimits)
	out, o := r.AppendTo(nil, ModeKeepAlive, false, &req)
	if len(out) != 0 || !o.Close {
		t.Errorf("empty errorfile: wrote %q, close=%v; want nothing and close", out, o.Close)
	}
}
