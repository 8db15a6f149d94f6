package config

import (
	"errors"
	"fmt"
)

// ParseDynamicServer reads the server of the runtime API's `add server
// B/NAME ADDR [options]` as a `server` line of the backend px would read it
// (its default-server applies), for a server created at runtime. What the
// line names elsewhere (track) is resolved against the running program by
// ResolveDynamicTrack.
// g is the running configuration's global section (its TLS defaults
// apply to the server's `ssl`).
func ParseDynamicServer(g *Global, px *Proxy, name string, args []string) (*Server, error) {
	if len(args) == 0 {
		return nil, errors.New("'server' expects <name> and <addr>[:<port>] as arguments.\n")
	}
	cur := *px
	cur.Servers = nil // the name is checked against the running servers
	p := &parser{cfg: &Config{}, res: &Result{}, file: "CLI", line: 1, cur: &cur}
	if g != nil {
		p.cfg.Global = *g
	}
	if err := parseServer(p, append([]string{name}, args...)); err != nil {
		return nil, err
	}
	if len(cur.Servers) != 1 {
		return nil, fmt.Errorf("no server parsed")
	}
	sc := cur.Servers[0]
	sc.Dynamic = true
	if errs := serverLineErrors(sc); len(errs) > 0 {
		return nil, alert(errs[0]) // haproxy stops at the first
	}
	if err := p.validateServerTLS(&cur, sc); err != nil {
		return nil, err
	}
	if err := p.resolveServer(sc); err != nil {
		return nil, err
	}
	return sc, nil
}

// ResolveDynamicTrack checks the track of sc, a server of px being added
// at runtime, as haproxy does (srv_apply_track): backend finds a running
// backend's section by name, server what the program knows of one of its
// running servers. It returns the "backend/server" sc is to track, "" when
// it tracks none, or the refusal in haproxy's words (and, as its alerts
// on the CLI, ending with a newline). A new server cannot
// close a loop (none tracks it yet), nor track a dynamic server.
func ResolveDynamicTrack(px *Proxy, sc *Server, backend func(name string) *Proxy, server func(backend, name string) (Trackee, bool)) (string, error) {
	found := func(tpx *Proxy, name string) (Trackee, bool) { return server(tpx.Name, name) }
	tpx, err := resolveTrack(px, sc, backend, found)
	if err != nil {
		return "", alert(err)
	}
	if tpx == nil {
		return "", nil
	}
	_, sname, _ := sc.TrackTarget(px)
	return tpx.Name + "/" + sname, nil
}

// alert is err as haproxy's CLI gives an alert raised while it reads a
// server (ha_alert): one line ending with a newline.
func alert(err error) error { return errors.New(err.Error() + "\n") }
