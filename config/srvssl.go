package config

// The state of a server's TLS as haproxy keeps it, for `set server … ssl`
// and `show servers state` (runtimeapi).

// Prepared says whether the server has TLS settings, as haproxy prepares
// them: its line or its default-server said ssl, or its checks speak TLS.
func (t *ServerTLS) Prepared(px *Proxy) bool {
	return t.On || t.DefaultOn || t.CheckSSL || px.Check.ConnectsSSL()
}

// UseSSL is haproxy's use_ssl: 1 after ssl, -1 after no-ssl, else 0.
func (t *ServerTLS) UseSSL() int8 {
	switch {
	case t.On:
		return 1
	case t.NoSSL:
		return -1
	}
	return 0
}
