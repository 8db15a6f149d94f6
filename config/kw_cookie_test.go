package config

import (
	"strings"
	"testing"

	"switchyard/persist"
)

// Keyword cases of cookie persistence: the proxy's `cookie` line, and the
// server's `cookie` option. Messages were checked against `haproxy -c`
// (2.6.12).

func init() {
	moreKeywordCases = append(moreKeywordCases, cookieKeywordCases)
	otherSideLines["cookie"] = "cookie SRV insert indirect"
}

// cookieIs checks the proxy's cookie, rendered by persist.Cookie.String.
func cookieIs(want string) kwCheck {
	return func(t *testing.T, _ *Config, px *Proxy) {
		t.Helper()
		if px.Cookie == nil {
			t.Fatalf("Cookie = nil, want %s", want)
		}
		eq(t, "Cookie", px.Cookie.String(), want)
	}
}

func cookieKeywordCases() []kwCase {
	return []kwCase{
		{kw: "cookie", in: inBESide, src: "cookie SRV insert indirect nocache", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "Name", px.Cookie.Name(), "SRV")
			eq(t, "Mode", px.Cookie.Mode(), persist.Insert)
			eq(t, "Indirect", px.Cookie.Indirect(), true)
		}},
		{kw: "cookie", in: inBESide, src: `cookie SRV insert postonly preserve httponly secure domain .a.com domain .b.org maxidle 30m maxlife 1d attr "SameSite=Lax" attr Partitioned`,
			check: cookieIs("SRV insert postonly preserve httponly secure domain .a.com domain .b.org maxidle 1800s maxlife 86400s attr SameSite=Lax attr Partitioned")},
		{kw: "cookie", in: inBESide, src: "cookie JSESSIONID prefix nocache", check: cookieIs("JSESSIONID prefix nocache")},
		{kw: "cookie", in: inBESide, src: "cookie SRV rewrite", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "Mode", px.Cookie.Mode(), persist.Rewrite)
		}},
		{kw: "cookie", in: inBESide, name: "passive", src: "cookie SRV", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "Mode", px.Cookie.Mode(), persist.Passive)
		}},
		{kw: "cookie", in: inBESide, src: "cookie SRV indirect preserve", check: cookieIs("SRV indirect preserve")},
		// haproxy rounds a time up to whole seconds.
		{kw: "cookie", in: inBESide, src: "cookie SRV insert maxidle 1500ms maxlife 1us", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "MaxIdle", px.Cookie.MaxIdle(), uint32(2))
			eq(t, "MaxLife", px.Cookie.MaxLife(), uint32(1))
		}},
		// An empty word ends the line for haproxy.
		{kw: "cookie", in: inBESide, src: `cookie SRV insert "" rewrite`, check: cookieIs("SRV insert")},
		// A second line replaces the first, but for its attr list.
		{kw: "cookie", in: inBESide, name: "second line", src: "cookie A insert domain .a.com attr X\ncookie B prefix attr Y", check: cookieIs("B prefix attr X attr Y")},
		{kw: "cookie", in: inBE, name: "from defaults", pre: "defaults\n cookie A insert indirect attr X\n", src: "server s 127.0.0.1:80", check: cookieIs("A insert indirect attr X")},
		{kw: "cookie", in: inBE, name: "over defaults", pre: "defaults\n cookie A insert indirect domain .a.com attr X\n", src: "cookie B insert attr Y", check: cookieIs("B insert attr X attr Y")},
		{kw: "cookie", in: inBESide, src: "cookie SRV insert domain localhost", check: cookieIs("SRV insert domain localhost"),
			warn: "t.cfg:2: domain 'localhost' contains no embedded dot, this configuration may not work properly (see RFC6265#5.2.3)."},
		{kw: "cookie", in: inBESide, src: "cookie SRV insert maxidle 10sx", check: cookieIs("SRV insert maxidle 10s"),
			warn: "t.cfg:2: unexpected character 'x' after the timer value '10sx', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions."},
		{kw: "cookie", in: []Section{SecFrontend}, src: "cookie SRV insert", check: func(t *testing.T, _ *Config, px *Proxy) {
			if px.Cookie != nil {
				t.Errorf("Cookie = %s in a frontend, want nil", px.Cookie)
			}
		}, warn: "t.cfg:2: 'cookie' ignored because frontend 'chk' has no backend capability."},

		{kw: "cookie", in: inAll, src: "cookie", err: "t.cfg:2: 'cookie': expects <cookie_name> as argument."},
		{kw: "cookie", in: inAll, src: "cookie SRV insert rewrite", err: "t.cfg:2: 'cookie': cookie 'rewrite', 'insert' and 'prefix' modes are incompatible."},
		{kw: "cookie", in: inBESide, src: "cookie SRV prefix insert", err: "t.cfg:2: 'cookie': cookie 'rewrite', 'insert' and 'prefix' modes are incompatible."},
		{kw: "cookie", in: inBESide, src: "cookie SRV rewrite indirect", err: "t.cfg:2: 'cookie': cookie 'rewrite' and 'indirect' modes are incompatible."},
		{kw: "cookie", in: inBESide, src: "cookie SRV prefix preserve", err: "t.cfg:2: 'cookie': cookie 'preserve' requires at least 'insert' or 'indirect'."},
		{kw: "cookie", in: inBESide, src: "cookie SRV insert domain", err: "t.cfg:2: 'cookie': 'domain' expects <domain> as argument."},
		{kw: "cookie", in: inBESide, src: "cookie SRV insert domain a$b.com", err: "t.cfg:2: 'cookie': character '$' is not permitted in domain name 'a$b.com'."},
		{kw: "cookie", in: inBESide, src: "cookie SRV insert maxidle", err: "t.cfg:2: 'cookie': 'maxidle' expects <idletime> in seconds as argument."},
		{kw: "cookie", in: inBESide, src: "cookie SRV insert maxlife", err: "t.cfg:2: 'cookie': 'maxlife' expects <lifetime> in seconds as argument."},
		{kw: "cookie", in: inBESide, src: "cookie SRV insert maxidle 10x", err: "t.cfg:2: 'cookie': unexpected character 'x' in argument to <maxidle>."},
		{kw: "cookie", in: inBESide, src: "cookie SRV insert maxidle -1", err: "t.cfg:2: 'cookie': unexpected character '-' in argument to <maxidle>."},
		{kw: "cookie", in: inBESide, src: "cookie SRV insert maxlife 3000000000", err: "t.cfg:2: 'cookie': timer overflow in argument <3000000000> to <maxlife>, maximum value is 2147483647 s (~68 years)."},
		{kw: "cookie", in: inBESide, src: "cookie SRV insert attr", err: "t.cfg:2: 'cookie': 'attr' expects <value> as argument."},
		{kw: "cookie", in: inBESide, src: `cookie SRV insert attr "a;b"`, err: "t.cfg:2: 'cookie': character '%x3B' is not permitted in attribute value."},
		{kw: "cookie", in: inBESide, src: "cookie SRV insert foo", err: "t.cfg:2: 'cookie': supports 'rewrite', 'insert', 'prefix', 'indirect', 'nocache', 'postonly', 'domain', 'maxidle', 'dynamic', 'maxlife' and 'attr' options."},
		{kw: "cookie", in: inBESide, src: "cookie SRV insert dynamic", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "dynamic", px.Cookie.Dynamic(), true) }},
		{kw: "dynamic-cookie-key", in: inBESide, src: "dynamic-cookie-key s3cr3t", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "key", px.DynamicCookieKey, "s3cr3t") }},
		{kw: "dynamic-cookie-key", in: inBESide, src: "dynamic-cookie-key", err: "t.cfg:2: 'dynamic-cookie-key': expects <secret_key> as argument"},
	}
}

