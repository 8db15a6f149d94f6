package check

import (
	"fmt"
	"strings"
)

// lfString is a log-format string of a check rule (send-lf, uri-lf, hdr
// values, on-success…). A check has no stream, so of haproxy's log-format
// language only what makes sense for a check is supported: plain text,
// "%%" for a percent sign, and the server's identity (%[srv_name],
// %[be_name]). Anything else is refused when the configuration is loaded
// rather than rendered differently.
type lfString struct {
	parts []lfPart
}

type lfPart struct {
	text string
	v    lfVar
}

type lfVar uint8

const (
	lfText lfVar = iota
	lfSrvName
	lfBeName
)

var lfFetches = map[string]lfVar{"srv_name": lfSrvName, "be_name": lfBeName}

// parseLF compiles s.
func parseLF(s string) (*lfString, error) {
	l := &lfString{}
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			l.parts = append(l.parts, lfPart{text: text.String()})
			text.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			text.WriteByte(c)
			continue
		}
		if i+1 >= len(s) {
			return nil, fmt.Errorf("truncated line after '%%'")
		}
		switch n := s[i+1]; {
		case n == '%':
			text.WriteByte('%')
			i++
		case n == '[':
			end := strings.IndexByte(s[i+2:], ']')
			if end < 0 {
				return nil, fmt.Errorf("missing ']' after '%s'", s[i:])
			}
			expr := s[i+2 : i+2+end]
			v, ok := lfFetches[expr]
			if !ok {
				return nil, fmt.Errorf("log-format expression '%%[%s]' is not supported yet by switchyard in health checks (only %%[srv_name] and %%[be_name] are)", expr)
			}
			flush()
			l.parts = append(l.parts, lfPart{v: v})
			i += 2 + end
		case n == '{' || isAlpha(n):
			return nil, fmt.Errorf("log-format variable '%s' is not supported yet by switchyard in health checks (only %%[srv_name] and %%[be_name] are)", lfVarName(s[i:]))
		default:
			return nil, fmt.Errorf("unexpected character '%c' after '%%' (write '%%%%' for a percent sign)", n)
		}
	}
	flush()
	return l, nil
}

// lfVarName returns the %-variable at the start of s, for messages.
func lfVarName(s string) string {
	end := 1
	if end < len(s) && s[end] == '{' {
		if i := strings.IndexByte(s, '}'); i > 0 {
			end = i + 1
		}
	}
	for end < len(s) && (isAlpha(s[end]) || s[end] >= '0' && s[end] <= '9') {
		end++
	}
	return s[:end]
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// render produces the string for target t.
func (l *lfString) render(t *Target) string {
	if len(l.parts) == 1 && l.parts[0].v == lfText {
		return l.parts[0].text
	}
	var b strings.Builder
	for _, p := range l.parts {
		switch p.v {
		case lfText:
			b.WriteString(p.text)
		case lfSrvName:
			b.WriteString(t.Server)
		case lfBeName:
			b.WriteString(t.Backend)
		}
	}
	return b.String()
}

// lfMsg makes an on-success/on-error description of l.
func lfMsg(l *lfString) func(x *run) string {
	return func(x *run) string { return l.render(x.t) }
}
