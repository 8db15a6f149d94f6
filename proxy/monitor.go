package proxy

import (
	"switchyard/counters"
	"switchyard/sample"
)

// isMonitorRequest says whether the request asks for monitor-uri: the
// request's URI equals it, or, for a monitor-uri starting with '/', the
// URI's path and query do (so that an absolute URI, as HTTP/2 clients
// send, matches too), as haproxy compares them.
func (s *httpStream) isMonitorRequest() bool {
	mon := s.fe.cfg.MonitorURI
	uri := s.t.req.URI()
	if string(uri) == mon {
		return true
	}
	if mon[0] != '/' {
		return false
	}
	p, ok := sample.PathQueryOf(uri)
	return ok && string(p) == mon
}

// monitorReply answers a monitor request: 503 when a `monitor fail`
// condition holds, 200 otherwise, with the frontend's error pages for
// those statuses; the request goes nowhere else and is not logged.
func (s *httpStream) monitorReply() bool {
	s.t.lg.on = false
	s.feCount(func(c *counters.FE) *atomicU64 { return &c.Intercepted })
	status := 200
	for _, c := range s.fe.cfg.MonitorFail {
		if c.Eval(&s.ctx) {
			status = 503
			break
		}
	}
	return s.reply(status, nil)
}
