package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A binary upgrade under load loses nothing (issue 8 §5): the new process
// takes the old one's listening sockets through its stats socket (-x,
// expose-fd listeners), tells it to finish (-sf), and the clients, which
// never stop sending on keep-alive connections and never retry, see no
// error. The old process exits once its connections are done.
func TestCLIUpgradeUnderLoadLosesNothing(t *testing.T) {
	t.Parallel()
	const clients = 30
	origins := []string{origin(t, "o0", nil), origin(t, "o1", nil), origin(t, "o2", nil)}
	dir := t.TempDir()
	cfg, fe, sock := filepath.Join(dir, "u.cfg"), freeAddr(t), filepath.Join(dir, "admin.sock")
	text := strings.Replace(reloadConfig(fe, 0, origins), "global\n", "global\n    stats socket "+sock+" level admin expose-fd listeners\n    hard-stop-after 10s\n", 1)
	writeFile(t, cfg, text)
	old := startCLI(t, nil, nil, "-db", "-f", cfg)
	old.serving(fe, "/")
	old.started()

	st, stop := startLoad(t, fe, clients)
	next := startCLI(t, nil, nil, "-db", "-f", cfg, "-x", sock, "-sf", strconv.Itoa(old.cmd.Process.Pid))
	next.started()
	if strings.Contains(next.stderr.String(), "could not get the listening sockets") {
		t.Fatalf("the new process bound its own sockets:\n%s", next.stderr.String())
	}
	if code := old.exit(15 * time.Second); code != 0 {
		t.Errorf("old process exit code %d", code)
	}
	n := st.ok.Load()
	poll(t, 5*time.Second, "requests served by the new process", func() bool { return st.ok.Load() > n+int64(clients) })
	stop()
	t.Logf("%d requests across the upgrade", st.ok.Load())
	if f := st.failed.Load(); f != 0 {
		t.Fatalf("%d requests failed across the upgrade; first: %v", f, st.errs)
	}
	next.signal(syscall.SIGTERM)
	next.exit(5 * time.Second)
}
