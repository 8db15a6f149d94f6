package config

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"switchyard/backend"
	"switchyard/logformat"
	"switchyard/sample"
)

// This file holds one table with, for every keyword of the registry and every
// section kind it is registered for, at least one accepting case (asserting
// the typed model field the keyword sets) and one refusing case (asserting the
// exact "file:line: message"). TestEveryKeywordIsTested keeps it complete.
//
// Expectations were checked against `haproxy -c` (2.6); where switchyard
// deliberately differs the case says so, and cases marked bug describe a
// known defect (they fail until it is fixed).

// kwCase is one row of the keyword table.
type kwCase struct {
	kw   string    // registry name, e.g. "timeout client"
	in   []Section // section kinds the case runs in, one subtest each
	name string    // optional label (default: src)

	// The configuration is: pre, then the header of the section under test
	// ("global", "defaults", "frontend chk", "backend chk", "listen chk") on
	// the line after pre, then src (one directive per line, indented), then
	// for defaults a "listen chk" that inherits it, then extra. Without pre,
	// the first line of src is t.cfg:2. "@D@" is replaced by a directory
	// holding the files of kwFiles.
	pre, src, extra string

	setup func(t *testing.T)

	// Accepting case: no error; check (if set) inspects the model; px is the
	// proxy named "chk" (nil for global). warn, if set, is a warning that
	// must be emitted; other warnings fail the case, except the ones every
	// scaffold produces (missing timeouts, no bind, a backend never used).
	check func(t *testing.T, c *Config, px *Proxy)
	warn  string

	// Refusing case: err is an expected error, "t.cfg:N: message"; a
	// trailing "..." makes it a prefix.
	err string

	// bug: the case describes the correct behaviour for a known defect.
	bug string
}

type kwCheck = func(t *testing.T, c *Config, px *Proxy)

var (
	inGlobal = []Section{SecGlobal}
	inAll    = []Section{SecDefaults, SecFrontend, SecBackend, SecListen}
	inFESide = []Section{SecDefaults, SecFrontend, SecListen}
	inBESide = []Section{SecDefaults, SecBackend, SecListen}
	inNamed  = []Section{SecFrontend, SecBackend, SecListen}
	inFE     = []Section{SecFrontend, SecListen}
	inBE     = []Section{SecBackend, SecListen}

	allSections = []Section{SecGlobal, SecDefaults, SecFrontend, SecBackend, SecListen}
	// registeredSections are the sections registered with
	// RegisterSection whose keywords the table covers too (the scaffold
	// header is sectionHeader's; such a section has no proxy "chk").
	registeredSections = []Section{secProgram, secFCGIApp, secACME}
)

// noAccept lists (keyword@section) pairs the registry declares but where no
// line can be accepted; TestEveryKeywordIsTested requires no accepting case
// for them.
// noRefuse lists (keyword@section) pairs where haproxy accepts every line.
var noRefuse = map[string]string{
	"log-send-hostname@global": "haproxy takes any (or no) name and ignores what follows",
}

var noAccept = map[string]string{
	"ssl-default-bind-sigalgs@global":          "Go's TLS stack does not let the signature algorithms be chosen",
	"ssl-default-bind-client-sigalgs@global":   "Go's TLS stack does not let the signature algorithms be chosen",
	"ssl-default-server-sigalgs@global":        "Go's TLS stack does not let the signature algorithms be chosen",
	"ssl-default-server-client-sigalgs@global": "Go's TLS stack does not let the signature algorithms be chosen",
	"ssl-engine@global":                        "OpenSSL engines do not exist for Go's TLS stack",
	"declare capture@backend":                  "haproxy refuses it there: only available in frontend or listen section",
	"nbproc@global":                            "haproxy 2.6 refuses it too",
	// haproxy refuses `server` in defaults too ("'server' not allowed in
	// 'defaults' section"); the registry row includes SecDefaults only so
	// that default-server shares parseServerOpts. See the report.
	"server@defaults": "registered for defaults, but parseServer always refuses it there",
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// kwCtx is a sample context for evaluating conditions and log formats.
func kwCtx(src string) *sample.Ctx {
	return &sample.Ctx{Src: netip.MustParseAddrPort(src + ":4000"), Dst: netip.MustParseAddrPort("192.0.2.1:80")}
}

func render(f *logformat.Format, src string) string {
	if f == nil {
		return "<nil>"
	}
	return string(f.Append(nil, kwCtx(src), nil))
}

// kwFiles are the files the cases refer to as @D@/NAME.
func kwFiles() map[string]string {
	big := "HTTP/1.0 200 OK\r\nX-Pad: a" + strings.Repeat(" ", 400) + "\r\n\r\n" + strings.Repeat("a", 20000)
	body20k := strings.Repeat("b", 20000)
	files := map[string]string{
		"503.http": "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: 4\r\n\r\ndown",
		"421.http": "HTTP/1.1 421 Misdirected Request\r\ncontent-length: 0\r\n\r\n",
		// Larger than tune.bufsize, still valid once truncated (haproxy
		// trims the padding of header values, so the head costs less in
		// its buffer than on disk): haproxy warns and keeps it.
		"big.http": big,
		// Valid, 20 kB: fits only with a larger tune.bufsize.
		"20k.http": "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 20000\r\n\r\n" + body20k,
		"bad.http": "garbage\r\n\r\n",
		"cl.http":  "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc",
		"body.txt": "hello file\n",
		"lf.txt":   "src=%[src]\n",
	}
	for name, data := range moreKwFiles {
		files[name] = data
	}
	return files
}

// moreKwFiles are files other test files add to kwFiles (certificates).
var moreKwFiles = map[string]string{}

func writeKwFiles(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range kwFiles() {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var sectionHeader = map[Section]string{
	SecGlobal: "global", SecDefaults: "defaults", SecFrontend: "frontend chk",
	SecBackend: "backend chk", SecListen: "listen chk",
	secProgram: "program chk",
	secFCGIApp: "fcgi-app chk",
	secACME:    "acme chk",
}

func indent(src string) string {
	if src == "" {
		return ""
	}
	var b strings.Builder
	for _, l := range strings.Split(src, "\n") {
		b.WriteString(" " + l + "\n")
	}
	return b.String()
}

func (c kwCase) text(sec Section, dir string) string {
	s := c.pre + sectionHeader[sec] + "\n" + indent(c.src)
	if sec == SecDefaults {
		s += "listen chk\n"
	}
	s += c.extra
	return strings.ReplaceAll(s, "@D@", dir)
}

func scaffoldWarning(msg string) bool {
	return strings.Contains(msg, "missing timeouts for") || strings.Contains(msg, "has no 'bind' directive") ||
		strings.Contains(msg, "is never used: no 'use_backend'") ||
		strings.Contains(msg, "FastCGI is not supported yet by switchyard; the section is checked")
}

func matchMsg(got, want string) bool {
	if p, ok := strings.CutSuffix(want, "..."); ok {
		return strings.HasPrefix(got, p)
	}
	return got == want
}

func (c kwCase) run(t *testing.T, sec Section, dir string) {
	if c.setup != nil {
		c.setup(t)
	}
	text := c.text(sec, dir)
	cfg, res, errs := load(t, text)
	defer func() {
		if t.Failed() {
			t.Logf("config:\n%s", text)
			if c.bug != "" {
				t.Errorf("known defect: %s", c.bug)
			}
		}
	}()
	if c.err != "" {
		want := strings.ReplaceAll(c.err, "@D@", dir)
		for _, e := range errs {
			if matchMsg(e.Error(), want) {
				return
			}
		}
		t.Errorf("want error %q, got:\n%v", want, errs)
		return
	}
	if len(errs) > 0 {
		t.Fatalf("unexpected errors:\n%v", errs)
	}
	want := strings.ReplaceAll(c.warn, "@D@", dir)
	found := false
	for _, m := range res.Warnings() {
		switch {
		case want != "" && matchMsg(m.String(), want):
			found = true
		case !scaffoldWarning(m.Msg):
			t.Errorf("unexpected warning: %s", m)
		}
	}
	if want != "" && !found {
		t.Errorf("missing warning %q in %v", want, res.Warnings())
	}
	var px *Proxy
	for _, p := range cfg.Proxies {
		if p.Name == "chk" {
			px = p
		}
	}
	if sec&SecProxy != 0 && px == nil {
		t.Fatal("no proxy 'chk'")
	}
	if c.check != nil {
		c.check(t, cfg, px)
	}
}

func TestKeywords(t *testing.T) {
	dir := writeKwFiles(t)
	for _, c := range keywordCases() {
		for _, sec := range c.in {
			label := c.name
			if label == "" {
				label = strings.ReplaceAll(c.src, "\n", "; ")
			}
			t.Run(c.kw+"/"+sectionName(sec)+"/"+label, func(t *testing.T) { c.run(t, sec, dir) })
		}
	}
}

// TestEveryKeywordIsTested fails when a registered keyword, in a section kind
// it is registered for, has no accepting or no refusing case in the table: a
// keyword added later must come with its tests.
func TestEveryKeywordIsTested(t *testing.T) {
	type key struct {
		kw  string
		sec Section
	}
	accept, refuse := map[key]bool{}, map[key]bool{}
	for _, c := range keywordCases() {
		if registry[c.kw] == nil {
			t.Errorf("table case for %q, which is not a registered keyword", c.kw)
		}
		for _, sec := range c.in {
			if c.err != "" {
				refuse[key{c.kw, sec}] = true
			} else {
				accept[key{c.kw, sec}] = true
			}
		}
	}
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if strings.HasPrefix(n, "test-") {
			continue // registered by extend_test.go, tested there
		}
		for _, row := range registry[n] {
			for _, sec := range append(allSections[:len(allSections):len(allSections)], registeredSections...) {
				if row.where&sec == 0 {
					continue
				}
				if sec == SecDefaults && isHTTPRuleKeyword(n) {
					continue // TestHTTPRulesInDefaults
				}
				k := key{n, sec}
				if !accept[k] && noAccept[n+"@"+sectionName(sec)] == "" {
					t.Errorf("keyword '%s' in '%s': no accepting case in keywordCases", n, sectionName(sec))
				}
				if accept[k] && noAccept[n+"@"+sectionName(sec)] != "" {
					t.Errorf("keyword '%s' in '%s': listed in noAccept but has an accepting case", n, sectionName(sec))
				}
				if !refuse[k] && noRefuse[n+"@"+sectionName(sec)] == "" {
					t.Errorf("keyword '%s' in '%s': no refusing case in keywordCases", n, sectionName(sec))
				}
			}
		}
	}
}

// TestKeywordWrongSection: every keyword is refused, naming itself and the
// section, in the section kinds it is not registered for. (A proxy keyword
// of the other side, e.g. `timeout client` in a backend, is registered there
// and ignored with a warning: see TestOtherSideKeywords.)
func TestKeywordWrongSection(t *testing.T) {
	for n, rows := range registry {
		for _, sec := range allSections {
			allowed, core := false, false
			for _, row := range rows {
				allowed = allowed || row.where&sec != 0
				core = core || row.where < secFirstFree
			}
			if allowed {
				continue
			}
			text := sectionHeader[sec] + "\n " + n + " x\n"
			_, res, errs := load(t, text)
			want := fmt.Sprintf("t.cfg:2: '%s' not allowed in '%s' section", n, sectionName(sec))
			if !core {
				// A keyword of a registered section only (userlist's
				// "user") is unknown elsewhere, as in haproxy, or an
				// ignored tuning keyword of global.
				if _, ignored := ignoredTuning[n]; ignored && sec == SecGlobal {
					if len(errs) > 0 || len(res.Warnings()) == 0 {
						t.Errorf("%q: got %v, want a warning", text, errs)
					}
					continue
				}
				want = fmt.Sprintf("t.cfg:2: unknown keyword '%s' in '%s' section", n, sectionName(sec))
			}
			if len(errs) == 0 || !strings.HasPrefix(errs[0].Error(), want) {
				t.Errorf("%q: got %v, want %q", text, errs, want)
			}
		}
	}
}

// otherSideLines are valid lines of every keyword that acts on one side of a
// proxy, for TestOtherSideKeywords ("other" is a backend the lines may name).
var otherSideLines = map[string]string{
	"option dontlog-normal":      "option dontlog-normal",
	"option log-health-checks":   "option log-health-checks",
	"option log-separate-errors": "option log-separate-errors",
	"option dontlognull":         "option dontlognull",
	"option logasap":             "option logasap",
	"capture request":            "capture request header Host len 10",
	"capture response":           "capture response header Server len 10",
	"declare capture":            "declare capture request len 8",
	"maxconn":                    "maxconn 10",
	"retries":                    "retries 7",
	"http-reuse":                 "http-reuse never",
	"balance":                    "balance source",
	"hash-type":                  "hash-type consistent djb2",
	"bind":                       "bind 127.0.0.1:8080 name web",
	"default_backend":            "default_backend other",
	"use_backend":                "use_backend other if { always_true }",
	"timeout client":             "timeout client 1s",
	"timeout client-fin":         "timeout client-fin 1s",
	"timeout server":             "timeout server 1s",
	"timeout connect":            "timeout connect 1s",
	"timeout tunnel":             "timeout tunnel 1s",
	"timeout server-fin":         "timeout server-fin 1s",
	"timeout check":              "timeout check 1s",
	"timeout queue":              "timeout queue 1s",
	"fullconn":                   "fullconn 100",
	"option redispatch":          "option redispatch",
	"option persist":             "option persist",
	"option abortonclose":        "option abortonclose",
	"option allbackups":          "option allbackups",
}

// TestOtherSideKeywords: a keyword that acts on one side of a proxy, used in
// a proxy of the other side (`balance` in a frontend, `bind` in a backend),
// is ignored as haproxy 2.6 ignores it: exactly haproxy's warning, at the
// line, and a configuration identical to one without the line. In defaults
// (both sides) and listen it is no warning.
func TestOtherSideKeywords(t *testing.T) {
	for name, rows := range registry {
		for _, row := range rows {
			if row.side == 0 {
				continue
			}
			line := otherSideLines[name]
			if line == "" {
				t.Errorf("'%s' acts on one side: add a line to otherSideLines", name)
				continue
			}
			sec, kind, missing := SecBackend, "backend", "frontend"
			if row.side == CapBE {
				sec, kind, missing = SecFrontend, "frontend", "backend"
			}
			text := func(l string) string {
				return sectionHeader[sec] + "\n mode http\n " + l + "\nbackend other\n mode http\n"
			}
			with, res, errs := load(t, text(line))
			without, _, errs2 := load(t, text("# "+line))
			if len(errs) > 0 || len(errs2) > 0 {
				t.Errorf("%s: errors %v %v", line, errs, errs2)
				continue
			}
			want := fmt.Sprintf("t.cfg:3: '%s' ignored because %s 'chk' has no %s capability.", name, kind, missing)
			switch {
			case name == "maxconn":
				want += " Maybe you want 'fullconn' instead ?"
			case strings.HasPrefix(name, "timeout "):
				want = fmt.Sprintf("t.cfg:3: '%s' will be ignored because %s 'chk' has no %s capability", name, kind, missing)
			case strings.HasPrefix(name, "option "):
				// haproxy names an option without "option".
				want = fmt.Sprintf("t.cfg:3: '%s' ignored because %s 'chk' has no %s capability.", strings.TrimPrefix(name, "option "), kind, missing)
			}
			var got []string
			for _, m := range res.Warnings() {
				if !scaffoldWarning(m.Msg) {
					got = append(got, m.String())
				}
			}
			if len(got) != 1 || got[0] != want {
				t.Errorf("%s in a %s: warnings %q, want %q", line, kind, got, want)
			}
			for _, px := range append(with.Proxies, without.Proxies...) {
				// ACL sets hold the Env's functions, which never compare
				// equal; the lines tested here declare no ACL.
				px.ignored, px.ACLs = nil, nil
			}
			if !reflect.DeepEqual(with.Proxies, without.Proxies) {
				t.Errorf("%s in a %s took effect:\n got %+v\nwant %+v", line, kind, *with.Proxies[0], *without.Proxies[0])
			}
			for _, sec := range []Section{SecDefaults, SecListen} {
				if row.where&sec == 0 {
					continue // bind and use_backend: refused in defaults, as haproxy
				}
				_, res, errs := load(t, sectionHeader[sec]+"\n "+line+"\nbackend other\n")
				if len(errs) > 0 {
					t.Errorf("%s in %s: %v", line, sectionName(sec), errs)
				}
				for _, m := range res.Warnings() {
					if !scaffoldWarning(m.Msg) {
						t.Errorf("%s in %s: unexpected warning %s", line, sectionName(sec), m)
					}
				}
			}
		}
	}
}

// TestNotYetKeywords: haproxy keywords a later release implements are refused
// as such, whatever follows them.
func TestNotYetKeywords(t *testing.T) {
	if len(notYet) < 60 {
		t.Fatalf("only %d not-yet keywords registered", len(notYet))
	}
	for n := range notYet {
		if registry[n] != nil {
			t.Errorf("%q is both registered and listed as not yet supported", n)
		}
		for _, sec := range []Section{SecGlobal, SecFrontend} {
			text := sectionHeader[sec] + "\n " + n + " arg\n"
			_, _, errs := load(t, text)
			want := fmt.Sprintf("t.cfg:2: '%s' is not supported yet by switchyard", n)
			if len(errs) != 1 || errs[0].Error() != want {
				t.Errorf("%q: got %v, want %q", text, errs, want)
			}
		}
	}
	// Sub-keywords and values that are not yet supported say so too.
	for text, want := range map[string]string{
		"frontend chk\n bind :80 defer-accept\n":   "t.cfg:2: 'bind': bind option 'defer-accept' is not supported yet by switchyard",
		"backend chk\n server s 127.0.0.1:1 tfo\n": "t.cfg:2: 'server': server option 'tfo' is not supported yet by switchyard",
		"frontend chk\n stats show-modules\n":      "t.cfg:2: 'stats' is not supported yet by switchyard",
		"frontend chk\n http-request silent-drop":  "t.cfg:2: 'http-request silent-drop' is not supported yet by switchyard",
	} {
		if !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		_, _, errs := load(t, text)
		if len(errs) != 1 || errs[0].Error() != want {
			t.Errorf("%q: got %v, want %q", text, errs, want)
		}
	}
}

// TestIgnoredTuningKeywords: HAProxy tuning keywords without meaning for
// switchyard are accepted in global with a warning, and unknown elsewhere.
func TestIgnoredTuningKeywords(t *testing.T) {
	if len(ignoredTuning) == 0 {
		t.Fatal("no ignored tuning keyword")
	}
	for n, why := range ignoredTuning {
		if find(n, SecGlobal|SecProxy) != nil && find(n, SecGlobal|SecProxy).where < secFirstFree || notYet[n] {
			t.Errorf("%q is ignored and also registered or not-yet", n)
		}
		_, res, errs := load(t, "global\n "+n+" 1\n")
		if len(errs) > 0 {
			t.Errorf("%s: errors %v", n, errs)
		}
		want := fmt.Sprintf("t.cfg:2: '%s' has no effect in switchyard (%s); ignored", n, why)
		if w := res.Warnings(); len(w) != 1 || w[0].String() != want {
			t.Errorf("%s: warnings %v, want %q", n, w, want)
		}
		_, _, errs = load(t, "defaults\n "+n+" 1\n")
		want = fmt.Sprintf("t.cfg:2: unknown keyword '%s' in 'defaults' section", n)
		if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), want) {
			t.Errorf("%s in defaults: got %v, want %q", n, errs, want)
		}
	}
	// zero-warning makes the warning an error, at the line of the keyword.
	_, _, errs := load(t, "global\n zero-warning\n ulimit-n 100000\n")
	want := "t.cfg:3: (zero-warning) 'ulimit-n' has no effect in switchyard (raise the limit with systemd or ulimit); ignored"
	if len(errs) != 1 || errs[0].Error() != want {
		t.Errorf("zero-warning: got %v, want %q", errs, want)
	}
}

