package hlua

import (
	"strings"
	"testing"
)

type fakeHost struct{ pxs []Proxy }

func (h *fakeHost) Log(int, string)        {}
func (h *fakeHost) Alert(string)           {}
func (h *fakeHost) Proxies() []Proxy       { return h.pxs }
func (p *fakeProxy) Name() string          { return p.name }
func (p *fakeProxy) ID() int               { return 3 }
func (p *fakeProxy) Frontend() bool        { return p.fe }
func (p *fakeProxy) Backend() bool         { return p.be }
func (p *fakeProxy) Mode() string          { return "http" }
func (p *fakeProxy) Stats() map[string]any { return map[string]any{"stot": uint64(7), "status": "UP"} }
func (p *fakeProxy) Servers() []Server     { return p.srvs }
func (p *fakeProxy) Pause() bool           { p.cmds = append(p.cmds, "pause"); return true }
func (p *fakeProxy) Resume() bool          { return true }
func (p *fakeProxy) Stop() bool            { return true }
func (s *fakeServer) Name() string         { return "s1" }
func (s *fakeServer) ID() int              { return 2 }
func (s *fakeServer) Addr() string         { return "127.0.0.1:80" }
func (s *fakeServer) Stats() map[string]any {
	return map[string]any{"status": s.status, "weight": int64(5), "slim": uint64(30)}
}
func (s *fakeServer) Command(args ...string) string {
	s.cmds = append(s.cmds, strings.Join(args, " "))
	return s.answer
}

type fakeProxy struct {
	name   string
	fe, be bool
	srvs   []Server
	cmds   []string
}

type fakeServer struct {
	status, answer string
	cmds           []string
}

func TestProxyObjects(t *testing.T) {
	prog := loadScript(t, `
core.register_cli({"t"}, "", function(applet)
    local be = core.backends["app"]
    local s = be.servers["s1"]
    applet:send(type(core.frontends["app"]) .. " " .. be:get_cap() .. " " .. core.proxies["both"]:get_cap() .. " " ..
        be:get_mode() .. " uuid=" .. be.uuid .. type(be.uuid) .. " stot=" .. be:get_stats().stot .. type(be:get_stats().stot) .. "\n")
    applet:send(s.name .. " puid=" .. s.puid .. " drain=" .. s:is_draining() .. " maxconn=" .. s:get_maxconn() ..
        " status=" .. s:get_stats().status .. " addr=" .. s:get_addr() .. "\n")
    applet:send("set=" .. tostring(s:set_weight("20")) .. "\n")
    s:set_maint()
    s:check_force_nolb()
    s:agent_force_down()
    s:shut_sess()
    be:pause()
end)
`)
	if p := loadScript(t, `core.register_cli({"t"}, "", function(applet) applet:send(tostring(core.proxies)) end)`); p.RunCLI("t", nil, nil) != "nil" {
		t.Error("core.proxies exists before the program runs")
	}
	srv := &fakeServer{status: "DRAIN", answer: "\n"}
	app := &fakeProxy{name: "app", be: true, srvs: []Server{srv}}
	prog.Start(&fakeHost{pxs: []Proxy{app, &fakeProxy{name: "both", fe: true, be: true}}})
	got := prog.RunCLI("t", nil, nil)
	want := "nil backend proxy http uuid=3string stot=7number\ns1 puid=2 drain=1 maxconn=30 status=DRAIN addr=127.0.0.1:80\nset=nil\n"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	wantCmds := []string{"set weight %s 20", "set server %s state maint", "set server %s health stopping",
		"set server %s agent down", "shutdown sessions server %s"}
	if strings.Join(srv.cmds, "|") != strings.Join(wantCmds, "|") {
		t.Errorf("commands: %q", srv.cmds)
	}
	if len(app.cmds) != 1 {
		t.Errorf("pause: %q", app.cmds)
	}
}
