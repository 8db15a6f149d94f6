package difftest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Knowing when a proxy is ready: a process gives no signal when its
// listeners are up, so the harness polls. It does not connect to find out:
// another program may be listening on the same port (proxies bind with
// SO_REUSEPORT, so a port picked as free can end up shared), and a test
// connection is a real client to the proxy (in TCP mode the proxy connects
// to an origin for it, or not, depending on timing, and advances its
// balancing). Instead it asks the kernel for the listening sockets on each
// port and checks that one of them belongs to the proxy's process.

// listening reports whether process pid holds a listening socket on each
// port, on 127.0.0.1 or 0.0.0.0.
func listening(pid int, ports []int) bool {
	inodes, err := listenInodes()
	if err != nil {
		// /proc/net/tcp costs milliseconds of system time per read on a
		// machine with many sockets (TIME_WAIT included); netlink lists
		// only the listeners, so it is the first choice.
		if inodes, err = listenInodesProc(); err != nil {
			return dialable(ports)
		}
	}
	owned := map[string]bool{}
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	for _, fd := range fds {
		if l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil {
			owned[l] = true
		}
	}
	for _, p := range ports {
		found := false
		for _, ino := range inodes[p] {
			if owned[fmt.Sprintf("socket:[%d]", ino)] {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// listenInodes lists the IPv4 TCP listening sockets bound to 127.0.0.1 or
// 0.0.0.0, as inodes by port, through a NETLINK_SOCK_DIAG dump.
func listenInodes() (map[int][]uint64, error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, syscall.NETLINK_INET_DIAG)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	tv := syscall.NsecToTimeval(int64(time.Second))
	if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		return nil, err
	}
	// struct nlmsghdr followed by struct inet_diag_req_v2.
	const sockDiagByFamily, tcpListen = 20, 10
	req := make([]byte, syscall.NLMSG_HDRLEN+56)
	binary.NativeEndian.PutUint32(req[0:], uint32(len(req)))
	binary.NativeEndian.PutUint16(req[4:], sockDiagByFamily)
	binary.NativeEndian.PutUint16(req[6:], syscall.NLM_F_REQUEST|syscall.NLM_F_DUMP)
	binary.NativeEndian.PutUint32(req[8:], 1)
	req[16] = syscall.AF_INET
	req[17] = syscall.IPPROTO_TCP
	binary.NativeEndian.PutUint32(req[20:], 1<<tcpListen)
	if err := syscall.Sendto(fd, req, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return nil, err
	}
	out := map[int][]uint64{}
	buf := make([]byte, 1<<16)
	for {
		n, _, err := syscall.Recvfrom(fd, buf, 0)
		if err != nil {
			return nil, err
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			switch m.Header.Type {
			case syscall.NLMSG_DONE:
				return out, nil
			case syscall.NLMSG_ERROR:
				return nil, errors.New("sock_diag: netlink error")
			}
			// struct inet_diag_msg: family, state, timer, retrans; then the
			// socket id (sport, dport, src[16], dst[16], if, cookie[2]);
			// then expires, rqueue, wqueue, uid, inode.
			d := m.Data
			if len(d) < 72 {
				continue
			}
			src := net.IP(d[8:12])
			if !src.Equal(net.IPv4(127, 0, 0, 1)) && !src.Equal(net.IPv4zero) {
				continue
			}
			port := int(binary.BigEndian.Uint16(d[4:6]))
			out[port] = append(out[port], uint64(binary.NativeEndian.Uint32(d[68:72])))
		}
	}
}

// listenInodesProc is listenInodes from /proc/net/tcp.
func listenInodesProc() (map[int][]uint64, error) {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return nil, err
	}
	out := map[int][]uint64{}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 10 || f[3] != "0A" {
			continue
		}
		addr, port, ok := strings.Cut(f[1], ":")
		if !ok || (addr != "0100007F" && addr != "00000000") {
			continue
		}
		p, err1 := strconv.ParseUint(port, 16, 16)
		ino, err2 := strconv.ParseUint(f[9], 10, 64)
		if err1 == nil && err2 == nil {
			out[int(p)] = append(out[int(p)], ino)
		}
	}
	return out, nil
}

// dialable is the last resort where /proc is not available: it reports
// whether every port accepts a connection.
func dialable(ports []int) bool {
	for _, p := range ports {
		c, err := net.DialTimeout("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)), time.Second)
		if err != nil {
			return false
		}
		c.Close()
	}
	return true
}