// TestNegationPrefixes: "no" (and "default") apply to negatable keywords
// only; on any other keyword the line is refused.
func TestNegationPrefixes(t *testing.T) {
	for n, rows := range registry {
		row := rows[0]
		sec := SecGlobal
		for _, s := range append(allSections[:len(allSections):len(allSections)], registeredSections...) {
			if row.where&s != 0 {
				sec = s
				break
			}
		}
		hdr := sectionHeader[sec] + "\n"
		if sec == secProgram {
			// A program section needs master-worker mode and a command.
			hdr = "global\n master-worker\n" + hdr + " command true\n"
		}
		if sec == secFCGIApp {
			hdr += " docroot /var/www\n" // required
		}
		if sec == secACME {
			hdr = acmePre + hdr + " " + acmeDir + " challenge TLS-ALPN-01\n" // experimental; a directory is required
		}
		line := strings.Count(hdr, "\n") + 1
		if row.negatable {
			_, _, errs := load(t, hdr+" no "+n+"\n")
			if len(errs) > 0 {
				t.Errorf("'no %s' in %s: %v", n, sectionName(sec), errs)
			}
			continue
		}
		for _, prefix := range []string{"no", "default"} {
			_, _, errs := load(t, hdr+" "+prefix+" "+n+" 1\n")
			want := fmt.Sprintf("t.cfg:%d: unknown keyword '%s' in '%s' section", line, prefix, sectionName(sec))
			if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), want) {
				t.Errorf("'%s %s' in %s: got %v, want %q", prefix, n, sectionName(sec), errs, want)
			}
		}
	}
}

// TestDefaultPrefixBug: `default option httpclose` must not turn httpclose
// on. haproxy 2.6 refuses the "default" prefix on every keyword switchyard
// marks negatable ("'option httpclose' cannot handle unexpected argument
// 'httpclose'"); its documented meaning elsewhere is "restore the value of
// the defaults section", which here is keep-alive. Either is acceptable.
func TestDefaultPrefix(t *testing.T) {
	for _, c := range []struct {
		src  string
		ok   func(px *Proxy) bool
		want string
	}{
		{"option httpclose", func(px *Proxy) bool { return px.ConnMode == ConnKeepAlive }, "keep-alive"},
		{"option http-server-close", func(px *Proxy) bool { return px.ConnMode == ConnKeepAlive }, "keep-alive"},
		{"option forwardfor", func(px *Proxy) bool { return px.ForwardFor == nil }, "no forwardfor"},
	} {
		cfg, _, errs := load(t, "defaults\n mode http\nbackend chk\n default "+c.src+"\n")
		if len(errs) > 0 {
			continue // refused, as haproxy does
		}
		if px := cfg.Proxies[0]; !c.ok(px) {
			t.Errorf("'default %s' was accepted and applied as '%s' (want refused, as haproxy 2.6 does, or %s)",
				c.src, c.src, c.want)
		}
	}
}

// TestKeywordSuggestions: misspelt keywords get the closest keyword allowed in
// the section ("did you mean"), as haproxy says it.
func TestKeywordSuggestions(t *testing.T) {
	for text, want := range map[string]string{
		"global\n deamon\n":                    "t.cfg:2: unknown keyword 'deamon' in 'global' section; did you mean 'daemon' maybe ?",
		"global\n tune.bufsiz 1\n":             "t.cfg:2: unknown keyword 'tune.bufsiz' in 'global' section; did you mean 'tune.bufsize' maybe ?",
		"backend chk\n balanse roundrobin\n":   "t.cfg:2: unknown keyword 'balanse' in 'backend' section; did you mean 'balance' maybe ?",
		"frontend chk\n balanse roundrobin\n":  "t.cfg:2: unknown keyword 'balanse' in 'frontend' section; did you mean 'balance' maybe ?",
		"frontend chk\n timeout clinet 1s\n":   "t.cfg:2: unknown keyword 'timeout clinet' in 'frontend' section; did you mean 'timeout client' maybe ?",
		"backend chk\n timeout sever 1s\n":     "t.cfg:2: unknown keyword 'timeout sever' in 'backend' section; did you mean 'timeout server' maybe ?",
		"defaults\n option forwardfr\n":        "t.cfg:2: unknown keyword 'option forwardfr' in 'defaults' section; did you mean 'option forwardfor' maybe ?",
		"frontend chk\n use-backend b\n":       "t.cfg:2: unknown keyword 'use-backend' in 'frontend' section; did you mean 'use_backend' maybe ?",
		"frontend chk\n frobnicate 1\n":        "t.cfg:2: unknown keyword 'frobnicate' in 'frontend' section",
		"frontend chk\n http-request frob x\n": "t.cfg:2: unknown keyword 'http-request frob' in 'frontend' section",
	} {
		_, _, errs := load(t, text)
		if len(errs) != 1 || errs[0].Error() != want {
			t.Errorf("%q: got %v, want %q", text, errs, want)
		}
	}
	// A suggestion is only a keyword the section accepts (as haproxy,
	// ignored ones too: `balance` in a frontend).
	_, _, errs := load(t, "frontend chk\n servr s1 127.0.0.1:80\n")
	if len(errs) != 1 || strings.Contains(errs[0].Error(), "'server'") {
		t.Errorf("frontend suggests a keyword it refuses: %v", errs)
	}
}

// TestKeywordInheritance: a proxy starts as a copy of its defaults, for every
// keyword allowed in defaults, and does not share maps or pointers with it.
func TestKeywordInheritance(t *testing.T) {
	dir := writeKwFiles(t)
	text := strings.ReplaceAll(`defaults base
    mode http
    maxconn 77
    retries 9
    http-reuse always
    errorfile 503 @D@/503.http
    timeout client 1s
    timeout http-request 2s
    timeout client-fin 3s
    timeout server 4s
    timeout connect 5s
    timeout tunnel 6s
    timeout server-fin 7s
    timeout http-keep-alive 8s
    option httpclose
    option forwardfor except 10.0.0.0/8 header X-Client if-none
    default_backend app
    balance uri depth 2
    hash-type consistent djb2
    default-server weight 7
defaults other
    mode tcp
frontend fe from base
    bind :80
    errorfile 503 @D@/big.http
backend app from base
    option forwardfor header X-Other
    server s1 127.0.0.1:1
listen l from base
    bind :81
    server s2 127.0.0.1:2
backend tcpbe
    server s3 127.0.0.1:3
`, "@D@", dir)
	cfg, _, errs := load(t, text)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	byName := map[string]*Proxy{}
	for _, px := range cfg.Proxies {
		byName[px.Name] = px
	}
	fe, app, l, tcpbe := byName["fe"], byName["app"], byName["l"], byName["tcpbe"]
	wantTO := Timeouts{Client: time.Second, HTTPRequest: 2 * time.Second, ClientFin: 3 * time.Second,
		Server: 4 * time.Second, Connect: 5 * time.Second, Tunnel: 6 * time.Second,
		ServerFin: 7 * time.Second, HTTPKeepAlive: 8 * time.Second}
	for _, px := range []*Proxy{fe, app, l} {
		eq(t, px.Name+" Mode", px.Mode, ModeHTTP)
		eq(t, px.Name+" MaxConn", px.MaxConn, 77)
		eq(t, px.Name+" Retries", px.Retries, 9)
		eq(t, px.Name+" Reuse", px.Reuse, ReuseAlways)
		eq(t, px.Name+" Timeouts", px.Timeouts, wantTO)
		eq(t, px.Name+" ConnMode", px.ConnMode, ConnClose)
		eq(t, px.Name+" DefaultBackend", px.DefaultBackend, "app")
		eq(t, px.Name+" DefaultBackPos", px.DefaultBackPos, Pos{"t.cfg", 17})
		eq(t, px.Name+" Balance.Kind", px.Balance.Kind, backend.URI)
		eq(t, px.Name+" Balance.URIDepth", px.Balance.URIDepth, 2)
		eq(t, px.Name+" Balance.HashType", px.Balance.HashType, backend.Consistent)
		eq(t, px.Name+" Balance.HashFunc", px.Balance.HashFunc, backend.DJB2)
		eq(t, px.Name+" DefaultServer.Weight", px.DefaultServer.Weight, 7)
		if px.ForwardFor == nil {
			t.Errorf("%s: forwardfor not inherited", px.Name)
		} else if px != app {
			eq(t, px.Name+" ForwardFor.Header", px.ForwardFor.Header, "x-client")
			eq(t, px.Name+" ForwardFor.Except", px.ForwardFor.Except, netip.MustParsePrefix("10.0.0.0/8"))
			eq(t, px.Name+" ForwardFor.IfNone", px.ForwardFor.IfNone, true)
		}
		if px.ErrorFiles[503] == nil {
			t.Errorf("%s: errorfile 503 not inherited", px.Name)
		}
	}
	// Servers take the inherited default-server weight.
	eq(t, "app s1 weight", app.Servers[0].Weight, 7)
	eq(t, "l s2 weight", l.Servers[0].Weight, 7)
	// A proxy's own line replaces the inherited value without touching its
	// siblings (copies, not shared pointers and maps).
	eq(t, "app ForwardFor.Header", app.ForwardFor.Header, "x-other")
	eq(t, "l ForwardFor.Header", l.ForwardFor.Header, "x-client")
	if !fe.ErrorFiles[503].Truncated || l.ErrorFiles[503].Truncated || app.ErrorFiles[503].Truncated {
		t.Errorf("errorfile of fe leaked into its siblings")
	}
	// Without "from", a proxy inherits the last defaults section (whose
	// own contents are TestDefaultsSectionResetsBug's subject).
	eq(t, "tcpbe Mode", tcpbe.Mode, ModeTCP)
}

// TestDefaultsSectionResetsBug: in haproxy, "a defaults section resets all
// settings to the documented ones" (manual §4); only "from" chains them.
// Checked with haproxy -c: after `defaults base` with the three timeouts, a
// backend under a following `defaults other` gets "missing timeouts".
func TestDefaultsSectionResets(t *testing.T) {
	cfg, _, errs := load(t, `defaults base
    mode http
    retries 9
    timeout server 4s
    option httpclose
    option forwardfor
    errorfile 503 /dev/null
    default_backend app
    balance source
    default-server weight 7
defaults other
    timeout connect 1s
backend app
`)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	px := cfg.Proxies[0]
	want := newDefaults()
	want.Cap, want.Name, want.Pos, want.ACLs = px.Cap, px.Name, px.Pos, px.ACLs
	want.ID = 1 // the first proxy's automatic id
	want.Timeouts.Connect = time.Second
	if fmt.Sprintf("%+v", *px) != fmt.Sprintf("%+v", *want) {
		t.Errorf("a defaults section without 'from' must start afresh, as in haproxy:\n got %+v\nwant %+v", *px, *want)
	}
}

// TestDuplicateProxyIDBug: haproxy refuses two proxies with the same `id`
// ("backend b reuses same custom id as frontend f (declared at t.cfg:1)").
func TestDuplicateProxyID(t *testing.T) {
	_, _, errs := load(t, "frontend f\n id 1\nbackend b\n id 1\n")
	if len(errs) == 0 {
		t.Errorf("two proxies with 'id 1' accepted; haproxy refuses: t.cfg:4: backend b reuses same custom id as frontend f (declared at t.cfg:1)")
	}
}

// applyEnv makes a loaded configuration's environment changes, which
// loading only records.
func applyEnv(t *testing.T, c *Config) {
	t.Helper()
	if err := c.ApplyEnv(); err != nil {
		t.Fatal(err)
	}
}

