package proxy

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"switchyard/stick"
)

// A reload keeps what the tables counted: the new configuration finds the
// same table, with its entries.
func TestIntegrationStickTableSurvivesReload(t *testing.T) {
	t.Parallel()
	fe := itAddr(t)
	text := itDefaults + `
frontend web
    bind {FE}
    stick-table type ip size 1k expire 1m store gpc0,http_req_cnt
    http-request track-sc0 src
    http-request sc-inc-gpc0(0)
    http-request return status 200 hdr X-C "{V} %[sc0_get_gpc0] %[sc0_http_req_cnt]"
`
	rt := itStart(t, itConfig(t, text, "FE", fe, "V", "a"))
	k := itDial(t, fe)
	for i := 1; i <= 3; i++ {
		resp, _ := k.get("/")
		if want := "a " + digit(i) + " " + digit(i); resp.Header.Get("X-C") != want {
			t.Fatalf("request %d: X-C %q, want %q", i, resp.Header.Get("X-C"), want)
		}
	}
	if err := rt.Apply(itConfig(t, text, "FE", fe, "V", "b")); err != nil {
		t.Fatal(err)
	}
	resp, _ := itDial(t, fe).get("/")
	if got := resp.Header.Get("X-C"); got != "b 4 4" {
		t.Fatalf("after the reload: X-C %q, want \"b 4 4\"", got)
	}
}

// In mode tcp, a connection rule tracks the connection and a content rule
// counts on it; the entry's conn_cur falls back when the connection ends.
func TestIntegrationStickTableTCP(t *testing.T) {
	t.Parallel()
	echo := itRawOrigin(t, func(c net.Conn) { io.Copy(c, c) })
	fe := itAddr(t)
	rt := itStart(t, itConfig(t, `
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend echo
    bind {FE}
    stick-table type ip size 10 store conn_cnt,conn_cur,sess_cnt,gpc0,bytes_in_cnt,bytes_out_cnt
    tcp-request connection track-sc1 src
    tcp-request content sc-inc-gpc0(1)
    default_backend echo
backend echo
    server s {E}
`, "FE", fe, "E", echo.addr))
	entry := func() *stick.Entry {
		tb := rt.snap.Load().tables["echo"]
		return tb.Lookup([]byte{127, 0, 0, 1})
	}
	read := func(d stick.DataType) int64 {
		v, _ := entry().Read(d, 0)
		return v
	}
	k := itDial(t, fe)
	k.send("hello")
	k.exact("hello")
	if read(stick.DTConnCur) != 1 || read(stick.DTConnCnt) != 1 || read(stick.DTSessCnt) != 1 || read(stick.DTGPC0) != 1 {
		t.Fatalf("while connected: %s", entryLine(entry()))
	}
	k.c.Close()
	itPoll(t, 5*time.Second, "conn_cur back to 0", func() bool { return read(stick.DTConnCur) == 0 })
	if read(stick.DTBytesInCnt) != 5 || read(stick.DTBytesOutCnt) != 5 {
		t.Fatalf("after the end: %s", entryLine(entry()))
	}
}

func entryLine(e *stick.Entry) string {
	return strings.TrimSpace(string(e.AppendShow(nil, stick.NowMs(), 0)))
}

func digit(i int) string { return string(rune('0' + i)) }
