package logformat

import (
	"fmt"
	"strings"

	"switchyard/sample"
)

// Parse compiles a format whose result goes into an HTTP message built by
// a mode http request rule: http-request return's lf-string, lf-file and
// hdr, add-header and set-header values, redirect locations. Errors read
// like haproxy's; the caller adds the file, line and directive.
func Parse(s string) (*Format, error) {
	return ParseOptions(s, Options{Flags: HTTPValue, HTTPMode: true, Avail: sample.SrcL4 | sample.SrcHTTPReq})
}

// ParseOptions compiles a format for any use, log-format lines included.
func ParseOptions(s string, o Options) (*Format, error) {
	p := parser{src: s, o: o, def: flagsToOpt(o.Flags)}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return &Format{nodes: p.nodes, atEnd: p.atEnd}, nil
}

func flagsToOpt(f Flags) opt {
	var o opt
	if f&Mandatory != 0 {
		o |= optMandatory
	}
	if f&EncodeHTTP != 0 {
		o |= optHTTP
	}
	return o
}

type parser struct {
	src   string
	o     Options
	def   opt // options of the next variable; %o changes them
	nodes []node
	atEnd bool // a variable only the stream's end knows
}

func (p *parser) parse() error {
	s := p.src
	for len(s) > 0 {
		switch {
		case s[0] == '%':
			rest, err := p.percent(s[1:])
			if err != nil {
				return err
			}
			s = rest
		case s[0] == ' ' && p.o.Flags&MergeSpaces != 0:
			p.nodes = append(p.nodes, node{kind: nodeSep})
			s = strings.TrimLeft(s, " ")
		default:
			end := strings.IndexByte(s, '%')
			if p.o.Flags&MergeSpaces != 0 {
				if sp := strings.IndexByte(s, ' '); sp >= 0 && (end < 0 || sp < end) {
					end = sp
				}
			}
			if end < 0 {
				end = len(s)
			}
			p.text(s[:end])
			s = s[end:]
		}
	}
	return nil
}

func (p *parser) text(t string) {
	if n := len(p.nodes); n > 0 && p.nodes[n-1].kind == nodeText {
		p.nodes[n-1].text += t
		return
	}
	p.nodes = append(p.nodes, node{kind: nodeText, text: t})
}

// percent handles what follows a '%' and returns the text after it.
func (p *parser) percent(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("truncated line after '%%'")
	}
	o := p.def
	switch c := s[0]; {
	case c == '%':
		p.text("%")
		return s[1:], nil
	case c == '{':
		end := strings.IndexByte(s, '}')
		if end < 0 {
			return "", fmt.Errorf("truncated line after '%s'", s[1:])
		}
		o = applyFlags(o, s[1:end])
		mods := s[:end+1]
		s = s[end+1:]
		if s == "" || (s[0] != '[' && !isAlnum(s[0])) {
			return "", fmt.Errorf("parse argument modifier without variable name near '%%%s'", mods)
		}
	case c >= '0' && c <= '9' || c == ' ' || c == '\t':
		return "", fmt.Errorf("unexpected variable name near '%c' at position %d line : '%s'. Maybe you want to write a single '%%', use the syntax '%%%%'",
			c, len(p.src)-len(s), p.src)
	case c != '[' && !isAlpha(c):
		return s, nil // haproxy drops a '%' that starts nothing
	}
	if s[0] == '[' {
		return p.expr(s[1:], o)
	}
	end := 0
	for end < len(s) && isAlnum(s[end]) {
		end++
	}
	return s[end:], p.variable(s[:end], o)
}

// expr compiles "%[expr]" from s, just after the '['.
func (p *parser) expr(s string, o opt) (string, error) {
	e, rest, err := sample.ParseExprPrefix(p.o.Env, s)
	if err != nil {
		return "", fmt.Errorf("failed to parse sample expression <%s> : %v", s, err)
	}
	if rest == "" {
		return "", fmt.Errorf("missing ']' after '%s'", e)
	}
	if rest[0] != ']' {
		if rest[0] < 0x20 || rest[0] >= 0x7f {
			return "", fmt.Errorf("missing ']' after '%s'", e)
		}
		return "", fmt.Errorf("expected ']' after '%s', but found '%c'", e, rest[0])
	}
	if err := e.Check(p.o.Avail); err != nil {
		return "", err
	}
	p.nodes = append(p.nodes, node{kind: nodeExpr, expr: e, o: o})
	return rest[1:], nil
}

// variable adds "%name"; %o sets the options of the variables after it.
func (p *parser) variable(name string, o opt) error {
	if name == "o" {
		p.def = o
		return nil
	}
	v, ok := logVars[name]
	switch {
	case !ok:
		return fmt.Errorf("no such format variable '%s'. If you wanted to emit the '%%' character verbatim, you need to use '%%%%'", name)
	case v.httpOnly && !p.o.HTTPMode:
		return fmt.Errorf("format variable '%s' is reserved for HTTP mode", name)
	case v.render == nil:
		return fmt.Errorf("format variable '%s' is not supported yet", name)
	}
	p.nodes = append(p.nodes, node{kind: nodeVar, v: v.render, o: o, quiet: v.quiet})
	p.atEnd = p.atEnd || v.atEnd
	return nil
}

// applyFlags applies "+Q,-X,..." modifiers; unknown ones are ignored, as
// in haproxy.
func applyFlags(o opt, mods string) opt {
	for _, m := range strings.Split(mods, ",") {
		if len(m) < 2 || (m[0] != '+' && m[0] != '-') {
			continue
		}
		var bit opt
		switch m[1:] {
		case "M":
			bit = optMandatory
		case "Q":
			bit = optQuote
		case "X":
			bit = optHex
		case "E":
			bit = optEscape
		default:
			continue
		}
		if m[0] == '+' {
			o |= bit
		} else {
			o &^= bit
		}
	}
	return o
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isAlnum(c byte) bool { return isAlpha(c) || c >= '0' && c <= '9' }
