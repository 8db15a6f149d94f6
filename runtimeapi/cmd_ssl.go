package runtimeapi

import (
	"strings"

	"switchyard/admin"
	"switchyard/ssl"
)

// The certificate and crt-list commands (ssl_ckch.c's and ssl_crtlist.c's),
// on the certificates the TLS binds serve (ssl.Store): a certificate
// replaced or a crt-list line added is served to the next handshakes,
// without a reload. A reload reads the files again, as haproxy's does.

func init() {
	for name, fn := range map[string]func(c *call){
		"show ssl cert":     cmdShowCert,
		"set ssl cert":      cmdSetCert,
		"commit ssl cert":   cmdCommitCert,
		"abort ssl cert":    cmdAbortCert,
		"new ssl cert":      cmdNewCert,
		"del ssl cert":      cmdDelCert,
		"show ssl crt-list": cmdShowCrtList,
		"add ssl crt-list":  cmdAddCrtList,
		"del ssl crt-list":  cmdDelCrtList,
	} {
		handlers[name] = fn
	}
}

func (c *call) certs() *ssl.Store { return c.s.srv.surf.Runtime().Certs() }

// cmdShowCert is `show ssl cert [[*]FILE]`: the certificates, or one's
// details (with '*', the ongoing transaction's).
func cmdShowCert(c *call) {
	if !c.need(admin.Operator) {
		return
	}
	st := c.certs()
	name := c.arg(3)
	if name == "" {
		c.sev = sevData
		if p := st.Pending(); p != "" {
			c.data([]byte("# transaction\n*" + p + "\n"))
		}
		c.data([]byte("# filename\n"))
		for _, p := range st.Paths() {
			c.data([]byte(p + "\n"))
		}
		return
	}
	if strings.HasSuffix(name, ".ocsp") {
		showCertOCSP(c, name) // cmd_ocsp.go
		return
	}
	path, txn := strings.CutPrefix(name, "*")
	cs, ok := st.Show(path, txn)
	if !ok {
		c.err("Can't display the certificate: Not found or the certificate is a bundle!\n")
		return
	}
	c.sev = sevData
	b := []byte("Filename: ")
	if cs.InTxn {
		b = append(b, '*')
	}
	b = append(b, path+"\nStatus: "+cs.Status+"\n"...)
	c.data(ssl.AppendDetail(b, cs.Cert))
}

// cmdSetCert is `set ssl cert FILE <payload>`: a transaction's new
// content (PEM; FILE.key for a key alone).
func cmdSetCert(c *call) {
	if !c.need(admin.Admin) {
		return
	}
	if c.arg(3) == "" || !c.hasPayload {
		c.err("'set ssl cert expects a filename and a certificate as a payload\n")
		return
	}
	msg, err := c.certs().Set(c.arg(3), []byte(c.payload))
	if err != nil {
		c.err(err.Error() + "\nCan't update " + c.arg(3) + "!\n")
		return
	}
	c.msg(logNotice, msg+"\n")
}

// cmdCommitCert is `commit ssl cert FILE`: the transaction in service.
func cmdCommitCert(c *call) {
	if !c.need(admin.Admin) {
		return
	}
	path := c.arg(3)
	if path == "" {
		c.err("'commit ssl cert expects a filename\n")
		return
	}
	st := c.certs()
	if st.Pending() == "" {
		// haproxy's message, its doubled mark included.
		c.err("No ongoing transaction! !\nCan't commit " + path + "!\n")
		return
	}
	n, err := st.Commit(path)
	if err != nil {
		c.err(err.Error() + "\nCan't commit " + path + "!\n")
		return
	}
	// One dot per bind that took it, as haproxy prints one per instance.
	c.sev = sevData
	c.data([]byte("Committing " + path + strings.Repeat(".", n) + "\nSuccess!\n"))
}

func cmdAbortCert(c *call) {
	if !c.need(admin.Admin) {
		return
	}
	if c.arg(3) == "" {
		c.err("'abort ssl cert' expects a filename\n")
		return
	}
	msg, err := c.certs().Abort(c.arg(3))
	if err != nil {
		c.err(err.Error() + "\n")
		return
	}
	c.msg(logNotice, msg+"\n")
}

