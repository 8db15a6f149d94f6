package check

import (
	"fmt"
	"strings"

	"switchyard/logformat"
	"switchyard/sample"
)

// lfString is a log-format string of a check rule (send-lf, uri-lf, hdr
// values, body-lf, the -lf patterns of expect, on-success, on-error,
// set-var-fmt). It is haproxy's log-format language compiled by package
// logformat, evaluated against the check's own sample context (run.samples):
// the response read so far, the check's variables, the server's identity.
//
// A check has no stream, so what needs one is refused when the
// configuration is loaded rather than rendered differently: the fetches
// haproxy refuses in check rules, the fetches whose answer switchyard
// cannot give in a check yet, and the %-variables other than %b, %s, %H
// and %pid (see checkLF).
type lfString struct {
	src  string // as written, for describing the rules
	text string // the whole string, when it has no variable part
	// segs are rendered one after the other. %[srv_name] and %[be_name]
	// are segments of their own, rendered as %s and %b (see checkLF).
	segs []*logformat.Format
}

// lfEnv is what a check line's expressions compile in: the
// configuration's sample environment (maps, names checked at its end; nil
// in tests) and whether the proxy is in mode http (%-variables reserved
// for HTTP are refused otherwise, as in haproxy).
type lfEnv struct {
	env      *sample.Env
	httpMode bool
}

// checkAvail is what check expressions may read: haproxy's tcp-check
// rules may use the backend, the server, the response (its HTTP head and
// body, or its bytes) and the connection-level fetches, which find nothing
// there.
const checkAvail = sample.SrcL4 | sample.SrcBackend | sample.SrcServer | sample.SrcHTTPRes | sample.SrcL6Res

// frontOnly are the fetches haproxy refuses in check rules that the
// sample engine files under SrcL4, with what haproxy says they need.
var frontOnly = map[string]string{
	"fe_name": "frontend", "fe_id": "frontend", "so_name": "frontend", "so_id": "frontend",
	"http_first_req": "HTTP request", "capture.req.hdr": "HTTP request", "capture.req.method": "HTTP request",
	"capture.req.uri": "HTTP request", "capture.req.ver": "HTTP request", "capture.res.ver": "HTTP request",
	"ssl_fc": "client-side connection",
}

// notYetInChecks are fetches haproxy answers in a check that switchyard
// cannot answer there yet: they are registered by the proxy package and
// read its streams (sample.Ctx.Owner), which a check does not have.
var notYetInChecks = map[string]bool{
	"srv_id": true, "be_id": true, "nbsrv": true, "be_conn": true, "be_conn_free": true,
	"connslots": true, "be_sess_rate": true, "queue": true, "avg_queue": true, "srv_is_up": true,
	"srv_conn": true, "srv_queue": true, "srv_conn_free": true, "fe_conn": true, "fe_req_rate": true,
}

// identity are the fetches a check answers itself, from its Target: the
// variable of the same meaning renders them.
var identity = map[string]string{"srv_name": "s", "be_name": "b"}

// lfVars are the %-variables a check renders: the names of its backend
// and server, the host name and the process id. The others describe a
// stream, which a check does not have.
var lfVars = map[string]bool{"b": true, "s": true, "H": true, "pid": true}

// fetchKeyword is the fetch name at the start of a sample expression.
func fetchKeyword(s string) string {
	end := strings.IndexAny(s, "(,] \t")
	if end < 0 {
		return s
	}
	return s[:end]
}

// refusal says why a check cannot run fetch kw: need is what haproxy
// says the fetch needs that a check does not have; notYet that switchyard
// cannot answer it in a check yet. Both empty: the fetch may be used.
func refusal(kw string) (need string, notYet bool) {
	return frontOnly[kw], notYetInChecks[kw]
}

func notYetError(kw string) error {
	return fmt.Errorf("sample fetch '%s' is not supported yet by switchyard in health checks", kw)
}

// parseLF compiles s, a log-format string of a check rule.
func parseLF(s string, le *lfEnv) (*lfString, error) {
	l := &lfString{src: s}
	if !strings.Contains(s, "%") {
		l.text = s
		return l, nil
	}
	if le == nil {
		le = &lfEnv{}
	}
	pieces, err := checkLF(s, le.httpMode)
	if err != nil {
		return nil, err
	}
	opts := logformat.Options{Flags: logformat.Plain, HTTPMode: le.httpMode, Avail: checkAvail, Env: le.env}
	for _, p := range pieces {
		f, err := logformat.ParseOptions(p, opts)
		if err != nil {
			return nil, err
		}
		l.segs = append(l.segs, f)
	}
	return l, nil
}

