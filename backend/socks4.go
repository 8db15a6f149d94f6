package backend

// Socks4 is a server's `socks4` proxy (Proxy, "host:port"; "" for none)
// and `check-via-socks4` (Checks: the checks' default connection goes
// through it too).
type Socks4 struct {
	Proxy  string
	Checks bool
}