func setenvCase(name string) func(t *testing.T) {
	return func(t *testing.T) {
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
}

// moreKeywordCases are the cases of other test files (kw_log_test.go...),
// added from their init functions.
var moreKeywordCases []func() []kwCase

func keywordCases() []kwCase {
	cases := []kwCase{
		// ---- global ----
		{kw: "daemon", in: inGlobal, src: "daemon", check: func(t *testing.T, c *Config, _ *Proxy) { eq(t, "Daemon", c.Global.Daemon, true) }},
		{kw: "daemon", in: inGlobal, src: "daemon 1", err: "t.cfg:2: 'daemon': takes no argument"},
		{kw: "master-worker", in: inGlobal, src: "master-worker", check: func(t *testing.T, c *Config, _ *Proxy) { eq(t, "MasterWorker", c.Global.MasterWorker, true) }},
		{kw: "master-worker", in: inGlobal, src: "master-worker no-exit-on-failure", check: func(t *testing.T, c *Config, _ *Proxy) { eq(t, "MasterWorker", c.Global.MasterWorker, true) }},
		{kw: "master-worker", in: inGlobal, src: "master-worker foo", err: "t.cfg:2: 'master-worker': only accepts 'no-exit-on-failure'"},
		{kw: "master-worker", in: inGlobal, src: "master-worker no-exit-on-failure x", err: "t.cfg:2: 'master-worker': only accepts 'no-exit-on-failure'"},
		{kw: "maxconn", in: inGlobal, src: "maxconn 2000", check: func(t *testing.T, c *Config, _ *Proxy) { eq(t, "MaxConn", c.Global.MaxConn, 2000) }},
		{kw: "maxconn", in: inGlobal, src: "maxconn lots", err: "t.cfg:2: 'maxconn': maxconn expects an integer, got 'lots'"},
		{kw: "maxconn", in: inGlobal, src: "maxconn", err: "t.cfg:2: 'maxconn': expects an integer argument"},
		{kw: "nbthread", in: inGlobal, src: "nbthread 4", check: func(t *testing.T, c *Config, _ *Proxy) { eq(t, "NbThread", c.Global.NbThread, 4) }},
		{kw: "nbthread", in: inGlobal, src: "nbthread 0", err: "t.cfg:2: 'nbthread': nbthread must be between 1 and 4096, got 0"},
		{kw: "nbthread", in: inGlobal, src: "nbthread 2 4", err: "t.cfg:2: 'nbthread': expects an integer argument"},
		{kw: "pidfile", in: inGlobal, src: "pidfile /run/sy.pid", check: func(t *testing.T, c *Config, _ *Proxy) { eq(t, "PidFile", c.Global.PidFile, "/run/sy.pid") }},
		{kw: "pidfile", in: inGlobal, src: "pidfile", err: "t.cfg:2: 'pidfile': expects a file path"},
		{kw: "pidfile", in: inGlobal, src: "pidfile /a /b", err: "t.cfg:2: 'pidfile': expects a file path"},
		{kw: "hard-stop-after", in: inGlobal, src: "hard-stop-after 30s", check: func(t *testing.T, c *Config, _ *Proxy) {
			eq(t, "HardStopAfter", c.Global.HardStopAfter, 30*time.Second)
		}},
		{kw: "hard-stop-after", in: inGlobal, src: "hard-stop-after 10x", err: "t.cfg:2: 'hard-stop-after': unexpected character 'x' in time value '10x' (units are us, ms, s, m, h, d)"},
		{kw: "hard-stop-after", in: inGlobal, src: "hard-stop-after", err: "t.cfg:2: 'hard-stop-after': expects a time value"},
		{kw: "tune.bufsize", in: inGlobal, src: "tune.bufsize 32768", check: func(t *testing.T, c *Config, _ *Proxy) { eq(t, "BufSize", c.Global.BufSize, 32768) }},
		{kw: "tune.bufsize", in: inGlobal, src: "tune.bufsize 1023", err: "t.cfg:2: 'tune.bufsize': tune.bufsize must be between 1024 and 1073741824, got 1023"},
		{kw: "tune.http.maxhdr", in: inGlobal, src: "tune.http.maxhdr 50", check: func(t *testing.T, c *Config, _ *Proxy) { eq(t, "MaxHdr", c.Global.MaxHdr, 50) }},
		{kw: "tune.http.maxhdr", in: inGlobal, src: "tune.http.maxhdr 0", err: "t.cfg:2: 'tune.http.maxhdr': tune.http.maxhdr must be between 1 and 32767, got 0"},
		{kw: "tune.http.maxhdr", in: inGlobal, src: "tune.http.maxhdr 32768", err: "t.cfg:2: 'tune.http.maxhdr': tune.http.maxhdr must be between 1 and 32767, got 32768"},
		{kw: "tune.maxrewrite", in: inGlobal, src: "tune.maxrewrite 512", check: func(t *testing.T, c *Config, _ *Proxy) { eq(t, "MaxRewrite", c.Global.MaxRewrite, 512) }},
		{kw: "set-var", in: inGlobal, src: "set-var proc.a int(12)\nset-var proc.b var(proc.a),add(1)",
			check: func(t *testing.T, c *Config, _ *Proxy) { eq(t, "vars", len(c.Global.Vars), 2) }},
		{kw: "set-var", in: inGlobal, src: "set-var txn.a int(12)", err: "t.cfg:2: 'set-var': only 'proc.' variables may be set in the global section"},
		{kw: "set-var", in: inGlobal, src: "set-var proc.a src", err: "t.cfg:2: 'set-var': sample fetch <src> may not be reliably used here because it needs 'L4 client information' which is not available here"},
		{kw: "set-var-fmt", in: inGlobal, src: `set-var-fmt proc.a "%[var(proc.b)] x"`,
			check: func(t *testing.T, c *Config, _ *Proxy) { eq(t, "vars", len(c.Global.Vars), 1) }},
		{kw: "set-var-fmt", in: inGlobal, src: "set-var-fmt proc.a", err: "t.cfg:2: 'set-var-fmt': requires a variable name and an expression"},
		{kw: "tune.idle-pool.shared", in: inGlobal, src: "tune.idle-pool.shared on"},
		{kw: "tune.idle-pool.shared", in: inGlobal, src: "tune.idle-pool.shared off", warn: "t.cfg:2: 'tune.idle-pool.shared off' has no effect in switchyard: a server's idle connections are one pool for the whole process (Go has no per-thread pools); ignored"},
		{kw: "tune.idle-pool.shared", in: inGlobal, src: "tune.idle-pool.shared maybe", err: "t.cfg:2: 'tune.idle-pool.shared': expects either 'on' or 'off' but got 'maybe'"},
		{kw: "tune.pool-low-fd-ratio", in: inGlobal, src: "tune.pool-low-fd-ratio 10", check: func(t *testing.T, c *Config, _ *Proxy) { eq(t, "PoolLowFDRatio", c.Global.PoolLowFDRatio, 10) }},
		{kw: "tune.pool-low-fd-ratio", in: inGlobal, src: "tune.pool-low-fd-ratio 101", err: "t.cfg:2: 'tune.pool-low-fd-ratio': tune.pool-low-fd-ratio must be between 0 and 100, got 101"},
		{kw: "tune.pool-high-fd-ratio", in: inGlobal, src: "tune.pool-high-fd-ratio 0", check: func(t *testing.T, c *Config, _ *Proxy) { eq(t, "PoolHighFDRatio", c.Global.PoolHighFDRatio, 0) }},
		{kw: "tune.pool-high-fd-ratio", in: inGlobal, src: "tune.pool-high-fd-ratio x", err: "t.cfg:2: 'tune.pool-high-fd-ratio': tune.pool-high-fd-ratio expects an integer, got 'x'"},
		{kw: "tune.maxrewrite", in: inGlobal, src: "tune.maxrewrite 0", check: func(t *testing.T, c *Config, _ *Proxy) { eq(t, "MaxRewrite", c.Global.MaxRewrite, 0) }},
		{kw: "tune.maxrewrite", in: inGlobal, src: "tune.maxrewrite -1", err: "t.cfg:2: 'tune.maxrewrite': tune.maxrewrite must be between 0 and 1073741824, got -1"},
		{kw: "strict-limits", in: inGlobal, src: "no strict-limits", check: func(t *testing.T, c *Config, _ *Proxy) { eq(t, "StrictLimits", c.Global.StrictLimits, false) }},
		{kw: "strict-limits", in: inGlobal, src: "no strict-limits\nstrict-limits", check: func(t *testing.T, c *Config, _ *Proxy) { eq(t, "StrictLimits", c.Global.StrictLimits, true) }},
		{kw: "strict-limits", in: inGlobal, src: "strict-limits 1", err: "t.cfg:2: 'strict-limits': takes no argument"},
		{kw: "strict-limits", in: inGlobal, src: "no strict-limits 1", err: "t.cfg:2: 'strict-limits': takes no argument"},
		{kw: "zero-warning", in: inGlobal, src: "zero-warning", check: func(t *testing.T, c *Config, _ *Proxy) { eq(t, "ZeroWarning", c.Global.ZeroWarning, true) }},
		{kw: "zero-warning", in: inGlobal, src: "zero-warning 1", err: "t.cfg:2: 'zero-warning': takes no argument"},
		{kw: "zero-warning", in: inGlobal, name: "warning becomes error", src: "zero-warning\nnoepoll",
			err: "t.cfg:3: (zero-warning) 'noepoll' has no effect in switchyard (the Go runtime polls); ignored"},
		{kw: "zero-warning", in: inGlobal, name: "proxy warning becomes error", src: "zero-warning", extra: "backend b\n server s 127.0.0.1:1\n",
			err: "t.cfg:3: (zero-warning) missing timeouts for backend 'b'...."},
		{kw: "localpeer", in: inGlobal, src: "localpeer lb1", check: func(t *testing.T, c *Config, _ *Proxy) { eq(t, "LocalPeer", c.Global.LocalPeer, "lb1") }},
		{kw: "localpeer", in: inGlobal, src: "localpeer", err: "t.cfg:2: 'localpeer': expects one argument"},
		{kw: "node", in: inGlobal, src: "node lb-1.dc", check: func(t *testing.T, c *Config, _ *Proxy) { eq(t, "Node", c.Global.Node, "lb-1.dc") }},
		{kw: "node", in: inGlobal, src: "node a b", err: "t.cfg:2: 'node': expects one argument"},
		{kw: "description", in: inGlobal, src: "description edge  load balancer", check: func(t *testing.T, c *Config, _ *Proxy) {
			eq(t, "Description", c.Global.Description, "edge load balancer")
		}},
		{kw: "description", in: inGlobal, src: "description", err: "t.cfg:2: 'description'..."},
		{kw: "setenv", in: inGlobal, src: "setenv SY_KWTEST_SET new value",
			setup: func(t *testing.T) { t.Setenv("SY_KWTEST_SET", "old") },
			err:   "t.cfg:2: 'setenv': expects <name> <value>"}, // haproxy ignores the extra word
		{kw: "setenv", in: inGlobal, src: "setenv SY_KWTEST_SET \"new value\"",
			setup: func(t *testing.T) { t.Setenv("SY_KWTEST_SET", "old") },
			check: func(t *testing.T, c *Config, _ *Proxy) {
				applyEnv(t, c)
				eq(t, "$SY_KWTEST_SET", os.Getenv("SY_KWTEST_SET"), "new value")
			}},
		{kw: "setenv", in: inGlobal, src: "setenv SY_KWTEST_SET", err: "t.cfg:2: 'setenv': expects <name> <value>"},
		{kw: "presetenv", in: inGlobal, src: "presetenv SY_KWTEST_PRE new\npresetenv SY_KWTEST_NEW v",
			setup: func(t *testing.T) {
				t.Setenv("SY_KWTEST_PRE", "old")
				setenvCase("SY_KWTEST_NEW")(t)
			},
			check: func(t *testing.T, c *Config, _ *Proxy) {
				applyEnv(t, c)
				eq(t, "$SY_KWTEST_PRE", os.Getenv("SY_KWTEST_PRE"), "old")
				eq(t, "$SY_KWTEST_NEW", os.Getenv("SY_KWTEST_NEW"), "v")
			}},
		{kw: "presetenv", in: inGlobal, src: "presetenv SY_KWTEST_PRE", err: "t.cfg:2: 'presetenv': expects <name> <value>"},
		{kw: "unsetenv", in: inGlobal, src: "unsetenv SY_KWTEST_A SY_KWTEST_B",
			setup: func(t *testing.T) {
				t.Setenv("SY_KWTEST_A", "1")
				t.Setenv("SY_KWTEST_B", "2")
			},
			check: func(t *testing.T, c *Config, _ *Proxy) {
				applyEnv(t, c)
				_, a := os.LookupEnv("SY_KWTEST_A")
				_, b := os.LookupEnv("SY_KWTEST_B")
				eq(t, "SY_KWTEST_A set", a, false)
				eq(t, "SY_KWTEST_B set", b, false)
			}},
		{kw: "unsetenv", in: inGlobal, src: "unsetenv", err: "t.cfg:2: 'unsetenv'..."},

		// ---- proxies: simple keywords ----
		{kw: "mode", in: inAll, src: "mode http", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Mode", px.Mode, ModeHTTP) }},
		{kw: "mode", in: inAll, src: "mode http\nmode tcp", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Mode", px.Mode, ModeTCP) }},
		{kw: "mode", in: inAll, src: "mode foo", err: "t.cfg:2: 'mode': expects 'tcp' or 'http', got 'foo'"},
		{kw: "mode", in: inAll, src: "mode", err: "t.cfg:2: 'mode': expects 'tcp' or 'http'"},
		{kw: "mode", in: inAll, src: "mode http tcp", err: "t.cfg:2: 'mode': expects 'tcp' or 'http'"},
		// haproxy 2.6: "'mode health' doesn't exist anymore".
		{kw: "mode", in: []Section{SecBackend}, src: "mode health", err: "t.cfg:2: 'mode': mode 'health' is not supported yet by switchyard"},
		{kw: "description", in: inNamed, src: "description public  web site", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "Description", px.Description, "public web site")
		}},
		{kw: "description", in: inNamed, src: "description", err: "t.cfg:2: 'description'..."},
		{kw: "id", in: inNamed, src: "id 42", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "ID", px.ID, 42) }},
		{kw: "id", in: inNamed, src: "id 0", err: "t.cfg:2: 'id': id must be between 1 and 2147483647, got 0"},
		{kw: "id", in: inNamed, src: "id", err: "t.cfg:2: 'id': expects an integer argument"},
		{kw: "maxconn", in: inFESide, src: "maxconn 500", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "MaxConn", px.MaxConn, 500) }},
		{kw: "maxconn", in: inAll, src: "maxconn x", err: "t.cfg:2: 'maxconn': maxconn expects an integer, got 'x'"},
		// A keyword of the other side is ignored with haproxy's warning (the
		// arguments are still checked: the refusing cases run there too).
		{kw: "maxconn", in: []Section{SecBackend}, src: "maxconn 500",
			warn:  "t.cfg:2: 'maxconn' ignored because backend 'chk' has no frontend capability. Maybe you want 'fullconn' instead ?",
			check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "MaxConn", px.MaxConn, 0) }},
		{kw: "option allbackups", in: inBESide, src: "option allbackups", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "AllBackups", px.AllBackups, true) }},
		{kw: "option allbackups", in: inBESide, name: "no", src: "option allbackups\nno option allbackups", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "AllBackups", px.AllBackups, false) }},
		{kw: "option allbackups", in: []Section{SecFrontend}, src: "option allbackups",
			warn: "t.cfg:2: 'allbackups' ignored because frontend 'chk' has no backend capability."},
		{kw: "option allbackups", in: inAll, src: "option allbackups x", err: "t.cfg:2: 'option allbackups': takes no argument"},
		{kw: "fullconn", in: inBESide, src: "fullconn 300", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "FullConn", px.FullConn, 300) }},
		{kw: "fullconn", in: []Section{SecFrontend}, src: "fullconn 300", warn: "t.cfg:2: 'fullconn' ignored because frontend 'chk' has no backend capability."},
		{kw: "fullconn", in: inAll, src: "fullconn 0", err: "t.cfg:2: 'fullconn': fullconn must be between 1 and 2147483647, got 0"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 maxconn 10 maxqueue 5 minconn 2", check: func(t *testing.T, _ *Config, px *Proxy) {
			s := px.Servers[0]
			eq(t, "limits", fmt.Sprint(s.MaxConn, s.MaxQueue, s.MinConn), "10 5 2")
		}},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 maxconn -1", err: "t.cfg:2: 'server': maxconn must be between 0 and 2147483647, got -1"},
		{kw: "retry-on", in: inBESide, src: "retry-on all-retryable-errors 404", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "RetryOn", px.RetryOn&(RetryConnFailure|Retry404|Retry503|Retry501), RetryConnFailure|Retry404|Retry503)
		}},
		{kw: "retry-on", in: inBESide, src: "retry-on none", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "RetryOn", px.RetryOn, RetryOn(0)) }},
		{kw: "retry-on", in: inBESide, src: "retry-on 200", err: "t.cfg:2: 'retry-on': '200' is not a retryable HTTP status code (401, 403, 404, 408, 425, 500, 501, 502, 503, 504)"},
		{kw: "retry-on", in: inBESide, src: "retry-on sometimes", err: "t.cfg:2: 'retry-on': unknown keyword 'sometimes'"},
		{kw: "option redispatch", in: inBESide, src: "option redispatch", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Redispatch", px.Redispatch, -1) }},
		{kw: "option redispatch", in: inBESide, src: "option redispatch 2", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Redispatch", px.Redispatch, 2) }},
		{kw: "option redispatch", in: inBESide, name: "no", src: "option redispatch\nno option redispatch", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Redispatch", px.Redispatch, 0) }},
		{kw: "option redispatch", in: []Section{SecFrontend}, src: "option redispatch", warn: "t.cfg:2: 'redispatch' ignored because frontend 'chk' has no backend capability."},
		{kw: "option redispatch", in: inAll, src: "option redispatch x", err: "t.cfg:2: 'option redispatch': expects an integer interval, got 'x'"},
		{kw: "monitor-uri", in: inFESide, src: "monitor-uri /alive", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "MonitorURI", px.MonitorURI, "/alive") }},
		{kw: "monitor-uri", in: inFESide, src: "monitor-uri", err: "t.cfg:2: 'monitor-uri': expects an URI"},
		{kw: "monitor fail", in: inFE, src: "monitor fail if TRUE", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "MonitorFail", len(px.MonitorFail), 1) }},
		{kw: "monitor fail", in: inFE, src: "monitor fail TRUE", err: "t.cfg:2: 'monitor fail': unexpected 'TRUE', expects 'if' or 'unless' followed by a condition"},
		{kw: "option abortonclose", in: inBESide, src: "option abortonclose", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "AbortOnClose", px.AbortOnClose, true) }},
		{kw: "option abortonclose", in: inBESide, name: "no", src: "option abortonclose\nno option abortonclose", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "AbortOnClose", px.AbortOnClose, false) }},
		{kw: "option abortonclose", in: []Section{SecFrontend}, src: "option abortonclose", warn: "t.cfg:2: 'abortonclose' ignored because frontend 'chk' has no backend capability."},
		{kw: "option abortonclose", in: inAll, src: "option abortonclose 1", err: "t.cfg:2: 'option abortonclose': takes no argument"},
		{kw: "option persist", in: inBESide, src: "option persist", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Persist", px.Persist, true) }},
		{kw: "option persist", in: []Section{SecFrontend}, src: "option persist", warn: "t.cfg:2: 'persist' ignored because frontend 'chk' has no backend capability."},
		{kw: "option persist", in: inAll, src: "option persist x", err: "t.cfg:2: 'option persist': takes no argument"},
		{kw: "force-persist", in: inBE, src: "force-persist if TRUE", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "force", px.PersistRules[0].Force, true) }},
		{kw: "force-persist", in: inBE, src: "force-persist", err: "t.cfg:2: 'force-persist': requires either 'if' or 'unless' followed by a condition"},
		{kw: "ignore-persist", in: inBE, src: "ignore-persist unless TRUE", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "force", px.PersistRules[0].Force, false) }},
		{kw: "ignore-persist", in: inBE, src: "ignore-persist TRUE", err: "t.cfg:2: 'ignore-persist': unexpected 'TRUE', expects 'if' or 'unless' followed by a condition"},
		{kw: "use-server", in: inBE, src: "use-server s1 if TRUE\nserver s1 192.0.2.1:80", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "UseServers", px.UseServers[0].Server, "s1") }},
		{kw: "use-server", in: []Section{SecBackend}, src: "use-server nope if TRUE", err: "t.cfg:2: backend 'chk' : unable to find server 'nope' referenced in a 'use-server' rule."},
		{kw: "use-server", in: []Section{SecListen}, src: "use-server nope if TRUE", err: "t.cfg:2: proxy 'chk' : unable to find server 'nope' referenced in a 'use-server' rule."},
		{kw: "use-server", in: inBE, src: "use-server s1", err: "t.cfg:2: 'use-server': expects a server name followed by 'if' or 'unless' and a condition"},
		{kw: "spread-checks", in: inGlobal, src: "spread-checks 5", check: func(t *testing.T, c *Config, _ *Proxy) { eq(t, "SpreadChecks", c.Global.SpreadChecks, 5) }},
		{kw: "spread-checks", in: inGlobal, src: "spread-checks 51", err: "t.cfg:2: 'spread-checks': spread-checks must be between 0 and 50, got 51"},
		{kw: "retries", in: inBESide, src: "retries 5", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Retries", px.Retries, 5) }},
		{kw: "retries", in: inBESide, src: "retries 0", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Retries", px.Retries, 0) }},
		{kw: "retries", in: []Section{SecFrontend}, src: "retries 5",
			warn:  "t.cfg:2: 'retries' ignored because frontend 'chk' has no backend capability.",
			check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Retries", px.Retries, 3) }},
		{kw: "retries", in: inAll, src: "retries -1", err: "t.cfg:2: 'retries': retries must be between 0 and 65536, got -1"},
		{kw: "retries", in: inAll, src: "retries", err: "t.cfg:2: 'retries': expects an integer argument"},
		{kw: "http-reuse", in: inBESide, src: "http-reuse never", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Reuse", px.Reuse, ReuseNever) }},
		{kw: "http-reuse", in: inBESide, src: "http-reuse never\nhttp-reuse safe", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Reuse", px.Reuse, ReuseSafe) }},
		{kw: "http-reuse", in: inBESide, src: "http-reuse aggressive", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Reuse", px.Reuse, ReuseAggressive) }},
		{kw: "http-reuse", in: inBESide, src: "http-reuse always", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Reuse", px.Reuse, ReuseAlways) }},
		{kw: "http-reuse", in: []Section{SecFrontend}, src: "http-reuse never",
			warn:  "t.cfg:2: 'http-reuse' ignored because frontend 'chk' has no backend capability.",
			check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Reuse", px.Reuse, ReuseSafe) }},
		{kw: "http-reuse", in: inAll, src: "http-reuse sometimes", err: "t.cfg:2: 'http-reuse': expects 'never', 'safe', 'aggressive' or 'always', got 'sometimes'"},
		{kw: "http-reuse", in: inAll, src: "http-reuse", err: "t.cfg:2: 'http-reuse': expects 'never', 'safe', 'aggressive' or 'always'"},

		// ---- errorfile ----
		{kw: "errorfile", in: inAll, src: "errorfile 503 @D@/503.http", check: func(t *testing.T, _ *Config, px *Proxy) {
			r := px.ErrorFiles[503]
			if r == nil {
				t.Fatal("ErrorFiles[503] not set")
			}
			eq(t, "Status", r.Status(), 503)
			eq(t, "Truncated", r.Truncated, false)
		}},
		{kw: "errorfile", in: inAll, name: "too large", src: "errorfile 200 @D@/big.http",
			warn: "t.cfg:2: 'errorfile 200': file '@D@/big.http' is larger than tune.bufsize (16384 bytes) and was truncated",
			check: func(t *testing.T, _ *Config, px *Proxy) {
				if r := px.ErrorFiles[200]; r == nil || !r.Truncated || r.Status() != 200 {
					t.Errorf("ErrorFiles[200] = %+v, want a truncated 200", r)
				}
			}},
		{kw: "errorfile", in: []Section{SecBackend}, name: "fits a larger tune.bufsize", pre: "global\n tune.bufsize 32768\n",
			src: "errorfile 200 @D@/20k.http", check: func(t *testing.T, _ *Config, px *Proxy) {
				if r := px.ErrorFiles[200]; r == nil || r.Truncated {
					t.Errorf("ErrorFiles[200] = %+v", r)
				}
			}},
		{kw: "errorfile", in: []Section{SecFrontend}, src: "errorfile 421 @D@/421.http",
			check: func(t *testing.T, _ *Config, px *Proxy) {
				if r := px.ErrorFiles[421]; r == nil || r.Status() != 421 {
					t.Errorf("ErrorFiles[421] = %+v", r)
				}
			}},
		{kw: "errorfile", in: inAll, src: "errorfile 503 @D@/bad.http", err: "t.cfg:2: 'errorfile': file '@D@/bad.http': unable to parse headers: ..."},
		{kw: "errorfile", in: inAll, src: "errorfile 503 @D@/cl.http", err: "t.cfg:2: 'errorfile': file '@D@/cl.http': payload size does not match the announced content-length (3 != 10)"},
		{kw: "errorfile", in: []Section{SecDefaults}, src: "errorfile 503 @D@/missing.http", err: "t.cfg:2: 'errorfile': error opening file '@D@/missing.http': ..."},
		{kw: "errorfile", in: []Section{SecDefaults}, src: "errorfile 302 @D@/503.http", err: "t.cfg:2: 'errorfile': status code 302 cannot be overridden (supported: ..."},
		{kw: "errorfile", in: []Section{SecDefaults}, src: "errorfile abc @D@/503.http", err: "t.cfg:2: 'errorfile': status code expects an integer, got 'abc'"},
		{kw: "errorfile", in: inAll, src: "errorfile 503", err: "t.cfg:2: 'errorfile': expects <code> <file>"},

		// ---- options ----
		{kw: "option http-keep-alive", in: inAll, src: "option httpclose\noption http-keep-alive", check: connModeIs(ConnKeepAlive)},
		{kw: "option http-keep-alive", in: inAll, name: "no", src: "option http-server-close\nno option http-keep-alive", check: connModeIs(ConnServerClose)},
		{kw: "option http-keep-alive", in: inAll, src: "option http-keep-alive on", err: "t.cfg:2: 'option http-keep-alive': takes no argument"},
		{kw: "option http-keep-alive", in: inAll, src: "no option http-keep-alive x", err: "t.cfg:2: 'option http-keep-alive': takes no argument"},
		{kw: "option http-server-close", in: inAll, src: "option http-server-close", check: connModeIs(ConnServerClose)},
		{kw: "option http-server-close", in: inAll, name: "no", src: "option http-server-close\nno option http-server-close", check: connModeIs(ConnKeepAlive)},
		{kw: "option http-server-close", in: inAll, name: "no other mode", src: "option httpclose\nno option http-server-close", check: connModeIs(ConnClose)},
		{kw: "option http-server-close", in: inAll, src: "option http-server-close x", err: "t.cfg:2: 'option http-server-close': takes no argument"},
		{kw: "option httpclose", in: inAll, src: "option httpclose", check: connModeIs(ConnClose)},
		{kw: "option httpclose", in: inAll, name: "no", src: "option httpclose\nno option httpclose", check: connModeIs(ConnKeepAlive)},
		{kw: "option httpclose", in: inAll, name: "last wins", src: "option httpclose\noption http-server-close", check: connModeIs(ConnServerClose)},
		{kw: "option httpclose", in: inAll, src: "option httpclose x", err: "t.cfg:2: 'option httpclose': takes no argument"},
		{kw: "option originalto", in: inAll, src: "option originalto except 10.0.0.0/8 header X-Dst", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "OriginalTo", fmt.Sprint(px.OriginalTo.Header, " ", px.OriginalTo.Except), "x-dst 10.0.0.0/8")
		}},
		{kw: "option originalto", in: inAll, src: "option originalto if-none", err: "t.cfg:2: 'option originalto': unknown parameter 'if-none' (expects 'except' or 'header')"},
		{kw: "option forwardfor", in: inAll, src: "option forwardfor", check: forwardFor("x-forwarded-for", netip.Prefix{}, false)},
		{kw: "option forwardfor", in: inAll, src: "option forwardfor except 10.0.0.0/8", check: forwardFor("x-forwarded-for", netip.MustParsePrefix("10.0.0.0/8"), false)},
		{kw: "option forwardfor", in: inAll, src: "option forwardfor except 192.168.7.9/255.255.0.0", check: forwardFor("x-forwarded-for", netip.MustParsePrefix("192.168.0.0/16"), false)},
		{kw: "option forwardfor", in: inAll, src: "option forwardfor except 127.0.0.1", check: forwardFor("x-forwarded-for", netip.MustParsePrefix("127.0.0.1/32"), false)},
		{kw: "option forwardfor", in: inAll, src: "option forwardfor except ::1", check: forwardFor("x-forwarded-for", netip.MustParsePrefix("::1/128"), false)},
		{kw: "option forwardfor", in: inAll, src: "option forwardfor header X-Client-IP", check: forwardFor("x-client-ip", netip.Prefix{}, false)},
		{kw: "option forwardfor", in: inAll, src: "option forwardfor if-none", check: forwardFor("x-forwarded-for", netip.Prefix{}, true)},
		{kw: "option forwardfor", in: inAll, src: "option forwardfor if-none header X-Real-IP except 10.0.0.0/8", check: forwardFor("x-real-ip", netip.MustParsePrefix("10.0.0.0/8"), true)},
		// haproxy 2.6 refuses "no option forwardfor" ("negation/default is
		// not supported for option 'forwardfor'"); switchyard documents it.
		{kw: "option forwardfor", in: inAll, name: "no", src: "option forwardfor\nno option forwardfor", check: func(t *testing.T, _ *Config, px *Proxy) {
			if px.ForwardFor != nil {
				t.Errorf("ForwardFor = %+v, want nil", px.ForwardFor)
			}
		}},
		{kw: "option forwardfor", in: inAll, src: "option forwardfor foo", err: "t.cfg:2: 'option forwardfor': unknown parameter 'foo' (expects 'except', 'header' or 'if-none')"},
		{kw: "option forwardfor", in: inAll, src: "option forwardfor except", err: "t.cfg:2: 'option forwardfor': 'except' expects a network"},
		{kw: "option forwardfor", in: inAll, src: "option forwardfor except bad", err: "t.cfg:2: 'option forwardfor': 'except': invalid address 'bad'"},
		{kw: "option forwardfor", in: inAll, src: "option forwardfor except 10.0.0.0/99", err: "t.cfg:2: 'option forwardfor': 'except': invalid network '10.0.0.0/99'"},
		{kw: "option forwardfor", in: inAll, src: "option forwardfor header", err: "t.cfg:2: 'option forwardfor': 'header' expects a header name"},
		{kw: "option forwardfor", in: inAll, src: "no option forwardfor if-none", err: "t.cfg:2: 'option forwardfor': 'no option forwardfor' takes no argument"},

		// ---- routing ----
		{kw: "default_backend", in: inFESide, src: "default_backend app", extra: "backend app\n", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "DefaultBackend", px.DefaultBackend, "app")
			eq(t, "DefaultBackPos", px.DefaultBackPos, Pos{"t.cfg", 2})
		}},
		{kw: "default_backend", in: inAll, src: "default_backend", err: "t.cfg:2: 'default_backend': expects a backend name"},
		{kw: "default_backend", in: inAll, src: "default_backend app api", err: "t.cfg:2: 'default_backend': expects a backend name"},
		// In a backend: ignored with a warning, but haproxy still resolves
		// the name ("Proxy 'chk': unable to find required default_backend").
		{kw: "default_backend", in: []Section{SecBackend}, src: "default_backend app", extra: "backend app\n",
			warn: "t.cfg:2: 'default_backend' ignored because backend 'chk' has no frontend capability.",
			check: func(t *testing.T, _ *Config, px *Proxy) {
				eq(t, "DefaultBackend", px.DefaultBackend, "")
				eq(t, "DefaultBackPos", px.DefaultBackPos, Pos{})
			}},
		{kw: "default_backend", in: []Section{SecBackend}, src: "default_backend nope", err: "t.cfg:2: backend 'chk': unable to find required default_backend: 'nope'."},
		{kw: "default_backend", in: []Section{SecBackend}, name: "tcp backend", src: "mode http\ndefault_backend app", extra: "backend app\n mode tcp\n",
			err: "t.cfg:3: http backend 'chk' (t.cfg:1) tries to use incompatible tcp backend 'app' (t.cfg:4) in a 'default_backend' rule (see 'mode')."},
		// haproxy accepts a tcp proxy naming an http backend; as the line is
		// ignored, switchyard's "not supported yet" for it does not apply.
		{kw: "default_backend", in: []Section{SecBackend}, name: "tcp to http", src: "default_backend app", extra: "backend app\n mode http\n",
			warn: "t.cfg:2: 'default_backend' ignored because backend 'chk' has no frontend capability."},
		{kw: "default_backend", in: []Section{SecFrontend}, src: "default_backend nope", err: "t.cfg:2: frontend 'chk': unable to find required default_backend: 'nope'."},
		{kw: "use_backend", in: inFE, src: "acl internal src 10.0.0.0/8\nuse_backend api if internal\nuse_backend app unless internal !{ src 10.9.0.0/16 }\nuse_backend app",
			extra: "backend api\nbackend app\n", check: func(t *testing.T, _ *Config, px *Proxy) {
				ub := px.UseBackends
				if len(ub) != 3 {
					t.Fatalf("UseBackends = %d", len(ub))
				}
				eq(t, "[0].Backend", ub[0].Backend, "api")
				eq(t, "[0].Pos", ub[0].Pos, Pos{"t.cfg", 3})
				eq(t, "[0] if internal (10.1.2.3)", ub[0].Cond.Eval(kwCtx("10.1.2.3")), true)
				eq(t, "[0] if internal (192.0.2.9)", ub[0].Cond.Eval(kwCtx("192.0.2.9")), false)
				eq(t, "[1].Backend", ub[1].Backend, "app")
				// unless (internal AND NOT 10.9/16)
				eq(t, "[1] unless (10.1.2.3)", ub[1].Cond.Eval(kwCtx("10.1.2.3")), false)
				eq(t, "[1] unless (10.9.2.3)", ub[1].Cond.Eval(kwCtx("10.9.2.3")), true)
				eq(t, "[1] unless (192.0.2.9)", ub[1].Cond.Eval(kwCtx("192.0.2.9")), true)
				if ub[2].Cond != nil {
					t.Errorf("[2].Cond = %v, want nil (unconditional)", ub[2].Cond)
				}
			}},
		{kw: "use_backend", in: inFE, src: "use_backend api if { src 10.0.0.0/8 } || { src 192.0.2.0/24 }", extra: "backend api\n", check: func(t *testing.T, _ *Config, px *Proxy) {
			c := px.UseBackends[0].Cond
			eq(t, "10.1.2.3", c.Eval(kwCtx("10.1.2.3")), true)
			eq(t, "192.0.2.7", c.Eval(kwCtx("192.0.2.7")), true)
			eq(t, "172.16.0.1", c.Eval(kwCtx("172.16.0.1")), false)
		}},
		{kw: "use_backend", in: []Section{SecBackend}, src: "acl internal src 10.0.0.0/8\nuse_backend api if internal", extra: "backend api\n",
			warn: "t.cfg:3: 'use_backend' ignored because backend 'chk' has no frontend capability.",
			check: func(t *testing.T, _ *Config, px *Proxy) {
				eq(t, "len(UseBackends)", len(px.UseBackends), 0)
			}},
		{kw: "use_backend", in: []Section{SecBackend}, src: "use_backend nope if TRUE", err: "t.cfg:2: backend 'chk': unable to find required use_backend: 'nope'."},
		{kw: "use_backend", in: inNamed, src: "use_backend", err: "t.cfg:2: 'use_backend': expects a backend name"},
		{kw: "use_backend", in: inNamed, src: "use_backend api when x", err: "t.cfg:2: 'use_backend': unexpected 'when', expects 'if' or 'unless' followed by a condition"},
		// haproxy accepts an empty condition; switchyard refuses it.
		{kw: "use_backend", in: inFE, src: "use_backend api if", err: "t.cfg:2: 'use_backend': missing condition after 'if'"},
		{kw: "use_backend", in: inNamed, src: "use_backend api if nosuch", err: "t.cfg:2: 'use_backend': no such ACL : 'nosuch'"},
		{kw: "use_backend", in: inFE, src: "use_backend be_%[req.hdr(host)]", err: "t.cfg:2: 'use_backend': dynamic backend names (log-format) are not supported yet by switchyard"},
		{kw: "use_backend", in: []Section{SecFrontend}, src: "use_backend nope if TRUE", err: "t.cfg:2: frontend 'chk': unable to find required use_backend: 'nope'."},
		{kw: "acl", in: inNamed, src: "acl internal src 10.0.0.0/8\nacl internal src 192.0.2.0/24", check: func(t *testing.T, _ *Config, px *Proxy) {
			c, err := sample.ParseCond([]string{"if", "internal"}, px.ACLs)
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "internal(10.1.2.3)", c.Eval(kwCtx("10.1.2.3")), true)
			eq(t, "internal(192.0.2.7) (lines OR'ed)", c.Eval(kwCtx("192.0.2.7")), true)
			eq(t, "internal(172.16.0.1)", c.Eval(kwCtx("172.16.0.1")), false)
		}},
		{kw: "acl", in: inNamed, src: "acl a", err: "t.cfg:2: 'acl': expects an ACL name and a criterion"},
		{kw: "acl", in: inNamed, src: "acl a nosuchfetch x", err: "t.cfg:2: 'acl': error detected while parsing ACL 'a' : unknown fetch method 'nosuchfetch' in ACL expression 'nosuchfetch'"},
		{kw: "acl", in: inNamed, src: "acl a$ src 1.2.3.4", err: "t.cfg:2: 'acl': character '$' is not permitted in acl name 'a$'"},
	}
	cases = append(cases, timeoutCases()...)
	cases = append(cases, httpRequestCases()...)
	cases = append(cases, httpResponseCases()...)
	cases = append(cases, rewriteCases()...) // kw_rewrite_test.go
	cases = append(cases, backendCases()...)
	cases = append(cases, bindCases()...)
	for _, more := range moreKeywordCases {
		cases = append(cases, more()...)
	}
	return cases
}

func connModeIs(m ConnMode) kwCheck {
	return func(t *testing.T, _ *Config, px *Proxy) { eq(t, "ConnMode", px.ConnMode, m) }
}

func forwardFor(header string, except netip.Prefix, ifNone bool) kwCheck {
	return func(t *testing.T, _ *Config, px *Proxy) {
		ff := px.ForwardFor
		if ff == nil {
			t.Fatal("ForwardFor = nil")
		}
		eq(t, "Header", ff.Header, header)
		eq(t, "HeaderBytes", string(ff.HeaderBytes), header)
		eq(t, "Except", ff.Except, except)
		eq(t, "IfNone", ff.IfNone, ifNone)
	}
}

func timeoutCases() []kwCase {
	var cases []kwCase
	for _, to := range []struct {
		name  string
		field func(*Timeouts) time.Duration
		in    []Section
	}{
		{"client", func(t *Timeouts) time.Duration { return t.Client }, inFESide},
		{"http-request", func(t *Timeouts) time.Duration { return t.HTTPRequest }, inAll},
		{"client-fin", func(t *Timeouts) time.Duration { return t.ClientFin }, inFESide},
		{"http-keep-alive", func(t *Timeouts) time.Duration { return t.HTTPKeepAlive }, inAll},
		{"server", func(t *Timeouts) time.Duration { return t.Server }, inBESide},
		{"connect", func(t *Timeouts) time.Duration { return t.Connect }, inBESide},
		{"tunnel", func(t *Timeouts) time.Duration { return t.Tunnel }, inBESide},
		{"server-fin", func(t *Timeouts) time.Duration { return t.ServerFin }, inBESide},
		{"check", func(t *Timeouts) time.Duration { return t.Check }, inBESide},
		{"queue", func(t *Timeouts) time.Duration { return t.Queue }, inBESide},
	} {
		kw := "timeout " + to.name
		field := to.field
		cases = append(cases,
			kwCase{kw: kw, in: to.in, src: kw + " 1500", check: func(t *testing.T, _ *Config, px *Proxy) {
				eq(t, kw, field(&px.Timeouts), 1500*time.Millisecond)
			}},
			kwCase{kw: kw, in: to.in, src: kw + " 2m", check: func(t *testing.T, _ *Config, px *Proxy) {
				eq(t, kw, field(&px.Timeouts), 2*time.Minute)
			}},
			kwCase{kw: kw, in: inAll, src: kw + " 10x", err: "t.cfg:2: '" + kw + "': unexpected character 'x' in time value '10x' (units are us, ms, s, m, h, d)"},
			kwCase{kw: kw, in: inAll, src: kw + " 30d", err: "t.cfg:2: '" + kw + "': time value '30d' overflows (maximum is 2147483647ms, about 24.8 days)"},
			kwCase{kw: kw, in: inAll, src: kw, err: "t.cfg:2: '" + kw + "': expects a time value"},
			kwCase{kw: kw, in: inAll, src: kw + " 1s 2s", err: "t.cfg:2: '" + kw + "': expects a time value"},
		)
		// On the other side: ignored, with haproxy's wording for timeouts.
		for _, sec := range []Section{SecFrontend, SecBackend} {
			allowed := false
			for _, s := range to.in {
				allowed = allowed || s == sec
			}
			if allowed {
				continue
			}
			missing := map[Section]string{SecFrontend: "backend", SecBackend: "frontend"}[sec]
			cases = append(cases, kwCase{kw: kw, in: []Section{sec}, name: "other side", src: kw + " 1s",
				warn: fmt.Sprintf("t.cfg:2: '%s' will be ignored because %s 'chk' has no %s capability", kw, sectionName(sec), missing),
				check: func(t *testing.T, _ *Config, px *Proxy) {
					eq(t, kw, field(&px.Timeouts), 0)
				}})
		}
	}
	return cases
}

func rule(t *testing.T, px *Proxy) *HTTPRule {
	t.Helper()
	if len(px.HTTPRequest) == 0 {
		t.Fatal("no http-request rule")
	}
	return px.HTTPRequest[len(px.HTTPRequest)-1]
}

func responseRule(t *testing.T, px *Proxy) *HTTPRule {
	t.Helper()
	if len(px.HTTPResponse) == 0 {
		t.Fatal("no http-response rule")
	}
	return px.HTTPResponse[len(px.HTTPResponse)-1]
}

// http-response shares its actions with http-request; what differs is the
// list the rule lands in and deny's status.
func httpResponseCases() []kwCase {
	const m = "mode http\n"
	return []kwCase{
		{kw: "http-response allow", in: inNamed, src: m + "http-response allow if { status 404 }", check: func(t *testing.T, _ *Config, px *Proxy) {
			r := responseRule(t, px)
			eq(t, "Action", r.Action, ActAllow)
			eq(t, "Set", r.Set, HTTPResponseRules)
			eq(t, "http-request rules", len(px.HTTPRequest), 0)
		}},
		{kw: "http-response allow", in: inNamed, src: m + "http-response allow foo", err: "t.cfg:3: 'http-response allow': unexpected argument 'foo' (expects 'if' or 'unless')"},
		{kw: "http-response deny", in: inNamed, src: m + "http-response deny if { res.hdr(x-secret) -m found }", check: func(t *testing.T, _ *Config, px *Proxy) {
			r := responseRule(t, px)
			eq(t, "Action", r.Action, ActDeny)
			eq(t, "Status", r.Status, 502)
			eq(t, "UseErrorFile", r.UseErrorFile, true)
		}},
		{kw: "http-response deny", in: inNamed, src: m + "http-response deny deny_status 503", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "Status", responseRule(t, px).Status, 503)
		}},
		{kw: "http-response deny", in: inNamed, src: m + "http-response deny deny_status 600", err: "t.cfg:3: 'http-response deny': status must be between 200 and 599, got 600"},
		{kw: "http-response return", in: inNamed, src: m + "http-response return status 404 content-type text/plain string gone", check: func(t *testing.T, _ *Config, px *Proxy) {
			r := responseRule(t, px)
			eq(t, "Action", r.Action, ActReturn)
			eq(t, "Status", r.Status, 404)
			eq(t, "Body", string(r.Body), "gone")
		}},
		{kw: "http-response return", in: inNamed, src: m + "http-response return string x", err: "t.cfg:3: 'http-response return': 'content-type' is required with a 'string' payload"},
	}
}