func cmdNewCert(c *call) {
	if !c.need(admin.Admin) {
		return
	}
	path := c.arg(3)
	if path == "" {
		c.err("'new ssl cert' expects a filename\n")
		return
	}
	if err := c.certs().New(path); err != nil {
		c.err(err.Error() + "\n")
		return
	}
	c.msg(logNotice, "New empty certificate store '"+path+"'!\n")
}

func cmdDelCert(c *call) {
	if !c.need(admin.Admin) {
		return
	}
	path := c.arg(3)
	if path == "" {
		c.err("'del ssl cert' expects a certificate name\n")
		return
	}
	if err := c.certs().Delete(path); err != nil {
		// haproxy's message ends its reason's line, then its own.
		c.err("Can't remove the certificate: " + err.Error() + "\n\n")
		return
	}
	c.msg(logNotice, "Certificate '"+path+"' deleted!\n")
}

// cmdShowCrtList is `show ssl crt-list [-n] [LIST]`: the crt-lists, or a
// list's lines (with -n, their line numbers).
func cmdShowCrtList(c *call) {
	if !c.need(admin.Admin) {
		return
	}
	num, list := false, c.arg(3)
	if list == "-n" {
		num, list = true, c.arg(4)
		if list == "" {
			c.err("'show ssl crt-list -n' expects a filename or a directory\n")
			return
		}
	}
	st := c.certs()
	if list == "" {
		c.sev = sevData
		for _, l := range st.Lists() {
			c.data([]byte(l + "\n"))
		}
		return
	}
	lines, ok := st.ListLines(strings.TrimRight(list, "/"))
	if !ok {
		c.err("didn't find the specified filename\n")
		return
	}
	c.sev = sevData
	c.data([]byte("# " + strings.TrimRight(list, "/") + "\n"))
	for _, l := range lines {
		c.data([]byte(l.String(num) + "\n"))
	}
}

// cmdAddCrtList is `add ssl crt-list LIST CERT`, or with a payload of one
// crt-list line (a certificate, [options], SNI filters).
func cmdAddCrtList(c *call) {
	if !c.need(admin.Admin) {
		return
	}
	list := strings.TrimRight(c.arg(3), "/")
	if list == "" || !c.hasPayload && c.arg(4) == "" {
		c.err("'add ssl crtlist' expects a filename and a certificate name\n")
		return
	}
	line := ssl.CrtListLine{File: c.arg(4)}
	if c.hasPayload {
		if strings.Contains(c.payload, "\n") {
			c.err("Can't edit the crt-list: only one line of payload is supported!\n")
			return
		}
		lines, err := ssl.ParseCrtList([]byte(c.payload))
		if err != nil || len(lines) != 1 {
			msg := "'add ssl crtlist' should contain the certificate name in the payload"
			if err != nil {
				msg = err.Error()
			}
			c.err("Can't edit the crt-list: " + msg + "\n")
			return
		}
		line = lines[0]
	}
	n, err := c.certs().AddLine(list, line)
	if err != nil {
		c.err("Can't edit the crt-list: " + err.Error() + "\n")
		return
	}
	c.sev = sevData
	c.data([]byte("Inserting certificate '" + line.File + "' in crt-list '" + list + "'" + strings.Repeat(".", n) + "\nSuccess!\n"))
}

// cmdDelCrtList is `del ssl crt-list LIST CERT[:LINE]`.
func cmdDelCrtList(c *call) {
	if !c.need(admin.Admin) {
		return
	}
	list, cert := strings.TrimRight(c.arg(3), "/"), c.arg(4)
	if list == "" || cert == "" {
		c.err("'del ssl crtlist' expects a filename and a certificate name\n")
		return
	}
	if err := c.certs().DelLine(list, cert); err != nil {
		c.err("Can't delete the entry: " + err.Error() + "\n")
		return
	}
	// Named without its line number, as haproxy names it.
	if i := strings.LastIndexByte(cert, ':'); i > 0 {
		cert = cert[:i]
	}
	c.msg(logNotice, "Entry '"+cert+"' deleted in crtlist '"+list+"'!\n")
}
