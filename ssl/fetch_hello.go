package ssl

import (
	"crypto/tls"

	"switchyard/sample"
)

// The fetches of a handshake's randoms, and the session fetches that
// Go's TLS stack cannot answer truthfully.

// BackRandoms finds the randoms of a stream's server connection (nil:
// none yet, or in clear). The proxy, which knows the streams, sets it.
var BackRandoms = func(*sample.Ctx) *Randoms { return nil }

func init() {
	pick := func(r *Randoms, server bool) ([]byte, bool) {
		switch {
		case r == nil:
			return nil, false
		case server:
			return r.Server[:], r.HaveServer
		}
		return r.Client[:], r.HaveClient
	}
	for _, side := range []struct {
		name   string
		server bool
	}{{"client", false}, {"server", true}} {
		server := side.server
		register("ssl_fc_"+side.name+"_random", sample.TypeBin, nil, nil, func(c *sample.Ctx, _ *tls.ConnectionState, _ []sample.Arg) (sample.Value, bool) {
			n := FrontNotes(c)
			if n == nil {
				return sample.Value{}, false
			}
			b, ok := pick(&n.Randoms, server)
			if !ok {
				return sample.Value{}, false
			}
			return bin(c, b)
		})
		registerBack("ssl_bc_"+side.name+"_random", sample.TypeBin, func(c *sample.Ctx, _ *tls.ConnectionState, _ []sample.Arg) (sample.Value, bool) {
			b, ok := pick(BackRandoms(c), server)
			if !ok {
				return sample.Value{}, false
			}
			return bin(c, b)
		})
	}
	// OpenSSL's session id and master key have no truthful equivalent
	// in Go's crypto/tls: it resumes by session tickets only, so a
	// session has no id (the ServerHello's echoes the client's, or is
	// empty), and it keeps the master secret to itself (its key log
	// gives it for full TLS 1.2 handshakes only, not for resumed ones,
	// and TLS 1.3 has none of the kind).
	const noID = "Go's TLS stack (crypto/tls) gives sessions no id: it resumes by session tickets only"
	const noKey = "Go's TLS stack (crypto/tls) does not expose the session's master key"
	sample.RefuseFetch("ssl_fc_session_id", noID)
	sample.RefuseFetch("ssl_bc_session_id", noID)
	sample.RefuseFetch("ssl_fc_session_key", noKey)
	sample.RefuseFetch("ssl_bc_session_key", noKey)
}
