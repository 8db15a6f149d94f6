package proxy

import (
	"switchyard/sample"
)

// The fetches that read the stream rather than the messages: which
// frontend, backend and server, which listener, whether the request is
// the connection's first, its unique id, its captures. They find the
// stream through sample.Ctx.Owner.

func init() {
	src := map[string]sample.Source{"be_name": sample.SrcBackend, "be_id": sample.SrcBackend,
		"srv_name": sample.SrcServer, "srv_id": sample.SrcServer}
	srcOf := func(name string) sample.Source {
		if s, ok := src[name]; ok {
			return s
		}
		return sample.SrcL4
	}
	str := func(name string, get func(dst []byte, s *httpStream) ([]byte, bool)) {
		sample.RegisterFetch(sample.FetchDef{Name: name, Out: sample.TypeStr, Src: srcOf(name),
			Compile: func(*sample.Env, []sample.Arg) (sample.FetchFunc, error) {
				return func(c *sample.Ctx) (sample.Value, bool) {
					s, ok := c.Owner.(*httpStream)
					if !ok {
						return sample.Value{}, false
					}
					mark := len(c.Scratch)
					var ok2 bool
					if c.Scratch, ok2 = get(c.Scratch, s); !ok2 {
						c.Scratch = c.Scratch[:mark]
						return sample.Value{}, false
					}
					return sample.Str(c.Scratch[mark:]), true
				}, nil
			}})
	}
	num := func(name string, get func(s *httpStream) (int64, bool)) {
		sample.RegisterFetch(sample.FetchDef{Name: name, Out: sample.TypeInt, Src: srcOf(name),
			Compile: func(*sample.Env, []sample.Arg) (sample.FetchFunc, error) {
				return func(c *sample.Ctx) (sample.Value, bool) {
					s, ok := c.Owner.(*httpStream)
					if !ok {
						return sample.Value{}, false
					}
					v, ok := get(s)
					return sample.Int(v), ok
				}, nil
			}})
	}
	str("fe_name", func(dst []byte, s *httpStream) ([]byte, bool) { return append(dst, s.fe.Name...), true })
	num("fe_id", func(s *httpStream) (int64, bool) { return int64(s.fe.cfg.ID), true })
	// Before routing, the backend is the frontend itself, as in haproxy.
	str("be_name", func(dst []byte, s *httpStream) ([]byte, bool) {
		if be := s.backendOf(); be != nil {
			return append(dst, be.Name...), true
		}
		return append(dst, s.fe.Name...), true
	})
	num("be_id", func(s *httpStream) (int64, bool) {
		if be := s.backendOf(); be != nil {
			return int64(be.cfg.ID), true
		}
		return int64(s.fe.cfg.ID), true
	})
	// A backend's implicit server (dispatch, transparent) is no server:
	// haproxy finds none there.
	str("srv_name", func(dst []byte, s *httpStream) ([]byte, bool) {
		if s.t == nil || s.t.lg.srv == nil || s.t.lg.srv.Implicit() {
			return dst, false
		}
		return append(dst, s.t.lg.srv.Name...), true
	})
	num("srv_id", func(s *httpStream) (int64, bool) {
		if s.t == nil || s.t.lg.srv == nil || s.t.lg.srv.Implicit() {
			return 0, false
		}
		return int64(s.t.lg.srv.Settings().ID), true
	})
	str("so_name", func(dst []byte, s *httpStream) ([]byte, bool) {
		for _, b := range s.fe.cfg.Binds {
			if b.Key() == s.bindKey {
				return append(dst, b.Name...), true
			}
		}
		return dst, true
	})
	sample.RegisterFetch(sample.FetchDef{Name: "http_first_req", Out: sample.TypeBool, Src: sample.SrcL4,
		Compile: func(*sample.Env, []sample.Arg) (sample.FetchFunc, error) {
			return func(c *sample.Ctx) (sample.Value, bool) {
				s, ok := c.Owner.(*httpStream)
				return sample.Bool(ok && s.first), ok
			}, nil
		}})
	str("unique-id", func(dst []byte, s *httpStream) ([]byte, bool) {
		if s.t == nil || s.fe.log == nil || s.fe.log.uid == nil {
			return dst, false
		}
		return append(dst, s.uniqueID()...), true
	})
	captured := func(name string, response bool) {
		sample.RegisterFetch(sample.FetchDef{Name: name, Args: []sample.ArgType{sample.ArgInt}, MinArgs: 0,
			Out: sample.TypeStr, Src: sample.SrcL4,
			Compile: func(_ *sample.Env, args []sample.Arg) (sample.FetchFunc, error) {
				idx := int(args[0].Int)
				return func(c *sample.Ctx) (sample.Value, bool) {
					if !response {
						cp, ok := c.Owner.(capturer)
						if !ok {
							return sample.Value{}, false
						}
						v, ok := cp.capturedRequest(idx)
						return sample.Str(v), ok
					}
					s, ok := c.Owner.(*httpStream)
					if !ok || s.t == nil {
						return sample.Value{}, false
					}
					slots := s.t.lg.resCaps
					if idx < 0 || idx >= len(slots) || slots[idx] == nil {
						return sample.Value{}, false
					}
					return sample.Str(slots[idx]), true
				}, nil
			}})
	}
	captured("capture.req.hdr", false)
	captured("capture.res.hdr", true)
	reqLine := func(name string, part func(s *httpStream) []byte) {
		str(name, func(dst []byte, s *httpStream) ([]byte, bool) {
			if s.t == nil || s.ctx.Req == nil && s.ctx.ReqInfo == nil {
				return dst, false
			}
			return append(dst, part(s)...), true
		})
	}
	reqLine("capture.req.method", func(s *httpStream) []byte { return s.requestLine().Method() })
	reqLine("capture.req.uri", func(s *httpStream) []byte { return s.requestLine().URI() })
	reqLine("capture.req.ver", func(s *httpStream) []byte { return s.requestLine().Version() })
	str("capture.res.ver", func(dst []byte, s *httpStream) ([]byte, bool) {
		if s.t == nil || s.t.lg.srv == nil || s.t.resp.Status == 0 {
			return dst, false
		}
		return append(dst, s.t.resp.Version()...), true
	})
}

// backendOf is the backend the request was routed to, nil before.
func (s *httpStream) backendOf() *Backend {
	if s.t == nil {
		return nil
	}
	if s.t.lg.be != nil {
		return s.t.lg.be
	}
	return s.t.be
}

// requestLine is the request line as received: the copy the log keeps,
// or the parsed head while it is still in the buffer.
func (s *httpStream) requestLine() sample.Request {
	if s.t.lg.saved.valid() {
		return &s.t.lg.saved
	}
	return &s.t.req
}
