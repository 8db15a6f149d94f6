package runtimeapi

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"switchyard/admin"
	"switchyard/proxy"
)

// `show errors [<px>] [request|response]`: the last invalid request of
// each frontend and the last invalid response of each backend, in
// haproxy's layout (proxy.c's cli_io_handler_show_errors).

func cmdShowErrors(c *call) {
	if !c.need(admin.Operator) {
		return
	}
	iid := -1
	if px := c.arg(2); px != "" {
		id, ok := c.proxyID(px)
		if !ok {
			id, _ = strconv.Atoi(px)
		}
		if id == 0 {
			c.err("No such proxy.\n")
			return
		}
		iid = id
	}
	skipReq, skipResp := c.arg(3) == "response", c.arg(3) == "request"
	rt := c.s.srv.surf.Runtime()
	snap := rt.Snapshot()
	ids := map[string]int{}
	for _, px := range snap.Proxies() {
		ids[px.Name] = px.ID
	}
	var b strings.Builder
	snaps, events := rt.ErrorSnapshots()
	fmt.Fprintf(&b, "Total events captured on [%s] : %d\n", errDate(time.Now()), events)
	for _, px := range snap.Proxies() {
		for _, es := range snaps[px.Name] {
			if es == nil || es.Response && skipResp || !es.Response && skipReq {
				continue
			}
			other, hasOther := ids[es.Other]
			if iid >= 0 && px.ID != iid && !(hasOther && other == iid) {
				continue
			}
			writeSnapshot(&b, px.Name, px.ID, es, ids, c.serverID(px.Name, es.Server))
		}
	}
	c.data([]byte(b.String()))
}

// serverID is a server's id in the running configuration (-1: none).
func (c *call) serverID(be, srv string) int {
	if srv == "" {
		return -1
	}
	if b := c.s.srv.surf.Runtime().Snapshot().Backend(be); b != nil {
		for _, s := range b.Servers() {
			if s.Name == srv {
				return s.Settings().ID
			}
		}
	}
	return -1
}

// errDate is haproxy's date in show errors: local time, milliseconds.
func errDate(t time.Time) string {
	return fmt.Sprintf("%02d/%s/%04d:%02d:%02d:%02d.%03d", t.Day(), t.Month().String()[:3], t.Year(),
		t.Hour(), t.Minute(), t.Second(), t.Nanosecond()/1e6)
}

// writeSnapshot writes one snapshot: its header, then its bytes, a line
// of the message per line of output.
func writeSnapshot(b *strings.Builder, name string, id int, es *proxy.ErrorSnapshot, ids map[string]int, srvID int) {
	fmt.Fprintf(b, " \n[%s]", errDate(es.When))
	otherName, otherID := "<NONE>", -1
	if es.Other != "" {
		if n, ok := ids[es.Other]; ok {
			otherName, otherID = es.Other, n
		}
	}
	if es.Response {
		fmt.Fprintf(b, " backend %s (#%d): invalid response\n  frontend %s (#%d)", name, id, otherName, otherID)
	} else {
		// A request is refused before it is routed: no backend.
		fmt.Fprintf(b, " frontend %s (#%d): invalid request\n  backend <NONE> (#-1)", name, id)
	}
	srv := es.Server
	if srv == "" || srvID < 0 {
		srv, srvID = "<NONE>", -1
	}
	src, port := "", 0
	if es.Src.IsValid() {
		src, port = es.Src.Addr().Unmap().String(), int(es.Src.Port())
	}
	free := es.BufSize - len(es.Buf)
	fmt.Fprintf(b, ", server %s (#%d), event #%d, src %s:%d\n"+
		"  buffer starts at 0 (including 0 out), %d free,\n"+
		"  len %d, wraps at %d, error at position %d\n",
		srv, srvID, es.Event, src, port, free, len(es.Buf), es.BufSize-wrapReserve, es.ErrPos)
	state, num := h1State(es.Buf, es.ErrPos, es.Response)
	fmt.Fprintf(b, "  H1 connection flags 0x%08x, H1 stream flags 0x%08x\n"+
		"  H1 msg state %s(%d), H1 msg flags 0x%08x\n"+
		"  H1 chunk len 0 bytes, H1 body len 0 bytes :\n  \n", 0, 0, state, num, 0)
	for ptr, bol := 0, 0; ptr < len(es.Buf); {
		ptr, bol = dumpLine(b, es.Buf, ptr, bol)
	}
}

// wrapReserve is what haproxy's H1 layer reports of its buffer past the
// data's end: its "wraps at" is the buffer size less this.
const wrapReserve = 48

// dumpLine writes the message from ptr to the end of its line (at most
// about 80 columns): haproxy's dump_text_line, escaping what is not
// printable. bol is where the current message line began: a continuation
// is marked '+'. It returns where the next output line starts.
func dumpLine(b *strings.Builder, buf []byte, ptr, bol int) (next, nextBol int) {
	mark := byte(' ')
	if ptr != bol {
		mark = '+'
	}
	fmt.Fprintf(b, "  %05d%c ", ptr, mark)
	width := 0
	// haproxy's lines are at most 80 columns with the newline; the
	// offset column takes 9.
	const room = 79 - 9
	for ptr < len(buf) {
		c := buf[ptr]
		var esc string
		switch {
		case c >= 0x20 && c < 0x7f && c != '\\':
			esc = string(c)
		case c == '\t':
			esc = `\t`
		case c == '\n':
			esc = `\n`
		case c == '\r':
			esc = `\r`
		case c == 0x1b:
			esc = `\e`
		case c == '\\':
			esc = `\\`
		default:
			esc = fmt.Sprintf(`\x%02X`, c)
		}
		if width+len(esc) > room {
			break
		}
		b.WriteString(esc)
		width += len(esc)
		ptr++
		if c == '\n' {
			b.WriteByte('\n')
			return ptr, ptr
		}
	}
	b.WriteByte('\n')
	return ptr, bol
}

// h1State names where haproxy's H1 parser would have stopped for an
// error at pos: which part of the start line, a header's name or value,
// or the empty line (haproxy's h1m_state_str, by number).
func h1State(buf []byte, pos int, response bool) (string, int) {
	if pos > len(buf) {
		pos = len(buf)
	}
	eol := bytes.IndexByte(buf, '\n')
	if eol < 0 || pos <= eol {
		line := buf[:pos]
		if eol >= 0 && pos >= eol-1 {
			if response {
				return "MSG_RPLINE_END", 15
			}
			return "MSG_RQLINE_END", 7
		}
		spaces := strings.Count(strings.TrimRight(string(line), " "), " ")
		if response {
			return [...]string{"MSG_RPVER", "MSG_RPCODE", "MSG_RPREASON"}[min(spaces, 2)], [...]int{10, 12, 14}[min(spaces, 2)]
		}
		return [...]string{"MSG_RQMETH", "MSG_RQURI", "MSG_RQVER"}[min(spaces, 2)], [...]int{2, 4, 6}[min(spaces, 2)]
	}
	start := bytes.LastIndexByte(buf[:pos], '\n') + 1
	line := string(buf[start:pos])
	switch {
	case pos < len(buf) && start == pos && (buf[pos] == '\r' || buf[pos] == '\n'):
		return "MSG_LAST_LF", 25
	case !strings.Contains(line, ":"):
		return "MSG_HDR_NAME", 17
	}
	return "MSG_HDR_VAL", 22
}
