package peers

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"switchyard/stick"
)

// discardConn is a connection that reads from a buffer and writes nowhere.
type discardConn struct {
	net.Conn
	r io.Reader
}

func (c discardConn) Read(b []byte) (int, error)       { return c.r.Read(b) }
func (c discardConn) Write(b []byte) (int, error)      { return len(b), nil }
func (c discardConn) Close() error                     { return nil }
func (c discardConn) SetDeadline(time.Time) error      { return nil }
func (c discardConn) SetReadDeadline(time.Time) error  { return nil }
func (c discardConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzReader feeds arbitrary bytes to a session's reader, as a peer could:
// it must end with an error or EOF, never panic or spin.
func FuzzReader(f *testing.F) {
	sh := func(name string, spec stick.Spec) *shared {
		spec.NetName = name
		return newShared(stick.New(spec), 1, false)
	}
	spec := testSpec()
	ipSpec := stick.Spec{Name: "p/ip", Type: stick.KeyIP, KeySize: 4, Size: 10, Stores: []stick.Store{{Type: stick.DTGPC, Elems: 2}, {Type: stick.DTServerKey, Elems: 1}}}
	var def, upd []byte
	a := sh("t", spec)
	e := a.t.Get([]byte("key"))
	e.Add(stick.DTGPC0, 0, 3)
	e.SetServer(1, "srv")
	e.Release()
	ss0 := &session{txDict: map[string]int{}}
	def = appendDefine(nil, a)
	upd = ss0.appendUpdate(nil, a, e, 7, true, stick.NowMs())
	f.Add(append(def, upd...))
	f.Add(upd)
	f.Add([]byte{0, 0, 0, 1, 0, 2, 0, 3, 0, 4, 1, 0})
	f.Add([]byte{10, 0x82, 0xf0, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte{10, 0x84, 5, 1, 0, 0, 0, 9})
	f.Fuzz(func(t *testing.T, in []byte) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		s := &Section{log: slog.New(slog.NewTextHandler(io.Discard, nil)), byNet: map[string]*shared{}, ctx: ctx, peers: map[string]*peer{}}
		for _, x := range []*shared{sh("t", testSpec()), sh("ip", ipSpec)} {
			s.tables = append(s.tables, x)
			s.byNet[x.wire] = x
		}
		p := &peer{name: "B", acked: map[*shared]uint32{}}
		c := discardConn{r: bytes.NewReader(in)}
		ss := newSession(s, p, c, bufio.NewReader(c), true)
		done := make(chan struct{})
		go func() { ss.reader(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("reader spins on % x", in)
		}
	})
}
