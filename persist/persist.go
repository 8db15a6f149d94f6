// Package persist implements haproxy's cookie-based server persistence:
// the `cookie` line of a backend, finding the server a request's cookie
// names, and the Set-Cookie a response gets (insert, rewrite, prefix).
//
// The package keeps nothing per server and nothing between requests: the
// caller maps a cookie value to a server (see Choose), keeps one Txn per
// transaction, and calls Cookie.Request before choosing a server and
// Cookie.Response once the server has answered. The semantics are those of
// haproxy 2.6 (src/http_ana.c), quirks included where a client or a server
// can see them.
package persist

import (
	"errors"
	"fmt"
	"strings"
)

// Mode is how the cookie is managed (the word after the name).
type Mode uint8

// Modes. Passive is a cookie line with none of rewrite, insert or prefix:
// the servers set the cookie themselves, haproxy only reads it.
const (
	Passive Mode = iota
	Rewrite
	Insert
	Prefix
)

// Option bits, as haproxy keeps them (one bit each, so that the checks
// after the line see every word that was given).
const (
	optRewrite = 1 << iota
	optIndirect
	optInsert
	optPrefix
	optNoCache
	optPostOnly
	optPreserve
	optHTTPOnly
	optSecure
	optDynamic
)

// Cookie is a backend's `cookie` line, compiled. It is immutable once
// parsed and shared by every request of the backend.
type Cookie struct {
	name             string
	opts             uint16
	domain           string // "a; domain=b" for several domain words
	attrs            string // the attr words, joined by "; "
	maxIdle, maxLife uint32 // seconds; 0: no limit

	// tail is what an inserted Set-Cookie ends with after the value:
	// "; path=/" and the attributes, built once here rather than per
	// response.
	tail string
	// deleted is the whole Set-Cookie value inserted for a server that
	// has no cookie (haproxy asks the client to drop the cookie).
	deleted string
}

// Name is the cookie's name.
func (c *Cookie) Name() string { return c.name }

// Mode is the cookie's mode.
func (c *Cookie) Mode() Mode {
	switch {
	case c.opts&optRewrite != 0:
		return Rewrite
	case c.opts&optInsert != 0:
		return Insert
	case c.opts&optPrefix != 0:
		return Prefix
	}
	return Passive
}

// Indirect reports the `indirect` option.
func (c *Cookie) Indirect() bool { return c.opts&optIndirect != 0 }

// Dynamic says whether servers without a cookie value get one computed
// from dynamic-cookie-key and their address.
func (c *Cookie) Dynamic() bool { return c.opts&optDynamic != 0 }

// MaxIdle and MaxLife are the maxidle and maxlife options in seconds (0:
// not set).
func (c *Cookie) MaxIdle() uint32 { return c.maxIdle }
func (c *Cookie) MaxLife() uint32 { return c.maxLife }

// Parse compiles the arguments of a `cookie` line (the words after
// "cookie": the name first), as if it were the first cookie line of its
// section. Warnings are dropped; see ParseLine.
func Parse(args []string) (*Cookie, error) { return ParseLine(nil, args, nil) }

// ParseLine compiles the arguments of a `cookie` line. prev is the cookie
// in effect before the line (an earlier line of the section, or the one
// inherited from defaults), or nil: haproxy resets every option on a new
// cookie line except the attr list, which keeps growing, so an inherited
// `attr` stays on the new line's cookie. warn, if not nil, receives
// haproxy's warnings about the line.
func ParseLine(prev *Cookie, args []string, warn func(msg string)) (*Cookie, error) {
	if warn == nil {
		warn = func(string) {}
	}
	if len(args) == 0 || args[0] == "" {
		return nil, errors.New("expects <cookie_name> as argument.")
	}
	c := &Cookie{name: args[0]}
	if prev != nil {
		c.attrs = prev.attrs
	}
	arg := func(i int) string {
		if i < len(args) {
			return args[i]
		}
		return ""
	}
	for i := 1; i < len(args) && args[i] != ""; i++ {
		// An empty word ends the line for haproxy, whatever follows.
		switch w := args[i]; w {
		case "rewrite":
			c.opts |= optRewrite
		case "indirect":
			c.opts |= optIndirect
		case "insert":
			c.opts |= optInsert
		case "nocache":
			c.opts |= optNoCache
		case "postonly":
			c.opts |= optPostOnly
		case "preserve":
			c.opts |= optPreserve
		case "prefix":
			c.opts |= optPrefix
		case "httponly":
			c.opts |= optHTTPOnly
		case "secure":
			c.opts |= optSecure
		case "domain":
			d := arg(i + 1)
			if d == "" {
				return nil, errors.New("'domain' expects <domain> as argument.")
			}
			if !strings.Contains(d, ".") {
				// RFC 6265 5.2.3: a domain without an inner dot is
				// ignored by some clients.
				warn(fmt.Sprintf("domain '%s' contains no embedded dot, this configuration may not work properly (see RFC6265#5.2.3).", d))
			}
			for j := 0; j < len(d); j++ {
				if !domainChar(d[j]) {
					return nil, fmt.Errorf("character '%s' is not permitted in domain name '%s'.", d[j:j+1], d)
				}
			}
			if c.domain == "" {
				c.domain = d
			} else {
				c.domain += "; domain=" + d
			}
			i++
		case "maxidle", "maxlife":
			v := arg(i + 1)
			if v == "" {
				what := "idletime"
				if w == "maxlife" {
					what = "lifetime"
				}
				return nil, fmt.Errorf("'%s' expects <%s> in seconds as argument.", w, what)
			}
			secs, err := parseSeconds(v, w, warn)
			if err != nil {
				return nil, err
			}
			if w == "maxidle" {
				c.maxIdle = secs
			} else {
				c.maxLife = secs
			}
			i++
		case "dynamic":
			// Servers without a cookie value get one made of
			// dynamic-cookie-key and their address (the proxy's).
			c.opts |= optDynamic
		case "attr":
			v := arg(i + 1)
			if v == "" {
				return nil, errors.New("'attr' expects <value> as argument.")
			}
			for j := 0; j < len(v); j++ {
				if v[j] < 0x20 || v[j] == 0x7f || v[j] == ';' {
					return nil, fmt.Errorf("character '%%x%02X' is not permitted in attribute value.", v[j])
				}
			}
			if c.attrs == "" {
				c.attrs = v
			} else {
				c.attrs += "; " + v
			}
			i++
		default:
			return nil, errors.New("supports 'rewrite', 'insert', 'prefix', 'indirect', 'nocache', 'postonly', 'domain', 'maxidle', 'dynamic', 'maxlife' and 'attr' options.")
		}
	}
	switch {
	case c.opts&optRewrite != 0 && c.opts&optIndirect != 0:
		return nil, errors.New("cookie 'rewrite' and 'indirect' modes are incompatible.")
	case moreThanOne(c.opts & (optRewrite | optInsert | optPrefix)):
		return nil, errors.New("cookie 'rewrite', 'insert' and 'prefix' modes are incompatible.")
	case c.opts&(optPreserve|optInsert|optIndirect) == optPreserve:
		return nil, errors.New("cookie 'preserve' requires at least 'insert' or 'indirect'.")
	}
	c.build()
	return c, nil
}