// checkLF walks the %-directives of s as package logformat reads them,
// refuses what a check cannot render (the fetches of frontOnly and
// notYetInChecks, the variables not in lfVars), and cuts s where
// %[srv_name] or %[be_name] appear: those fetches belong to the proxy
// package and read its streams, so a check renders them as the variables
// %s and %b, each in a piece of its own (a variable name would run into
// the letters after it). The %o directives (the default options of what
// follows) seen before a piece start it again. Syntax errors are left to
// logformat.
func checkLF(s string, httpMode bool) ([]string, error) {
	var pieces []string
	add := func(p string) {
		if p != "" {
			pieces = append(pieces, p)
		}
	}
	start := 0
	defaults := ""      // the %{...}o directives seen so far
	startDefaults := "" // those in force where the current piece starts
	for i := 0; i < len(s); {
		if s[i] != '%' || i+1 >= len(s) {
			i++
			continue
		}
		at := i
		j := i + 1
		if s[j] == '%' {
			i = j + 1
			continue
		}
		mods := ""
		if s[j] == '{' {
			end := strings.IndexByte(s[j:], '}')
			if end < 0 || j+end+1 >= len(s) {
				break
			}
			mods = s[j : j+end+1]
			j += end + 1
		}
		switch c := s[j]; {
		case c == '[':
			kw := fetchKeyword(s[j+1:])
			need, notYet := refusal(kw)
			switch {
			case need != "":
				return nil, fmt.Errorf("sample fetch <%s> may not be reliably used here because it needs '%s' which is not available here", s[j+1:], need)
			case notYet:
				return nil, notYetError(kw)
			}
			v, ok := identity[kw]
			if !ok {
				i = j + 1
				break
			}
			after := j + 1 + len(kw)
			switch {
			case after >= len(s):
				return nil, fmt.Errorf("missing ']' after '%s'", kw)
			case s[after] == ',' || s[after] == '(':
				return nil, fmt.Errorf("sample fetch '%s' with arguments or converters is not supported yet by switchyard in health checks (only %%[%s] alone is)", kw, kw)
			case s[after] != ']':
				return nil, fmt.Errorf("expected ']' after '%s', but found '%c'", kw, s[after])
			}
			if start < at {
				add(startDefaults + s[start:at])
			}
			add(defaults + "%" + mods + v)
			start, startDefaults = after+1, defaults
			i = start
		case isAlpha(c):
			end := j
			for end < len(s) && (isAlpha(s[end]) || s[end] >= '0' && s[end] <= '9') {
				end++
			}
			name := s[j:end]
			if name == "o" {
				defaults += "%" + mods + "o"
			} else if !lfVars[name] {
				// logformat's words for unknown variables and those
				// reserved for mode http, as haproxy's.
				if _, err := logformat.ParseOptions("%"+name, logformat.Options{HTTPMode: httpMode}); err != nil {
					return nil, err
				}
				return nil, fmt.Errorf("format variable '%s' is not supported yet by switchyard in health checks (only %%b, %%s, %%H and %%pid are)", name)
			}
			i = end
		default:
			i = j
		}
	}
	if start < len(s) {
		add(startDefaults + s[start:])
	}
	if len(pieces) == 0 {
		pieces = append(pieces, "")
	}
	return pieces, nil
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// lfText is a constant log-format string.
func lfText(s string) *lfString { return &lfString{src: s, text: s} }

// render produces the string for the current state of run x.
func (l *lfString) render(x *run) string {
	if l.segs == nil {
		return l.text
	}
	c := x.samples(true)
	b := x.lfBuf[:0]
	for _, f := range l.segs {
		b = f.Append(b, c, &x.stream)
	}
	c.Scratch = c.Scratch[:0]
	// haproxy builds these strings in a buffer of tune.bufsize, which
	// keeps one byte for the final NUL.
	if len(b) > bufSize-1 {
		b = b[:bufSize-1]
	}
	x.lfBuf = b
	return string(b)
}

// lfMsg makes an on-success/on-error description of l.
func lfMsg(l *lfString) func(x *run) string {
	return func(x *run) string { return l.render(x) }
}
