package persist

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		line string
		want string // String() of the result
		err  string
		warn string
	}{
		{line: "SRV", want: "SRV"},
		{line: "SRV insert indirect nocache", want: "SRV insert indirect nocache"},
		{line: "SRV insert insert", want: "SRV insert"},
		{line: "SRV prefix indirect", want: "SRV prefix indirect"},
		{line: "SRV indirect preserve", want: "SRV indirect preserve"},
		{line: "SRV rewrite nocache postonly", want: "SRV rewrite nocache postonly"},
		{line: "SRV insert httponly secure domain .a.com domain b.c attr x=1 attr y", want: "SRV insert httponly secure domain .a.com domain b.c attr x=1 attr y"},
		{line: "SRV insert maxidle 30m maxlife 2h", want: "SRV insert maxidle 1800s maxlife 7200s"},
		{line: "SRV insert maxidle 1d", want: "SRV insert maxidle 86400s"},
		{line: "SRV insert maxidle 10", want: "SRV insert maxidle 10s"},
		{line: "SRV insert maxidle 1ms", want: "SRV insert maxidle 1s"},
		{line: "SRV insert maxidle 2001ms", want: "SRV insert maxidle 3s"},
		{line: "SRV insert maxidle 0", want: "SRV insert"},
		{line: "SRV insert maxidle 2147483647", want: "SRV insert maxidle 2147483647s"},
		{line: "SRV insert maxidle 10sx", want: "SRV insert maxidle 10s", warn: "unexpected character 'x' after the timer value '10sx'"},
		{line: "SRV insert domain local", want: "SRV insert domain local", warn: "domain 'local' contains no embedded dot"},
		{line: "SRV insert  rewrite", want: "SRV insert"}, // "" ends the line
		{line: "SRV insert attr a\u0080b", want: "SRV insert attr a\u0080b"},

		{line: "", err: "expects <cookie_name> as argument."},
		{line: "SRV rewrite insert", err: "cookie 'rewrite', 'insert' and 'prefix' modes are incompatible."},
		{line: "SRV rewrite prefix", err: "cookie 'rewrite', 'insert' and 'prefix' modes are incompatible."},
		{line: "SRV indirect rewrite", err: "cookie 'rewrite' and 'indirect' modes are incompatible."},
		{line: "SRV preserve", err: "cookie 'preserve' requires at least 'insert' or 'indirect'."},
		{line: "SRV rewrite preserve", err: "cookie 'preserve' requires at least 'insert' or 'indirect'."},
		{line: "SRV domain", err: "'domain' expects <domain> as argument."},
		{line: "SRV domain a/b.c", err: "character '/' is not permitted in domain name 'a/b.c'."},
		{line: "SRV domain x.y domain a.b:c", err: "character ':' is not permitted in domain name 'a.b:c'."},
		{line: "SRV maxidle", err: "'maxidle' expects <idletime> in seconds as argument."},
		{line: "SRV maxlife", err: "'maxlife' expects <lifetime> in seconds as argument."},
		{line: "SRV maxidle s", err: "unexpected character 's' in argument to <maxidle>."},
		{line: "SRV maxidle 5u", err: "unexpected character 'u' in argument to <maxidle>."},
		{line: "SRV maxlife 5w", err: "unexpected character 'w' in argument to <maxlife>."},
		{line: "SRV maxidle 2147483648", err: "timer overflow in argument <2147483648> to <maxidle>, maximum value is 2147483647 s (~68 years)."},
		{line: "SRV maxlife 25000d", err: "timer overflow in argument <25000d> to <maxlife>, maximum value is 2147483647 s (~68 years)."},
		{line: "SRV attr", err: "'attr' expects <value> as argument."},
		{line: "SRV attr a;b", err: "character '%x3B' is not permitted in attribute value."},
		{line: "SRV attr a\x7fb", err: "character '%x7F' is not permitted in attribute value."},
		{line: "SRV attr a\tb", err: "character '%x09' is not permitted in attribute value."},
		{line: "SRV insert nope", err: "supports 'rewrite', 'insert', 'prefix', 'indirect', 'nocache', 'postonly', 'domain', 'maxidle', 'dynamic', 'maxlife' and 'attr' options."},
	} {
		var args []string
		if c.line != "" {
			args = strings.Split(c.line, " ")
		}
		var warns []string
		ck, err := ParseLine(nil, args, func(m string) { warns = append(warns, m) })
		switch {
		case c.err != "":
			if err == nil || err.Error() != c.err {
				t.Errorf("%q: error %v, want %q", c.line, err, c.err)
			}
		case err != nil:
			t.Errorf("%q: %v", c.line, err)
		case ck.String() != c.want:
			t.Errorf("%q: got %s, want %s", c.line, ck, c.want)
		}
		if c.warn == "" && len(warns) > 0 || c.warn != "" && (len(warns) != 1 || !strings.HasPrefix(warns[0], c.warn)) {
			t.Errorf("%q: warnings %q, want %q", c.line, warns, c.warn)
		}
	}
}

// TestParseKeepsAttrs: a cookie line keeps the attributes of the cookie it
// replaces, and nothing else of it.
func TestParseKeepsAttrs(t *testing.T) {
	a, err := Parse([]string{"A", "insert", "indirect", "domain", ".a.com", "maxidle", "5", "attr", "X"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseLine(a, []string{"B", "prefix", "attr", "Y"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != "B prefix attr X attr Y" {
		t.Errorf("got %s", got)
	}
	if got := a.String(); got != "A insert indirect domain .a.com maxidle 5s attr X" {
		t.Errorf("the first cookie changed: %s", got)
	}
}

func TestDates(t *testing.T) {
	for _, v := range []uint32{0, 1, 63, 64, 1<<30 - 1, 0x1b3f5a21 >> 2} {
		b := appendDate(nil, v)
		if len(b) != 5 {
			t.Fatalf("%d: %q", v, b)
		}
		if got := readDate(b); got != int32(v&(1<<30-1)) {
			t.Errorf("%d: encoded %q, decoded %d", v, b, got)
		}
	}
	if got := string(appendDate(nil, 1)); got != "AAAAB" {
		t.Errorf("1 = %q", got)
	}
	for _, bad := range []string{"AAA=A", "AA-AA", "AAAA\x80", "AA AA"} {
		if got := readDate([]byte(bad)); got != -1 {
			t.Errorf("%q decoded as %d", bad, got)
		}
	}
}
