package runtimeapi

import (
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"switchyard/admin"
)

// fakeACME is an ACME manager of one certificate, /c.pem.
type fakeACME struct{ renewed []string }

func (f *fakeACME) Renew(path string) error {
	if path != "/c.pem" {
		return fmt.Errorf("Can't find the certificate '%s'.", path)
	}
	if len(f.renewed) > 0 {
		return errors.New("An ACME task is already running for certificate '/c.pem'.Can't start the ACME client.")
	}
	f.renewed = append(f.renewed, path)
	return nil
}

func (f *fakeACME) WriteStatus(w io.Writer, _ time.Time) {
	io.WriteString(w, "# certificate\tsection\tstate\n/c.pem\tLE\tScheduled\n")
}

// acme renew and acme status (haproxy 3.2): renew needs admin (a
// deviation: 3.2 checks no level), status any level; help does not list
// them, as 2.6's help does not.
func TestACMECommands(t *testing.T) {
	e := newEnv(t, testCfg)
	f := &fakeACME{}
	e.srv.ACME = f
	adm, user := e.socket(admin.Admin), e.socket(admin.User)
	for _, c := range []struct{ path, in, want string }{
		{user, "acme renew /c.pem", "Permission denied\n"},
		{adm, "acme renew /c.pem", ""},
		{adm, "acme renew /c.pem", "An ACME task is already running for certificate '/c.pem'.Can't start the ACME client.\n"},
		{adm, "acme renew /other.pem", "Can't find the certificate '/other.pem'.\n"},
		{user, "acme status", "# certificate\tsection\tstate\n/c.pem\tLE\tScheduled\n"},
	} {
		if got := ask(t, c.path, c.in+"\n"); got != c.want+"\n" {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
	if len(f.renewed) != 1 {
		t.Errorf("renewed %v", f.renewed)
	}
	e.srv.ACME = nil
	if got := ask(t, adm, "acme renew /c.pem\n"); got != "Can't find the certificate '/c.pem'.\n\n" {
		t.Errorf("no manager: %q", got)
	}
}
