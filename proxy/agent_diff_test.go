package proxy

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The agent differential test: haproxy (when installed) and switchyard run
// the same backend against a scripted agent that hands reply i to its
// i-th connection, and the state and agent log lines they send to a
// syslog socket must be the same (syslog header and check durations
// normalised). A second server, "mark", has an agent of its own that
// answers "up" until the script is over and "down" then: its DOWN line
// ends the transcript, so nothing waits on a timer.

const diffHaproxy = "/usr/sbin/haproxy"

// scriptAgent answers connection i with replies[i]; the connection after
// the last is held unanswered (so that no timeout or failure adds a line)
// and reported on done.
type scriptAgent struct {
	addr string
	done chan struct{}
	stop chan struct{}
}

func startScriptAgent(t *testing.T, replies []string) *scriptAgent {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := &scriptAgent{addr: ln.Addr().String(), done: make(chan struct{}), stop: make(chan struct{})}
	t.Cleanup(func() {
		close(a.stop)
		ln.Close()
	})
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for i := 0; ; i++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if i >= len(replies) {
				held = append(held, c)
				if i == len(replies) {
					close(a.done)
				}
				continue
			}
			r := replies[i]
			switch {
			case r == "@close":
			case strings.HasSuffix(r, "@nolf"):
				c.Write([]byte(strings.TrimSuffix(r, "@nolf")))
			default:
				c.Write([]byte(r + "\n"))
			}
			c.Close()
		}
	}()
	return a
}

// markAgent answers "up" until down is closed, then "down".
type markAgent struct {
	addr string
	down chan struct{}
}

func startMarkAgent(t *testing.T) *markAgent {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	m := &markAgent{addr: ln.Addr().String(), down: make(chan struct{})}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			select {
			case <-m.down:
				c.Write([]byte("down\n"))
			default:
				c.Write([]byte("up\n"))
			}
			c.Close()
		}
	}()
	return m
}

var (
	syslogLine = regexp.MustCompile(`^<(\d+)>.*?\[\d+\]: (.*)$`)
	durationMs = regexp.MustCompile(`check duration: \d+ms`)
)

// agentTranscript runs backend lines with s1's agent scripted by replies
// under haproxy (real true) or switchyard, and returns the lines logged
// about the backend's servers, "<priority> message".
func agentTranscript(t *testing.T, real bool, backendLines, s1opts string, replies []string) []string {
	t.Helper()
	udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	agent := startScriptAgent(t, replies)
	mark := startMarkAgent(t)
	_, aport, _ := net.SplitHostPort(agent.addr)
	_, mport, _ := net.SplitHostPort(mark.addr)
	text := fmt.Sprintf(`global
    log %s local0
defaults
    mode http
    log global
    timeout connect 2s
    timeout client 5s
    timeout server 5s
    timeout check 10s
frontend fe
    bind %s
    default_backend be
backend be
%s
    server s1 127.0.0.1:1 agent-check agent-port %s agent-inter 100ms %s
    server mark 127.0.0.1:1 agent-check agent-port %s agent-inter 100ms
`, udp.LocalAddr(), itAddr(t), backendLines, aport, s1opts, mport)
	if real {
		dir := t.TempDir()
		path := filepath.Join(dir, "h.cfg")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(diffHaproxy, "-db", "-f", path)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() {
			cmd.Process.Kill()
			cmd.Wait()
		}()
	} else {
		itStart(t, itConfig(t, text))
	}
	lines := make(chan string, 64)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, _, err := udp.ReadFrom(buf)
			if err != nil {
				close(lines)
				return
			}
			sc := bufio.NewScanner(strings.NewReader(string(buf[:n])))
			for sc.Scan() {
				lines <- sc.Text()
			}
		}
	}()
	deadline := time.After(10 * time.Second)
	var out []string
	for {
		select {
		case <-agent.done:
			close(mark.down)
			agent.done = nil
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the syslog socket closed")
			}
			m := syslogLine.FindStringSubmatch(l)
			if m == nil || !strings.Contains(m[2], "be") {
				continue
			}
			msg := durationMs.ReplaceAllString(m[2], "check duration: Nms")
			out = append(out, m[1]+" "+msg)
			if strings.HasPrefix(msg, "Server be/mark is DOWN") {
				return out
			}
		case <-deadline:
			t.Errorf("no end of transcript within 10s (real haproxy: %v); so far:\n%s", real, strings.Join(out, "\n"))
			return out
		}
	}
}

// byServer puts the marker's lines after the others: its first check
// races with s1's, the rest is ordered by the script.
func byServer(lines []string) string {
	var own, mark []string
	for _, l := range lines {
		if strings.Contains(l, "be/mark") {
			mark = append(mark, l)
		} else {
			own = append(own, l)
		}
	}
	return strings.Join(append(own, mark...), "\n")
}

// TestAgentDifferential compares agent reply handling with haproxy's.
func TestAgentDifferential(t *testing.T) {
	if _, err := os.Stat(diffHaproxy); err != nil || testing.Short() {
		t.Skip("haproxy is not installed, or short mode")
	}
	t.Parallel()
	for _, c := range []struct {
		name, lines, opts string
		replies           []string
	}{
		{"states", "", "", []string{"up", "down", "down", "up", "drain", "drain", "ready", "maint", "maint", "ready",
			"fail #bad disk", "up", "stopped", "up 0%", "up 100%"}},
		{"log-health-checks", "    option log-health-checks", "", []string{"up", "down", "down", "up", "50%", "garbage", "up 0%",
			"up 100%", "", "@close", "up@nolf", "up", "drain 0%", "ready"}},
		{"static weights", "    balance static-rr\n    option log-health-checks", "weight 4",
			[]string{"up 30%", "up 0% drain", "maint", "up 100%", "ready", "maxconn:3 75%"}},
		{"tracking", "    server s3 127.0.0.1:1 track s1\n    server s4 127.0.0.1:1 track s3 backup", "",
			[]string{"up", "down", "up", "drain", "ready", "maint", "ready", "drain", "maint", "ready"}},
		{"slowstart", "", "slowstart 1h", []string{"up", "down", "up"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			want := byServer(agentTranscript(t, true, c.lines, c.opts, c.replies))
			got := byServer(agentTranscript(t, false, c.lines, c.opts, c.replies))
			if got != want {
				t.Errorf("switchyard:\n%s\nhaproxy:\n%s", got, want)
			}
		})
	}
}
