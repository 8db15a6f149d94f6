package ssl

// The randoms of a TLS handshake (ssl_fc_client_random and its kin).
// crypto/tls keeps them to itself, but both travel in clear in the hello
// messages, so they are read off the wire: HelloScan follows one
// direction of a connection's bytes, from its first, up to the first
// ClientHello or ServerHello, and takes its random.

// Randoms are a handshake's client and server randoms, each valid once
// its Have flag is set.
type Randoms struct {
	Client, Server         [32]byte
	HaveClient, HaveServer bool
}

// Hello message types.
const (
	helloClient = 1
	helloServer = 2
)

// helloRetryRandom is the random of a TLS 1.3 HelloRetryRequest, which is
// a ServerHello by its type: the real one follows it.
var helloRetryRandom = [32]byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

// helloScanLimit bounds the bytes scanned: a hello is among the first
// records, well within this.
const helloScanLimit = 64 << 10

// HelloScan is the state of the scan of one direction. The zero value
// is ready; Done says that it looks no further (found, or not to be).
type HelloScan struct {
	Done bool
	seen int
	hdr  [5]byte
	hn   int // record header bytes held
	left int // record body bytes to come
	// The handshake message being read: its first bytes (type, length,
	// version, random), how far into it, and its whole length.
	msg  [38]byte
	mpos int
	mlen int
}

// ScanClient and ScanServer feed the bytes of a connection's client side
// (which carry the ClientHello) or server side (the ServerHello) to h,
// setting r's random when they complete it.
func (h *HelloScan) ScanClient(b []byte, r *Randoms) {
	if h.feed(b, helloClient, &r.Client) {
		r.HaveClient = true
	}
}

func (h *HelloScan) ScanServer(b []byte, r *Randoms) {
	if h.feed(b, helloServer, &r.Server) {
		r.HaveServer = true
	}
}

// feed scans b for the random of the first hello of type want, true when
// it found it.
func (h *HelloScan) feed(b []byte, want byte, out *[32]byte) bool {
	if h.Done {
		return false
	}
	h.seen += len(b)
	for len(b) > 0 {
		if h.hn < len(h.hdr) {
			k := copy(h.hdr[h.hn:], b)
			h.hn += k
			b = b[k:]
			if h.hn < len(h.hdr) {
				break
			}
			// Handshake (22), ChangeCipherSpec (20) and alerts (21) may
			// come before the hello; anything else (encrypted data, not
			// TLS at all) ends the scan.
			if t := h.hdr[0]; t < 20 || t > 22 {
				h.Done = true
				return false
			}
			h.left = int(h.hdr[3])<<8 | int(h.hdr[4])
			if h.left == 0 {
				h.hn = 0
			}
			continue
		}
		k := min(len(b), h.left)
		body := b[:k]
		b, h.left = b[k:], h.left-k
		if h.left == 0 {
			h.hn = 0
		}
		if h.hdr[0] != 22 {
			continue
		}
		for len(body) > 0 {
			if h.mpos < len(h.msg) && (h.mpos < 4 || h.mpos < h.mlen) {
				n := copy(h.msg[h.mpos:], body)
				if h.mpos >= 4 {
					n = min(n, h.mlen-h.mpos)
				} else {
					n = min(n, 4-h.mpos)
				}
				h.mpos += n
				body = body[n:]
				if h.mpos == 4 {
					h.mlen = 4 + (int(h.msg[1])<<16 | int(h.msg[2])<<8 | int(h.msg[3]))
				}
				if h.mpos == len(h.msg) && h.msg[0] == want {
					random := [32]byte(h.msg[6:38])
					if want != helloServer || random != helloRetryRandom {
						*out = random
						h.Done = true
						return true
					}
				}
			} else {
				n := min(len(body), h.mlen-h.mpos)
				h.mpos += n
				body = body[n:]
			}
			if h.mpos >= 4 && h.mpos == h.mlen {
				h.mpos, h.mlen = 0, 0 // the next message
			}
		}
	}
	if h.seen > helloScanLimit {
		h.Done = true
	}
	return false
}

// HelloTap follows a connection's bytes both ways up to its two hellos,
// noting their randoms. Its scanning state is made on the first bytes and
// dropped once both hellos are seen (or cannot be): an established
// connection keeps only the randoms.
type HelloTap struct {
	scan *[2]HelloScan // the client's bytes, the server's
	done bool
}

// Client feeds bytes the client side sent (the ClientHello's way);
// Server, bytes the server side sent.
func (t *HelloTap) Client(b []byte, r *Randoms) { t.feed(0, b, r) }
func (t *HelloTap) Server(b []byte, r *Randoms) { t.feed(1, b, r) }

func (t *HelloTap) feed(side int, b []byte, r *Randoms) {
	if t.done || len(b) == 0 {
		return
	}
	if t.scan == nil {
		t.scan = new([2]HelloScan)
	}
	if side == 0 {
		t.scan[0].ScanClient(b, r)
	} else {
		t.scan[1].ScanServer(b, r)
	}
	if t.scan[0].Done && t.scan[1].Done {
		t.scan, t.done = nil, true
	}
}
