package admin

import (
	"strconv"
	"strings"

	"switchyard/config"
	"switchyard/proxy"
	"switchyard/stats"
)

// The stats page: haproxy's HTML page, CSV, typed and JSON outputs at a
// proxy's `stats uri`, and its admin form, whose actions go through the
// same operations as the CLI's at the admin level.

func init() {
	proxy.RegisterService("stats", servePage)
}

func servePage(c *proxy.ServiceCall) {
	a := New(c.Runtime)
	sp := c.Page
	suffix := c.URI
	if i := strings.Index(suffix, sp.URI); i >= 0 {
		suffix = suffix[i+len(sp.URI):]
	}
	o := stats.ParseURIOptions(suffix)
	c.Headers = append(c.Headers, [2]string{"cache-control", "no-cache"})
	if c.Method == "POST" {
		st := stats.StatusDeny
		if c.Admin {
			st = a.applyPost(c.Body)
		}
		c.Status = 303
		c.Headers = append(c.Headers, [2]string{"location", stats.RedirectLocation(sp.URI, st, o, sp.Refresh > 0)})
		return
	}
	f := AllStats
	f.Legends = sp.ShowLegends
	for _, name := range sp.Scope {
		if name == "." {
			name = c.Proxy
		}
		f.Scope = append(f.Scope, name)
	}
	rows := a.Stats(f)
	switch o.Format {
	case stats.FormatCSV:
		c.ContentType = "text/plain"
		c.Out = stats.AppendCSV(nil, stats.FilterRows(rows, o))
	case stats.FormatTyped:
		c.ContentType = "text/plain"
		c.Out = stats.AppendTyped(nil, stats.FilterRows(rows, o))
	case stats.FormatJSON:
		c.ContentType = "application/json"
		c.Out = stats.AppendJSON(nil, stats.FilterRows(rows, o))
	case stats.FormatJSONSchema:
		c.ContentType = "application/json"
		c.Out = stats.AppendJSONSchema(nil)
	default:
		info := a.Info()
		refresh := int(sp.Refresh.Seconds())
		p := &stats.Page{Info: &info, Rows: rows, URI: sp.URI, Refresh: refresh,
			HideVersion: sp.HideVersion, ShowLegends: sp.ShowLegends, ShowNode: sp.ShowNode, Node: sp.Node,
			ShowDesc: sp.ShowDesc, Desc: sp.Desc, Admin: c.Admin, ProxyDesc: a.proxyDescriptions()}
		p.SetOptions(o)
		if refresh > 0 && !o.NoRefresh {
			c.Headers = append(c.Headers, [2]string{"refresh", strconv.Itoa(refresh)})
		}
		c.ContentType = "text/html"
		c.Out = stats.AppendHTML(nil, p)
	}
}

func (a *Surface) proxyDescriptions() map[string]string {
	m := map[string]string{}
	for _, px := range a.rt.Snapshot().Proxies() {
		if px.Description != "" {
			m[px.Name] = px.Description
		}
	}
	return m
}

// applyPost runs the admin form's action on the servers it names, at the
// admin level, and says how it went (the page's ;st=).
func (a *Surface) applyPost(body []byte) stats.Status {
	if len(body) > stats.MaxAdminPostBody {
		return stats.StatusExcd
	}
	post, err := stats.ParseAdminPost(body)
	if err != nil {
		return stats.StatusErrp
	}
	be := a.postBackend(&post)
	if be == nil {
		return stats.StatusErrp
	}
	return post.Apply(func(srv string) (found, applied bool) {
		for _, s := range be.Servers() {
			if s.Name == srv {
				return true, a.postAction(be.Config().Name, srv, post.Action) == nil
			}
		}
		return false, false
	})
}

// postBackend resolves the form's backend, by name or "#id".
func (a *Surface) postBackend(post *stats.AdminPost) *proxy.Backend {
	snap := a.rt.Snapshot()
	if !post.HasBackend || post.Backend == "" {
		return nil
	}
	if id, ok := post.BackendID(); ok {
		for _, px := range snap.Proxies() {
			if px.ID == id && px.Cap&config.CapBE != 0 {
				return snap.Backend(px.Name)
			}
		}
		return nil
	}
	return snap.Backend(post.Backend)
}

// postAction maps a form action to the surface's operation.
func (a *Surface) postAction(be, srv, action string) error {
	switch action {
	case "ready", "drain", "maint":
		return a.SetServerState(Admin, be, srv, action)
	case "disable":
		return a.DisableServer(Admin, be, srv)
	case "enable":
		return a.EnableServer(Admin, be, srv)
	case "stop":
		return a.SetServerState(Admin, be, srv, "drain")
	case "start":
		return a.SetServerState(Admin, be, srv, "ready")
	case "dhlth":
		return a.DisableHealth(Admin, be, srv)
	case "ehlth":
		return a.EnableHealth(Admin, be, srv)
	case "dagent":
		return a.DisableAgent(Admin, be, srv)
	case "eagent":
		return a.EnableAgent(Admin, be, srv)
	case "hrunn":
		return a.SetServerHealth(Admin, be, srv, "up")
	case "hnolb":
		return a.SetServerHealth(Admin, be, srv, "stopping")
	case "hdown":
		return a.SetServerHealth(Admin, be, srv, "down")
	case "arunn":
		return a.SetServerAgent(Admin, be, srv, "up")
	case "adown":
		return a.SetServerAgent(Admin, be, srv, "down")
	case "shutdown":
		return a.ShutdownServerSessions(Admin, be, srv)
	}
	return errUnknownAction
}
