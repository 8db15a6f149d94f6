package config

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"switchyard/sample"
	"switchyard/ssl"
)

// The checks of this file find no syntax error: they find configurations
// that load but do something else than what their author meant (seed 002:
// "validation catches syntax, not logic errors"). Each is a warning at the
// line at fault, so `-c` reports it, and `zero-warning` or `-dW` make it
// fatal. Where haproxy 2.6 warns about the same thing, the message is
// haproxy's; docs/configuration.md ("What `-c` checks") lists them all.

// lintProxy runs the checks that concern one proxy; validate calls it for
// each in declaration order, so that the warnings come in line order.
func (p *parser) lintProxy(px *Proxy) {
	p.warnUnreachableRules(px)
	p.warnMissingTimeouts(px)
	if px.Cap&CapFE != 0 {
		p.warnCertificates(px)
	}
	if px.Cap&CapBE != 0 {
		p.warnSameServerAddress(px)
		p.warnQueueOutlivesServer(px)
		p.warnDeniedHealthChecks(px)
	}
}

// lintConfig runs the checks that need every proxy; validate calls it
// after the proxies' own.
func (p *parser) lintConfig() {
	p.warnUnusedBackends()
	p.warnFrontendsMaxConn()
}

// warnUnreachableRules warns about a rule that follows an unconditional
// one whose action always ends the evaluation of its set (the registry
// says which do): it can never take effect. For http-request,
// http-response and http-after-response this is haproxy's warning, given
// as haproxy gives it: at each rule whose previous one is final and
// unconditional. switchyard says the same of the tcp rule sets, and of a
// use_backend after an unconditional one.
func (p *parser) warnUnreachableRules(px *Proxy) {
	for i, ub := range px.UseBackends {
		if ub.Cond == nil && i+1 < len(px.UseBackends) {
			n := px.UseBackends[i+1]
			p.file, p.line = n.Pos.File, n.Pos.Line
			p.warnf("'use_backend %s' will never match because the unconditional 'use_backend %s' at line %d always matches first", n.Backend, ub.Backend, ub.Pos.Line)
			break
		}
	}
	sets := [][]*HTTPRule{px.HTTPRequest, px.HTTPResponse, px.HTTPAfterResponse,
		px.TCP.Connection, px.TCP.Session, px.TCP.Content, px.TCP.Response}
	for _, rules := range sets {
		for i := 1; i < len(rules); i++ {
			prev, r := rules[i-1], rules[i]
			if prev.Cond != nil || prev.Def == nil || !prev.Def.Final || p.linted(r.Pos) {
				continue
			}
			if prev.Pos.File != px.Pos.File || prev.Pos.Line < px.Pos.Line {
				// The previous rule is a defaults section's: haproxy
				// keeps those apart and does not warn.
				continue
			}
			p.file, p.line = r.Pos.File, r.Pos.Line
			p.warnf("previous '%s' action is final and has no condition attached, further entries are NOOP.", r.Set.Keyword())
		}
	}
}

// linted says whether a line was already warned about: the rules a
// defaults section gives (tcp-request…) are in every proxy that uses it,
// and are reported once.
func (p *parser) linted(pos Pos) bool {
	if p.lintedLines == nil {
		p.lintedLines = map[Pos]bool{}
	}
	seen := p.lintedLines[pos]
	p.lintedLines[pos] = true
	return seen
}

// warnMissingTimeouts is haproxy's warning, under haproxy's condition: a
// frontend side without `timeout client`, or a backend side with servers
// but without `timeout connect` or `timeout server` (in tcp mode,
// `timeout tunnel` stands for the latter).
func (p *parser) warnMissingTimeouts(px *Proxy) {
	t := px.Timeouts
	fe := px.Cap&CapFE != 0 && t.Client == 0
	be := px.Cap&CapBE != 0 && len(px.Servers) > 0 &&
		(t.Connect == 0 || t.Server == 0 && (px.Mode == ModeHTTP || t.Tunnel == 0))
	if fe || be {
		p.file, p.line = px.Pos.File, px.Pos.Line
		p.warnf("missing timeouts for %s '%s'. While not properly invalid, you will certainly encounter various problems with such a configuration. To fix this, please ensure that all following timeouts are set to a non-zero value: 'client', 'connect', 'server'.",
			px.Cap.Kind(), px.Name)
	}
}

