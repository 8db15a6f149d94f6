package logformat

import (
	"crypto/tls"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"

	"switchyard/sample"
	"switchyard/ssl"
)

// renderFunc appends a variable's value.
type renderFunc func(dst []byte, o opt, c *sample.Ctx, s *Stream) []byte

// logVar is one %name variable: a row in the table below.
type logVar struct {
	httpOnly bool       // allowed only in mode http proxies
	render   renderFunc // nil for variables we cannot produce yet
	quiet    bool       // may print nothing (see node.quiet)
	// atEnd marks what only the end of a stream knows (bytes, times,
	// the termination state, the counts of connections): haproxy's
	// LW_BYTES, whose absence from a format sends the line early.
	atEnd bool
}

var logVars map[string]logVar

func init() {
	logVars = map[string]logVar{
		"B": {atEnd: true, render: asap(number(func(s *Stream) int64 { return s.BytesOut }))},
		// Captured cookies: "capture cookie" is not supported yet, so
		// there is never one, which haproxy prints as "-".
		"CC":   {httpOnly: true, render: noCookie},
		"CS":   {httpOnly: true, render: noCookie},
		"H":    {render: text(func(*Stream) string { return hostname() })},
		"HM":   {httpOnly: true, render: requestPart(partMethod)},
		"HP":   {httpOnly: true, render: requestPart(partPath)},
		"HPO":  {httpOnly: true, render: requestPart(partPathOnly)},
		"HQ":   {httpOnly: true, render: requestPart(partQuery)},
		"HU":   {httpOnly: true, render: requestPart(partURI)},
		"HV":   {httpOnly: true, render: requestPart(partVersion)},
		"ID":   {atEnd: true, render: renderUniqueID},
		"ST":   {render: number(func(s *Stream) int64 { return int64(s.Status) })},
		"T":    {render: date(gmtDate, false)},
		"Ta":   {atEnd: true, httpOnly: true, render: asap(timer(func(t Timers) int64 { return t.Close - t.active() }))},
		"Tc":   {atEnd: true, render: timer(func(t Timers) int64 { return since(t.Connect, t.Queue, t.Connect) })},
		"Td":   {atEnd: true, render: timer(func(t Timers) int64 { return since(t.Close, t.Data, t.Data) })},
		"Th":   {atEnd: true, render: timer(func(t Timers) int64 { return t.Handshake })},
		"Ti":   {atEnd: true, httpOnly: true, render: timer(func(t Timers) int64 { return t.Idle })},
		"Tl":   {render: date(localDate, false)},
		"Tq":   {atEnd: true, httpOnly: true, render: timer(func(t Timers) int64 { return t.Request })},
		"TR":   {atEnd: true, httpOnly: true, render: timer(func(t Timers) int64 { return since(t.Request, t.Idle+t.Handshake, t.Request) })},
		"Tr":   {atEnd: true, httpOnly: true, render: timer(func(t Timers) int64 { return since(t.Data, t.Connect, t.Data) })},
		"Ts":   {render: counter(func(s *Stream) int64 { return s.Accept.Unix() })},
		"Tt":   {atEnd: true, render: asap(timer(func(t Timers) int64 { return t.Close }))},
		"Tu":   {atEnd: true, render: asap(timer(func(t Timers) int64 { return t.Close - max(t.Idle, 0) }))},
		"Tw":   {atEnd: true, render: timer(func(t Timers) int64 { return since(t.Queue, t.Request, t.Queue) })},
		"U":    {atEnd: true, render: number(func(s *Stream) int64 { return s.BytesIn })},
		"ac":   {atEnd: true, render: number(func(s *Stream) int64 { return int64(s.ActConn) })},
		"b":    {render: text(func(s *Stream) string { return orElse(s.Backend, s.Frontend) })},
		"bc":   {atEnd: true, render: number(func(s *Stream) int64 { return int64(s.BeConn) })},
		"bi":   {render: addr(func(_ *sample.Ctx, s *Stream) netip.AddrPort { return s.BackendSrc })},
		"bp":   {render: port(func(_ *sample.Ctx, s *Stream) netip.AddrPort { return s.BackendSrc })},
		"bq":   {atEnd: true, render: number(func(s *Stream) int64 { return int64(s.BackendQueue) })},
		"ci":   {render: addr(func(c *sample.Ctx, _ *Stream) netip.AddrPort { return c.Src })},
		"cp":   {render: port(func(c *sample.Ctx, _ *Stream) netip.AddrPort { return c.Src })},
		"f":    {render: text(func(s *Stream) string { return s.Frontend })},
		"fc":   {atEnd: true, render: number(func(s *Stream) int64 { return int64(s.FeConn) })},
		"fi":   {render: addr(func(c *sample.Ctx, _ *Stream) netip.AddrPort { return c.Dst })},
		"fp":   {render: port(func(c *sample.Ctx, _ *Stream) netip.AddrPort { return c.Dst })},
		"ft":   {render: renderFrontendXprt},
		"hr":   {httpOnly: true, quiet: true, render: captures(false, false)},
		"hrl":  {httpOnly: true, quiet: true, render: captures(false, true)},
		"hs":   {httpOnly: true, quiet: true, render: captures(true, false)},
		"hsl":  {httpOnly: true, quiet: true, render: captures(true, true)},
		"lc":   {render: counter(func(s *Stream) int64 { return s.LogCount })},
		"ms":   {render: renderMillis},
		"pid":  {render: counter(func(*Stream) int64 { return int64(os.Getpid()) })},
		"r":    {httpOnly: true, render: requestPart(partLine)},
		"rc":   {atEnd: true, render: renderRetries},
		"rt":   {render: counter(func(s *Stream) int64 { return s.RequestID })},
		"s":    {render: text(func(s *Stream) string { return orElse(s.Server, "<NOSRV>") })},
		"sc":   {atEnd: true, render: number(func(s *Stream) int64 { return int64(s.SrvConn) })},
		"si":   {render: addr(func(_ *sample.Ctx, s *Stream) netip.AddrPort { return s.ServerAddr })},
		"sp":   {render: port(func(_ *sample.Ctx, s *Stream) netip.AddrPort { return s.ServerAddr })},
		"sq":   {atEnd: true, render: number(func(s *Stream) int64 { return int64(s.SrvQueue) })},
		"sslc": {render: frontTLS(func(st *tls.ConnectionState) string { return ssl.CipherName(st.CipherSuite) })},
		"sslv": {render: frontTLS(func(st *tls.ConnectionState) string { return ssl.VersionName(st.Version) })},
		"t":    {render: date(logDate, false)},
		"tr":   {httpOnly: true, render: date(logDate, true)},
		"trg":  {httpOnly: true, render: date(gmtDate, true)},
		"trl":  {httpOnly: true, render: date(localDate, true)},
		"ts":   {atEnd: true, render: renderTerm(false)},
		"tsc":  {render: renderTerm(true)},
	}
}