func httpRequestCases() []kwCase {
	const m = "mode http\n"
	return []kwCase{
		{kw: "http-request allow", in: inNamed, src: m + "http-request allow", check: func(t *testing.T, _ *Config, px *Proxy) {
			r := rule(t, px)
			eq(t, "Action", r.Action, ActAllow)
			eq(t, "Pos", r.Pos, Pos{"t.cfg", 3})
			if r.Cond != nil {
				t.Errorf("Cond = %v, want nil", r.Cond)
			}
		}},
		{kw: "http-request allow", in: inNamed, src: m + "http-request allow if { src 10.0.0.0/8 }", check: func(t *testing.T, _ *Config, px *Proxy) {
			r := rule(t, px)
			eq(t, "Action", r.Action, ActAllow)
			eq(t, "cond(10.1.2.3)", r.Cond.Eval(kwCtx("10.1.2.3")), true)
			eq(t, "cond(192.0.2.1)", r.Cond.Eval(kwCtx("192.0.2.1")), false)
		}},
		{kw: "http-request allow", in: inNamed, src: m + "http-request allow foo", err: "t.cfg:3: 'http-request allow': unexpected argument 'foo' (expects 'if' or 'unless')"},
		{kw: "http-request allow", in: inNamed, src: m + "http-request allow if nosuch", err: "t.cfg:3: 'http-request allow': no such ACL : 'nosuch'"},

		{kw: "http-request deny", in: inNamed, src: m + "http-request deny", check: func(t *testing.T, _ *Config, px *Proxy) {
			r := rule(t, px)
			eq(t, "Action", r.Action, ActDeny)
			eq(t, "Status", r.Status, 403)
			eq(t, "UseErrorFile", r.UseErrorFile, true)
		}},
		{kw: "http-request deny", in: inNamed, src: m + "http-request deny deny_status 429 unless { src 10.0.0.0/8 }", check: func(t *testing.T, _ *Config, px *Proxy) {
			r := rule(t, px)
			eq(t, "Status", r.Status, 429)
			eq(t, "UseErrorFile", r.UseErrorFile, true)
			eq(t, "unless(10.1.2.3)", r.Cond.Eval(kwCtx("10.1.2.3")), false)
			eq(t, "unless(192.0.2.1)", r.Cond.Eval(kwCtx("192.0.2.1")), true)
		}},
		{kw: "http-request deny", in: []Section{SecFrontend}, src: m + "http-request deny status 429",
			check: func(t *testing.T, _ *Config, px *Proxy) {
				r := rule(t, px)
				eq(t, "Status", r.Status, 429)
				eq(t, "UseErrorFile", r.UseErrorFile, false)
			}},
		{kw: "http-request deny", in: inNamed, src: m + "http-request deny content-type text/plain string nope hdr X-Why policy", check: func(t *testing.T, _ *Config, px *Proxy) {
			r := rule(t, px)
			eq(t, "Status", r.Status, 403)
			eq(t, "UseErrorFile", r.UseErrorFile, false)
			eq(t, "ContentType", r.ContentType, "text/plain")
			eq(t, "Body", string(r.Body), "nope")
			if len(r.Headers) != 1 || r.Headers[0].Name != "X-Why" || render(r.Headers[0].Value, "10.1.2.3") != "policy" {
				t.Errorf("Headers = %+v", r.Headers)
			}
		}},
		{kw: "http-request deny", in: inNamed, src: m + "http-request deny deny_status 400 errorfile @D@/503.http", check: func(t *testing.T, _ *Config, px *Proxy) {
			r := rule(t, px)
			eq(t, "Status", r.Status, 400)
			eq(t, "UseErrorFile", r.UseErrorFile, false)
			if r.Reply == nil || r.Reply.Status() != 503 {
				t.Errorf("Reply = %+v", r.Reply)
			}
		}},
		{kw: "http-request deny", in: inNamed, src: m + "http-request deny deny_status", err: "t.cfg:3: 'http-request deny': 'deny_status' expects an argument"},
		{kw: "http-request deny", in: inNamed, src: m + "http-request deny deny_status 600", err: "t.cfg:3: 'http-request deny': status must be between 200 and 599, got 600"},
		{kw: "http-request deny", in: inNamed, src: m + "http-request deny string x", err: "t.cfg:3: 'http-request deny': 'content-type' is required with a 'string' payload"},
		{kw: "http-request deny", in: []Section{SecFrontend}, src: m + "http-request deny deny_status 302",
			err: "t.cfg:3: 'http-request deny'..."},
		{kw: "http-request deny", in: []Section{SecFrontend}, src: m + "http-request deny if", err: "t.cfg:3: 'http-request deny': missing condition after 'if'"},

		{kw: "http-request return", in: inNamed, src: m + "http-request return", check: func(t *testing.T, _ *Config, px *Proxy) {
			r := rule(t, px)
			eq(t, "Action", r.Action, ActReturn)
			eq(t, "Status", r.Status, 200)
			eq(t, "UseErrorFile", r.UseErrorFile, false)
			eq(t, "Body", len(r.Body), 0)
		}},
		{kw: "http-request return", in: inNamed, src: m + "http-request return status 404 content-type text/plain string gone hdr X-A v hdr X-Src %[src] if TRUE", check: func(t *testing.T, _ *Config, px *Proxy) {
			r := rule(t, px)
			eq(t, "Status", r.Status, 404)
			eq(t, "ContentType", r.ContentType, "text/plain")
			eq(t, "Body", string(r.Body), "gone")
			if len(r.Headers) != 2 {
				t.Fatalf("Headers = %+v", r.Headers)
			}
			eq(t, "hdr[0]", r.Headers[0].Name+": "+render(r.Headers[0].Value, "10.1.2.3"), "X-A: v")
			eq(t, "hdr[1]", r.Headers[1].Name+": "+render(r.Headers[1].Value, "10.1.2.3"), "X-Src: 10.1.2.3")
			eq(t, "cond", r.Cond.Eval(kwCtx("10.1.2.3")), true)
		}},
		{kw: "http-request return", in: inNamed, src: m + "http-request return content-type text/plain file @D@/body.txt", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "Body", string(rule(t, px).Body), "hello file\n")
		}},
		{kw: "http-request return", in: inNamed, src: m + "http-request return content-type text/plain lf-string \"hi %[src]\"", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "BodyFormat", render(rule(t, px).BodyFormat, "10.1.2.3"), "hi 10.1.2.3")
		}},
		{kw: "http-request return", in: inNamed, src: m + "http-request return content-type text/plain lf-file @D@/lf.txt", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "BodyFormat", render(rule(t, px).BodyFormat, "10.1.2.3"), "src=10.1.2.3\n")
		}},
		{kw: "http-request return", in: inNamed, src: m + "http-request return errorfile @D@/503.http", check: func(t *testing.T, _ *Config, px *Proxy) {
			r := rule(t, px)
			if r.Reply == nil || r.Reply.Status() != 503 || r.Reply.Truncated {
				t.Errorf("Reply = %+v", r.Reply)
			}
			eq(t, "UseErrorFile", r.UseErrorFile, false)
		}},
		{kw: "http-request return", in: inNamed, src: m + "http-request return status 503 default-errorfiles", check: func(t *testing.T, _ *Config, px *Proxy) {
			r := rule(t, px)
			eq(t, "Status", r.Status, 503)
			eq(t, "UseErrorFile", r.UseErrorFile, true)
		}},
		{kw: "http-request return", in: inNamed, src: m + "http-request return status 204", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "Status", rule(t, px).Status, 204)
		}},
		{kw: "http-request return", in: []Section{SecFrontend}, name: "errorfile follows tune.bufsize", pre: "global\n tune.bufsize 32768\n",
			src: m + "http-request return errorfile @D@/20k.http",
			check: func(t *testing.T, _ *Config, px *Proxy) {
				if r := rule(t, px).Reply; r == nil || r.Status() != 200 || r.Truncated {
					t.Errorf("Reply = %+v", r)
				}
			}},
		{kw: "http-request return", in: inNamed, src: m + "http-request return status 204 content-type text/plain string x", err: "t.cfg:3: 'http-request return': status 204 must not have a payload"},
		// haproxy only warns ("content-type 'text/plain' ignored by the http
		// reply when used with an erorrfile"); switchyard refuses.
		{kw: "http-request return", in: inNamed, src: m + "http-request return errorfile @D@/503.http content-type text/plain", err: "t.cfg:3: 'http-request return': 'content-type' and 'hdr' cannot be used with 'errorfile'"},
		{kw: "http-request return", in: inNamed, src: m + "http-request return string x", err: "t.cfg:3: 'http-request return': 'content-type' is required with a 'string' payload"},
		{kw: "http-request return", in: inNamed, src: m + "http-request return content-type a/b string ''", err: "t.cfg:3: 'http-request return': 'string' expects <str> as argument"},
		{kw: "http-request return", in: inNamed, src: m + "http-request return content-type a/b file /dev/null", warn: "t.cfg:3: content-type 'a/b' ignored by the http reply when used with an empty payload."},
		{kw: "http-request return", in: inNamed, src: m + "http-request return content-type a/b string x file @D@/body.txt", err: "t.cfg:3: 'http-request return': 'file' cannot be used with 'string'"},
		{kw: "http-request return", in: inNamed, src: m + "http-request return status 100", err: "t.cfg:3: 'http-request return': status must be between 200 and 599, got 100"},
		{kw: "http-request return", in: inNamed, src: m + "http-request return status", err: "t.cfg:3: 'http-request return': 'status' expects an argument"},
		{kw: "http-request return", in: inNamed, src: m + "http-request return hdr X", err: "t.cfg:3: 'http-request return': 'hdr' expects <name> <fmt>"},
		{kw: "http-request return", in: inNamed, src: m + "http-request return deny_status 500", err: "t.cfg:3: 'http-request return': 'deny_status' is only valid with 'deny'"},
		{kw: "http-request return", in: inNamed, src: m + "http-request return foo bar", err: "t.cfg:3: 'http-request return': unexpected argument 'foo'"},
		{kw: "http-request return", in: inNamed, src: m + "http-request return content-type a/b file @D@/missing", err: "t.cfg:3: 'http-request return': failed to open '@D@/missing': ..."},
		{kw: "http-request return", in: inNamed, src: m + "http-request return content-type a/b lf-file @D@/missing", err: "t.cfg:3: 'http-request return': failed to open '@D@/missing': ..."},
		{kw: "http-request return", in: inNamed, src: m + "http-request return content-type a/b lf-string %[nosuch]", err: "t.cfg:3: 'http-request return': 'lf-string': failed to parse sample expression <nosuch]> : unknown fetch method 'nosuch'"},
		{kw: "http-request return", in: inNamed, src: m + "http-request return hdr X %[nosuch]", err: "t.cfg:3: 'http-request return': 'hdr X': failed to parse sample expression <nosuch]> : unknown fetch method 'nosuch'"},
		{kw: "http-request return", in: inNamed, src: m + "http-request return errorfile @D@/bad.http", err: "t.cfg:3: 'http-request return': 'errorfile @D@/bad.http': unable to parse headers: ..."},
		{kw: "http-request return", in: []Section{SecFrontend}, src: m + "http-request return status 302 default-errorfiles",
			err: "t.cfg:3: 'http-request return'..."},
	}
}

