package proxy

import (
	"net/netip"
	"strings"
	"sync"

	"switchyard/config"
	"switchyard/counters"
	"switchyard/hlua"
	"switchyard/http1"
	"switchyard/sample"
)

// Services answer HTTP requests themselves, as haproxy's applets: the
// stats page at a proxy's `stats uri`, and those `http-request
// use-service` names (the Prometheus exporter). They register from the
// packages that implement them; the stream reads the request's body when
// one comes, calls the service, and writes its reply.

// Service answers one call.
type Service func(c *ServiceCall)

// ServiceCall is a request to a service and the reply it builds.
type ServiceCall struct {
	Runtime *Runtime
	Method  string
	URI     string // as received
	Path    string
	Query   string // after '?', without it
	Body    []byte // the request's body (a POST form), nil when none
	Src     netip.AddrPort
	req     *http1.Request

	// The stats page: its settings, the proxy serving it, and whether
	// `stats admin` allows changes.
	Page  *config.StatsPage
	Proxy string
	Admin bool

	// The reply.
	Status      int
	ContentType string
	Headers     [][2]string // more fields, lower-case names
	Out         []byte
	// Done, when set, is called once Out is written (or given up): the
	// service may then reuse its buffer.
	Done func()
}

// Header returns the request's last field of that name ("" if none).
func (c *ServiceCall) Header(name string) string {
	v := ""
	for i := 0; i < c.req.NumHeaders(); i++ {
		if n, val := c.req.Header(i); strings.EqualFold(string(n), name) {
			v = string(val)
		}
	}
	return v
}

var serviceRegistry = struct {
	sync.RWMutex
	m map[string]Service
}{m: map[string]Service{}}

// RegisterService makes a service available: "stats" for the stats page,
// other names for use-service (which config then accepts).
func RegisterService(name string, s Service) {
	serviceRegistry.Lock()
	serviceRegistry.m[name] = s
	serviceRegistry.Unlock()
	if name != "stats" {
		config.RegisterService(name)
	}
}

func lookupService(name string) Service {
	serviceRegistry.RLock()
	defer serviceRegistry.RUnlock()
	return serviceRegistry.m[name]
}

func init() {
	compileAction(config.HTTPRequestRules, "use-service", func(r *config.HTTPRule) ruleFunc {
		u := r.Args.(*config.UseService)
		name := u.Name
		if ref, ok := u.Impl.(*hlua.ServiceRef); ok {
			return func(s *httpStream) (ruleVerdict, bool) {
				return ruleAnswered, s.serveLua(ref) // lua.go
			}
		}
		return func(s *httpStream) (ruleVerdict, bool) {
			svc := lookupService(name)
			if svc == nil {
				return ruleContinue, false // unregistered since load: cannot happen
			}
			s.logApplet(appletLogName(name), true)
			return ruleAnswered, s.serveService(svc, nil, "", false)
		}
	})
}

// statsPage answers the request when it is for px's stats page (haproxy's
// http_stats_check_uri): a GET, HEAD or POST whose path (or URI, for a
// prefix not starting with '/') starts with the page's URI. handled says
// whether it did; keep whether the connection goes on.
func (s *httpStream) statsPage(px *config.Proxy) (handled, keep bool) {
	sp := px.Stats
	if sp == nil {
		return false, false
	}
	switch s.t.req.Meth {
	case http1.MethodGET, http1.MethodHEAD, http1.MethodPOST:
	default:
		return false, false
	}
	uri := s.t.req.URI()
	if strings.HasPrefix(sp.URI, "/") {
		if p, ok := sample.PathQueryOf(uri); ok {
			uri = p
		}
	}
	if !strings.HasPrefix(string(uri), sp.URI) {
		return false, false
	}
	svc := lookupService("stats")
	if svc == nil {
		return false, false
	}
	if !sp.AuthCheck(&s.ctx) {
		return true, s.authReply(sp.Realm)
	}
	admin := false
	for _, c := range sp.Admin {
		if c.Eval(&s.ctx) {
			admin = true
			break
		}
	}
	s.logApplet("<STATS>", true)
	return true, s.serveService(svc, sp, px.Name, admin)
}

