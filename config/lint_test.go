package config

import (
	"crypto/x509"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchyard/internal/testcert"
	"switchyard/sample"
)

// sy_test_backend(NAME) reads a backend by name, as nbsrv() and be_conn()
// of package proxy do: the backend counts as used.
func init() {
	sample.RegisterFetch(sample.FetchDef{Name: "sy_test_backend", Args: []sample.ArgType{sample.ArgStr}, MinArgs: 1,
		Out: sample.TypeInt, Src: sample.SrcL4,
		Compile: func(env *sample.Env, args []sample.Arg) (sample.FetchFunc, error) {
			env.Lookup("backend", args[0].Str)
			return func(*sample.Ctx) (sample.Value, bool) { return sample.Int(1), true }, nil
		}})
}

// Each check of lint.go with a configuration that triggers it and one
// that does not. The configurations are otherwise free of warnings, so the
// whole list of warnings is compared: a check that fires where it should
// not fails here too. Messages marked haproxy were checked with haproxy
// 2.6.12's `haproxy -c`.

// lintFront is a frontend that routes to backend app, for the cases that
// need app used.
const lintFront = base + "frontend fe\n    bind :80\n    default_backend app\n"

func TestLint(t *testing.T) {
	cases := []struct {
		name, cfg string
		want      []string
	}{
		// haproxy: at each rule whose previous one is final and
		// unconditional.
		{"rule after an unconditional deny", base + "frontend fe\n bind :80\n http-request deny\n http-request allow\n http-request set-header x y\n",
			[]string{
				"t.cfg:10: previous 'http-request' action is final and has no condition attached, further entries are NOOP.",
				"t.cfg:11: previous 'http-request' action is final and has no condition attached, further entries are NOOP.",
			}},
		{"rule after a conditional deny", base + "frontend fe\n bind :80\n http-request deny if { path /x }\n http-request allow\n", nil},
		{"rule after an unconditional non-final rule", base + "frontend fe\n bind :80\n http-request set-header x y\n http-request deny\n", nil},
		{"http-response after an unconditional deny", base + "frontend fe\n bind :80\n http-response deny\n http-response set-header x y\n",
			[]string{"t.cfg:10: previous 'http-response' action is final and has no condition attached, further entries are NOOP."}},
		{"tcp rule after an unconditional accept", base + "frontend fe\n bind :80\n mode tcp\n tcp-request content accept\n tcp-request content reject\n",
			[]string{"t.cfg:11: previous 'tcp-request content' action is final and has no condition attached, further entries are NOOP."}},
		{"tcp rule after a conditional accept", base + "frontend fe\n bind :80\n mode tcp\n tcp-request content accept if { src 10.0.0.0/8 }\n tcp-request content reject\n", nil},
		{"use_backend after an unconditional one", base + "frontend fe\n bind :80\n use_backend a\n use_backend b if TRUE\nbackend a\nbackend b\n",
			// b is named, if unreachably: not reported as unused too.
			[]string{"t.cfg:10: 'use_backend b' will never match because the unconditional 'use_backend a' at line 9 always matches first"}},

		// haproxy's condition: a backend side with servers.
		{"missing timeouts", "frontend fe\n bind :80\n default_backend app\nbackend app\n server s 127.0.0.1:1\n",
			[]string{
				"t.cfg:1: missing timeouts for frontend 'fe'. While not properly invalid, you will certainly encounter various problems with such a configuration. To fix this, please ensure that all following timeouts are set to a non-zero value: 'client', 'connect', 'server'.",
				"t.cfg:4: missing timeouts for backend 'app'. While not properly invalid, you will certainly encounter various problems with such a configuration. To fix this, please ensure that all following timeouts are set to a non-zero value: 'client', 'connect', 'server'.",
			}},
		{"no timeouts needed by a backend without servers", "defaults\n timeout client 1s\nfrontend fe\n bind :80\n default_backend app\nbackend app\n", nil},
		{"timeout tunnel stands for timeout server in tcp", "defaults\n timeout client 1s\n timeout connect 1s\n timeout tunnel 1h\nlisten l\n bind :80\n server s 127.0.0.1:1\n", nil},
		{"but not in http", "defaults\n mode http\n timeout client 1s\n timeout connect 1s\n timeout tunnel 1h\nlisten l\n bind :80\n server s 127.0.0.1:1\n",
			[]string{"t.cfg:6: missing timeouts for listen 'l'...."}},

		{"backend never used", lintFront + "backend app\nbackend old\n server s 127.0.0.1:1\n",
			[]string{"t.cfg:11: backend 'old' is never used: no 'use_backend' or 'default_backend' rule names it"}},
		{"backends used by use_backend, track and a fetch", base + "frontend fe\n bind :80\n use_backend app if { sy_test_backend(spare) gt 0 }\n" +
			"backend app\n server s 127.0.0.1:1 track health/h\nbackend health\n server h 127.0.0.1:2 check\nbackend spare\nlisten l\n bind :81\n", nil},

		{"two servers, one address", lintFront + "backend app\n server a 127.0.0.1:81\n server b 127.0.0.1:82\n server c ::ffff:127.0.0.1:81\n",
			[]string{"t.cfg:13: server 'app/c' has the same address as server 'a' at line 11 (::ffff:127.0.0.1:81): that server gets a double share of the traffic and of the health checks"}},
		{"one host, two ports", lintFront + "backend app\n server a 127.0.0.1:81\n server b 127.0.0.1:82\n server c app.local:81\n", nil},

		{"frontends' maxconn above global maxconn", "global\n maxconn 100\n" + base + "frontend f1\n bind :80\n maxconn 80\n default_backend app\nlisten f2\n bind :81\n maxconn 30\nbackend app\n",
			[]string{"t.cfg:13: with listen 'f2', the frontends' maxconn add up to 110, above the global maxconn 100: the process limit is reached first, and then every frontend stops accepting connections whatever its own maxconn"}},
		{"frontends' maxconn within global maxconn", "global\n maxconn 100\n" + base + "frontend f1\n bind :80\n maxconn 70\n default_backend app\nlisten f2\n bind :81\n maxconn 30\nbackend app\n", nil},
		{"no global maxconn", base + "frontend f1\n bind :80\n maxconn 70000\n default_backend app\nbackend app\n", nil},

		{"queue outlives server", lintFront + "backend app\n timeout queue 30s\n server a 127.0.0.1:81 maxconn 10\n",
			[]string{"t.cfg:10: backend 'app': 'timeout queue' (30s) is longer than 'timeout server' (5s): a request may wait longer for a free server than a server may take to answer it; lower 'timeout queue' or raise 'timeout server'"}},
		{"queue timeout from timeout connect", lintFront + "backend app\n timeout connect 10s\n server a 127.0.0.1:81 maxconn 10\n",
			[]string{"t.cfg:10: backend 'app': 'timeout queue' (10s, from 'timeout connect') is longer than 'timeout server' (5s):..."}},
		{"queue within server", lintFront + "backend app\n timeout queue 2500ms\n server a 127.0.0.1:81 maxconn 10\n", nil},
		{"no queue without maxconn", lintFront + "backend app\n timeout queue 30s\n server a 127.0.0.1:81\n", nil},

		{"health check denied", lintFront + "backend app\n option httpchk GET /health\n http-request deny if { path_beg /health }\n server a 127.0.0.1:81 check\n",
			[]string{"t.cfg:12: the health checks of backend 'app' request 'GET /health', which this 'http-request deny' rule denies to clients: the checks test a path that clients cannot reach"}},
		{"health check denied after rules that change nothing", lintFront + "backend app\n option httpchk\n http-check send meth HEAD uri /ping?full=1\n" +
			" acl ping path /ping\n http-request set-header x-a b\n http-request deny if { path /other }\n http-request deny if METH_HEAD ping\n server a 127.0.0.1:81 check\n",
			[]string{"t.cfg:16: the health checks of backend 'app' request 'HEAD /ping?full=1', which this 'http-request deny' rule denies to clients: the checks test a path that clients cannot reach"}},
		{"health check on another path", lintFront + "backend app\n option httpchk GET /health\n http-request deny if { path_beg /admin }\n server a 127.0.0.1:81 check\n", nil},
		{"health check allowed first", lintFront + "backend app\n option httpchk GET /health\n http-request allow if { path /health }\n http-request deny\n server a 127.0.0.1:81 check\n", nil},
		{"deny that depends on the client", lintFront + "backend app\n option httpchk GET /health\n http-request deny if { path_beg /health } !{ src 10.0.0.0/8 }\n server a 127.0.0.1:81 check\n", nil},
		{"path rewritten first", lintFront + "backend app\n option httpchk GET /health\n http-request set-path /x\n http-request deny if { path_beg /health }\n server a 127.0.0.1:81 check\n", nil},
		{"servers not checked", lintFront + "backend app\n option httpchk GET /health\n http-request deny if { path_beg /health }\n server a 127.0.0.1:81\n", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, res, errs := load(t, c.cfg)
			if len(errs) > 0 {
				t.Fatalf("errors: %v", errs)
			}
			var got []string
			for _, m := range res.Warnings() {
				got = append(got, m.String())
			}
			ok := len(got) == len(c.want)
			for i := 0; ok && i < len(got); i++ {
				ok = matchMsg(got[i], c.want[i])
			}
			if !ok {
				t.Errorf("warnings:\n  %s\nwant:\n  %s\nconfig:\n%s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "), c.cfg)
			}
		})
	}
}

