package logsink

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func mustTarget(t *testing.T, line string) *Target {
	t.Helper()
	tg, err := ParseTarget(strings.Fields(line))
	if err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	return tg
}

func TestParseTarget(t *testing.T) {
	t.Setenv("LS_TEST_HOST", "127.0.0.3")
	t.Setenv("LS_TEST_PORT", "1515")
	for _, tt := range []struct {
		line     string
		kind     targetKind
		addr     string
		format   Format
		facility int
		level    int
		minLevel int
		maxLen   int
	}{
		{"127.0.0.1 local0", kindUDP, "127.0.0.1:514", FormatAuto, 16, LevelDebug, LevelEmerg, 1024},
		{"127.0.0.1:1514 len 2048 format rfc5424 daemon info err", kindUDP, "127.0.0.1:1514", FormatRFC5424, 3, LevelInfo, LevelErr, 2048},
		{"udp6@[::1]:515 user", kindUDP, "[::1]:515", FormatAuto, 1, LevelDebug, LevelEmerg, 1024},
		{"ipv4@127.0.0.2 local7 notice", kindUDP, "127.0.0.2:514", FormatAuto, 23, LevelNotice, LevelEmerg, 1024},
		{"stdout format raw local0", kindFD, "", FormatRaw, 16, LevelDebug, LevelEmerg, 1024},
		{"fd@2 kern", kindFD, "", FormatAuto, 0, LevelDebug, LevelEmerg, 1024},
		{"fd@3 kern", kindFD, "", FormatAuto, 0, LevelDebug, LevelEmerg, 1024},
		{"/dev/log local2", kindUnix, "", FormatAuto, 18, LevelDebug, LevelEmerg, 1024},
		// haproxy's address parsing: variables expanded, an empty host is
		// any address.
		{"${LS_TEST_HOST}:${LS_TEST_PORT} local0", kindUDP, "127.0.0.3:1515", FormatAuto, 16, LevelDebug, LevelEmerg, 1024},
		{"${LS_TEST_UNSET}:${LS_TEST_UNSET} local0", kindUDP, "0.0.0.0:514", FormatAuto, 16, LevelDebug, LevelEmerg, 1024},
	} {
		tg := mustTarget(t, tt.line)
		if tg.kind != tt.kind || tt.addr != "" && tg.addr.String() != tt.addr || tg.Format != tt.format ||
			tg.Facility != tt.facility || tg.Level != tt.level || tg.MinLevel != tt.minLevel || tg.MaxLen != tt.maxLen {
			t.Errorf("%q: got %+v", tt.line, tg)
		}
	}
	for _, tt := range []struct{ line, err string }{
		{"127.0.0.1", "expects <address> and <facility> as arguments"},
		{"127.0.0.1 local8", "unknown log facility 'local8'"},
		{"127.0.0.1 len 79 local0", "invalid log length '79', must be between 80 and 65535"},
		{"127.0.0.1 format xml local0", "unknown log format 'xml'"},
		{"127.0.0.1 local0 loud", "unknown optional log level 'loud'"},
		{"127.0.0.1 local0 info loud", "unknown optional minimum log level 'loud'"},
		{"127.0.0.1 local0 info err extra", "cannot handle unexpected argument 'extra'"},
		{"127.0.0.1:0 local0", "invalid port '0'"},
		{"ring@buf local0", "not supported yet"},
		{"tcp@127.0.0.1 local0", "not supported yet"},
		{"fd@x local0", "invalid file descriptor"},
		{"udp4@::1 local0", "does not match 'udp4@'"},
		{"127.0.0.1 sample 1-2:1 local0", "sample size 1 should be greater or equal to 2"},
		{"127.0.0.1 sample 1-3,2:5 local0", "overlap"},
		{"127.0.0.1 sample 1-2 local0", "Missing sample size"},
	} {
		_, err := ParseTarget(strings.Fields(tt.line))
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%q: error %v, want %q", tt.line, err, tt.err)
		}
	}
}

// The header layouts, for a fixed time and process (haproxy's
// build_log_header; the differential logs test checks them against
// haproxy too).
func TestHeaderFormats(t *testing.T) {
	now := time.Date(2026, 12, 5, 9, 4, 5, 123456000, time.Local)
	iso := now.Format("2006-01-02T15:04:05.000000-07:00")
	meta := &Meta{Tag: "haproxy"}
	host := &Meta{Tag: "haproxy", Hostname: "edge1"}
	for _, tt := range []struct {
		format string
		meta   *Meta
		want   string
	}{
		{"", meta, "<134>Dec  5 09:04:05 haproxy[" + pid + "]: hello\n"},
		{"", host, "<134>Dec  5 09:04:05 edge1 haproxy[" + pid + "]: hello\n"},
		{"format rfc3164", meta, "<134>Dec  5 09:04:05 localhost haproxy[" + pid + "]: hello\n"},
		{"format rfc5424", host, "<134>1 " + iso + " edge1 haproxy " + pid + " - [sd] hello\n"},
		{"format priority", meta, "<134>hello\n"},
		{"format short", meta, "<6>hello\n"},
		{"format timed", meta, "<6>" + iso + " hello\n"},
		{"format iso", meta, iso + " hello\n"},
		{"format raw", meta, "hello\n"},
	} {
		tg := mustTarget(t, "127.0.0.1 "+tt.format+" local0")
		if got := string(tg.appendLine(nil, now, tt.meta, LevelInfo, []byte("hello"), []byte("[sd] "))); got != tt.want {
			t.Errorf("%q:\n got  %q\n want %q", tt.format, got, tt.want)
		}
	}
	// len bounds header and message together; the newline is extra.
	tg := mustTarget(t, "127.0.0.1 len 80 format short local0")
	line := tg.appendLine(nil, now, meta, LevelInfo, []byte(strings.Repeat("x", 200)), nil)
	if len(line) != 81 || line[80] != '\n' {
		t.Errorf("len 80: %d bytes", len(line))
	}
}

