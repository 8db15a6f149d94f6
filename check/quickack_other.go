//go:build !linux

package check

import "syscall"

// delayAck does nothing where TCP_QUICKACK does not exist: the server's
// application then accepts the check's connection before its reset.
func delayAck(_, _ string, _ syscall.RawConn) error { return nil }