// TestServerCookieOption: the server's `cookie <value>`, on server and
// default-server lines.
func TestServerCookieOption(t *testing.T) {
	for _, c := range []struct {
		text string
		want []string // the servers' cookies
		err  string
	}{
		{text: "backend b\n cookie SRV insert\n server s1 127.0.0.1:1 cookie s1\n server s2 127.0.0.1:2 cookie \"a b;c\"\n server s3 127.0.0.1:3\n",
			want: []string{"s1", "a b;c", ""}},
		{text: "backend b\n default-server cookie d\n server s1 127.0.0.1:1\n server s2 127.0.0.1:2 cookie s2\n",
			want: []string{"d", "s2"}},
		{text: "backend b\n server s1 127.0.0.1:1 cookie s1 cookie s2\n", want: []string{"s2"}},
		{text: "backend b\n server s1 127.0.0.1:1 cookie\n", err: "t.cfg:2: 'server': 'cookie' expects <value> as argument."},
		{text: "backend b\n server s1 127.0.0.1:1 cookie \"\"\n", err: "t.cfg:2: 'server': 'cookie' expects <value> as argument."},
	} {
		cfg, _, errs := load(t, c.text)
		if c.err != "" {
			if len(errs) == 0 || errs[0].Error() != c.err {
				t.Errorf("%q: errors %v, want %q", c.text, errs, c.err)
			}
			continue
		}
		if len(errs) > 0 {
			t.Errorf("%q: %v", c.text, errs)
			continue
		}
		var got []string
		for _, s := range cfg.Proxies[0].Servers {
			got = append(got, s.Cookie)
		}
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%q: server cookies %q, want %q", c.text, got, c.want)
		}
	}
}
