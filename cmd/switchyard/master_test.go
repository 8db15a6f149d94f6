package main

import (
	"bufio"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The master CLI (-S): show proc lists the process, @1 reaches the worker's
// CLI, reload reloads the configuration.
func TestCLIMasterCLI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, fe, msock := filepath.Join(dir, "m.cfg"), freeAddr(t), filepath.Join(dir, "master.sock")
	writeFile(t, cfg, proxyConfig(fe, origin(t, "a", nil)))
	p := startCLI(t, nil, nil, "-W", "-db", "-S", msock+",mode,600", "-f", cfg)
	p.serving(fe, "/")
	p.started()
	ask := func(cmd string) string {
		t.Helper()
		c, err := net.DialTimeout("unix", msock, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, cmd+"\n")
		b, _ := io.ReadAll(bufio.NewReader(c))
		return string(b)
	}
	if st, err := os.Stat(msock); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("master socket: %v %v", st, err)
	}
	pid := strconv.Itoa(p.cmd.Process.Pid)
	proc := ask("show proc")
	if !strings.Contains(proc, pid+" ") || !strings.Contains(proc, "master") || !strings.Contains(proc, "# workers") {
		t.Fatalf("show proc:\n%s", proc)
	}
	if out := ask("@1 show info"); !strings.Contains(out, "Pid: "+pid) {
		t.Fatalf("@1 show info:\n%s", out)
	}
	if out := ask("@!" + pid + " show servers state"); !strings.Contains(out, "# be_id be_name") {
		t.Fatalf("@!pid show servers state:\n%s", out)
	}
	if out := ask("@7 show info"); !strings.Contains(out, "Can't find the target process!") {
		t.Fatalf("@7: %q", out)
	}
	ask("reload")
	poll(t, 5*time.Second, "the reload", func() bool { return strings.Contains(p.stderr.String(), "configuration reloaded") })
	if proc := ask("show proc"); !strings.Contains(proc, "1 [failed: 0]") {
		t.Fatalf("show proc after a reload:\n%s", proc)
	}
	p.signal(syscall.SIGTERM)
	p.exit(5 * time.Second)
}
