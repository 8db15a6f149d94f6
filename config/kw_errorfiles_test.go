package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Keyword cases of http-errors sections, errorfiles, http-error and the
// errorfiles option of return/deny.

func init() { moreKeywordCases = append(moreKeywordCases, errorfilesKeywordCases) }

func errorfilesKeywordCases() []kwCase {
	sec := "http-errors S\n errorfile 503 @D@/503.http\n errorfile 421 @D@/421.http\n"
	status := func(code, want int) kwCheck {
		return func(t *testing.T, _ *Config, px *Proxy) {
			r := px.ErrorFiles[code]
			if r == nil {
				if want != 0 {
					t.Fatalf("no message for %d", code)
				}
				return
			}
			eq(t, "status", r.Status(), want)
		}
	}
	return []kwCase{
		{kw: "errorfiles", in: inAll, pre: sec, src: "errorfiles S", check: status(421, 421)},
		{kw: "errorfiles", in: inAll, pre: sec, src: "errorfiles S 503", check: status(421, 0)},
		{kw: "errorfiles", in: inAll, pre: sec, src: "errorfiles S\nerrorfile 503 @D@/421.http", check: status(503, 421)},
		{kw: "errorfiles", in: inAll, pre: sec, src: "errorfile 503 @D@/421.http\nerrorfiles S", check: status(503, 503)},
		{kw: "errorfiles", in: inAll, pre: sec, src: "errorfiles S 404", warn: "t.cfg:5: proxy 'chk' : status '404' not declared in http-errors section 'S'."},
		{kw: "errorfiles", in: inAll, src: "errorfiles", err: "t.cfg:2: 'errorfiles': expects <name> as argument."},
		{kw: "errorfiles", in: inAll, pre: sec, src: "errorfiles S 302", err: "t.cfg:5: 'errorfiles': status code '302' not handled."},
		{kw: "errorfiles", in: inNamed, src: "errorfiles nope", err: "t.cfg:2: proxy 'chk': unknown http-errors section 'nope'."},

		{kw: "http-error", in: inAll, src: "http-error status 503 content-type text/plain string down hdr x-a b", check: status(503, 503)},
		{kw: "http-error", in: inAll, src: "http-error status 503 errorfile @D@/421.http", check: status(503, 421)},
		{kw: "http-error", in: inAll, pre: sec, src: "errorfiles S\nhttp-error status 503 default-errorfiles", check: status(503, 0)},
		{kw: "http-error", in: inAll, pre: sec, src: "http-error status 421 errorfiles S", check: status(421, 421)},
		{kw: "http-error", in: inAll, src: "http-error content-type text/plain string x", err: "t.cfg:2: 'http-error': expects at least a <status> as arguments."},
		{kw: "http-error", in: inAll, src: "http-error status 302", err: "t.cfg:2: 'http-error': status code '302' not handled."},
		{kw: "http-error", in: inAll, src: "http-error status 503 string x", err: "t.cfg:2: 'http-error': 'content-type' is required with a 'string' payload"},
		{kw: "http-error", in: inAll, src: "http-error status 503 foo bar", err: "t.cfg:2: 'http-error': unexpected argument 'foo'"},
		{kw: "http-error", in: inAll, src: "http-error status 503 content-type text/plain lf-string %[src]", check: func(t *testing.T, _ *Config, px *Proxy) {
			if px.ErrorFiles[503] == nil || px.ErrorFiles[503].Dynamic == nil {
				t.Errorf("http-error with a log-format value: %+v, want a reply rendered per request", px.ErrorFiles[503])
			}
		}},
		{kw: "http-error", in: inAll, src: "http-error status 503 content-type text/plain lf-string %[nope]",
			err: "t.cfg:2: 'http-error': 'lf-string': failed to parse sample expression <nope]> : unknown fetch method 'nope'"},

		{kw: "http-request return", in: inNamed, pre: sec, src: "mode http\nhttp-request return status 503 errorfiles S", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "reply", px.HTTPRequest[0].Reply.Status(), 503)
		}},
		{kw: "http-request deny", in: inNamed, pre: sec, src: "mode http\nhttp-request deny errorfiles S",
			warn: "t.cfg:6: status '403' referenced by an http reply not declared in http-errors section 'S'."},
		{kw: "http-request deny", in: inNamed, src: "http-request deny errorfiles nope", err: "t.cfg:2: unknown http-errors section 'nope' referenced by an http reply."},
		{kw: "http-request return", in: inNamed, pre: sec, src: "http-request return errorfiles S string x", err: "t.cfg:5: 'http-request return': 'string' cannot be used with 'errorfiles'"},
	}
}

func TestHTTPErrorsSection(t *testing.T) {
	dir := t.TempDir()
	for name, body := range kwFiles() {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d := func(s string) string { return strings.ReplaceAll(s, "@D@", dir) }
	cfg, _, errs := load(t, d("http-errors S\n errorfile 503 @D@/503.http\n"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if s := HTTPErrorSections(&cfg.Global)["S"]; s == nil || s.Replies[503] == nil {
		t.Fatal("section S")
	}
	for src, want := range map[string]string{
		"http-errors\n":                                "t.cfg:1: 'http-errors': missing name for http-errors section.",
		"http-errors a/b\n":                            "t.cfg:1: 'http-errors': character '/' is not permitted in 'http-errors' name 'a/b'.",
		"http-errors S\nhttp-errors S\n":               "t.cfg:2: 'http-errors': http-errors section 'S' already exists (declared at t.cfg:1).",
		"http-errors S\n errorfile 503\n":              "t.cfg:2: 'errorfile': expects <status_code> and <file> as arguments.",
		"http-errors S\n errorfile 302 @D@/503.http\n": "t.cfg:2: 'errorfile': status code '302' not handled.",
		"http-errors S\n errorfile 503 @D@/nothere\n":  "t.cfg:2: 'errorfile': error opening file ...",
		"http-errors S\n errorloc 503 http://x/\n":     "t.cfg:2: 'errorloc' not allowed in 'http-errors' section",
	} {
		_, _, errs := load(t, d(src))
		found := false
		for _, e := range errs {
			found = found || e.Error() == d(want) || strings.HasSuffix(want, "...") && strings.HasPrefix(e.Error(), strings.TrimSuffix(want, "..."))
		}
		if !found {
			t.Errorf("%q: got %v, want %q", src, errs, want)
		}
	}
}
