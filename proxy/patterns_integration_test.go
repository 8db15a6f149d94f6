package proxy

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"switchyard/patwatch"
)

// A running proxy follows its ACL -f file and its map file as they change
// on disk, without a reload: edited in place, replaced by an atomic
// rename, and swapped Kubernetes-style (a "..data" symlink); by file
// events, and by polling alone (network file systems send none).
func TestIntegrationPatternFilesLive(t *testing.T) {
	for _, mode := range []struct {
		name string
		opt  patwatch.Options
	}{
		{"events", patwatch.Options{}},
		{"polling", patwatch.Options{Interval: 20 * time.Millisecond, NoEvents: true}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			k8s := filepath.Join(dir, "k8s")
			// k8s/tokens.lst -> ..data/tokens.lst, ..data -> ..v1
			mustWrite(t, filepath.Join(k8s, "..v1", "tokens.lst"), "tok-a\n")
			mustSymlink(t, "..v1", filepath.Join(k8s, "..data"))
			mustSymlink(t, filepath.Join("..data", "tokens.lst"), filepath.Join(k8s, "tokens.lst"))
			mustWrite(t, filepath.Join(dir, "routes.map"), "tok-a route-a\n")
			mustWrite(t, filepath.Join(dir, "block.lst"), "blocked\n")
			addr := itAddr(t)
			cfg := itConfig(t, `
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 5s
frontend fe
  bind {ADDR}
  acl allowed req.hdr(x-token) -f {K8S}/tokens.lst
  acl blocked req.hdr(x-token) -f {DIR}/block.lst
  http-request return status 200 content-type text/plain lf-string "blocked" if blocked
  http-request return status 200 content-type text/plain lf-string "%[req.hdr(x-token),map({DIR}/routes.map,none)]" if allowed
  http-request return status 200 content-type text/plain string denied
`, "ADDR", addr, "DIR", dir, "K8S", k8s)
			rt := itStart(t, cfg)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			opt := mode.opt
			passes := make(chan struct{}, 1)
			opt.Checked = func() {
				select {
				case passes <- struct{}{}:
				default:
				}
			}
			go func() {
				defer close(done)
				patwatch.Watch(ctx, rt.Snapshot().Patterns, opt, slog.New(slog.NewTextHandler(io.Discard, nil)))
			}()
			t.Cleanup(func() { cancel(); <-done })
			<-passes // the first pass over the files is done

			ask := func(token string, extra ...string) string {
				k := itDial(t, addr)
				defer k.c.Close()
				_, body := k.get("/", append([]string{"x-token: " + token + "\r\n"}, extra...)...)
				return body
			}
			waitFor := func(what, token, want string) {
				t.Helper()
				itPoll(t, 5*time.Second, what, func() bool { return ask(token) == want })
			}
			if got := ask("tok-a"); got != "route-a" {
				t.Fatalf("initial: %q", got)
			}
			if got := ask("tok-b"); got != "denied" {
				t.Fatalf("initial tok-b: %q", got)
			}
			// In place: the map file rewritten where it is.
			mustWrite(t, filepath.Join(dir, "routes.map"), "tok-a route-a2\ntok-b route-b\n")
			waitFor("the map edited in place", "tok-a", "route-a2")
			// Kubernetes: a new ..v2 directory, ..data swapped to it.
			mustWrite(t, filepath.Join(k8s, "..v2", "tokens.lst"), "tok-a\ntok-b\n")
			mustSymlink(t, "..v2", filepath.Join(k8s, "..data_tmp"))
			if err := os.Rename(filepath.Join(k8s, "..data_tmp"), filepath.Join(k8s, "..data")); err != nil {
				t.Fatal(err)
			}
			waitFor("the ..data symlink swap", "tok-b", "route-b")
			// Atomic rename over the map.
			mustWrite(t, filepath.Join(dir, "routes.map.tmp"), "tok-a route-a3\ntok-b route-b3\n")
			if err := os.Rename(filepath.Join(dir, "routes.map.tmp"), filepath.Join(dir, "routes.map")); err != nil {
				t.Fatal(err)
			}
			waitFor("the map renamed over", "tok-b", "route-b3")
		})
	}
}

func mustWrite(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}