// warnSameServerAddress warns about two servers of a backend that connect
// to the same address and port, as written (names are not resolved: two
// names of one address are not caught): that server gets two shares of
// the traffic and two sets of health checks, and its limits count twice.
func (p *parser) warnSameServerAddress(px *Proxy) {
	first := map[string]*Server{}
	for _, s := range px.Servers {
		host := strings.ToLower(s.Host)
		if a, err := netip.ParseAddr(s.Host); err == nil {
			host = a.Unmap().String()
		}
		key := host + ":" + strconv.Itoa(s.Port)
		if o := first[key]; o != nil {
			p.file, p.line = s.Pos.File, s.Pos.Line
			p.warnf("server '%s/%s' has the same address as server '%s' at line %d (%s): that server gets a double share of the traffic and of the health checks",
				px.Name, s.Name, o.Name, o.Pos.Line, displayHostPort(s))
			continue
		}
		first[key] = s
	}
}

func displayHostPort(s *Server) string {
	if s.Port == 0 {
		return s.Host
	}
	return s.Host + ":" + strconv.Itoa(s.Port)
}

// warnQueueOutlivesServer warns about a backend whose requests may wait in
// the queue longer than a server may take to answer one: `timeout queue`
// (haproxy's default: `timeout connect`) above `timeout server`. Only a
// backend where a queue can form (a server with a maxconn) is concerned.
func (p *parser) warnQueueOutlivesServer(px *Proxy) {
	queues := false
	for _, s := range px.Servers {
		queues = queues || s.MaxConn > 0
	}
	t := px.Timeouts
	queue, from := t.Queue, ""
	if queue == 0 {
		queue, from = t.Connect, ", from 'timeout connect'"
	}
	if !queues || t.Server == 0 || queue <= t.Server {
		return
	}
	p.file, p.line = px.Pos.File, px.Pos.Line
	p.warnf("%s '%s': 'timeout queue' (%s%s) is longer than 'timeout server' (%s): a request may wait longer for a free server than a server may take to answer it; lower 'timeout queue' or raise 'timeout server'",
		px.Cap.Kind(), px.Name, fmtDuration(queue), from, fmtDuration(t.Server))
}

// fmtDuration writes a duration as a configuration would: 5s, 250ms.
func fmtDuration(d time.Duration) string {
	switch {
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	case d%time.Millisecond == 0:
		return strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms"
	}
	return d.String()
}

// warnUnusedBackends warns about a backend that nothing sends traffic to:
// no frontend's use_backend or default_backend names it. A backend that a
// server tracks, or that a sample fetch reads (nbsrv(b), be_conn(b)…), is
// used for its state and is not reported; neither is a listen, which is
// its own backend.
func (p *parser) warnUnusedBackends() {
	used := map[string]bool{}
	for _, px := range p.cfg.Proxies {
		if px.Cap&CapFE != 0 {
			used[px.DefaultBackend] = true
			for _, ub := range px.UseBackends {
				used[ub.Backend] = true
			}
		}
		for _, s := range px.Servers {
			if be, _, ok := s.TrackTarget(px); ok {
				used[be] = true
			}
		}
	}
	for _, px := range p.cfg.Proxies {
		if px.Cap != CapBE || used[px.Name] || p.backendsRead[px.Name] {
			continue
		}
		p.file, p.line = px.Pos.File, px.Pos.Line
		p.warnf("backend '%s' is never used: no 'use_backend' or 'default_backend' rule names it", px.Name)
	}
}

// noteBackendRead records that a sample fetch names a backend (lookups
// during parsing go through it).
func (p *parser) noteBackendRead(name string) {
	if p.backendsRead == nil {
		p.backendsRead = map[string]bool{}
	}
	p.backendsRead[name] = true
}

