package patwatch

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchyard/config"
	"switchyard/internal/testcert"
	"switchyard/proxy"
)

// TestCertificateFilesWatched: a certificate replaced on disk is served
// to the next handshake, without a reload; a broken one keeps the one in
// service and says why; a crt-list changed on disk serves its new lines.
func TestCertificateFilesWatched(t *testing.T) {
	ca := testcert.NewCA("watch CA")
	dir := t.TempDir()
	site, list := filepath.Join(dir, "site.pem"), filepath.Join(dir, "list.txt")
	replace := func(path string, data []byte) {
		// As deployment tools do: a new file renamed over the old one.
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	issue := func(cn string) []byte { return ca.Issue(testcert.Opts{CN: cn, DNS: []string{cn}}).Bundle() }
	replace(site, issue("one.example"))
	replace(filepath.Join(dir, "a.pem"), issue("a.example"))
	replace(filepath.Join(dir, "b.pem"), issue("b.example"))
	replace(list, []byte(filepath.Join(dir, "a.pem")+"\n"))

	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cfg, _, errs := config.LoadBytes("w.cfg", []byte(`
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend fe
    bind `+addr+` ssl crt `+site+` crt-list `+list+`
    default_backend be
backend be
    server s 127.0.0.1:1
`), config.LoadOptions{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	rt := proxy.New(slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err := rt.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	defer rt.Stop(context.Background())

	var logs syncBuf
	passes := make(chan struct{}, 16)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var files []File
	for _, f := range rt.Certs().Files() {
		files = append(files, f)
	}
	go func() {
		defer close(done)
		Watch(ctx, nil, Options{Interval: 10 * time.Millisecond, NoEvents: true,
			Checked: func() {
				// Never blocks: a test that failed reads no more, and
				// its deferred wait for the watcher must not hang.
				select {
				case passes <- struct{}{}:
				default:
				}
			}}, slog.New(slog.NewTextHandler(&logs, nil)), files...)
	}()
	defer func() { cancel(); <-done }()
	served := func(name string) string {
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{ServerName: name, InsecureSkipVerify: true})
		if err != nil {
			t.Fatalf("handshake for %s: %v", name, err)
		}
		defer c.Close()
		return c.ConnectionState().PeerCertificates[0].Subject.CommonName
	}
	wait := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for !cond() {
			select {
			case <-passes:
			case <-deadline:
				t.Fatalf("timed out waiting for %s; logs:\n%s", what, logs.String())
			}
		}
	}
	<-passes
	if got := served("one.example"); got != "one.example" {
		t.Fatalf("before: %s", got)
	}
	replace(site, issue("two.example"))
	wait("the new certificate", func() bool { return served("two.example") == "two.example" })

	// A broken file: the certificate in service stays.
	replace(site, []byte("not a certificate\n"))
	wait("the error", func() bool { return strings.Contains(logs.String(), "keeping the previous content") })
	if got := served("two.example"); got != "two.example" {
		t.Fatalf("after a broken file: %s", got)
	}
	if rt.Certs().ReloadErrors() == 0 {
		t.Error("the failed reload was not counted")
	}

	// The crt-list gains a line.
	if got := served("b.example"); got != "two.example" {
		t.Fatalf("b.example before its line: %s", got)
	}
	replace(list, []byte(filepath.Join(dir, "a.pem")+"\n"+filepath.Join(dir, "b.pem")+"\n"))
	wait("the crt-list's new line", func() bool { return served("b.example") == "b.example" })
}
