package runtimeapi

import (
	"bytes"
	"io"
	"time"

	"switchyard/admin"
)

// ACME is what the acme commands (haproxy 3.2's, src/acme.c) need of the
// process's ACME manager (package acme).
type ACME interface {
	// Renew starts an issuance of the certificate file now; the error
	// says why not, in haproxy's words.
	Renew(path string) error
	// WriteStatus writes `acme status`.
	WriteStatus(w io.Writer, now time.Time)
}

// cmdACMERenew is `acme renew <certfile>`: an issuance starts now; the
// answer is empty, the progress goes to the process log. haproxy 3.2
// checks no level; switchyard asks for admin, as for every command that
// changes certificates (`set ssl cert`).
func cmdACMERenew(c *call) {
	if !c.need(admin.Admin) {
		return
	}
	m := c.s.srv.ACME
	if m == nil {
		c.err("Can't find the certificate '" + c.arg(2) + "'.\n")
		return
	}
	if err := m.Renew(c.arg(2)); err != nil {
		c.err(err.Error() + "\n")
	}
}

// cmdACMEStatus is `acme status`: a line per certificate an acme section
// manages, fields separated by tabs.
func cmdACMEStatus(c *call) {
	var b bytes.Buffer
	if m := c.s.srv.ACME; m != nil {
		m.WriteStatus(&b, time.Now())
	} else {
		b.WriteString("# certificate\tsection\tstate\texpiration date (UTC)\texpires in\tscheduled date (UTC)\tscheduled in\n")
	}
	c.data(b.Bytes())
}