// warnFrontendsMaxConn warns when the frontends' own maxconn add up to
// more than the global maxconn: the process limit is then reached first,
// and at that point every frontend stops accepting, whatever its own
// limit, so the per-frontend limits do not share the capacity as written.
// A frontend without maxconn, or an unset global maxconn (derived from the
// descriptor limit at start), is left out: only what the files say counts.
func (p *parser) warnFrontendsMaxConn() {
	limit := p.cfg.Global.MaxConn
	if limit == 0 {
		return
	}
	sum := 0
	for _, px := range p.cfg.Proxies {
		if px.Cap&CapFE == 0 || px.MaxConn == 0 {
			continue
		}
		sum += px.MaxConn
		if sum > limit {
			p.file, p.line = px.Pos.File, px.Pos.Line
			p.warnf("with %s '%s', the frontends' maxconn add up to %d, above the global maxconn %d: the process limit is reached first, and then every frontend stops accepting connections whatever its own maxconn",
				px.Cap.Kind(), px.Name, sum, limit)
			return
		}
	}
}

// warnDeniedHealthChecks warns when a backend's HTTP health check asks for
// a path that the backend's own http-request rules deny to clients: the
// check then tests what no client can reach (a check goes to the server
// directly, not through these rules). It warns only when the answer is
// certain: the rules before the deny read nothing but the method and the
// path, and change neither.
func (p *parser) warnDeniedHealthChecks(px *Proxy) {
	checked := false
	for _, s := range px.Servers {
		checked = checked || s.Check
	}
	if !checked || px.Check == nil || px.Mode != ModeHTTP || len(px.HTTPRequest) == 0 {
		return
	}
	rs, err := px.Check.Build(true)
	if err != nil {
		return // validateChecks reports it
	}
	for _, req := range rs.HTTPRequests() {
		r := deniedBy(px.HTTPRequest, &checkRequest{method: req.Method, uri: req.URI, version: req.Version})
		if r == nil {
			continue
		}
		p.file, p.line = r.Pos.File, r.Pos.Line
		p.warnf("the health checks of %s '%s' request '%s %s', which this 'http-request %s' rule denies to clients: the checks test a path that clients cannot reach",
			px.Cap.Kind(), px.Name, req.Method, req.URI, r.Def.Name)
		return
	}
}

// refusing are the actions that refuse a request.
var refusing = map[string]bool{"deny": true, "tarpit": true, "reject": true}

// passing are the non-final actions that leave the method and the path
// as they are: a rule with one of them can be stepped over.
var passing = map[string]bool{"set-header": true, "add-header": true, "del-header": true,
	"replace-header": true, "replace-value": true, "set-var": true, "set-var-fmt": true,
	"unset-var": true, "set-log-level": true, "set-timeout": true, "capture": true,
	"early-hint": true, "wait-for-body": true}

// deniedBy runs the rules on a request as far as their outcome is certain,
// and returns the rule that refuses it, or nil (allowed, or unknown).
func deniedBy(rules []*HTTPRule, req *checkRequest) *HTTPRule {
	ctx := &sample.Ctx{Req: req}
	for _, r := range rules {
		if r.Def == nil {
			return nil
		}
		if r.Cond != nil {
			if !r.Cond.ReadsOnly("path", "method") {
				return nil // depends on what the check does not fix
			}
			ctx.Reset()
			ctx.Req = req
			if !r.Cond.Eval(ctx) {
				continue
			}
		}
		switch {
		case refusing[r.Def.Name]:
			return r
		case r.Def.Final || !passing[r.Def.Name]:
			return nil
		}
	}
	return nil
}

// checkRequest is a health check's request as the sample fetches see it.
type checkRequest struct{ method, uri, version string }

func (c *checkRequest) Method() []byte                  { return []byte(c.method) }
func (c *checkRequest) URI() []byte                     { return []byte(c.uri) }
func (c *checkRequest) Version() []byte                 { return []byte(c.version) }
func (c *checkRequest) NumHeaders() int                 { return 0 }
func (c *checkRequest) Header(int) (name, value []byte) { return nil, nil }

