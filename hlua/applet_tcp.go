package hlua

import (
	"io"
	"strings"

	glua "github.com/yuin/gopher-lua"
)

// AppletTCP: the object a `tcp` service (core.register_service(name,
// "tcp", fn)) is handed when `tcp-request content use-service lua.NAME`
// gives it a stream. It reads the client's bytes (those received while
// the content rules inspected first) and writes back to the client.

// TCPApplet is the client side of a TCP service's stream.
type TCPApplet struct {
	// Conn reads the client's bytes and writes to the client; a read
	// error ends the input (the client closed, or its timeout).
	Conn io.ReadWriter
	// In holds what was received before the service started (the
	// content rules' inspection); it is read first.
	In  []byte
	eof bool
	// Sent counts the bytes written to the client.
	Sent int64
}

// tcpAppletBuf is the most a getline or receive() gathers before handing
// it to the script: haproxy's buffer size.
const tcpAppletBuf = 16384

// tcpFill reads more of the client's bytes into a.In, outside the call's
// time budget and the state's lock; it reports false at the end.
func (t *thread) tcpFill(a *TCPApplet) bool {
	if a.eof {
		return false
	}
	var buf [4096]byte
	var n int
	var err error
	t.block(func() { n, err = a.Conn.Read(buf[:]) })
	a.In = append(a.In, buf[:n]...)
	if err != nil {
		a.eof = true
	}
	return n > 0 || !a.eof
}

// clientGone is the error that ends a service whose client went away
// (a write failed): the script stops there, and nothing is logged, as
// haproxy releases an applet whose stream closed.
const clientGone = "\x00client gone"

func isClientGone(err error) bool { return err != nil && strings.Contains(errorText(err), clientGone) }

// isDoneSignal says that core.done() ended the call: for a service or a
// CLI command, a normal end.
func isDoneSignal(err error) bool { return err != nil && strings.Contains(errorText(err), doneSignal) }

// RunTCPService runs the Lua tcp service name on a stream; it reports
// false when the script failed (the proxy then closes the connection, as
// haproxy does).
func (p *Program) RunTCPService(name string, st Stream, a *TCPApplet) bool {
	t, fn, end, err := p.begin(KindService, name)
	if err != nil {
		p.logAppletError(st, "tcp", name, err)
		return false
	}
	defer end()
	t.cur = t.newCall(KindService, name, st, ctxOf(st))
	t.setLimit(p.Settings.ServiceTimeout)
	if _, err = t.run(fn, 0, t.appletTCP(a)); err != nil && !isDoneSignal(err) {
		if !isClientGone(err) {
			p.logAppletError(st, "tcp", name, err)
		}
		return false
	}
	return true
}

// logAppletError logs a service's failure as haproxy words it: "Lua
// applet tcp 'NAME': MESSAGE." ("execution timeout." for errTimeout).
func (p *Program) logAppletError(st Stream, mode, name string, err error) {
	p.log(st, logErr, "Lua applet "+mode+" '"+name+"': "+errorText(err)+".")
}

// appletTCP makes the AppletTCP object of a service call.
func (t *thread) appletTCP(a *TCPApplet) *glua.LTable {
	t.cur.tcpApplet = a
	o := t.objects()
	return t.bindApplet(t.L.CreateTable(0, 4), &o.appletTCPMeta, t.appletTCPMeta) // f sf c sc
}

// appletTCPMeta makes the metatable of a thread's AppletTCP objects, once
// (see appletHTTPMeta).
func (t *thread) appletTCPMeta() *glua.LTable {
	L := t.L
	methods := L.NewTable()
	L.SetFuncs(methods, withVarMethods(t, map[string]glua.LGFunction{
		// getline returns a line with its "\n", or what is left at
		// the end of the input ("" once nothing is).
		"getline": func(L *glua.LState) int {
			a := t.appletCall(L).tcpApplet
			// A buffer's worth without a newline comes as is.
			L.Push(glua.LString(takeLine(&a.In, tcpAppletBuf, func() bool { return t.tcpFill(a) })))
			return 1
		},
		// receive([size]) returns size bytes (fewer at the end of the
		// input), or without size everything until the end.
		"receive": func(L *glua.LState) int {
			a := t.appletCall(L).tcpApplet
			if L.GetTop() > 2 {
				L.RaiseError("The 'recv' function requires between 1 and 2 arguments.")
			}
			n := -1
			if L.GetTop() == 2 {
				n = L.CheckInt(2)
			}
			L.Push(glua.LString(takeN(&a.In, n, func() bool { return t.tcpFill(a) })))
			return 1
		},
		// send writes to the client and returns how many bytes it
		// took.
		"send": func(L *glua.LState) int {
			a := t.appletCall(L).tcpApplet
			msg := L.CheckString(2)
			var n int
			var err error
			t.block(func() { n, err = io.WriteString(a.Conn, msg) })
			a.Sent += int64(n)
			if err != nil {
				L.RaiseError("%s", clientGone)
			}
			L.Push(glua.LNumber(n))
			return 1
		},
	}))
	meta := L.NewTable()
	meta.RawSetString("__index", methods)
	return meta
}
