package backend

// SendProxy is a server's send-proxy, send-proxy-v2 and proxy-v2-options:
// a PROXY protocol header at the start of every connection to the server,
// saying whom it carries.
type SendProxy struct {
	V1, V2 bool // send-proxy, send-proxy-v2 (v2 wins when both are set)
	// TLVs of a version 2 header (proxy-v2-options).
	CRC32C, Authority, UniqueID bool
	// SSL is the PP2_TYPE_SSL TLV (send-proxy-v2-ssl, proxy-v2-options
	// ssl): how the client connected to the frontend, with the TLS
	// version; SSLCN, SSLCipher, SSLSig and SSLKey add the client
	// certificate's common name (send-proxy-v2-ssl-cn, cert-cn), the
	// cipher (ssl-cipher), and the signature and key algorithms of the
	// certificate the frontend served (cert-sig, cert-key).
	SSL, SSLCN, SSLCipher, SSLSig, SSLKey bool
}

// On says whether a header is sent. As in haproxy, any option does it,
// proxy-v2-options alone included (a version 1 header then, which has no
// room for the options).
func (sp SendProxy) On() bool { return sp != SendProxy{} }
