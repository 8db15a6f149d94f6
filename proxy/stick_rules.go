package proxy

import (
	"net/netip"
	"strconv"

	"switchyard/backend"
	"switchyard/config"
	"switchyard/sample"
	"switchyard/stick"
)

// Persistence by stick table (stick on, stick match, stick store-request,
// stick store-response), as haproxy's process_sticking_rules and
// process_store_rules do it: once use-server and the cookie have had
// their say, the first match rule whose key is in its table sends the
// request to the server stored there (if up, or persistence is forced);
// store rules note a key per table, and once the server's response comes
// the server that answered is stored under each.

// maxStickStores is how many entries one stream may store (haproxy's
// s->store array): later store rules are ignored.
const maxStickStores = 8

type stickRule struct {
	match, store bool
	expr         *sample.Expr
	cond         *sample.Cond
	table        *stick.Table
}

// stickRules are a backend's compiled stick lines, with its servers by
// the id that tables store.
type stickRules struct {
	req, res []stickRule
	byID     map[int]*backend.Server
	nonStick map[*backend.Server]bool
}

// compileStick resolves a backend's stick rules to the snapshot's tables.
func compileStick(px *config.Proxy, tables map[string]*stick.Table, servers []*backend.Server) *stickRules {
	rules := config.Stick(px)
	if rules == nil {
		return nil
	}
	sr := &stickRules{byID: map[int]*backend.Server{}, nonStick: map[*backend.Server]bool{}}
	nonStick := map[string]bool{}
	for _, sc := range px.Servers {
		nonStick[sc.Name] = config.NonStick(sc)
	}
	for _, s := range servers {
		if !s.Implicit() {
			sr.byID[s.Settings().ID] = s
			sr.nonStick[s] = nonStick[s.Name]
		}
	}
	compile := func(list []*config.StickRule) []stickRule {
		out := make([]stickRule, 0, len(list))
		for _, r := range list {
			// Config checked that every table exists.
			out = append(out, stickRule{match: r.Match, store: r.Store, expr: r.Expr, cond: r.Cond, table: tables[r.TableName(px)]})
		}
		return out
	}
	sr.req, sr.res = compile(rules.Request), compile(rules.Response)
	return sr
}

// stickPending are the keys a stream will store the server under once it
// answers. It lives in the pooled transaction: its key buffers are reused.
type stickPending struct {
	n    int // entries in use
	nreq int // of which the request rules noted
	st   [maxStickStores]struct {
		t   *stick.Table
		key []byte
	}
	scratch []byte
}

func (p *stickPending) has(t *stick.Table, from int) bool {
	for i := from; i < p.n; i++ {
		if p.st[i].t == t {
			return true
		}
	}
	return false
}

func (p *stickPending) add(t *stick.Table, key []byte) {
	if p.n >= maxStickStores {
		return
	}
	p.st[p.n].t = t
	p.st[p.n].key = append(p.st[p.n].key[:0], key...)
	p.n++
}

// match runs the request's stick rules: it returns the server the first
// matching entry names, unless assigned already chose one, and notes the
// keys to store. keepDown (option persist, force-persist) lets a stored
// server that is down be used.
func (sr *stickRules) match(ctx *sample.Ctx, byName map[string]*backend.Server, servers []*backend.Server,
	assigned *backend.Server, keepDown bool, p *stickPending) *backend.Server {
	p.n, p.nreq = 0, 0
	srv := assigned
	for i := range sr.req {
		r := &sr.req[i]
		// Only the first store rule of each table counts: the later ones
		// are fallbacks for when its key is missing.
		if r.store && p.has(r.table, 0) {
			continue
		}
		if r.cond != nil && !r.cond.Eval(ctx) {
			continue
		}
		v, ok := r.expr.Eval(ctx)
		if !ok {
			continue
		}
		key, ok := r.table.KeyOf(ctx, v, p.scratch[:0])
		p.scratch = key[:0]
		if !ok {
			continue
		}
		if r.match {
			if e := r.table.Lookup(key); e != nil {
				if srv == nil {
					srv = sr.target(e, byName, servers, keepDown)
				}
				e.Touch()
			}
		}
		if r.store {
			p.add(r.table, key)
		}
	}
	p.nreq = p.n
	return srv
}

