package peers_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"switchyard/config"
	"switchyard/proxy"
)

// TestRuntimeBetweenTwoHAProxies runs a configuration's peers section in
// the proxy runtime (config → snapshot → peers) between two haproxys that
// do not know each other: what the first sets reaches switchyard, which
// teaches it to the second when that one starts and asks for a resync.
func TestRuntimeBetweenTwoHAProxies(t *testing.T) {
	const bin = "/usr/sbin/haproxy"
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("haproxy interop test skipped: %s not found", bin)
	}
	port := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().String()
	}
	sy, h1, h2 := port(), port(), port()
	table := "table t type string len 32 size 1k expire 60s store gpc0,http_req_rate(10s)"
	src := fmt.Sprintf("peers mesh\n peer sy %s\n peer hap1 %s\n peer hap2 %s\n %s\n", sy, h1, h2, table)
	env := func(k string) (string, bool) {
		if k == "HAPROXY_LOCALPEER" {
			return "sy", true
		}
		return "", false
	}
	cfg, _, errs := config.LoadBytes("sy.cfg", []byte(src), config.LoadOptions{Env: env})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	rt := proxy.New(slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err := rt.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rt.Stop(ctx)
	}()
	// A reload with the same section keeps the running one.
	sec := rt.Peers().Section("mesh")
	if err := rt.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	if rt.Peers().Section("mesh") != sec {
		t.Error("reload restarted an unchanged peers section")
	}

	start := func(name, addr string) func(string) string {
		dir := t.TempDir()
		sock := filepath.Join(dir, "s")
		conf := fmt.Sprintf("global\n stats socket %s level admin\ndefaults\n mode http\n timeout client 5s\n timeout server 5s\n timeout connect 5s\n"+
			"peers mesh\n peer %s %s\n peer sy %s\n %s\nfrontend fe\n bind %s\n http-request deny\n", sock, name, addr, sy, table, port())
		path := filepath.Join(dir, "h.cfg")
		os.WriteFile(path, []byte(conf), 0o600)
		out := &strings.Builder{}
		cmd := exec.Command(bin, "-db", "-L", name, "-f", path)
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
			if t.Failed() {
				t.Logf("%s:\n%s", name, out)
			}
		})
		return func(command string) string {
			c, err := net.DialTimeout("unix", sock, time.Second)
			if err != nil {
				return ""
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(3 * time.Second))
			io.WriteString(c, command+"\n")
			b, _ := io.ReadAll(c)
			return string(b)
		}
	}
	gpc0 := func(cli func(string) string, key string) string {
		m := regexp.MustCompile(`key=` + key + ` .* gpc0=(\d+)`).FindStringSubmatch(cli("show table mesh/t"))
		if m == nil {
			return ""
		}
		return m[1]
	}
	poll := func(what string, cond func() bool) {
		end := time.Now().Add(20 * time.Second)
		for !cond() {
			if time.Now().After(end) {
				t.Fatalf("timeout waiting for %s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	cli1 := start("hap1", h1)
	poll("hap1 up and connected", func() bool {
		return strings.Contains(cli1("show peers"), "id=sy(remote,active)") && strings.Contains(cli1("show peers"), "last_status=ESTA")
	})
	cli1("set table mesh/t key k1 data.gpc0 5")
	poll("switchyard acknowledges k1", func() bool {
		return regexp.MustCompile(`teaching_origin=\d+ update=1\b`).MatchString(cli1("show peers"))
	})
	cli2 := start("hap2", h2)
	poll("hap2 taught k1 by switchyard", func() bool { return gpc0(cli2, "k1") == "5" })
}
