package main

// Seed 004's minimal production configuration and its monitoring
// configuration (examples/004-minimal.cfg, 004-monitoring.cfg) run as
// shipped but for the addresses, under switchyard and, as a check of the
// assertions themselves, under the reference haproxy.

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestExample004Minimal(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("004-minimal.cfg drops root for the haproxy user in a chroot: it must start as root (CI runs as root)")
	}
	for _, bin := range exBins {
		t.Run(bin, func(t *testing.T) {
			t.Parallel()
			var env []string
			for _, n := range []string{"web1", "web2", "web3"} {
				env = append(env, strings.ToUpper(n)+"="+exStartOrigin(t, n).addr)
			}
			sock := filepath.Join(t.TempDir(), "admin.sock")
			os.Chmod(filepath.Dir(sock), 0o755)
			env = append(env, "STATS_SOCKET="+sock)
			p := exStart(t, bin, "004-minimal.cfg", env, "/")
			// Round robin over the three checked servers.
			got := p.servers("/", 6)
			if got["web1"] != 2 || got["web2"] != 2 || got["web3"] != 2 {
				t.Errorf("traffic: %v", got)
			}
			// The runtime API on the stats socket.
			state := exCLI(t, sock, "show servers state web_servers")
			for _, n := range []string{"web1", "web2", "web3"} {
				if !strings.Contains(state, " "+n+" ") {
					t.Errorf("show servers state lacks %s:\n%s", n, state)
				}
			}
			// Root was dropped: the process runs as the haproxy user.
			status, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/status")
			if err != nil {
				t.Fatal(err)
			}
			if uid := procField(string(status), "Uid:"); uid == "0" || uid == "" {
				t.Errorf("still running as uid %q", uid)
			}
		})
	}
}

func TestExample004Monitoring(t *testing.T) {
	t.Parallel()
	for _, bin := range exBins {
		t.Run(bin, func(t *testing.T) {
			t.Parallel()
			web1, web2 := exStartOrigin(t, "web1"), exStartOrigin(t, "web2")
			statsAddr, metricsAddr := freeAddr(t), freeAddr(t)
			env := []string{"WEB1=" + web1.addr, "WEB2=" + web2.addr, "STATS_LISTEN=" + statsAddr, "METRICS_LISTEN=" + metricsAddr}
			p := exStart(t, bin, "004-monitoring.cfg", env, "/")
			c := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			do := func(method, path, body string, auth bool) (*http.Response, string) {
				t.Helper()
				req, _ := http.NewRequest(method, "http://"+statsAddr+path, strings.NewReader(body))
				if auth {
					req.SetBasicAuth("admin", "your_secure_password")
				}
				if body != "" {
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				resp, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp, string(b)
			}
			if resp, _ := do("GET", "/stats", "", false); resp.StatusCode != 401 {
				t.Fatalf("the page without its password: %d", resp.StatusCode)
			}
			if resp, body := do("GET", "/stats", "", true); resp.StatusCode != 200 || !strings.Contains(body, "web1") {
				t.Fatalf("the page: %d", resp.StatusCode)
			}
			// Both servers take traffic, then the admin form puts web1
			// in maintenance and only web2 does.
			poll(t, 10*time.Second, "both servers to take traffic", func() bool {
				got := p.servers("/", 4)
				return got["web1"] > 0 && got["web2"] > 0
			})
			form := url.Values{"s": {"web1"}, "action": {"maint"}, "b": {"app"}}
			resp, _ := do("POST", "/stats", form.Encode(), true)
			if resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), ";st=DONE") {
				t.Fatalf("the admin form: %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			if got := p.servers("/", 4); got["web2"] != 4 {
				t.Errorf("with web1 in maintenance: %v", got)
			}
			_, csv := do("GET", "/stats;csv", "", true)
			if !strings.HasPrefix(csv, "# pxname,svname,qcur,") || !strings.Contains(csv, "\napp,web1,") {
				t.Errorf(";csv:\n%s", csv)
			}
			mresp, err := c.Get("http://" + metricsAddr + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			metrics, _ := io.ReadAll(mresp.Body)
			mresp.Body.Close()
			for _, want := range []string{
				`haproxy_server_status{proxy="app",server="web1",state="MAINT"} 1`,
				`haproxy_backend_active_servers{proxy="app"} 1`,
			} {
				if !strings.Contains(string(metrics), want) {
					t.Errorf("/metrics lacks %s", want)
				}
			}
		})
	}
}

// exCLI sends one command to a stats socket.
func exCLI(t *testing.T, sock, cmd string) string {
	t.Helper()
	c, err := net.DialTimeout("unix", sock, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, cmd+"\n")
	var b strings.Builder
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		b.WriteString(sc.Text() + "\n")
	}
	return b.String()
}

func procField(status, name string) string {
	for _, l := range strings.Split(status, "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == name {
			return f[1]
		}
	}
	return ""
}
