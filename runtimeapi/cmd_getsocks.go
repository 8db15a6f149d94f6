package runtimeapi

import (
	"net"

	"switchyard/fdpass"
)

// cmdGetSocks is `_getsocks`: the listening sockets, handed to the process
// that replaces this one (`switchyard -x`, package fdpass), on sockets
// with `expose-fd listeners` only, at any level, as haproxy. Nothing is
// answered on other sockets, and the session ends either way.
func cmdGetSocks(c *call) {
	s := c.s
	s.quit = true
	uc, ok := s.conn.(*net.UnixConn)
	if !ok || !s.exposeFD {
		return
	}
	// What earlier commands of the line answered goes first.
	if !s.flush() {
		return
	}
	keys, files, err := s.srv.surf.Runtime().ExportListeners()
	if err != nil {
		s.srv.Log.Error("_getsocks: the listening sockets cannot be exported", "err", err)
		return
	}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	if err := fdpass.Send(uc, keys, files); err != nil {
		s.srv.Log.Warn("_getsocks: sending the listening sockets failed", "err", err)
	}
}
