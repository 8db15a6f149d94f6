package runtimeapi

import (
	"errors"
	"strings"

	"switchyard/admin"
	"switchyard/ssl"
)

// The CA and CRL file commands (ssl_ckch.c's): a file's new content is
// set in a transaction, then committed for the next handshakes of every
// bind, crt-list line and server naming it; `new` makes an empty file
// for a crt-list line added later, `del` removes one no line uses.

func init() {
	for kind, word := range map[ssl.FileKind]string{ssl.KindCA: "ca-file", ssl.KindCRL: "crl-file"} {
		handlers["new ssl "+word] = func(c *call) { cmdNewFile(c, kind, word) }
		handlers["set ssl "+word] = func(c *call) { cmdSetFile(c, kind, word) }
		handlers["commit ssl "+word] = func(c *call) { cmdCommitFile(c, kind, word) }
		handlers["abort ssl "+word] = func(c *call) { cmdAbortFile(c, kind, word) }
		handlers["del ssl "+word] = func(c *call) { cmdDelFile(c, kind, word) }
		handlers["show ssl "+word] = func(c *call) { cmdShowFile(c, kind) }
	}
}

func cmdNewFile(c *call, k ssl.FileKind, word string) {
	if !c.need(admin.Admin) {
		return
	}
	if c.arg(3) == "" {
		c.err("'new ssl " + word + "' expects a filename\n")
		return
	}
	msg, err := c.certs().NewFile(k, c.arg(3))
	if err != nil {
		c.err(err.Error() + "\n")
		return
	}
	c.msg(logNotice, msg+"\n")
}

func cmdSetFile(c *call, k ssl.FileKind, word string) {
	if !c.need(admin.Admin) {
		return
	}
	if c.arg(3) == "" || !c.hasPayload {
		what := "CAs"
		if k == ssl.KindCRL {
			what = "CRLs"
		}
		// haproxy's message, its lone quote included.
		c.err("'set ssl " + word + " expects a filename and " + what + " as a payload\n")
		return
	}
	msg, err := c.certs().SetFile(k, c.arg(3), []byte(c.payload))
	if err != nil {
		c.err(err.Error() + "\nCan't update " + c.arg(3) + "!\n")
		return
	}
	c.msg(logNotice, msg+"\n")
}

func cmdCommitFile(c *call, k ssl.FileKind, word string) {
	if !c.need(admin.Admin) {
		return
	}
	path := c.arg(3)
	if path == "" {
		// haproxy says ca-file for both.
		c.err("'commit ssl ca-file expects a filename\n")
		return
	}
	n, err := c.certs().CommitFile(k, path)
	if err != nil {
		c.err(err.Error() + "\nCan't commit " + path + "!\n")
		return
	}
	// One dot per certificate rebuilt, as haproxy prints one per instance.
	c.sev = sevData
	c.data([]byte("Committing " + path + strings.Repeat(".", n) + "\nSuccess!\n"))
}

func cmdAbortFile(c *call, k ssl.FileKind, word string) {
	if !c.need(admin.Admin) {
		return
	}
	if c.arg(3) == "" {
		c.err("'abort ssl " + word + "' expects a filename\n")
		return
	}
	msg, err := c.certs().AbortFile(k, c.arg(3))
	if err != nil {
		c.err(err.Error() + "\n")
		return
	}
	c.msg(logNotice, msg+"\n")
}

func cmdDelFile(c *call, k ssl.FileKind, word string) {
	if !c.need(admin.Admin) {
		return
	}
	what := "CA"
	if k == ssl.KindCRL {
		what = "CRL"
	}
	if c.arg(3) == "" {
		c.err("'del ssl " + word + "' expects a " + what + " file name\n")
		return
	}
	msg, err := c.certs().DelFile(k, c.arg(3))
	if err != nil {
		// haproxy's message, its blank line included.
		c.err("Can't remove the " + what + " file: " + err.Error() + "\n\n")
		return
	}
	c.msg(logNotice, msg+"\n")
}

// cmdShowFile is `show ssl ca-file|crl-file [[*]FILE[:N]]`.
func cmdShowFile(c *call, k ssl.FileKind) {
	if c.s.level < admin.Operator {
		// haproxy 2.6 overwrites its refusal with this message.
		c.err("Can't allocate memory!\n")
		return
	}
	st := c.certs()
	if c.arg(3) == "" {
		c.sev = sevData
		c.data(st.ShowFiles(k))
		return
	}
	b, err := st.ShowFile(k, c.arg(3))
	if errors.Is(err, ssl.ErrIndex) {
		c.err(err.Error()) // haproxy's: no newline of its own
		return
	}
	if err != nil {
		c.err(err.Error() + "\n")
		return
	}
	c.sev = sevData
	c.data(b)
}
