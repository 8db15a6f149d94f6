package difftest

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// logSink is the syslog server of a case: it collects the datagrams a
// proxy sends to ${LOG_PORT}.
type logSink struct {
	c     *net.UDPConn
	mu    sync.Mutex
	lines []string
	more  chan struct{} // signalled on every line
	done  chan struct{}
}

func startLogSink() (*logSink, error) {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	s := &logSink{c: c, more: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		buf := make([]byte, 65536)
		for {
			n, _, err := c.ReadFromUDP(buf)
			if err != nil {
				return
			}
			s.mu.Lock()
			s.lines = append(s.lines, strings.TrimRight(string(buf[:n]), "\n"))
			s.mu.Unlock()
			select {
			case s.more <- struct{}{}:
			default:
			}
		}
	}()
	return s, nil
}

func (s *logSink) port() string { return strconv.Itoa(s.c.LocalAddr().(*net.UDPAddr).Port) }

func (s *logSink) close() {
	s.c.Close()
	<-s.done
}

// wait returns the lines received once there are want of them, or what
// came within the deadline. Then it waits a little longer, so that a
// proxy sending more lines than expected shows it.
func (s *logSink) wait(want int) []string {
	deadline := time.NewTimer(3 * time.Second)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		n := len(s.lines)
		s.mu.Unlock()
		if n >= want {
			break
		}
		select {
		case <-s.more:
		case <-deadline.C:
			return s.snapshot()
		}
	}
	extra := time.NewTimer(100 * time.Millisecond)
	defer extra.Stop()
	select {
	case <-s.more:
	case <-extra.C:
	}
	return s.snapshot()
}

func (s *logSink) snapshot() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lines...)
}

// render is the lines received, normalised (see logNorm), in a stable
// order: lines of concurrent connections may arrive in any order.
func (s *logSink) render(want int) []string {
	got := s.wait(want)
	out := make([]string, 0, len(got)+1)
	for _, l := range got {
		out = append(out, "log: "+logNorm(l))
	}
	if len(got) != want {
		out = append(out, fmt.Sprintf("log: %d lines, case expects %d", len(got), want))
	}
	return out
}

// What differs between two runs of the same case and is replaced: dates
// and times, process ids, host names, ports the harness picked, and the
// timers, whose value depends on scheduling but whose sign does not (-1
// says a step was not reached).
var (
	logDates = []*regexp.Regexp{
		regexp.MustCompile(`\d\d/[A-Z][a-z][a-z]/\d{4}:\d\d:\d\d:\d\d(\.\d{3})?( [+-]\d{4})?`), // %t, %tr, %trg
		regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)`),          // iso
		regexp.MustCompile(`[A-Z][a-z][a-z] [ 0-9]\d \d\d:\d\d:\d\d`),                          // rfc3164
	}
	logPid  = regexp.MustCompile(`\[\d+\]: `)
	logPid5 = regexp.MustCompile(`^(<\d+>1 <date> \S+ \S+ )\d+ `) // rfc5424
	logPort = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	// The timers of httplog and tcplog come after "frontend backend/server";
	// custom formats in the cases put theirs in T[...].
	logTimers = []*regexp.Regexp{
		regexp.MustCompile(`^(.*?<date>\] \S+ \S+/\S+ )(-?\d+(?:/\+?-?\d+){2,4})( )`), // '+': option logasap
		regexp.MustCompile(`(T\[)([^\]]*)(\])`),
	}
	logNum = regexp.MustCompile(`-?\d+`)
)

func logNorm(l string) string {
	for _, re := range logDates {
		l = re.ReplaceAllString(l, "<date>")
	}
	l = logPid.ReplaceAllString(l, "[<pid>]: ")
	l = logPid5.ReplaceAllString(l, "${1}<pid> ")
	l = logPort.ReplaceAllString(l, "127.0.0.1:<port>")
	// A timer is -1 (its step was not reached) or some duration.
	for _, re := range logTimers {
		l = re.ReplaceAllStringFunc(l, func(m string) string {
			g := re.FindStringSubmatch(m)
			return g[1] + logNum.ReplaceAllStringFunc(g[2], func(n string) string {
				if n == "-1" {
					return n
				}
				return "t"
			}) + g[3]
		})
	}
	return l
}
