// Package logsink sends log lines where haproxy's `log` lines say: syslog
// over UDP, unix datagram sockets such as /dev/log, stdout and stderr, with
// haproxy's header formats, facilities and levels. Sending never blocks the
// data plane: a datagram that does not fit the socket's buffer, or a line
// that finds the output stream's queue full, is dropped and counted, as
// haproxy drops on EAGAIN.
package logsink

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"switchyard/internal/addrenv"
)

// Format is a log line header layout (haproxy's `log ... format`).
type Format uint8

const (
	// FormatAuto is haproxy's default: the local syslog layout, or
	// rfc3164 when a host name is sent (log-send-hostname).
	FormatAuto Format = iota
	FormatLocal
	FormatRFC3164
	FormatRFC5424
	FormatPriority
	FormatShort
	FormatTimed
	FormatISO
	FormatRaw
)

var formatNames = map[string]Format{
	"local": FormatLocal, "rfc3164": FormatRFC3164, "rfc5424": FormatRFC5424, "priority": FormatPriority,
	"short": FormatShort, "timed": FormatTimed, "iso": FormatISO, "raw": FormatRaw,
}

var facilityNames = []string{
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "auth2", "ftp", "ntp", "audit", "alert", "cron2",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
}

// Levels, as syslog numbers them.
const (
	LevelEmerg = iota
	LevelAlert
	LevelCrit
	LevelErr
	LevelWarning
	LevelNotice
	LevelInfo
	LevelDebug
)

var levelNames = []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

// ParseLevel returns the number of a level name, or -1.
func ParseLevel(s string) int { return slices.Index(levelNames, s) }

// Target is one `log` line: where lines go and how they look.
type Target struct {
	Text     string // the address as written, for messages
	kind     targetKind
	addr     netip.AddrPort         // UDP
	path     string                 // unix datagram socket
	raw      rawAddr                // addr or path in the kernel's form
	out      atomic.Pointer[stream] // fd's writer, found at the first line
	fd       int                    // 1 or 2
	Format   Format
	MaxLen   int // header and message, the newline aside
	Facility int
	Level    int // lines above this level are not sent
	MinLevel int // lines are sent at this level at least
	sampling *sampling
}

type targetKind uint8

const (
	kindUDP targetKind = iota
	kindUnix
	kindFD
)

// DefaultMaxLen is the length a line is cut to unless `len` says.
const DefaultMaxLen = 1024

// ParseTarget reads the arguments of a `log` line after the keyword:
// <address> [len <n>] [format <fmt>] [sample <ranges>:<size>] <facility>
// [<level> [<minlevel>]]. `log global` and `no log` are the caller's.
func ParseTarget(args []string) (*Target, error) {
	if len(args) < 2 {
		return nil, fmt.Errorf("expects <address> and <facility> as arguments")
	}
	t := &Target{Text: args[0], MaxLen: DefaultMaxLen, Level: LevelDebug}
	i := 1
	if args[i] == "len" && i+1 < len(args) {
		n, err := strconv.Atoi(args[i+1])
		if err != nil || n < 80 || n > 65535 {
			return nil, fmt.Errorf("invalid log length '%s', must be between 80 and 65535", args[i+1])
		}
		t.MaxLen, i = n, i+2
	}
	if i+1 < len(args) && args[i] == "format" {
		f, ok := formatNames[args[i+1]]
		if !ok {
			return nil, fmt.Errorf("unknown log format '%s'", args[i+1])
		}
		t.Format, i = f, i+2
	}
	if i+1 < len(args) && args[i] == "sample" {
		s, err := parseSampling(args[i+1])
		if err != nil {
			return nil, err
		}
		t.sampling, i = s, i+2
	}
	if i >= len(args) {
		return nil, fmt.Errorf("expects <address> and <facility> as arguments")
	}
	t.Facility = slices.Index(facilityNames, args[i])
	if t.Facility < 0 {
		return nil, fmt.Errorf("unknown log facility '%s'", args[i])
	}
	i++
	if i < len(args) {
		if t.Level = ParseLevel(args[i]); t.Level < 0 {
			return nil, fmt.Errorf("unknown optional log level '%s'", args[i])
		}
		i++
	}
	if i < len(args) {
		if t.MinLevel = ParseLevel(args[i]); t.MinLevel < 0 {
			return nil, fmt.Errorf("unknown optional minimum log level '%s'", args[i])
		}
		i++
	}
	if i < len(args) {
		return nil, fmt.Errorf("cannot handle unexpected argument '%s'", args[i])
	}
	return t, t.parseAddr(addrenv.Expand(args[0]))
}

