package main

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"switchyard/internal/testcert"
)

// certConfig writes a configuration whose bind serves a certificate that
// expires in 3 days, and a crt-list whose line 2 names a host its
// certificate does not cover; it returns the configuration's path, the
// certificate's and the list's.
func certConfig(t *testing.T, fe, extraGlobal string, badFilter bool) (cfg, crt, list string) {
	t.Helper()
	dir := t.TempDir()
	ca := testcert.NewCA("cli CA")
	crt, list = filepath.Join(dir, "soon.pem"), filepath.Join(dir, "list.txt")
	testcert.Write(crt, ca.Issue(testcert.Opts{CN: "www.example.com", DNS: []string{"www.example.com"}, Validity: 3*24*time.Hour + 2*time.Hour}).Bundle())
	filter := "www.example.com"
	if badFilter {
		filter = "api.example.com"
	}
	writeFile(t, list, "# certificates\n"+crt+" "+filter+"\n")
	cfg = filepath.Join(dir, "tls.cfg")
	writeFile(t, cfg, `global
    maxconn 100
`+extraGlobal+`
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s

frontend web
    bind `+fe+` ssl crt `+crt+` crt-list `+list+`
`)
	return cfg, crt, list
}

// -c warns, at the bind line and at the crt-list line, about a certificate
// near its expiry and about an SNI filter its certificate does not
// cover; the date is never fatal (zero-warning, -dW), the filter is.
func TestCLICheckCertificates(t *testing.T) {
	t.Parallel()
	cfg, crt, list := certConfig(t, freeAddr(t), "", true)
	out, errOut, code := runCLI(t, "-c", "-f", cfg)
	if code != 0 || out != "Configuration file is valid\n" {
		t.Fatalf("-c: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	for _, want := range []string{
		cfg + ":11: warning: certificate '" + crt + "' (serial ",
		list + ":2: warning: certificate '" + crt + "' (serial ",
		list + ":2: warning: SNI filter 'api.example.com' names a host that certificate '" + crt + "' is not valid for (its names: www.example.com): clients that check the name refuse it\n",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if n := strings.Count(errOut, ") expires in 3 days (not after "); n != 2 {
		t.Errorf("%d expiry warnings, want 2:\n%s", n, errOut)
	}
	if _, _, code := runCLI(t, "-c", "-dW", "-f", cfg); code != 1 {
		t.Errorf("-dW with a wrong SNI filter: exit %d", code)
	}

	// Only the date: valid under zero-warning and -dW alike.
	cfg, _, _ = certConfig(t, freeAddr(t), "    zero-warning\n", false)
	out, errOut, code = runCLI(t, "-c", "-dW", "-f", cfg)
	if code != 0 || out != "Configuration file is valid\n" || !strings.Contains(errOut, "expires in 3 days") {
		t.Errorf("zero-warning, -dW and a certificate near its expiry: exit %d, stdout %q, stderr:\n%s", code, out, errOut)
	}
}

// A start does not warn about the date as a configuration would: the
// process log says it, once.
func TestCLICertificateExpiryLogged(t *testing.T) {
	t.Parallel()
	fe := freeAddr(t)
	cfg, crt, _ := certConfig(t, fe, "", false)
	p := startCLI(t, nil, nil, "-db", "-f", cfg)
	p.started() // logged after the configuration is applied, hence after the warning
	p.signal(syscall.SIGTERM)
	if code := p.exit(5 * time.Second); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	errOut := p.stderr.String()
	if strings.Contains(errOut, "warning: certificate") {
		t.Errorf("a start gave -c's warning:\n%s", errOut)
	}
	if n := strings.Count(errOut, `msg="TLS certificate expires within 7 days" file=`+crt+" "); n != 1 {
		t.Errorf("%d log warnings, want 1:\n%s", n, errOut)
	}
}