func serverIs(host string, port int, addr string, id, weight int) kwCheck {
	return func(t *testing.T, _ *Config, px *Proxy) {
		if len(px.Servers) == 0 {
			t.Fatal("no server")
		}
		s := px.Servers[len(px.Servers)-1]
		eq(t, "Name", s.Name, "s1")
		eq(t, "Host", s.Host, host)
		eq(t, "Port", s.Port, port)
		eq(t, "Addr", s.Addr, addr)
		eq(t, "ID", s.ID, id)
		eq(t, "Weight", s.Weight, weight)
	}
}

func balanceIs(want backend.Algorithm) kwCheck {
	return func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Balance", px.Balance, want) }
}

func backendCases() []kwCase {
	return []kwCase{
		// ---- balance ----
		{kw: "balance", in: inBESide, src: "balance leastconn\nbalance roundrobin", check: balanceIs(backend.Algorithm{Kind: backend.RoundRobin})},
		{kw: "balance", in: inBESide, src: "balance static-rr", check: balanceIs(backend.Algorithm{Kind: backend.StaticRR})},
		{kw: "balance", in: inBESide, src: "balance leastconn", check: balanceIs(backend.Algorithm{Kind: backend.LeastConn})},
		{kw: "balance", in: inBESide, src: "balance first", check: balanceIs(backend.Algorithm{Kind: backend.First})},
		{kw: "balance", in: inBESide, src: "balance source", check: balanceIs(backend.Algorithm{Kind: backend.Source})},
		{kw: "balance", in: inBESide, src: "balance random", check: balanceIs(backend.Algorithm{Kind: backend.Random, Draws: 2})},
		{kw: "balance", in: inBESide, src: "balance random(3)", check: balanceIs(backend.Algorithm{Kind: backend.Random, Draws: 3})},
		{kw: "balance", in: inBESide, src: "balance uri", check: balanceIs(backend.Algorithm{Kind: backend.URI})},
		{kw: "balance", in: inBESide, src: "balance uri len 10 depth 3 whole path-only",
			check: balanceIs(backend.Algorithm{Kind: backend.URI, URILen: 10, URIDepth: 3, URIWhole: true, URIPathOnly: true})},
		{kw: "balance", in: inBESide, src: "balance url_param userid", check: balanceIs(backend.Algorithm{Kind: backend.URLParam, Param: "userid"})},
		{kw: "balance", in: inBESide, src: "balance hdr(Host)", check: balanceIs(backend.Algorithm{Kind: backend.Header, Header: "Host"})},
		{kw: "balance", in: inBESide, src: "balance hdr(host) use_domain_only", check: balanceIs(backend.Algorithm{Kind: backend.Header, Header: "host", UseDomainOnly: true})},
		{kw: "balance", in: inBESide, name: "keeps hash-type", src: "hash-type consistent wt6\nbalance source",
			check: balanceIs(backend.Algorithm{Kind: backend.Source, HashType: backend.Consistent, HashFunc: backend.WT6})},
		{kw: "balance", in: []Section{SecFrontend}, src: "balance source",
			warn:  "t.cfg:2: 'balance' ignored because frontend 'chk' has no backend capability.",
			check: balanceIs(backend.Algorithm{})},
		{kw: "balance", in: inAll, src: "balance nosuch", err: "t.cfg:2: 'balance': unknown balance algorithm 'nosuch': supported are 'roundrobin', 'static-rr', 'leastconn', 'first', 'random', 'source', 'uri', 'url_param', 'hdr(name)', 'rdp-cookie' and 'hash'"},
		// haproxy ignores extra words after an algorithm without options.
		{kw: "balance", in: inBESide, src: "balance roundrobin extra", err: "t.cfg:2: 'balance': balance roundrobin takes no argument (got 'extra')"},
		{kw: "balance", in: inBESide, src: "balance random(0)", err: "t.cfg:2: 'balance': random : number of draws must be at least 1"},
		{kw: "balance", in: inBESide, src: "balance random(", err: "t.cfg:2: 'balance': random : missing closing parenthesis"},
		{kw: "balance", in: inBESide, src: "balance uri len 0", err: "t.cfg:2: 'balance': uri : 'len' expects a positive integer (got '0')"},
		{kw: "balance", in: inBESide, src: "balance uri foo", err: "t.cfg:2: 'balance': uri only accepts parameters 'len', 'depth', 'path-only', and 'whole' (got 'foo')"},
		{kw: "balance", in: inBESide, src: "balance url_param", err: "t.cfg:2: 'balance': url_param requires an URL parameter name"},
		{kw: "balance", in: inBESide, src: "balance url_param id check_post", err: "t.cfg:2: 'balance': url_param: 'check_post' is not supported yet"},
		{kw: "balance", in: inBESide, src: "balance hdr()", err: "t.cfg:2: 'balance': hdr requires an http header field name, as in 'hdr(Host)' (got 'hdr()')"},
		{kw: "balance", in: inBESide, src: "balance hdr(host) foo", err: "t.cfg:2: 'balance': hdr(host) only accepts 'use_domain_only' modifier (got 'foo')"},
		{kw: "balance", in: inBESide, src: "balance hash req.hdr(host),lower", check: func(t *testing.T, _ *Config, px *Proxy) {
			a := px.Balance
			if a.Expr == nil || a.Expr.String() != "req.hdr(host),lower" {
				t.Errorf("Balance.Expr = %v", a.Expr)
			}
			a.Expr = nil
			eq(t, "Balance", a, backend.Algorithm{Kind: backend.Hash})
		}},
		{kw: "balance", in: inBESide, src: "balance hash", err: "t.cfg:2: 'balance': hash requires a sample expression"},
		{kw: "balance", in: inBESide, src: "balance hash nosuch", err: "t.cfg:2: 'balance': failed to parse 'balance hash' expression 'nosuch' in : unknown fetch method 'nosuch'"},
		{kw: "balance", in: inBESide, src: "balance rdp-cookie", check: balanceIs(backend.Algorithm{Kind: backend.RDPCookie, Cookie: "mstshash"})},
		{kw: "balance", in: inBESide, src: "balance rdp-cookie(msts)", check: balanceIs(backend.Algorithm{Kind: backend.RDPCookie, Cookie: "msts"})},
		{kw: "balance", in: inBESide, src: "balance rdp-cookie()", err: "t.cfg:2: 'balance': rdp-cookie : missing cookie name"},

		// ---- hash-type ----
		{kw: "hash-type", in: inBESide, src: "hash-type consistent\nhash-type map-based", check: balanceIs(backend.Algorithm{HashType: backend.MapBased, HashFunc: backend.SDBM})},
		{kw: "hash-type", in: inBESide, src: "hash-type consistent", check: balanceIs(backend.Algorithm{HashType: backend.Consistent, HashFunc: backend.SDBM, Avalanche: true})},
		{kw: "hash-type", in: inBESide, src: "hash-type consistent sdbm", check: balanceIs(backend.Algorithm{HashType: backend.Consistent, HashFunc: backend.SDBM})},
		{kw: "hash-type", in: inBESide, src: "hash-type consistent djb2 avalanche", check: balanceIs(backend.Algorithm{HashType: backend.Consistent, HashFunc: backend.DJB2, Avalanche: true})},
		{kw: "hash-type", in: inBESide, src: "hash-type map-based wt6", check: balanceIs(backend.Algorithm{HashType: backend.MapBased, HashFunc: backend.WT6})},
		{kw: "hash-type", in: inBESide, src: "hash-type map-based crc32 avalanche", check: balanceIs(backend.Algorithm{HashType: backend.MapBased, HashFunc: backend.CRC32, Avalanche: true})},
		{kw: "hash-type", in: inBESide, name: "keeps balance", src: "balance uri depth 2\nhash-type consistent djb2",
			check: balanceIs(backend.Algorithm{Kind: backend.URI, URIDepth: 2, HashType: backend.Consistent, HashFunc: backend.DJB2})},
		{kw: "hash-type", in: []Section{SecFrontend}, src: "hash-type consistent",
			warn:  "t.cfg:2: 'hash-type' ignored because frontend 'chk' has no backend capability.",
			check: balanceIs(backend.Algorithm{})},
		{kw: "hash-type", in: inAll, src: "hash-type", err: "t.cfg:2: 'hash-type': hash-type expects 'map-based' or 'consistent'"},
		{kw: "hash-type", in: inBESide, src: "hash-type foo", err: "t.cfg:2: 'hash-type': hash-type only supports 'consistent' and 'map-based' (got 'foo')"},
		{kw: "hash-type", in: inBESide, src: "hash-type consistent md5", err: "t.cfg:2: 'hash-type': hash-type only supports 'sdbm', 'djb2', 'crc32', or 'wt6' hash functions (got 'md5')"},
		{kw: "hash-type", in: inBESide, src: "hash-type consistent djb2 foo", err: "t.cfg:2: 'hash-type': hash-type only supports 'avalanche' as a modifier for hash functions (got 'foo')"},
		{kw: "hash-type", in: inBESide, src: "hash-type avalanche", err: "t.cfg:2: 'hash-type': hash-type avalanche is not supported anymore, use 'hash-type map-based sdbm avalanche' instead"},
		{kw: "hash-type", in: inBESide, src: "hash-type consistent none", err: "t.cfg:2: 'hash-type': hash-type: hash function 'none' is not supported (it is haproxy 2.7's)"},

		// ---- hash-balance-factor ----
		{kw: "hash-balance-factor", in: inBESide, src: "hash-balance-factor 150", check: balanceIs(backend.Algorithm{BalanceFactor: 150})},
		{kw: "hash-balance-factor", in: inBESide, name: "kept by balance", src: "hash-balance-factor 125\nbalance source",
			check: balanceIs(backend.Algorithm{Kind: backend.Source, BalanceFactor: 125})},
		{kw: "hash-balance-factor", in: []Section{SecFrontend}, src: "hash-balance-factor 150", check: balanceIs(backend.Algorithm{BalanceFactor: 150})},
		{kw: "hash-balance-factor", in: inAll, src: "hash-balance-factor 100", err: "t.cfg:2: 'hash-balance-factor': must be 0 or greater than 100"},
		{kw: "hash-balance-factor", in: inAll, src: "hash-balance-factor", err: "t.cfg:2: 'hash-balance-factor': expects an integer argument"},

		// ---- server ----
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:8080", check: serverIs("192.0.2.10", 8080, "192.0.2.10:8080", 1, 1)},
		{kw: "server", in: inBE, src: "server s1 [2001:db8::1]:443", check: serverIs("2001:db8::1", 443, "[2001:db8::1]:443", 1, 1)},
		{kw: "server", in: inBE, src: "server s1 ipv4@192.0.2.10:80", check: serverIs("192.0.2.10", 80, "192.0.2.10:80", 1, 1)},
		{kw: "server", in: inBE, src: "server s1 ipv6@[::1]:80", check: serverIs("::1", 80, "[::1]:80", 1, 1)},
		{kw: "server", in: []Section{SecBackend}, src: "server s1 ipv6@::1:8080",
			check: serverIs("::1", 8080, "[::1]:8080", 1, 1)},
		{kw: "server", in: inBE, src: "server s1 app.local:82", check: serverIs("app.local", 82, "10.0.0.9:82", 1, 1)},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10", check: serverIs("192.0.2.10", 0, "192.0.2.10:0", 1, 1)},
		{kw: "server", in: []Section{SecBackend}, src: "server s1 [::1]",
			check: serverIs("::1", 0, "[::1]:0", 1, 1)},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 weight 0 id 7", check: serverIs("192.0.2.10", 80, "192.0.2.10:80", 7, 0)},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 weight 256", check: serverIs("192.0.2.10", 80, "192.0.2.10:80", 1, 256)},
		{kw: "server", in: inBE, name: "default-server weight", src: "default-server weight 5\nserver s0 192.0.2.9:80\nserver s1 192.0.2.10:80 weight 9",
			check: func(t *testing.T, _ *Config, px *Proxy) {
				eq(t, "s0.Weight", px.Servers[0].Weight, 5)
				eq(t, "s1.Weight", px.Servers[1].Weight, 9)
				eq(t, "s1.Pos", px.Servers[1].Pos, Pos{"t.cfg", 4})
			}},
		{kw: "server", in: inBE, name: "idle pool defaults", src: "server s1 192.0.2.10:80",
			check: func(t *testing.T, _ *Config, px *Proxy) {
				eq(t, "PoolSettings", px.Servers[0].PoolSettings(), backend.PoolSettings{MaxIdle: -1, PurgeDelay: 5 * time.Second})
			}},
		{kw: "server", in: inBE, name: "idle pool options", src: "default-server pool-purge-delay 200ms\nserver s1 192.0.2.10:80 pool-max-conn 3 pool-low-conn 2",
			check: func(t *testing.T, _ *Config, px *Proxy) {
				eq(t, "PoolSettings", px.Servers[0].PoolSettings(), backend.PoolSettings{MaxIdle: 3, LowIdle: 2, PurgeDelay: 200 * time.Millisecond})
			}},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 pool-max-conn -2", err: "t.cfg:2: 'server': pool-max-conn must be between -1 and 2147483647, got -2"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 pool-low-conn", err: "t.cfg:2: 'server': 'pool-low-conn' expects <value> as argument"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 pool-purge-delay 5q", err: "t.cfg:2: 'server': 'pool-purge-delay': unexpected character 'q' in time value '5q' (units are us, ms, s, m, h, d)"},
		{kw: "server", in: inBE, src: "server s1", err: "t.cfg:2: 'server': expects <name> and <addr>[:<port>] as arguments"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 weight 257", err: "t.cfg:2: 'server': weight must be between 0 and 256, got 257"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 weight", err: "t.cfg:2: 'server': 'weight' expects an integer argument"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 id 0", err: "t.cfg:2: 'server': id must be between 1 and 2147483647, got 0"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 id", err: "t.cfg:2: 'server': 'id' expects an integer argument"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 foo", err: "t.cfg:2: 'server': unknown server option 'foo'"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 check inter 3s fastinter 1s downinter 5s rise 4 fall 5 port 81 addr 127.0.0.2 check-send-proxy backup",
			check: func(t *testing.T, _ *Config, px *Proxy) {
				s := px.Servers[0]
				eq(t, "check", fmt.Sprintln(s.Check, s.Inter, s.FastInter, s.DownInter, s.Rise, s.Fall, s.CheckPort, s.CheckAddr, s.CheckSendProxy, s.Backup),
					"true 3s 1s 5s 4 5 81 127.0.0.2 true true\n")
			}},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10 check", err: "t.cfg:2: 'server chk/s1' : 'check' needs a port: the server has no port and no 'port' check parameter"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 disabled", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Disabled", px.Servers[0].Disabled, true) }},
		// Agent checks, slowstart, observe, on-marked-*, track
		// (kw_health.go); messages checked against haproxy -c 2.6.
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 agent-check agent-port 9999 agent-inter 5s agent-send ping agent-addr 127.0.0.3",
			check: func(t *testing.T, _ *Config, px *Proxy) {
				s := px.Servers[0]
				h := s.Health()
				addr, port := s.AgentTarget()
				eq(t, "agent", fmt.Sprintln(h.Agent, h.AgentInter, h.AgentSend, addr, port), "true 5s ping 127.0.0.3 9999\n")
			}},
		{kw: "server", in: inBE, name: "agent port and address from port and addr", src: "server s1 192.0.2.10:80 port 81 addr 127.0.0.2 agent-check",
			check: func(t *testing.T, _ *Config, px *Proxy) {
				addr, port := px.Servers[0].AgentTarget()
				eq(t, "agent target", fmt.Sprint(addr, " ", port), "127.0.0.2 81")
			}},
		{kw: "server", in: inBE, name: "agent-port wins over port in any order", src: "server s1 192.0.2.10:80 agent-port 90 port 81 agent-check",
			check: func(t *testing.T, _ *Config, px *Proxy) {
				_, port := px.Servers[0].AgentTarget()
				eq(t, "agent port", port, 90)
			}},
		{kw: "server", in: inBE, name: "default-server agent, no-agent-check", src: "default-server agent-check agent-port 9000 slowstart 1500ms\nserver s0 192.0.2.9:80\nserver s1 192.0.2.10:80 no-agent-check",
			check: func(t *testing.T, _ *Config, px *Proxy) {
				h0, h1 := px.Servers[0].Health(), px.Servers[1].Health()
				eq(t, "agents", fmt.Sprint(h0.Agent, h1.Agent, h0.SlowStart, h1.SlowStart), "true false 1.5s 1.5s")
			}},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 check observe layer4 error-limit 5 on-error sudden-death on-marked-down shutdown-sessions on-marked-up shutdown-backup-sessions",
			check: func(t *testing.T, _ *Config, px *Proxy) {
				h := px.Servers[0].Health()
				eq(t, "observe", fmt.Sprint(h.Observe, h.ErrorLimit, h.OnError, h.OnMarkedDown, h.OnMarkedUp),
					fmt.Sprint(backend.ObserveLayer4, 5, backend.OnErrorSuddenDeath, true, true))
			}},
		{kw: "server", in: inBE, src: "mode http\nserver s1 192.0.2.10:80 check observe layer7 on-error mark-down",
			check: func(t *testing.T, _ *Config, px *Proxy) {
				h := px.Servers[0].Health()
				eq(t, "observe", fmt.Sprint(h.Observe, h.OnError), fmt.Sprint(backend.ObserveLayer7, backend.OnErrorMarkDown))
			}},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 check\nserver s2 192.0.2.11:80 track s1\nserver s3 192.0.2.12:80 track chk/s2\nserver s4 192.0.2.13:80 track other/o",
			extra: "backend other\n server o 192.0.2.1:80 agent-check agent-port 1\n",
			check: func(t *testing.T, _ *Config, px *Proxy) {
				var got []string
				for _, s := range px.Servers[1:] {
					be, srv, ok := s.TrackTarget(px)
					got = append(got, fmt.Sprint(be, "/", srv, ok))
				}
				eq(t, "tracks", strings.Join(got, " "), "chk/s1true chk/s2true other/otrue")
			}},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 agent-check", err: "t.cfg:2: 'server chk/s1' : server s1 does not have agent port. Agent check has been disabled."},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 check\nserver s2 192.0.2.11:80 check track s1", err: "t.cfg:3: 'server chk/s2' : unable to enable checks and tracking at the same time!"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 track s2\nserver s2 192.0.2.11:80 track s1", err: "t.cfg:3: 'server chk/s2' : unable to track chk/s1 as it belongs to a tracking chain looping back to chk/s2."},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 track s1", err: "t.cfg:2: 'server chk/s1' : unable to track chk/s1 as it belongs to a tracking chain looping back to chk/s1."},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 track nosuch", err: "t.cfg:2: 'server chk/s1' : unable to find required server 'nosuch' for tracking."},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 track nosuch/s", err: "t.cfg:2: 'server chk/s1' : unable to find required proxy 'nosuch' for tracking."},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80\nserver s2 192.0.2.11:80 track s1", err: "t.cfg:3: 'server chk/s2' : unable to use chk/s1 for tracking as it does not have any check nor agent enabled."},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 track other/o", extra: "backend other\n option httpchk\n http-check disable-on-404\n server o 192.0.2.1:80 check\n",
			err: "t.cfg:2: 'server chk/s1' : unable to use other/o fortracking: disable-on-404 option inconsistency."},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 observe layer7", err: "t.cfg:2: 'server': 'layer7' can only be used in http proxies"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 observe layer9", err: "t.cfg:2: 'server': 'observe' expects one of 'none', 'layer4', 'layer7' but got 'layer9'"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 error-limit 0", err: "t.cfg:2: 'server': error-limit has to be > 0, got '0'"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 on-error foo", err: "t.cfg:2: 'server': 'on-error' expects one of 'fastinter', 'fail-check', 'sudden-death' or 'mark-down' but got 'foo'"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 on-marked-down foo", err: "t.cfg:2: 'server': 'on-marked-down' expects 'shutdown-sessions' but got 'foo'"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 on-marked-up foo", err: "t.cfg:2: 'server': 'on-marked-up' expects 'shutdown-backup-sessions' but got 'foo'"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 slowstart 10x", err: "t.cfg:2: 'server': 'slowstart': unexpected character 'x' in time value '10x' (units are us, ms, s, m, h, d)"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 agent-inter 0", err: "t.cfg:2: 'server': 'agent-inter' expects a positive delay, got '0'"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 agent-addr foo.bar", err: "t.cfg:2: 'server': parsing agent-addr failed. Check if 'foo.bar' is correct address (host names are not supported yet by switchyard)"},
		// haproxy takes any number (atol) and truncates it to a port.
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 agent-port 99999", err: "t.cfg:2: 'server': 'agent-port' expects a port number (0-65535), got '99999'"},
		{kw: "server", in: inBE, src: `server s1 192.0.2.10:80 agent-send ""`, err: "t.cfg:2: 'server': 'agent-send' expects a string as argument"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 track", err: "t.cfg:2: 'server': 'track' expects [<proxy>/]<server> as argument."},
		// A missing argument is told in HAProxy's words for the option.
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 agent-port", err: "t.cfg:2: 'server': 'agent-port' expects a port number as argument."},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 socks4", err: "t.cfg:2: 'server': 'socks4' expects <addr>:<port> as argument."},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 ssl verifyhost", err: "t.cfg:2: 'server': 'verifyhost' : missing hostname to verify against"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 rise 0", err: "t.cfg:2: 'server': 'rise' has to be >= 1, got '0'"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 inter 0", err: "t.cfg:2: 'server': 'inter' expects a positive delay, got '0'"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 port 0", err: "t.cfg:2: 'server': 'port' expects a valid port number (1-65535), got '0'"},
		{kw: "server", in: inBE, name: "addr with port", src: "server s1 192.0.2.10:80 check addr 192.0.2.11:8080", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "CheckAddr", px.Servers[0].CheckAddr, "192.0.2.11")
			eq(t, "CheckAddrPort", px.Servers[0].CheckAddrPort, 8080)
		}},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 addr example.com", err: "t.cfg:2: 'server': 'addr' expects an IPv4 or IPv6 address, got 'example.com' (host names are not supported yet by switchyard)"},
		// As haproxy: environment variables in addresses wherever they
		// are, an empty host is 0.0.0.0, port 0 is a port and no port
		// maps the client's.
		{kw: "server", in: inBE, name: "env in an unquoted address", src: "server s1 ${SY_TEST_HOST}:${SY_TEST_PORT}\nserver s2 $SY_TEST_HOST",
			setup: func(t *testing.T) { t.Setenv("SY_TEST_HOST", "192.0.2.7"); t.Setenv("SY_TEST_PORT", "8081") },
			check: func(t *testing.T, _ *Config, px *Proxy) {
				s1, s2 := px.Servers[0], px.Servers[1]
				eq(t, "s1", fmt.Sprintln(s1.Host, s1.Port, s1.MapPorts), "192.0.2.7 8081 false\n")
				eq(t, "s2", fmt.Sprintln(s2.Host, s2.Port, s2.MapPorts), "192.0.2.7 0 true\n")
			}},
		{kw: "server", in: inBE, name: "empty host, port 0", src: "server s1 ${SY_TEST_UNSET}:80\nserver s2 192.0.2.10:0",
			check: func(t *testing.T, _ *Config, px *Proxy) {
				s1, s2 := px.Servers[0], px.Servers[1]
				eq(t, "s1", fmt.Sprintln(s1.Addr, s1.MapPorts), "0.0.0.0:80 false\n")
				eq(t, "s2", fmt.Sprintln(s2.Addr, s2.MapPorts), "192.0.2.10:0 false\n")
			}},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:99999", err: "t.cfg:2: 'server': invalid port '99999' in '192.0.2.10:99999'"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:+1", err: "t.cfg:2: 'server': port offsets ('192.0.2.10:+1') are not supported yet by switchyard"},
		{kw: "server", in: inBE, name: "unix@", src: "server s1 unix@/run/app.sock", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "Addr", px.Servers[0].Addr, "/run/app.sock")
			eq(t, "Unix", px.Servers[0].Unix, true)
		}},
		{kw: "server", in: inBE, name: "path", src: "server s1 /run/app.sock", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Addr", px.Servers[0].Addr, "/run/app.sock") }},
		{kw: "server", in: inBE, src: "server s1 abns@app", err: "t.cfg:2: 'server': server address family 'abns@' is not supported yet by switchyard"},
		{kw: "server", in: inBE, src: "server s1 nowhere.invalid:80", err: "t.cfg:2: 'server s1' : could not resolve address 'nowhere.invalid'"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80\nserver s1 192.0.2.11:80", err: "t.cfg:3: 'server': backend 'chk', another server named 's1' was already defined at line 2, please use distinct names"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.10:80 id 3\nserver s2 192.0.2.11:80 id 3", err: "t.cfg:3: server 'chk/s2' has the same ID (3) as server 's1' declared at line 2"},
		// haproxy: "'server' not allowed in 'defaults' section."
		{kw: "server", in: []Section{SecDefaults}, src: "server s1 192.0.2.10:80", err: "t.cfg:2: 'server': 'server' is not allowed in a defaults section"},

		// ---- default-server ----
		{kw: "default-server", in: inBESide, src: "default-server weight 5", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "DefaultServer.Weight", px.DefaultServer.Weight, 5)
		}},
		{kw: "default-server", in: inBESide, src: "default-server", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "DefaultServer.Weight", px.DefaultServer.Weight, 1)
		}},
		{kw: "default-server", in: inBESide, src: "default-server weight", err: "t.cfg:2: 'default-server': 'weight' expects an integer argument"},
		{kw: "default-server", in: inBESide, src: "default-server weight x", err: "t.cfg:2: 'default-server': weight expects an integer, got 'x'"},
		{kw: "default-server", in: inBESide, src: "default-server weight 300", err: "t.cfg:2: 'default-server': weight must be between 0 and 256, got 300"},
		{kw: "default-server", in: inBESide, src: "default-server foo", err: "t.cfg:2: 'default-server': unknown server option 'foo'"},
		{kw: "default-server", in: inBESide, src: "default-server check inter 1s backup", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "default-server", fmt.Sprint(px.DefaultServer.Check, px.DefaultServer.Inter, px.DefaultServer.Backup), "true 1s true")
		}},
		{kw: "default-server", in: inBESide, src: "default-server check backup enabled\ndefault-server no-check no-backup disabled", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "default-server", fmt.Sprint(px.DefaultServer.Check, px.DefaultServer.Backup, px.DefaultServer.Disabled), "false false true")
		}},
		{kw: "default-server", in: inBESide, src: "default-server agent-check agent-port 9000 slowstart 2s on-marked-down shutdown-sessions track s9", check: func(t *testing.T, _ *Config, px *Proxy) {
			h := px.DefaultServer.Health()
			eq(t, "default-server", fmt.Sprintln(h.Agent, h.AgentPort, h.SlowStart, h.OnMarkedDown, h.Track), "true 9000 2s true s9\n")
		}},
		{kw: "default-server", in: inBESide, src: "default-server observe layer7", err: "t.cfg:2: 'default-server': 'layer7' can only be used in http proxies"},
		// A server that inherits agent-check without a port is refused at
		// its own line, as haproxy does.
		{kw: "default-server", in: []Section{SecDefaults}, src: "default-server agent-check", extra: "backend b2\n server x 192.0.2.1:80\n",
			err: "t.cfg:5: 'server b2/x' : server x does not have agent port. Agent check has been disabled."},
	}
}

