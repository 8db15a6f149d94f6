// Package fdpass hands listening sockets from a running switchyard to the
// one replacing it (haproxy's `-x` with `expose-fd listeners`): the new
// process asks the old one's stats socket for them, and gets the very
// sockets, so that connections waiting in their accept queues are not
// lost, as they would be if the old process closed its own.
//
// The exchange is switchyard's own, over a unix stream socket: the client
// sends Command and a newline; the server answers a header naming each
// socket by its bind key, then the descriptors, in the same order, as
// SCM_RIGHTS messages of one byte each.
package fdpass

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Command is what the client sends on the stats socket.
const Command = "_getsocks"

const magic = "SWITCHYARD-FDS"

// maxBatch is the descriptors per message, below the kernel's SCM_MAX_FD.
const maxBatch = 200

// Send writes the header and the descriptors of files, named by keys, to
// c. The files stay open: the caller closes them.
func Send(c *net.UnixConn, keys []string, files []*os.File) error {
	if len(keys) != len(files) {
		return errors.New("fdpass: keys and files differ in number")
	}
	var h strings.Builder
	fmt.Fprintf(&h, "%s %d\n", magic, len(keys))
	for _, k := range keys {
		if strings.ContainsAny(k, "\n") {
			return fmt.Errorf("fdpass: bad key %q", k)
		}
		h.WriteString(k + "\n")
	}
	if _, err := c.Write([]byte(h.String())); err != nil {
		return err
	}
	for i := 0; i < len(files); i += maxBatch {
		batch := files[i:min(i+maxBatch, len(files))]
		fds := make([]int, len(batch))
		for j, f := range batch {
			// Not f.Fd(): it would put the descriptor in blocking mode,
			// and with it the listening socket it shares its file
			// description with, whose accept would then block a thread
			// that no Close wakes.
			rc, err := f.SyscallConn()
			if err != nil {
				return err
			}
			if err := rc.Control(func(fd uintptr) { fds[j] = int(fd) }); err != nil {
				return err
			}
		}
		if _, _, err := c.WriteMsgUnix([]byte{'F'}, syscall.UnixRights(fds...), nil); err != nil {
			return err
		}
	}
	return nil
}

// Fetch connects to the stats socket at path, asks for the listening
// sockets and returns them by bind key. On error every descriptor already
// received is closed.
func Fetch(path string, timeout time.Duration) (map[string]*os.File, error) {
	c, err := net.DialTimeout("unix", path, timeout)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	uc := c.(*net.UnixConn)
	uc.SetDeadline(time.Now().Add(timeout))
	if _, err := uc.Write([]byte(Command + "\n")); err != nil {
		return nil, err
	}
	return receive(uc)
}

// receive reads the header and the descriptors. A read may carry parts of
// the header, the one-byte messages and their descriptors together: every
// read's bytes and descriptors are accumulated, in order, until the
// header is complete and as many descriptors as it names have come.
func receive(c *net.UnixConn) (map[string]*os.File, error) {
	var payload []byte
	var fds []int
	buf := make([]byte, 64<<10)
	oob := make([]byte, syscall.CmsgSpace(maxBatch*4)*4)
	fail := func(err error) (map[string]*os.File, error) {
		for _, fd := range fds {
			syscall.Close(fd)
		}
		return nil, err
	}
	for {
		keys, ok, err := parseHeader(payload)
		if err != nil {
			return fail(err)
		}
		if ok && len(fds) >= len(keys) {
			if len(fds) > len(keys) {
				return fail(fmt.Errorf("fdpass: %d descriptors for %d sockets", len(fds), len(keys)))
			}
			out := make(map[string]*os.File, len(keys))
			for i, k := range keys {
				out[k] = os.NewFile(uintptr(fds[i]), k)
			}
			return out, nil
		}
		n, oobn, _, _, err := c.ReadMsgUnix(buf, oob)
		if oobn > 0 {
			msgs, perr := syscall.ParseSocketControlMessage(oob[:oobn])
			if perr != nil {
				return fail(perr)
			}
			for _, m := range msgs {
				got, rerr := syscall.ParseUnixRights(&m)
				if rerr != nil {
					return fail(rerr)
				}
				fds = append(fds, got...)
			}
		}
		payload = append(payload, buf[:n]...)
		if err != nil {
			return fail(fmt.Errorf("fdpass: %w (after %d bytes)", err, len(payload)))
		}
		if n == 0 && oobn == 0 {
			return fail(errors.New("fdpass: connection closed early"))
		}
	}
}

// parseHeader reads "SWITCHYARD-FDS n\n" and n key lines from the start
// of b; ok is false while incomplete. Anything else (an error text of an
// older process, a refusal) is an error.
func parseHeader(b []byte) (keys []string, ok bool, err error) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		if len(b) > len(magic)+24 || !bytes.HasPrefix([]byte(magic), b[:min(len(b), len(magic))]) {
			return nil, false, fmt.Errorf("fdpass: unexpected answer %q", firstLine(b))
		}
		return nil, false, nil
	}
	f := strings.Fields(string(b[:i]))
	if len(f) != 2 || f[0] != magic {
		return nil, false, fmt.Errorf("fdpass: unexpected answer %q", firstLine(b))
	}
	n, err := strconv.Atoi(f[1])
	if err != nil || n < 0 {
		return nil, false, fmt.Errorf("fdpass: bad count %q", f[1])
	}
	rest := b[i+1:]
	for len(keys) < n {
		j := bytes.IndexByte(rest, '\n')
		if j < 0 {
			return nil, false, nil
		}
		keys = append(keys, string(rest[:j]))
		rest = rest[j+1:]
	}
	return keys, true, nil
}

func firstLine(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return string(b[:min(len(b), 120)])
}
