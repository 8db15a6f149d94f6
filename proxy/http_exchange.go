package proxy

import (
	"errors"
	"io"
	"net"
	"os"
	"time"

	"switchyard/backend"
	"switchyard/config"
	"switchyard/http1"
)

// exchange sends the request on sc and relays the response to the client.
func (s *httpStream) exchange(be *Backend, srv *backend.Server, sc net.Conn) exchangeResult {
	fe := s.fe
	srvTimeout := be.timeouts.Server
	cliTimeout := fe.timeouts.Client

	// Head, then whatever part of the body is already buffered, in one write.
	s.out = s.appendRequestHead(s.out[:0], be)
	bodyDone, bodyN, err := s.bufferedRequestBody()
	if err != nil {
		sc.Close()
		s.sendError(400, nil)
		return exFail
	}
	s.out = append(s.out, (*s.in)[s.inR:s.inR+bodyN]...)
	sc.SetWriteDeadline(deadline(srvTimeout))
	if _, err := sc.Write(s.out); err != nil {
		sc.Close()
		if bodyDone {
			return exRetry
		}
		s.sendError(502, be)
		return exFail
	}
	// The rest of the body streams from the client while the response is
	// read, so that a server answering early (or with 100-continue) does
	// not deadlock against a client waiting for it.
	var bodyErr chan error
	if bodyDone {
		s.inR += bodyN
	} else {
		s.inR += bodyN
		bodyErr = make(chan error, 1)
		go func() { bodyErr <- s.streamRequestBody(sc, srvTimeout, cliTimeout) }()
	}

	rbufp := s.pool.get()
	defer s.pool.put(rbufp)
	rbuf := *rbufp
	isHead := string(s.req.Method()) == "HEAD"
	var r, w int
	got := false
	for {
		// Read until a complete response head; relay interim 1xx ones.
		n, err := s.resp.Parse(rbuf[r:w], fe.maxHdr, isHead)
		if err == nil {
			if s.resp.Status >= 100 && s.resp.Status < 200 && s.resp.Status != 101 {
				s.out = s.resp.AppendHead(s.out[:0], false)
				s.cc.c.SetWriteDeadline(deadline(cliTimeout))
				if _, err := s.cc.c.Write(s.out); err != nil {
					sc.Close()
					return exFail
				}
				r += n
				continue
			}
			r += n
			break
		}
		if !errors.Is(err, http1.ErrIncomplete) {
			sc.Close()
			s.waitBody(bodyErr)
			s.sendError(502, be)
			return exFail
		}
		if r > 0 {
			w = copy(rbuf, rbuf[r:w])
			r = 0
		}
		if w == len(rbuf) {
			sc.Close()
			s.waitBody(bodyErr)
			s.sendError(502, be)
			return exFail
		}
		sc.SetReadDeadline(deadline(srvTimeout))
		m, err := sc.Read(rbuf[w:])
		w += m
		if m > 0 {
			got = true
			continue
		}
		sc.Close()
		s.waitBody(bodyErr)
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			s.sendError(504, be)
			return exFail
		case !got && bodyErr == nil:
			return exRetry
		}
		s.sendError(502, be)
		return exFail
	}

	if s.resp.Status == 101 || (isConnect(s.req.Method()) && s.resp.Status/100 == 2) {
		return s.upgrade(be, sc, rbuf[r:w])
	}

	keepServer := !s.resp.WantsClose() && be.cfg.ConnMode != config.ConnClose &&
		fe.cfg.ConnMode != config.ConnClose && s.resp.BodyKind != http1.BodyUntilClose
	closeClient := s.req.Close || fe.cfg.ConnMode == config.ConnClose ||
		be.cfg.ConnMode == config.ConnClose || s.rt.Stopping() || s.resp.BodyKind == http1.BodyUntilClose
	s.closeAfter = closeClient

	s.out = s.resp.AppendHead(s.out[:0], closeClient)
	ok := s.relayResponseBody(sc, rbuf, r, w, srvTimeout, cliTimeout)
	if err := s.waitBody(bodyErr); err != nil {
		keepServer = false
		s.closeAfter = true
	}
	if !ok {
		sc.Close()
		return exFail
	}
	if keepServer && be.cfg.ConnMode != config.ConnServerClose && fe.cfg.ConnMode != config.ConnServerClose {
		sc.SetDeadline(time.Time{})
		if be.cfg.Reuse == config.ReuseNever {
			s.srvConn, s.srvOwned = sc, srv
		} else {
			srv.Pool.Put(sc)
		}
	} else {
		sc.Close()
	}
	return exDone
}

func isConnect(m []byte) bool { return string(m) == "CONNECT" }

// keepClient says whether the client connection carries on after a response.
func (s *httpStream) keepClient() bool {
	keep := !s.closeAfter
	s.closeAfter = false
	if keep {
		s.compact()
	}
	return keep
}

func (s *httpStream) waitBody(ch chan error) error {
	if ch == nil {
		return nil
	}
	return <-ch
}

// drainOrClose is called before answering a request that will not be
// forwarded: if its body has not been read, the connection cannot continue.
func (s *httpStream) drainOrClose() {
	if s.req.BodyKind != http1.BodyNone {
		s.closeAfter = true
	}
}

// upgrade relays a 101 (or a successful CONNECT) and turns the connection
// into a tunnel under `timeout tunnel`.
func (s *httpStream) upgrade(be *Backend, sc net.Conn, rest []byte) exchangeResult {
	s.out = s.resp.AppendHead(s.out[:0], false)
	s.out = append(s.out, rest...)
	s.cc.c.SetWriteDeadline(deadline(s.fe.timeouts.Client))
	if _, err := s.cc.c.Write(s.out); err != nil {
		sc.Close()
		return exFail
	}
	if s.in != nil && s.inW > s.inR {
		sc.SetWriteDeadline(deadline(be.timeouts.Server))
		if _, err := sc.Write((*s.in)[s.inR:s.inW]); err != nil {
			sc.Close()
			return exFail
		}
		s.inR = s.inW
	}
	s.compact()
	s.cc.c.SetDeadline(time.Time{})
	sc.SetDeadline(time.Time{})
	s.cc.setPeer(sc)
	ct, st := s.fe.timeouts.Client, be.timeouts.Server
	if t := be.timeouts.Tunnel; t > 0 {
		ct, st = t, t
	}
	tunnel(s.cc.c, sc, ct, st, s.fe.timeouts.ClientFin, be.timeouts.ServerFin)
	return exFail // the tunnel consumed the connection
}

// copyChunk is the most copied between deadline refreshes of a streamed body.
const copyChunk = 256 << 10

// copyN copies exactly n bytes from src to dst (splice between TCP sockets),
// refreshing the inactivity deadlines as data moves.
func copyN(dst, src net.Conn, n int64, readTimeout, writeTimeout time.Duration) error {
	for n > 0 {
		step := min(n, copyChunk)
		src.SetReadDeadline(deadline(readTimeout))
		dst.SetWriteDeadline(deadline(writeTimeout))
		m, err := io.CopyN(dst, src, step)
		n -= m
		if err != nil {
			if m > 0 && errors.Is(err, os.ErrDeadlineExceeded) {
				continue
			}
			return err
		}
	}
	return nil
}