// zero-warning makes a lint warning fatal, at its line.
func TestLintZeroWarning(t *testing.T) {
	_, _, errs := load(t, "global\n zero-warning\n"+lintFront+"backend app\nbackend old\n")
	want := "t.cfg:13: (zero-warning) backend 'old' is never used: no 'use_backend' or 'default_backend' rule names it"
	if len(errs) != 1 || errs[0].Error() != want {
		t.Fatalf("errors %v, want %q", errs, want)
	}
}

// The certificates' warnings: a crt-list line's SNI filter that its
// certificate does not cover, always; a certificate within 7 days of its
// expiry or past it, for -c only (LoadOptions.Check), and never fatal.
func TestLintCertificates(t *testing.T) {
	dir := t.TempDir()
	ca := testcert.NewCA("lint CA")
	fine := ca.Issue(testcert.Opts{CN: "www.example.com", DNS: []string{"www.example.com", "*.example.org", "192.0.2.1"}})
	soon := ca.Issue(testcert.Opts{CN: "www.example.com", DNS: []string{"www.example.com"}, Validity: 3*24*time.Hour + 2*time.Hour})
	old := ca.Issue(testcert.Opts{CN: "old.example.com", DNS: []string{"old.example.com"}, NotBefore: time.Now().Add(-48 * time.Hour), Validity: 24 * time.Hour})
	testcert.Write(filepath.Join(dir, "fine.pem"), fine.Bundle())
	testcert.Write(filepath.Join(dir, "soon.pem"), soon.Bundle())
	testcert.Write(filepath.Join(dir, "old.pem"), old.Bundle())
	testcert.Write(filepath.Join(dir, "list.txt"), []byte("# certificate [options] filters\n"+
		"fine.pem www.example.com api.example.org *.example.org 192.0.2.1 !skip.example.com !*.example.com\n"+
		"fine.pem [alpn http/1.1] API.example.com *.example.net example.org\n"+
		"soon.pem www.example.com\n"))
	text := "global\n crt-base " + dir + "\n" + base + "frontend fe\n bind :443 ssl crt old.pem crt-list " + filepath.Join(dir, "list.txt") + "\n bind :444 ssl crt-list " + filepath.Join(dir, "list.txt") + "\n"
	list := filepath.Join(dir, "list.txt")
	sni := []string{
		list + ":3: SNI filter 'api.example.com' names a host that certificate '" + dir + "/fine.pem' is not valid for (its names: www.example.com, *.example.org, 192.0.2.1): clients that check the name refuse it",
		list + ":3: SNI filter '*.example.net' names a host...",
		list + ":3: SNI filter 'example.org' names a host...",
	}
	dated := []string{
		"t.cfg:10: certificate '" + dir + "/old.pem' (serial " + serialHex(old.Cert) + ") has expired: not after " +
			old.Cert.NotAfter.UTC().Format("Jan _2 15:04:05 2006 GMT") + ", 24 hours ago; it is served anyway, as haproxy does, and clients refuse it",
		list + ":4: certificate '" + dir + "/soon.pem' (serial " + serialHex(soon.Cert) + ") expires in 3 days (not after " +
			soon.Cert.NotAfter.UTC().Format("Jan _2 15:04:05 2006 GMT") + ")",
	}
	warnings := func(opt LoadOptions, extra string) ([]string, ErrorList) {
		_, res, errs := LoadBytes("t.cfg", []byte(strings.Replace(text, "global\n", "global\n"+extra, 1)), opt)
		var got []string
		for _, m := range res.Warnings() {
			got = append(got, m.String())
		}
		return got, errs
	}
	same := func(what string, got, want []string) {
		t.Helper()
		ok := len(got) == len(want)
		for i := 0; ok && i < len(got); i++ {
			ok = matchMsg(got[i], want[i])
		}
		if !ok {
			t.Errorf("%s:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	}
	// A start: the SNI filters, once although two binds load the list.
	got, errs := warnings(LoadOptions{}, "")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	same("a start", got, sni)
	// -c: also the dates, in line order of each bind's entries.
	got, _ = warnings(LoadOptions{Check: true}, "")
	same("-c", got, []string{dated[0], sni[0], sni[1], sni[2], dated[1]})
	// zero-warning makes the SNI warnings fatal, not the dated ones.
	_, errs = warnings(LoadOptions{Check: true}, " zero-warning\n")
	if len(errs) != 3 || !strings.Contains(errs[0].Error(), "(zero-warning) SNI filter 'api.example.com'") {
		t.Errorf("zero-warning: %v", errs)
	}

	// The check reads only its arguments: the same configuration seen
	// 30 hours before fine.pem expires.
	cfg, _, _ := LoadBytes("t.cfg", []byte(text), LoadOptions{})
	later := fine.Cert.NotAfter.Add(-30 * time.Hour)
	var msgs []string
	for _, m := range certWarnings(cfg.Proxies[len(cfg.Proxies)-1], later, true) {
		if m.Dated && strings.Contains(m.Msg, "fine.pem") {
			msgs = append(msgs, m.String())
		}
	}
	same("later", msgs, []string{
		list + ":2: certificate '" + dir + "/fine.pem' (serial " + serialHex(fine.Cert) + ") expires in 30 hours...",
		list + ":3: certificate '" + dir + "/fine.pem' (serial " + serialHex(fine.Cert) + ") expires in 30 hours...",
		list + ":2: certificate '" + dir + "/fine.pem' (serial " + serialHex(fine.Cert) + ") expires in 30 hours...",
		list + ":3: certificate '" + dir + "/fine.pem' (serial " + serialHex(fine.Cert) + ") expires in 30 hours...",
	})
}

func serialHex(c *x509.Certificate) string {
	return strings.ToUpper(hex.EncodeToString(c.SerialNumber.Bytes()))
}

func TestFmtLeft(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Minute:              "less than an hour",
		time.Hour:                     "1 hour",
		47*time.Hour + 59*time.Minute: "47 hours",
		48 * time.Hour:                "2 days",
		7*24*time.Hour - time.Second:  "6 days",
		400 * 24 * time.Hour:          "400 days",
	} {
		if got := fmtLeft(d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}