// since is the time from step a to step b, or -1 if the stream did not
// reach the step guard (haproxy's -1 for timers of steps not reached).
func since(b, a, guard int64) int64 {
	if guard < 0 {
		return -1
	}
	return b - a
}

func orElse(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// number renders a decimal; +X does not apply.
func number(get func(*Stream) int64) renderFunc {
	return func(dst []byte, _ opt, _ *sample.Ctx, s *Stream) []byte { return strconv.AppendInt(dst, get(s), 10) }
}

// counter renders a decimal, or four or more hex digits with +X.
func counter(get func(*Stream) int64) renderFunc {
	return func(dst []byte, o opt, _ *sample.Ctx, s *Stream) []byte { return appendCounter(dst, get(s), o, 4) }
}

// asap prefixes a value with '+' when the stream was logged before its
// end (option logasap): it is what was known then.
func asap(r renderFunc) renderFunc {
	return func(dst []byte, o opt, c *sample.Ctx, s *Stream) []byte {
		if s.ASAP {
			dst = append(dst, '+')
		}
		return r(dst, o, c, s)
	}
}

func timer(get func(Timers) int64) renderFunc {
	return func(dst []byte, _ opt, _ *sample.Ctx, s *Stream) []byte {
		return strconv.AppendInt(dst, get(s.Timers), 10)
	}
}

// text renders a name as a text field.
// frontTLS renders what the client connection's handshake says, nothing
// (a '-') in clear.
func frontTLS(get func(*tls.ConnectionState) string) renderFunc {
	return func(dst []byte, o opt, c *sample.Ctx, _ *Stream) []byte {
		v := ""
		if c != nil && c.FrontTLS != nil {
			v = get(c.FrontTLS)
		}
		return appendText(dst, v, o)
	}
}

func text(get func(*Stream) string) renderFunc {
	return func(dst []byte, o opt, _ *sample.Ctx, s *Stream) []byte { return appendText(dst, get(s), o) }
}

func addr(get func(*sample.Ctx, *Stream) netip.AddrPort) renderFunc {
	return func(dst []byte, o opt, c *sample.Ctx, s *Stream) []byte { return appendAddr(dst, get(c, s), o) }
}

func port(get func(*sample.Ctx, *Stream) netip.AddrPort) renderFunc {
	return func(dst []byte, o opt, c *sample.Ctx, s *Stream) []byte { return appendPort(dst, get(c, s), o) }
}

func renderUniqueID(dst []byte, o opt, _ *sample.Ctx, s *Stream) []byte {
	return appendText(dst, s.UniqueID, o)
}

// renderFrontendXprt is the frontend's name, with '~' after it for TLS
// listeners; quoted, but never escaped nor "-".
func renderFrontendXprt(dst []byte, o opt, _ *sample.Ctx, s *Stream) []byte {
	if o&optQuote != 0 {
		dst = append(dst, '"')
	}
	dst = append(dst, s.Frontend...)
	if s.FrontendSSL {
		dst = append(dst, '~')
	}
	if o&optQuote != 0 {
		dst = append(dst, '"')
	}
	return dst
}

func renderRetries(dst []byte, _ opt, _ *sample.Ctx, s *Stream) []byte {
	if s.Redispatched {
		dst = append(dst, '+')
	}
	return strconv.AppendInt(dst, int64(s.Retries), 10)
}

func renderTerm(withCookie bool) renderFunc {
	return func(dst []byte, _ opt, _ *sample.Ctx, s *Stream) []byte {
		dst = appendState(dst, s.Term)
		if withCookie {
			dst = appendState(dst, s.CookieState)
		}
		return dst
	}
}

func appendState(dst []byte, st [2]byte) []byte {
	for _, c := range st {
		if c == 0 {
			c = '-'
		}
		dst = append(dst, c)
	}
	return dst
}

// hostname is the machine's name (%H), read once.
var hostname = sync.OnceValue(func() string {
	h, _ := os.Hostname()
	return h
})

func noCookie(dst []byte, o opt, _ *sample.Ctx, _ *Stream) []byte {
	return appendText(dst, "", o|optMandatory)
}

// hdrEncode is what header captures encode as "#XX": control bytes,
// non-ASCII, and '"', '#', '{', '|', '}', which delimit them in logs.
var hdrEncode = buildMap(func(c int) bool { return c < 32 || c >= 127 || strings.IndexByte(`"#{|}`, byte(c)) >= 0 })

// captures renders the captured request or response headers: "{v1|v2}"
// (%hr, %hs), or as a list, each value a field of its own (%hrl, %hsl).
// Nothing at all is printed when the frontend captures nothing.
func captures(response, list bool) renderFunc {
	return func(dst []byte, o opt, _ *sample.Ctx, s *Stream) []byte {
		caps := s.ReqCaptures
		if response {
			caps = s.ResCaptures
		}
		if len(caps) == 0 {
			return dst
		}
		quote := o&optQuote != 0
		if !list {
			if quote {
				dst = append(dst, '"')
			}
			dst = append(dst, '{')
			for i, v := range caps {
				if i > 0 {
					dst = append(dst, '|')
				}
				dst = appendEncoded(dst, v, '#', hdrEncode, o)
			}
			dst = append(dst, '}')
			if quote {
				dst = append(dst, '"')
			}
			return dst
		}
		for i, v := range caps {
			if i > 0 {
				dst = append(dst, ' ')
			}
			if quote {
				dst = append(dst, '"')
			}
			if v != nil {
				dst = appendEncoded(dst, v, '#', hdrEncode, o)
			} else if !quote {
				dst = append(dst, '-')
			}
			if quote {
				dst = append(dst, '"')
			}
		}
		return dst
	}
}
