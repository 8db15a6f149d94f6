package backend

// SendProxy is a server's send-proxy, send-proxy-v2 and proxy-v2-options:
// a PROXY protocol header at the start of every connection to the server,
// saying whom it carries.
type SendProxy struct {
	V1, V2 bool // send-proxy, send-proxy-v2 (v2 wins when both are set)
	// TLVs of a version 2 header (proxy-v2-options).
	CRC32C, Authority, UniqueID bool
}

// On says whether a header is sent. As in haproxy, any option does it,
// proxy-v2-options alone included (a version 1 header then, which has no
// room for the options).
func (sp SendProxy) On() bool { return sp != SendProxy{} }