// serveService calls a service and writes its reply; it returns whether
// the client connection goes on.
func (s *httpStream) serveService(svc Service, page *config.StatsPage, proxyName string, admin bool) bool {
	r := &s.t.req
	if r.BodyKind != http1.BodyNone {
		if v, keep := s.waitBody(s.fe.cfg.Timeouts.HTTPRequest, 0); v != ruleContinue {
			return keep
		}
	}
	if s.t.be == nil {
		s.feCount(func(c *feCounters) *atomicU64 { return &c.Intercepted })
	}
	path, query := servicePathQuery(r.URI())
	c := &ServiceCall{Runtime: s.rt, Method: string(r.Method()), URI: string(r.URI()), Path: path, Query: query,
		Body: s.ctx.Body, Src: s.ctx.Src, req: r, Page: page, Proxy: proxyName, Admin: admin, Status: 200}
	svc(c)
	if c.Done != nil {
		defer c.Done()
	}
	s.t.lg.rec.Status = c.Status
	s.term('L', 'R')
	mustClose := r.Close || s.ending() || !s.bodyDone()
	out := http1.AppendReplyHead(s.t.out[:0], c.Status)
	for _, h := range c.Headers {
		out = http1.AppendReplyFieldName(out, h[0])
		out = append(append(out, h[1]...), "\r\n"...)
	}
	// A large body (a scrape of many servers) is written from where the
	// service made it, after the head, rather than copied behind it.
	inline, head := len(c.Out) <= maxInlineBody, r.Meth == http1.MethodHEAD
	out = http1.AppendReplyEnd(out, len(c.Out), c.ContentType, mustClose, r)
	// haproxy's applets answer through the stream like a server: the
	// http-response rules of the backend and the frontend see the reply.
	out, answered, keep := s.serviceResponseRules(out, mustClose)
	if answered {
		return keep
	}
	if inline && !head {
		out = append(out, c.Out...)
	}
	// haproxy's applets answer through the same channel as servers: the
	// http-after-response rules see the page too.
	out = s.afterReply(out, s.t.be, mustClose)
	s.t.out = out
	s.countHead(out)
	if !s.writeRaw(out) {
		return false
	}
	if !inline && !head && !s.writeRaw(c.Out) {
		return false
	}
	return !mustClose
}

// servicePathQuery splits the URI of a request a service answers into
// its path and query string, an absolute URI's scheme and authority left
// out (serveService, serveLua).
func servicePathQuery(uri []byte) (path, query string) {
	if p, ok := sample.PathQueryOf(uri); ok {
		uri = p
	}
	path, query, _ = strings.Cut(string(uri), "?")
	return path, query
}

// maxInlineBody is the largest service body copied behind its head.
const maxInlineBody = 64 << 10

// serviceResponseRules runs the http-response rules on a service's reply
// head and returns it as they left it; answered says a rule answered
// instead (deny, return…), keep whether the connection goes on then.
func (s *httpStream) serviceResponseRules(head []byte, mustClose bool) (out []byte, answered, keep bool) {
	be := s.t.be
	if len(s.fe.resRules) == 0 && (be == nil || len(be.resRules) == 0) {
		return head, false, false
	}
	if _, err := s.t.resp.Parse(s.keep(head), s.fe.limits, s.t.req.Meth); err != nil {
		return head, false, false
	}
	done, keep := s.runResponseRules(be)
	s.ctx.Resp = nil // the reply is written from head, not from s.t.resp
	if done {
		return nil, true, keep
	}
	s.t.lg.rec.Status = s.t.resp.Status
	out, _ = s.t.resp.AppendHead(head[:0], s.respMode(), mustClose, &s.t.req)
	return out, false, false
}

// logApplet records in the log that an applet answers, as haproxy logs
// them: the backend whose rule chose it, the applet's name in place of
// the server's, no queue nor connect time (0, not -1). A service that
// writes its head at once reaches the response timer now (headNow); a
// Lua service, when it starts its response.
func (s *httpStream) logApplet(name string, headNow bool) {
	appletSession(currentBackend(s.snap, s.fe, s.t.be))
	l := &s.t.lg
	now := l.ms()
	l.rec.Timers.Queue, l.rec.Timers.Connect = now, now
	if headNow {
		l.rec.Timers.Data = now
	}
	if l.on {
		if s.t.be != nil {
			l.rec.Backend = s.t.be.Name
		}
		l.rec.Server = name
	}
}

// appletSession marks the time of a session on the stream's backend when
// an applet (a service, the stats page) takes the stream: haproxy sets a
// backend's last session there, as it does when a server is assigned.
// A frontend's own stream backend has no row of its own: nothing to mark.
func appletSession(be *Backend) {
	if be != nil && be.state != nil {
		be.state.C.LastSess.Store(counters.UnixAt(counters.Now()))
	}
}

// appletLogName is the name haproxy logs for a use-service service.
func appletLogName(service string) string {
	if service == "prometheus-exporter" {
		return "<PROMEX>"
	}
	return "<" + service + ">"
}