func bindsAre(want ...string) kwCheck {
	return func(t *testing.T, _ *Config, px *Proxy) {
		var got []string
		for _, b := range px.Binds {
			got = append(got, b.Key())
			eq(t, b.Key()+" Pos", b.Pos, Pos{"t.cfg", 2})
		}
		eq(t, "Binds", strings.Join(got, " "), strings.Join(want, " "))
	}
}

func bindCases() []kwCase {
	return []kwCase{
		{kw: "bind", in: inFE, src: "bind 127.0.0.1:8080", check: bindsAre("tcp4@127.0.0.1:8080")},
		{kw: "bind", in: inFE, src: "bind :8080", check: bindsAre("tcp4@0.0.0.0:8080")},
		{kw: "bind", in: inFE, src: "bind *:8080", check: bindsAre("tcp4@0.0.0.0:8080")},
		{kw: "bind", in: inFE, src: "bind :::8080", check: bindsAre("tcp6@[::]:8080")},
		{kw: "bind", in: inFE, src: "bind [::1]:8080", check: bindsAre("tcp6@[::1]:8080")},
		{kw: "bind", in: inFE, src: "bind 127.0.0.1:8000-8002", check: bindsAre("tcp4@127.0.0.1:8000", "tcp4@127.0.0.1:8001", "tcp4@127.0.0.1:8002")},
		{kw: "bind", in: inFE, src: "bind 127.0.0.1:8080,:9090,[::1]:7070-7071", check: bindsAre("tcp4@127.0.0.1:8080", "tcp4@0.0.0.0:9090", "tcp6@[::1]:7070", "tcp6@[::1]:7071")},
		{kw: "bind", in: inFE, src: "bind fd@3", check: bindsAre("fd@3")},
		{kw: "bind", in: inFE, src: "bind unix@/run/sy.sock", check: bindsAre("unix@/run/sy.sock")},
		{kw: "bind", in: inFE, src: "bind /run/sy.sock", check: bindsAre("unix@/run/sy.sock")},
		{kw: "bind", in: inFE, src: "bind ipv4@:8080", check: bindsAre("tcp4@0.0.0.0:8080")},
		{kw: "bind", in: inFE, src: "bind ipv4@127.0.0.1:8080", check: bindsAre("tcp4@127.0.0.1:8080")},
		{kw: "bind", in: inFE, src: "bind ipv6@:8080", check: bindsAre("tcp6@[::]:8080")},
		{kw: "bind", in: inFE, src: "bind ipv6@::1:8080", check: bindsAre("tcp6@[::1]:8080")},
		{kw: "bind", in: inFE, src: "bind tcp4@:8080,tcp6@:8081", check: bindsAre("tcp4@0.0.0.0:8080", "tcp6@[::]:8081")},
		// Deviation (documented): port 0 is accepted, haproxy refuses it.
		{kw: "bind", in: inFE, src: "bind 127.0.0.1:0", check: bindsAre("tcp4@127.0.0.1:0")},
		{kw: "bind", in: inFE, src: "bind :8080,:8081 name web v4v6 backlog 100 maxconn 50", check: func(t *testing.T, _ *Config, px *Proxy) {
			if len(px.Binds) != 2 {
				t.Fatalf("Binds = %d", len(px.Binds))
			}
			for _, b := range px.Binds {
				want := Bind{Pos: Pos{"t.cfg", 2}, Network: "tcp4", Addr: b.Addr, Name: "web", V4V6: true, Backlog: 100, MaxConn: 50}
				if !reflect.DeepEqual(*b, want) {
					t.Errorf("Bind = %+v, want %+v", *b, want)
				}
			}
		}},
		{kw: "bind", in: inFE, src: "bind :::8080 v6only", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "V6Only", px.Binds[0].V6Only, true)
			eq(t, "V4V6", px.Binds[0].V4V6, false)
		}},
		{kw: "bind", in: inFE, src: "bind /run/sy.sock mode 660", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "Mode", px.Binds[0].Mode, uint32(0o660))
		}},
		// In a backend: ignored with a warning, so no socket is opened
		// (haproxy binds the port all the same, but never accepts on it).
		{kw: "bind", in: []Section{SecBackend}, src: "bind 127.0.0.1:8080",
			warn:  "t.cfg:2: 'bind' ignored because backend 'chk' has no frontend capability.",
			check: bindsAre()},
		{kw: "bind", in: inNamed, src: "bind", err: "t.cfg:2: 'bind': expects [addr1]:port1[-end1]{,[addr]:port[-end]}... as arguments"},
		{kw: "bind", in: inNamed, src: "bind 127.0.0.1", err: "t.cfg:2: 'bind': missing port number in '127.0.0.1'"},
		{kw: "bind", in: inFE, src: "bind 127.0.0.1:70000", err: "t.cfg:2: 'bind': invalid port '70000' in '127.0.0.1:70000'"},
		{kw: "bind", in: inFE, src: "bind :9000-8000", err: "t.cfg:2: 'bind': invalid port range '9000-8000' in ':9000-8000'"},
		{kw: "bind", in: inFE, src: "bind :8080-", err: "t.cfg:2: 'bind': invalid port range '8080-' in ':8080-'"},
		{kw: "bind", in: inFE, src: "bind fd@x", err: "t.cfg:2: 'bind': 'fd@' expects a file descriptor number, got 'x'"},
		{kw: "bind", in: inFE, src: "bind unix@", err: "t.cfg:2: 'bind': 'unix@' expects a socket path"},
		{kw: "bind", in: inFE, src: "bind abns@sy", err: "t.cfg:2: 'bind': address family 'abns@' is not supported yet by switchyard"},
		{kw: "bind", in: inFE, src: "bind :8080 name", err: "t.cfg:2: 'bind': 'name' expects an argument"},
		{kw: "bind", in: inFE, src: "bind :8080 backlog x", err: "t.cfg:2: 'bind': backlog expects an integer, got 'x'"},
		{kw: "bind", in: inFE, src: "bind :8080 maxconn", err: "t.cfg:2: 'bind': 'maxconn' expects an argument"},
		{kw: "bind", in: inFE, src: "bind :8080 maxconn -1", err: "t.cfg:2: 'bind': maxconn must be between 0 and 2147483647, got -1"},
		{kw: "bind", in: inFE, src: "bind /run/sy.sock mode 9", err: "t.cfg:2: 'bind': 'mode' expects an octal permission, got '9'"},
		{kw: "bind", in: inFE, src: "bind :8080 foo", err: "t.cfg:2: 'bind': unknown bind option 'foo'"},
		{kw: "bind", in: inFE, src: "bind :8443 tfo", err: "t.cfg:2: 'bind': bind option 'tfo' is not supported yet by switchyard"},
	}
}

