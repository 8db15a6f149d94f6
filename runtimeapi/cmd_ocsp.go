package runtimeapi

import (
	"encoding/hex"
	"strings"

	"switchyard/admin"
	"switchyard/ssl"
)

// The OCSP stapling commands (ssl_sock.c's): the responses stapled by
// the binds, by CertID, and a new response put in service for the next
// handshakes without a reload. `show ssl cert FILE.ocsp` is here too.

func init() {
	handlers["show ssl ocsp-response"] = cmdShowOCSP
	handlers["set ssl ocsp-response"] = cmdSetOCSP
}

// ocspMaxKey is the longest key haproxy takes, in bytes.
const ocspMaxKey = 128

// cmdShowOCSP is `show ssl ocsp-response [ID]`: the keys of the
// responses, each with its CertID, or one response described.
//
// haproxy 2.6 checks no level for the two OCSP commands, so that a user
// socket may put a response in service; later versions ask for admin
// (ssl_ocsp.c), as switchyard does.
func cmdShowOCSP(c *call) {
	if !c.need(admin.Admin) {
		return
	}
	st := c.certs()
	if id := c.arg(3); id != "" {
		if len(id) > 2*ocspMaxKey {
			c.err("'show ssl ocsp-response' received a too big key.\n")
			return
		}
		key, err := hex.DecodeString(id)
		var e ssl.OCSPEntry
		ok := err == nil
		if ok {
			e, ok = st.OCSPEntry(key)
		}
		if !ok {
			c.err("Certificate ID does not match any certificate.\n")
			return
		}
		c.sev = sevData
		b, _ := ssl.AppendOCSPText(nil, e.Response)
		c.data(b)
		return
	}
	c.sev = sevData
	b := []byte("# Certificate IDs\n")
	for _, e := range st.OCSPEntries() {
		b = append(b, "Certificate ID key : "...)
		b = hex.AppendEncode(b, e.Key)
		b = append(b, '\n')
		b = ssl.AppendCertIDText(b, e.Key)
	}
	c.data(b)
}

// cmdSetOCSP is `set ssl ocsp-response <base64|payload>`: the response
// stapled for the certificates of its CertID (admin: see cmdShowOCSP).
func cmdSetOCSP(c *call) {
	if !c.need(admin.Admin) {
		return
	}
	text := c.payload
	if !c.hasPayload {
		text = c.arg(3)
	}
	if text == "" {
		c.err("'set ssl ocsp-response' expects response in base64 encoding.\n")
		return
	}
	der, err := ssl.DecodeBase64Lines([]byte(text))
	if err != nil {
		c.err("'set ssl ocsp-response' received invalid base64 encoded response.\n")
		return
	}
	if err := c.certs().SetOCSPResponse(der); err != nil {
		c.err(err.Error() + ".\n")
		return
	}
	c.msg(logInfo, "OCSP Response updated!\n")
}

// showCertOCSP is `show ssl cert [*]FILE.ocsp`: the response stapled for
// the certificate (with '*', the transaction's own), or nothing.
func showCertOCSP(c *call, name string) {
	path, txn := strings.CutPrefix(strings.TrimSuffix(name, ".ocsp"), "*")
	resp, ok := c.certs().CertOCSP(path, txn)
	if !ok {
		c.err("Can't display the certificate: Not found or the certificate is a bundle!\n")
		return
	}
	c.sev = sevData
	b, _ := ssl.AppendOCSPText(nil, resp)
	c.data(b)
}