// parseAddr reads the address: stdout, stderr, fd@N, a unix socket path
// (or unix@path), or [udp@|ipv4@|ipv6@|udp4@|udp6@]host[:port], port 514
// by default.
func (t *Target) parseAddr(a string) error {
	switch {
	case a == "stdout" || a == "fd@1":
		t.kind, t.fd = kindFD, 1
		return nil
	case a == "stderr" || a == "fd@2":
		t.kind, t.fd = kindFD, 2
		return nil
	case strings.HasPrefix(a, "fd@"):
		n, err := strconv.Atoi(a[3:])
		if err != nil || n < 0 {
			return fmt.Errorf("invalid file descriptor in log target '%s'", a)
		}
		t.kind, t.fd = kindFD, n
		return nil
	case strings.HasPrefix(a, "ring@"):
		return fmt.Errorf("log target '%s': 'ring' sections are not supported yet by switchyard", a)
	case strings.HasPrefix(a, "unix@") || strings.HasPrefix(a, "/"):
		t.kind, t.path = kindUnix, strings.TrimPrefix(a, "unix@")
		if len(t.path) > maxUnixPath {
			return fmt.Errorf("log target '%s': socket path longer than %d bytes", a, maxUnixPath)
		}
		t.raw = rawUnix(t.path)
		return nil
	}
	family := ""
	if i := strings.Index(a, "@"); i >= 0 {
		family, a = a[:i], a[i+1:]
		switch family {
		case "udp", "udp4", "udp6", "ipv4", "ipv6":
		case "tcp", "tcp4", "tcp6":
			return fmt.Errorf("log target '%s@%s': logs over TCP (through a ring) are not supported yet by switchyard", family, a)
		default:
			return fmt.Errorf("log target '%s@%s': address family not supported for logs", family, a)
		}
	}
	host, port := a, "514"
	if h, p, err := net.SplitHostPort(a); err == nil {
		host, port = h, p
	} else if strings.Count(a, ":") == 1 {
		host, port = a[:strings.Index(a, ":")], a[strings.Index(a, ":")+1:]
	}
	if port == "" {
		port = "514"
	}
	if host == "" {
		host = "0.0.0.0" // as haproxy reads ":514": any address, which is this host
		if family == "udp6" || family == "ipv6" {
			host = "::"
		}
	}
	pn, err := strconv.ParseUint(port, 10, 16)
	if err != nil || pn == 0 {
		return fmt.Errorf("invalid port '%s' in log target '%s'", port, t.Text)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		// A name is resolved once, at load, as haproxy does.
		ips, lerr := net.LookupIP(host)
		if lerr != nil || len(ips) == 0 {
			return fmt.Errorf("invalid address '%s' in log target '%s'", host, t.Text)
		}
		ip, _ = netip.AddrFromSlice(ips[0])
	}
	ip = ip.Unmap()
	if (family == "udp4" || family == "ipv4") && !ip.Is4() || (family == "udp6" || family == "ipv6") && !ip.Is6() {
		return fmt.Errorf("address '%s' does not match '%s@' in log target '%s'", host, family, t.Text)
	}
	t.kind, t.addr = kindUDP, netip.AddrPortFrom(ip, uint16(pn))
	t.raw = rawInet(t.addr)
	return nil
}

// sampling is `sample <ranges>:<size>`: of each run of size lines, only
// those whose position (from 1) falls in a range are sent.
type sampling struct {
	size   int
	ranges [][2]int
	next   chan int // the position counter, one slot (a lock that orders)
}

func parseSampling(s string) (*sampling, error) {
	rs, size, ok := strings.Cut(s, ":")
	if !ok {
		return nil, fmt.Errorf("Missing sample size")
	}
	sm := &sampling{next: make(chan int, 1)}
	sm.next <- 0
	maxHigh := 0
	for _, r := range strings.Split(rs, ",") {
		lo, hi, isRange := strings.Cut(r, "-")
		if !isRange {
			hi = lo
		}
		l, err1 := strconv.Atoi(lo)
		h, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || l < 1 || h < l {
			return nil, fmt.Errorf("wrong sample range '%s'", r)
		}
		for _, o := range sm.ranges {
			if l <= o[1] && o[0] <= h {
				return nil, fmt.Errorf("ranges '%d-%d' and '%d-%d' overlap", o[0], o[1], l, h)
			}
		}
		sm.ranges = append(sm.ranges, [2]int{l, h})
		maxHigh = max(maxHigh, h)
	}
	n, err := strconv.Atoi(size)
	if err != nil || n <= 0 {
		return nil, fmt.Errorf("wrong sample size '%s' for sample range '%s'", size, s)
	}
	if n < maxHigh {
		return nil, fmt.Errorf("sample size %d should be greater or equal to %d the maximum of the high ranges limits", n, maxHigh)
	}
	sm.size = n
	return sm, nil
}

// take says whether the next line is one the sampling keeps.
func (sm *sampling) take() bool {
	pos := <-sm.next
	sm.next <- (pos + 1) % sm.size
	pos++
	for _, r := range sm.ranges {
		if pos >= r[0] && pos <= r[1] {
			return true
		}
	}
	return false
}
