package check

import "syscall"

// delayAck turns TCP_QUICKACK off before connecting, as haproxy does for a
// connect-only check: the handshake's last ACK is held back, and the RST of
// the close that follows arrives first, so the server's application never
// accepts (and never logs) the check's connection.
func delayAck(_, _ string, c syscall.RawConn) error {
	c.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 0)
	})
	return nil
}