func isHTTPRuleKeyword(kw string) bool {
	for _, p := range []string{"http-request ", "http-response ", "http-after-response "} {
		if strings.HasPrefix(kw, p) {
			return true
		}
	}
	return false
}

// TestHTTPRulesInDefaults: every http-request, http-response and
// http-after-response action is accepted in a named defaults section, as
// its accepting case in a proxy, and the proxy using the section runs
// those rules first; an anonymous defaults section refuses them, as
// haproxy does.
func TestHTTPRulesInDefaults(t *testing.T) {
	dir := writeKwFiles(t)
	covered := map[string]bool{}
	for _, c := range keywordCases() {
		if !isHTTPRuleKeyword(c.kw) || c.err != "" || c.setup != nil || covered[c.kw] {
			continue
		}
		// acl and declare capture lines are refused in defaults (as in
		// haproxy): a case that needs one is not tried here.
		if strings.Contains("\n"+c.src, "\nacl ") || strings.Contains(c.src, "declare capture") {
			continue
		}
		if !slices.Contains(c.in, SecListen) && !slices.Contains(c.in, SecBackend) {
			continue
		}
		covered[c.kw] = true
		// A backend uses the section (a listen may not: haproxy refuses
		// it), or a frontend for what only a frontend may do.
		var cfg *Config
		var errs ErrorList
		var text string
		for _, user := range []string{"backend chk from d\n mode http\n", "frontend chk from d\n mode http\n"} {
			text = strings.ReplaceAll(c.pre+"defaults d\n mode http\n"+indent(c.src)+user+c.extra, "@D@", dir)
			if cfg, _, errs = load(t, text); len(errs) == 0 {
				break
			}
		}
		if len(errs) > 0 {
			t.Errorf("%s in a named defaults section: %v\n%s", c.kw, errs, text)
			continue
		}
		var chk *Proxy
		for _, px := range cfg.Proxies {
			if px.Name == "chk" {
				chk = px
			}
		}
		if chk == nil || len(chk.HTTPRequest)+len(chk.HTTPResponse)+len(chk.HTTPAfterResponse) == 0 {
			t.Errorf("%s: the proxy using the defaults has no rule", c.kw)
		}
	}
	for n := range registry {
		if isHTTPRuleKeyword(n) && !covered[n] && noAccept[n+"@defaults"] == "" {
			t.Errorf("%s: no accepting case in a proxy to try in a named defaults section", n)
		}
	}
	_, _, errs := load(t, "defaults\n mode http\n http-request set-header a b\n")
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "'http-request' not allowed in anonymous 'defaults' section.") {
		t.Errorf("anonymous defaults: %v", errs)
	}
	// haproxy's limits on a defaults section with rules (its
	// startup/default_rules reg-test).
	for text, want := range map[string]string{
		"defaults d\n mode http\n http-request set-header a b\ndefaults from d\n":                       "t.cfg:4: a defaults section cannot inherit from a defaults section defining TCP/HTTP rules (defaults section at t.cfg:1).",
		"defaults d\n mode http\n http-request set-header a b\nlisten l from d\n":                       "t.cfg:4: a listen section cannot inherit from a defaults section defining TCP/HTTP rules.",
		"defaults d\n mode http\n http-request set-header a b\nfrontend f from d\nbackend b from d\n":   "t.cfg:5: frontends and backends cannot inherit from the same defaults section if it defines TCP/HTTP rules (defaults section at t.cfg:1).",
		"defaults d\n tcp-request connection accept\nbackend b from d\n":                                "t.cfg:3: a backend section cannot inherit from a defaults section defining 'tcp-request connection' or 'tcp-request session' rules (defaults section at t.cfg:1).",
		"defaults d\n tcp-response inspect-delay 5s\n tcp-response content accept\nfrontend f from d\n": "t.cfg:4: a frontend section cannot inherit from a defaults section defining 'tcp-response content' rules (defaults section at t.cfg:1).",
	} {
		_, _, errs := load(t, text)
		found := false
		for _, e := range errs {
			found = found || e.Error() == want
		}
		if !found {
			t.Errorf("%q: %v, want %q", text, errs, want)
		}
	}
}