func TestSampling(t *testing.T) {
	tg := mustTarget(t, "127.0.0.1 sample 1-2,4:5 local0")
	var got []bool
	for range 10 {
		got = append(got, tg.sampling.take())
	}
	want := []bool{true, true, false, true, false, true, true, false, true, false}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("lines kept %v, want %v", got, want)
		}
	}
}

// Lines reach UDP and unix datagram listeners, filtered by level and sent
// at the minimum level.
func TestSend(t *testing.T) {
	udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	sock := filepath.Join(t.TempDir(), "log.sock")
	unix, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close()
	targets := []*Target{
		mustTarget(t, udp.LocalAddr().String()+" format short local0 info err"),
		mustTarget(t, sock+" format raw local0"),
	}
	meta := &Meta{Tag: "t"}
	Send(targets, meta, LevelDebug, []byte("debug line\n"), nil) // above the UDP target's level
	Send(targets, meta, LevelInfo, []byte("info line\n"), nil)
	Send(targets, meta, LevelEmerg, []byte("emerg line"), nil) // raised to err
	read := func(c net.PacketConn) string {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 2048)
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		return string(buf[:n])
	}
	if got := read(udp); got != "<6>info line\n" {
		t.Errorf("udp: %q, want the info line", got)
	}
	if got := read(udp); got != "<3>emerg line\n" {
		t.Errorf("udp: %q, want the emerg line sent at the minimum level, err", got)
	}
	if got := read(unix); got != "debug line\n" {
		t.Errorf("unix: %q", got)
	}
	if got := read(unix); got != "info line\n" {
		t.Errorf("unix: %q", got)
	}
	if got := read(unix); got != "emerg line\n" {
		t.Errorf("unix: %q", got)
	}
}

// A stream target whose queue is full drops lines and counts them rather
// than block the caller.
func TestStreamQueueDrops(t *testing.T) {
	s := &stream{q: make(chan []byte, 2), drained: make(chan struct{}, 1)}
	before := Dropped.Load()
	for range 5 {
		s.enqueue([]byte("x\n"))
	}
	if d := Dropped.Load() - before; d != 3 {
		t.Errorf("%d lines dropped, want 3", d)
	}
}

// A stream writes the lines waiting in its queue together, in order and
// whole.
func TestStreamWritesQueuedLinesTogether(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	s := &stream{q: make(chan []byte, 100), drained: make(chan struct{}, 1)}
	var want strings.Builder
	for i := range 50 {
		line := fmt.Sprintf("line %d\n", i)
		want.WriteString(line)
		s.enqueue([]byte(line))
	}
	close(s.q)
	done := make(chan struct{})
	go func() {
		s.write(w)
		w.Close()
		close(done)
	}()
	got, err := io.ReadAll(r)
	<-done
	if err != nil || string(got) != want.String() {
		t.Fatalf("%q, %v", got, err)
	}
}

// flush returns once the queued lines are written, or at its deadline
// when the descriptor does not take them (a pipe nobody reads).
func TestStreamFlush(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	s := &stream{q: make(chan []byte, 100), drained: make(chan struct{}, 1)}
	go s.write(w)
	defer close(s.q)
	s.enqueue([]byte("one\n"))
	s.enqueue([]byte("two\n"))
	s.flush(time.Now().Add(5 * time.Second))
	if n := s.pending.Load(); n != 0 {
		t.Fatalf("%d lines pending after flush", n)
	}
	buf := make([]byte, 16)
	if n, _ := io.ReadAtLeast(r, buf, 8); string(buf[:n]) != "one\ntwo\n" {
		t.Fatalf("%q", buf[:n])
	}
	// A full pipe: the writer blocks, flush gives up at its deadline.
	big := make([]byte, 1<<20)
	s.enqueue(big)
	start := time.Now()
	s.flush(time.Now().Add(100 * time.Millisecond))
	if s.pending.Load() == 0 || time.Since(start) > 2*time.Second {
		t.Fatalf("flush on a blocked stream: pending %d after %v", s.pending.Load(), time.Since(start))
	}
	go io.Copy(io.Discard, r) // let the writer finish
}
