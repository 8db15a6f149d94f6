package hlua

import (
	"strings"
	"testing"

	glua "github.com/yuin/gopher-lua"
)

// sink records what a service's response looks like, and when it is sent.
type sink struct {
	log []string
	buf strings.Builder
}

func (s *sink) Head(a *Applet) error {
	s.log = append(s.log, "head "+a.Version+" "+itoa(a.Status)+" "+a.Reason)
	for _, h := range a.RespHdr {
		s.log = append(s.log, "hdr "+h[0]+": "+h[1])
	}
	return nil
}

func (s *sink) Body(p []byte) bool { s.buf.Write(p); return false }

func (s *sink) Flush() error {
	if s.buf.Len() > 0 {
		s.log = append(s.log, "flush "+s.buf.String())
		s.buf.Reset()
	}
	return nil
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func TestAppletHTTP(t *testing.T) {
	prog := loadScript(t, `
core.register_service("full", "http", function(applet)
    local h = applet.headers
    applet:add_header("x-first", applet.method .. " " .. applet.version .. " " .. applet.path .. " " .. applet.qs)
    applet:add_header("x-vals", h["x-a"][0] .. "," .. h["x-a"][1] .. " len=" .. applet.length)
    applet:add_header("x-vals", 3)
    if applet:set_status(600) then error("600 accepted") end
    applet:set_status(202, "Fine")
    applet.response["x-direct"] = {"d"}
    applet:start_response()
    applet:send(applet:getline())
    core.msleep(1)
    applet:send(applet:receive(2))
    applet:send(applet:receive())
end)
core.register_service("nostart", "http", function(applet) applet:send("x") end)
core.register_service("done", "http", function(applet) applet:start_response(); core.done(); error("not here") end)
core.register_service("nothing", "http", function(applet) end)
core.register_service("after", "http", function(applet) applet:start_response(); error("late") end)
core.register_service("badlen", "http", function(applet)
    applet:add_header("content-length", "abc")
    applet:start_response()
end)
`)
	prog.Start(nil)
	s := &sink{}
	a := &Applet{Method: "POST", Path: "/p", Query: "q=1", Version: "HTTP/1.1",
		Headers: [][2]string{{"X-A", "1"}, {"x-a", "2"}}, Body: []byte("l1\nrest"), Length: 7, Sink: s}
	if r := prog.RunService("full", nil, a); r != ServiceDone {
		t.Fatalf("full: %v", r)
	}
	s.Flush()
	want := []string{"head HTTP/1.1 202 Fine", "hdr x-first: POST HTTP/1.1 /p q=1", "hdr x-vals: 1,2 len=7", "hdr x-vals: 3",
		"hdr x-direct: d", "flush l1\n", "flush rest"}
	if strings.Join(s.log, "|") != strings.Join(want, "|") {
		t.Errorf("full:\n got %q\nwant %q", s.log, want)
	}
	for name, want := range map[string]ServiceResult{"nostart": ServiceNoResponse, "nothing": ServiceNoResponse,
		"after": ServiceFailed, "badlen": ServiceNoResponse, "done": ServiceDone} {
		if r := prog.RunService(name, nil, &Applet{Version: "HTTP/1.1", Sink: &sink{}}); r != want {
			t.Errorf("%s: %v, want %v", name, r, want)
		}
	}
}

// headersTable indexes each name's values from 0, in the order they came,
// however many there are.
func TestHeadersTableIndexes(t *testing.T) {
	L := glua.NewState()
	defer L.Close()
	hdrs := [][2]string{{"X-A", "1"}, {"b", "x"}, {"x-a", "2"}, {"X-a", "3"}, {"x-a", "4"}}
	tb := headersTable(L, func(fn func(name, value []byte)) {
		for _, h := range hdrs {
			fn([]byte(h[0]), []byte(h[1]))
		}
	})
	vals := tb.RawGetString("x-a").(*glua.LTable)
	for i, want := range []string{"1", "2", "3", "4"} {
		if got := vals.RawGet(glua.LNumber(i)); got.String() != want {
			t.Errorf("x-a[%d] = %v, want %s", i, got, want)
		}
	}
	if got := vals.RawGet(glua.LNumber(4)); got != glua.LNil {
		t.Errorf("x-a[4] = %v, want nil", got)
	}
	if got := tb.RawGetString("b").(*glua.LTable).RawGet(glua.LNumber(0)); got.String() != "x" {
		t.Errorf("b[0] = %v", got)
	}
}

// The applets' methods are the thread's, made once: each call's object
// reaches its own applet, and an object kept past its call reaches none.
func TestAppletMethodsFollowTheCall(t *testing.T) {
	prog := loadScript(t, `
core.register_service("keep", "http", function(applet)
    if saved ~= nil then
        local ok = pcall(function() saved:set_status(500) end)
        applet:add_header("x-old-usable", tostring(ok))
    end
    saved = applet
    applet:add_header("x-path", applet.path)
    applet:start_response()
    applet:send(applet:receive())
end)
`)
	prog.Start(nil)
	for i, want := range []string{
		"head HTTP/1.1 200 |hdr x-path: /one|flush 1",
		"head HTTP/1.1 200 |hdr x-old-usable: false|hdr x-path: /two|flush 2",
	} {
		s := &sink{}
		body := itoa(i + 1)
		a := &Applet{Method: "GET", Path: []string{"/one", "/two"}[i], Version: "HTTP/1.1", Body: []byte(body), Length: 1, Sink: s}
		if r := prog.RunService("keep", nil, a); r != ServiceDone {
			t.Fatalf("call %d: %v", i, r)
		}
		s.Flush()
		if got := strings.Join(s.log, "|"); got != want {
			t.Errorf("call %d:\n got %q\nwant %q", i, got, want)
		}
	}
}