func moreThanOne(bits uint16) bool { return bits&(bits-1) != 0 }

// domainChar is what haproxy accepts in a domain name.
func domainChar(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '.' || b == '_' || b == '-'
}

// build prepares the constant parts of an inserted Set-Cookie, in
// haproxy's order: path, domain, HttpOnly, Secure, then the attr words.
func (c *Cookie) build() {
	var b strings.Builder
	if c.domain != "" {
		b.WriteString("; domain=" + c.domain)
	}
	if c.opts&optHTTPOnly != 0 {
		b.WriteString("; HttpOnly")
	}
	if c.opts&optSecure != 0 {
		b.WriteString("; Secure")
	}
	if c.attrs != "" {
		b.WriteString("; " + c.attrs)
	}
	c.tail = "; path=/" + b.String()
	c.deleted = c.name + "=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/" + b.String()
}

// parseSeconds reads a maxidle or maxlife value the way haproxy's
// parse_time_err does with seconds as the default unit: the result is
// rounded up to a whole second, and anything after a valid unit is only
// warned about.
func parseSeconds(s, kw string, warn func(string)) (uint32, error) {
	if s[0] < '0' || s[0] > '9' {
		return 0, fmt.Errorf("unexpected character '%s' in argument to <%s>.", s[:1], kw)
	}
	// Unsigned 64-bit arithmetic wraps on absurd inputs exactly as
	// haproxy's does, so both give the same verdict.
	var v uint64
	i := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		v = v*10 + uint64(s[i]-'0')
	}
	mul, div := uint64(1), uint64(1)
	if i < len(s) {
		switch s[i] {
		case 's':
		case 'u':
			if i+1 >= len(s) || s[i+1] != 's' {
				return 0, fmt.Errorf("unexpected character '%s' in argument to <%s>.", s[i:i+1], kw)
			}
			div = 1000000
			i++
		case 'm':
			if i+1 < len(s) && s[i+1] == 's' {
				div = 1000
				i++
			} else {
				mul = 60
			}
		case 'h':
			mul = 3600
		case 'd':
			mul = 86400
		default:
			return 0, fmt.Errorf("unexpected character '%s' in argument to <%s>.", s[i:i+1], kw)
		}
		if i+1 < len(s) {
			warn(fmt.Sprintf("unexpected character '%s' after the timer value '%s', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions.", s[i+1:i+2], s))
		}
	}
	r := (v*mul + div - 1) / div
	switch {
	case r >= 1<<31:
		return 0, fmt.Errorf("timer overflow in argument <%s> to <%s>, maximum value is 2147483647 s (~68 years).", s, kw)
	case r == 0 && v != 0:
		return 0, fmt.Errorf("timer underflow in argument <%s> to <%s>, minimum non-null value is 1 s.", s, kw)
	}
	return uint32(r), nil
}

// String renders the cookie as the arguments of a `cookie` line, options
// in a fixed order (for messages and tests).
func (c *Cookie) String() string {
	if c == nil {
		return "<none>"
	}
	var b strings.Builder
	b.WriteString(c.name)
	for _, o := range []struct {
		bit  uint16
		word string
	}{{optRewrite, "rewrite"}, {optInsert, "insert"}, {optPrefix, "prefix"}, {optIndirect, "indirect"},
		{optNoCache, "nocache"}, {optPostOnly, "postonly"}, {optPreserve, "preserve"},
		{optHTTPOnly, "httponly"}, {optSecure, "secure"}} {
		if c.opts&o.bit != 0 {
			b.WriteString(" " + o.word)
		}
	}
	if c.domain != "" {
		for _, d := range strings.Split(c.domain, "; domain=") {
			b.WriteString(" domain " + d)
		}
	}
	if c.maxIdle != 0 {
		fmt.Fprintf(&b, " maxidle %ds", c.maxIdle)
	}
	if c.maxLife != 0 {
		fmt.Fprintf(&b, " maxlife %ds", c.maxLife)
	}
	if c.attrs != "" {
		for _, a := range strings.Split(c.attrs, "; ") {
			if strings.ContainsAny(a, " \t\"") {
				a = fmt.Sprintf("%q", a)
			}
			b.WriteString(" attr " + a)
		}
	}
	return b.String()
}
