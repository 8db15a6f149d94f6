package config

import (
	"strings"
	"testing"
)

// fcgi-app sections: read and checked as haproxy 2.6 checks them (its
// messages, checked with `haproxy -c`, inside switchyard's "'keyword':
// message" frame); using one is refused.

func init() { moreKeywordCases = append(moreKeywordCases, fcgiKeywordCases) }

var inFCGI = []Section{secFCGIApp}

// fcgiDoc is the line every section needs; the case's own line follows
// it, at t.cfg:3.
const fcgiDoc = "docroot /var/www\n"

func fcgiChk(t *testing.T, c *Config) *FCGIApp {
	t.Helper()
	app := FCGIApps(&c.Global)["chk"]
	if app == nil {
		t.Fatal("no fcgi-app 'chk'")
	}
	return app
}

func fcgiKeywordCases() []kwCase {
	app := func(check func(t *testing.T, a *FCGIApp)) kwCheck {
		return func(t *testing.T, c *Config, _ *Proxy) { check(t, fcgiChk(t, c)) }
	}
	flags := func(keep, get, mpxs bool) kwCheck {
		return app(func(t *testing.T, a *FCGIApp) {
			eq(t, "KeepConn", a.KeepConn, keep)
			eq(t, "GetValues", a.GetValues, get)
			eq(t, "MpxsConns", a.MpxsConns, mpxs)
		})
	}
	return []kwCase{
		{kw: "docroot", in: inFCGI, src: "docroot /var/www", check: app(func(t *testing.T, a *FCGIApp) { eq(t, "Docroot", a.Docroot, "/var/www") })},
		{kw: "docroot", in: inFCGI, name: "the last line wins", src: "docroot /a\ndocroot /b", check: app(func(t *testing.T, a *FCGIApp) { eq(t, "Docroot", a.Docroot, "/b") })},
		{kw: "docroot", in: inFCGI, src: "docroot", err: "t.cfg:2: 'docroot': expects <path> as argument."},
		{kw: "docroot", in: inFCGI, src: "docroot /a /b", err: "t.cfg:2: 'docroot': cannot handle unexpected argument '/b'."},

		{kw: "index", in: inFCGI, src: fcgiDoc + "index index.php", check: app(func(t *testing.T, a *FCGIApp) { eq(t, "Index", a.Index, "index.php") })},
		{kw: "index", in: inFCGI, src: fcgiDoc + "index", err: "t.cfg:3: 'index': expects <filename> as argument."},

		{kw: "path-info", in: inFCGI, src: fcgiDoc + `path-info ^(/.+\.php)(/.*)?$`, check: app(func(t *testing.T, a *FCGIApp) {
			if m := a.PathInfo.FindStringSubmatch("/x.php/y"); len(m) != 3 || m[1] != "/x.php" || m[2] != "/y" {
				t.Errorf("path-info split /x.php/y into %q", m)
			}
		})},
		{kw: "path-info", in: inFCGI, src: fcgiDoc + "path-info", err: "t.cfg:3: 'path-info': expects <regex> as argument."},
		{kw: "path-info", in: inFCGI, src: fcgiDoc + "path-info (", err: "t.cfg:3: 'path-info': '(' : ..."},

		{kw: "acl", in: inFCGI, src: fcgiDoc + "acl get method GET\npass-header x-a if get", check: app(func(t *testing.T, a *FCGIApp) {
			if len(a.Rules) != 1 || a.Rules[0].Cond == nil {
				t.Errorf("rules = %+v, want one with a condition", a.Rules)
			}
		})},
		{kw: "acl", in: inFCGI, src: fcgiDoc + "acl a nosuchfetch x", err: "t.cfg:3: 'acl': error detected while parsing ACL 'a' : unknown fetch method 'nosuchfetch' in ACL expression 'nosuchfetch'"},
		{kw: "acl", in: inFCGI, src: fcgiDoc + "acl or src 1.2.3.4", err: "t.cfg:3: 'acl': acl name 'or' will never match. 'or' is used to express a logical disjunction within a condition"},

		{kw: "set-param", in: inFCGI, src: fcgiDoc + "set-param SERVER_NAME %[req.hdr(host)] unless { src 127.0.0.1 }", check: app(func(t *testing.T, a *FCGIApp) {
			if len(a.Rules) != 1 || a.Rules[0].Name != "SERVER_NAME" || a.Rules[0].Value == nil || a.Rules[0].Cond == nil {
				t.Errorf("rules = %+v", a.Rules)
			}
		})},
		{kw: "set-param", in: inFCGI, src: fcgiDoc + "set-param X", err: "t.cfg:3: 'set-param': expects <name> and <value> as arguments."},
		{kw: "set-param", in: inFCGI, src: fcgiDoc + "set-param X %[nosuch]", err: "t.cfg:3: 'set-param': 'X' : ..."},
		{kw: "set-param", in: inFCGI, src: fcgiDoc + "set-param X y if nosuchacl", err: "t.cfg:3: 'set-param': 'X' : ..."},
		{kw: "set-param", in: inFCGI, src: fcgiDoc + "set-param X y when z", err: "t.cfg:3: 'set-param': 'X' : unexpected 'when', expects 'if' or 'unless' followed by a condition"},

		{kw: "pass-header", in: inFCGI, src: fcgiDoc + "pass-header x-forwarded-proto", check: app(func(t *testing.T, a *FCGIApp) {
			if len(a.Rules) != 1 || a.Rules[0].Value != nil || a.Rules[0].Cond != nil {
				t.Errorf("rules = %+v", a.Rules)
			}
		})},
		{kw: "pass-header", in: inFCGI, src: fcgiDoc + "pass-header", err: "t.cfg:3: 'pass-header': expects <name> as arguments."},
		{kw: "pass-header", in: inFCGI, src: fcgiDoc + "pass-header x if", err: "t.cfg:3: 'pass-header': 'x' : missing condition after 'if'"},

		{kw: "option keep-conn", in: inFCGI, name: "defaults", src: fcgiDoc, check: flags(true, false, false)},
		{kw: "option keep-conn", in: inFCGI, src: fcgiDoc + "no option keep-conn", check: flags(false, false, false)},
		{kw: "option keep-conn", in: inFCGI, src: fcgiDoc + "option keep-conn x", err: "t.cfg:3: 'option keep-conn': takes no argument"},
		{kw: "option get-values", in: inFCGI, src: fcgiDoc + "option get-values", check: flags(true, true, false)},
		{kw: "option get-values", in: inFCGI, src: fcgiDoc + "option get-values x", err: "t.cfg:3: 'option get-values': takes no argument"},
		{kw: "option mpxs-conns", in: inFCGI, src: fcgiDoc + "option mpxs-conns\nno option mpxs-conns\noption mpxs-conns", check: flags(true, false, true)},
		{kw: "option mpxs-conns", in: inFCGI, src: fcgiDoc + "option mpxs-conns x", err: "t.cfg:3: 'option mpxs-conns': takes no argument"},

		{kw: "option max-reqs", in: inFCGI, src: fcgiDoc + "option mpxs-conns\noption max-reqs 10", check: app(func(t *testing.T, a *FCGIApp) { eq(t, "MaxReqs", a.MaxReqs, 10) })},
		{kw: "option max-reqs", in: inFCGI, name: "without multiplexing", src: fcgiDoc + "option max-reqs 10",
			warn:  "t.cfg:1: fcgi-app 'chk': multiplexing not supported, ignore the option 'max-reqs'.",
			check: app(func(t *testing.T, a *FCGIApp) { eq(t, "MaxReqs", a.MaxReqs, 1) })},
		{kw: "option max-reqs", in: inFCGI, src: fcgiDoc + "option max-reqs", err: "t.cfg:3: 'option max-reqs': option 'max-reqs' expects an integer argument."},
		{kw: "option max-reqs", in: inFCGI, src: fcgiDoc + "option max-reqs 0", err: "t.cfg:3: 'option max-reqs': option 'max-reqs' expects a strictly positive integer argument."},

		{kw: "log-stderr", in: inFCGI, src: fcgiDoc + "log-stderr global\nlog-stderr 127.0.0.1:514 local0", check: app(func(t *testing.T, a *FCGIApp) { eq(t, "len(Logs)", len(a.Logs), 2) })},
		{kw: "log-stderr", in: inFCGI, src: fcgiDoc + "log-stderr global\nno log-stderr", check: app(func(t *testing.T, a *FCGIApp) { eq(t, "len(Logs)", len(a.Logs), 0) })},
		{kw: "log-stderr", in: inFCGI, src: fcgiDoc + "log-stderr 127.0.0.1:514", err: "t.cfg:3: 'log-stderr': expects <address> and <facility> or global as arguments"},
	}
}