// certExpiryCheck is how close to its expiry a certificate `-c` warns
// about; the running process warns earlier, in its log (proxy).
const certExpiryCheck = 7 * 24 * time.Hour

// warnCertificates gives certWarnings's warnings about px's certificates,
// the dated ones only for `-c` (a running process logs those as the
// dates come). A crt-list line that several binds load is reported once.
func (p *parser) warnCertificates(px *Proxy) {
	for _, m := range certWarnings(px, time.Now(), p.opt.Check) {
		if p.lintedCerts == nil {
			p.lintedCerts = map[Message]bool{}
		}
		if !p.lintedCerts[m] {
			p.lintedCerts[m] = true
			p.res.Messages = append(p.res.Messages, m)
		}
	}
}

// certWarnings returns the warnings about the certificates px's TLS binds
// serve, at the bind line for a `crt`, at the crt-list line for the
// others: a crt-list line's SNI filter that names a host the certificate
// is not valid for (ssl.Cert.Uncovered), and, with dated, a certificate
// that has expired at now or expires within certExpiryCheck. haproxy
// serves an expired certificate without a word, and so does switchyard;
// these are warnings only. It reads nothing but its arguments.
func certWarnings(px *Proxy, now time.Time, dated bool) []Message {
	var out []Message
	for _, b := range px.Binds {
		if !b.SSL || b.TLSServer == nil {
			continue // not served: validateBindTLS said why
		}
		for _, e := range b.TLS.Entries {
			at := Message{File: b.Pos.File, Line: b.Pos.Line, Level: LevelWarning}
			if e.List != "" {
				at.File, at.Line = e.List, e.Line
			}
			c := e.Cert
			for _, f := range c.Uncovered(e.Filters) {
				m := at
				m.Msg = fmt.Sprintf("SNI filter '%s' names a host that certificate '%s' is not valid for (%s): clients that check the name refuse it",
					f, c.Path, certNamesText(c))
				out = append(out, m)
			}
			if !dated {
				continue
			}
			left := c.NotAfter().Sub(now)
			m := at
			m.Dated = true
			switch {
			case c.IsStandIn(): // kw_sslfuse.go
				m.Msg = fmt.Sprintf("certificate '%s' does not exist yet: a self-signed stand-in serves until ACME obtains it", c.Path)
			case c.Expired(now):
				m.Msg = fmt.Sprintf("certificate '%s' (serial %s) has expired: not after %s, %s ago; it is served anyway, as haproxy does, and clients refuse it",
					c.Path, c.Serial(), fmtNotAfter(c), fmtLeft(-left))
			case left <= certExpiryCheck:
				m.Msg = fmt.Sprintf("certificate '%s' (serial %s) expires in %s (not after %s)",
					c.Path, c.Serial(), fmtLeft(left), fmtNotAfter(c))
			default:
				continue
			}
			out = append(out, m)
		}
	}
	return out
}

// certNamesText lists the names a certificate is valid for.
func certNamesText(c *ssl.Cert) string {
	names := c.AltNames()
	if len(names) == 0 {
		return "it has no subjectAltName"
	}
	return "its names: " + strings.Join(names, ", ")
}

// fmtNotAfter writes the expiry as OpenSSL does (openssl x509 -enddate,
// haproxy's `show ssl cert`).
func fmtNotAfter(c *ssl.Cert) string { return c.NotAfter().UTC().Format("Jan _2 15:04:05 2006 GMT") }

// fmtLeft writes a positive duration in whole days, or hours under two
// days.
func fmtLeft(d time.Duration) string {
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return strconv.Itoa(n) + " " + unit + "s"
	}
	switch {
	case d >= 48*time.Hour:
		return plural(int(d/(24*time.Hour)), "day")
	case d >= time.Hour:
		return plural(int(d/time.Hour), "hour")
	}
	return "less than an hour"
}