// target is the server an entry names, if the request may go to it: by
// its server_key first (a name or an address, as the table says), then
// by its server_id.
func (sr *stickRules) target(e *stick.Entry, byName map[string]*backend.Server, servers []*backend.Server, keepDown bool) *backend.Server {
	var srv *backend.Server
	if k := e.ServerKey(); k != "" {
		t := e.Table()
		if t.Spec().SrvKey == stick.SrvKeyAddr {
			var buf [64]byte
			for _, s := range servers {
				if b, ok := serverAddrKey(s, buf[:0]); ok && string(b) == k {
					srv = s
					break
				}
			}
		} else {
			srv = byName[k]
		}
	}
	if srv == nil {
		id, ok := e.Read(stick.DTServerID, 0)
		if !ok {
			return nil
		}
		if srv = sr.byID[int(id)]; srv == nil {
			return nil
		}
	}
	if srv.Implicit() || !srv.Up() && !keepDown {
		return nil
	}
	return srv
}

// response runs the store-response rules (the response is in ctx) and
// stores srv under every key noted.
func (sr *stickRules) response(ctx *sample.Ctx, p *stickPending, srv *backend.Server) {
	for i := range sr.res {
		r := &sr.res[i]
		// One store-response per table, besides the store-request one.
		if p.has(r.table, p.nreq) {
			continue
		}
		if r.cond != nil && !r.cond.Eval(ctx) {
			continue
		}
		v, ok := r.expr.Eval(ctx)
		if !ok {
			continue
		}
		key, ok := r.table.KeyOf(ctx, v, p.scratch[:0])
		p.scratch = key[:0]
		if ok {
			p.add(r.table, key)
		}
	}
	sr.commit(p, srv)
}

// commit stores srv under the noted keys, and forgets them.
func (sr *stickRules) commit(p *stickPending, srv *backend.Server) {
	n := p.n
	p.n, p.nreq = 0, 0
	if srv == nil || srv.Implicit() || sr.nonStick[srv] {
		return
	}
	id := int32(srv.Settings().ID)
	var buf [64]byte
	for i := 0; i < n; i++ {
		t := p.st[i].t
		e := t.Peek(p.st[i].key)
		if e == nil {
			continue // full, and nothing could be purged
		}
		var key string
		if t.Spec().SrvKey == stick.SrvKeyAddr {
			if b, ok := serverAddrKey(srv, buf[:0]); ok {
				key = string(b)
			}
		} else {
			key = srv.Name
		}
		e.SetServer(id, key)
		e.Touch()
	}
}

// serverAddrKey is a server's address as srvkey addr stores it: haproxy's
// "ip:port" without brackets; a server without port (it takes the
// client's) is "ip:+0", as haproxy prints a port offset.
func serverAddrKey(s *backend.Server, dst []byte) ([]byte, bool) {
	set := s.Settings()
	if set.Transparent {
		return dst, false
	}
	ap, err := netip.ParseAddrPort(set.Addr)
	if err != nil {
		return dst, false
	}
	dst = ap.Addr().Unmap().AppendTo(dst)
	dst = append(dst, ':')
	if set.MapPorts {
		dst = append(dst, '+')
	}
	return strconv.AppendInt(dst, int64(ap.Port()), 10), true
}

// stickMatch runs the backend's request stick rules after use-server and
// the cookie chose srv (or nil).
func (s *httpStream) stickMatch(be *Backend, srv *backend.Server, keepDown bool) *backend.Server {
	if be.stick == nil {
		return srv
	}
	return be.stick.match(&s.ctx, be.byName, be.servers, srv, keepDown, &s.t.stk)
}

// stickResponse runs the store-response rules on the server's response
// head and stores the server that answered.
func (s *httpStream) stickResponse(be *Backend, srv *backend.Server) {
	if be.stick == nil {
		return
	}
	req := s.ctx.Req
	s.ctx.Req, s.ctx.ReqInfo, s.ctx.Resp, s.ctx.OnResponse = nil, req, &s.t.resp, true
	be.stick.response(&s.ctx, &s.t.stk, srv)
	s.ctx.Req, s.ctx.ReqInfo, s.ctx.OnResponse = req, nil, false
}

// tcpStickMatch runs a TCP stream's request stick rules; it returns the
// server they choose and whether force-persist holds the stream to it.
func tcpStickMatch(be *Backend, ctx *sample.Ctx, p *stickPending) (*backend.Server, bool) {
	if be.stick == nil {
		return nil, false
	}
	forced := false
	for _, r := range be.cfg.PersistRules {
		if r.Cond.Eval(ctx) {
			forced = r.Force
			break
		}
	}
	return be.stick.match(ctx, be.byName, be.servers, nil, be.cfg.Persist || forced, p), forced
}

// tcpStickStore stores the server a TCP stream connected to. haproxy runs
// its store rules as the connection is established, before any response
// byte: store-response keys that read the response find nothing.
func tcpStickStore(be *Backend, ctx *sample.Ctx, p *stickPending, srv *backend.Server) {
	if be.stick == nil {
		return
	}
	ctx.OnResponse = true
	be.stick.response(ctx, p, srv)
	ctx.OnResponse = false
}