// The section as a whole: its header, the check once it is read, and the
// keywords that would use it.
func TestFCGIAppSection(t *testing.T) {
	for text, want := range map[string]string{
		"fcgi-app\n docroot /\n":                               "t.cfg:1: 'fcgi-app': expects <name> as argument.",
		"fcgi-app a b\n docroot /\n":                           "t.cfg:1: 'fcgi-app': cannot handle unexpected argument 'b'.",
		"fcgi-app a$\n docroot /\n":                            "t.cfg:1: 'fcgi-app': character '$' is not permitted in 'fcgi-app' name 'a$'.",
		"fcgi-app a\n docroot /\nfcgi-app a\n docroot /\n":     "t.cfg:3: 'fcgi-app': fcgi-app section 'a' has the same name as another one declared at t.cfg:1.",
		"fcgi-app a\n index x\n":                               "t.cfg:1: fcgi-app 'a': no docroot configured.",
		"fcgi-app a\n docroot /\n bind :80\n":                  "t.cfg:3: 'bind' not allowed in 'fcgi-app' section",
		"fcgi-app a\n docroot /\n option foo\n":                "t.cfg:3: unknown keyword 'option foo' in 'fcgi-app' section",
		"fcgi-app a\n docroot /\nbackend b\n use-fcgi-app a\n": "t.cfg:4: 'use-fcgi-app' is not supported yet by switchyard",
	} {
		_, _, errs := load(t, text)
		if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), want) {
			t.Errorf("%q: got %v, want %q", text, errs, want)
		}
	}
	// Lines after a header that failed are skipped.
	if _, _, errs := load(t, "fcgi-app\n path-info (\n"); len(errs) != 1 {
		t.Errorf("lines after a bad header: %v", errs)
	}
	// Every section says that it cannot be used.
	_, res, errs := load(t, "fcgi-app a\n docroot /\n")
	if len(errs) != 0 || len(res.Messages) != 1 || !strings.Contains(res.Messages[0].Msg, "FastCGI is not supported yet") {
		t.Errorf("got %v %+v, want one warning", errs, res.Messages)
	}
}
