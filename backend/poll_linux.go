package backend

import (
	"syscall"
	"unsafe"
)

// pollfd is struct pollfd of poll(2).
type pollfd struct {
	fd      int32
	events  int16
	revents int16
}

const (
	pollIn    = 0x1
	pollErr   = 0x8
	pollHup   = 0x10
	pollNval  = 0x20
	pollRdHup = 0x2000
)

// pollReadable asks the kernel, in one call and without waiting, which of
// the descriptors (-1: skip) are readable or closed, and returns their
// indexes.
func pollReadable(fds []int) []int {
	pfds := make([]pollfd, 0, len(fds))
	idx := make([]int, 0, len(fds))
	for i, fd := range fds {
		if fd >= 0 {
			pfds = append(pfds, pollfd{fd: int32(fd), events: pollIn | pollRdHup})
			idx = append(idx, i)
		}
	}
	if len(pfds) == 0 {
		return nil
	}
	var ts syscall.Timespec // zero: do not wait
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&pfds[0])), uintptr(len(pfds)),
			uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 {
			return nil
		}
		break
	}
	var out []int
	for j, p := range pfds {
		if p.revents&(pollIn|pollErr|pollHup|pollNval|pollRdHup) != 0 {
			out = append(out, idx[j])
		}
	}
	return out
}
