package main

import (
	"fmt"
	"net"
	"syscall"
	"time"
)

// floor measures what the bare system calls of a connect check cost on
// loopback: socket, a blocking connect, SO_LINGER 0 and close, n times per
// inter, with no event loop, timer or state around them. On loopback the
// whole handshake, the listener's side included, runs inside connect, so
// this is the least any checker pays here: the bound under which no
// implementation can go on this machine (-floor).
func floor(o options) int {
	ports := make([]int, o.n)
	for i := range ports {
		// Never accepted: a reset check empties the backlog itself.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fatalf("floor: %v (raise ulimit -n for -n %d)", err, o.n)
		}
		defer ln.Close()
		ports[i] = ln.Addr().(*net.TCPAddr).Port
	}
	check := func(port int) error {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer syscall.Close(fd)
		if err := syscall.Connect(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
			return err
		}
		return syscall.SetsockoptLinger(fd, syscall.SOL_SOCKET, syscall.SO_LINGER, &syscall.Linger{Onoff: 1, Linger: 0})
	}
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	start := time.Now()
	checks := 0
	for time.Since(start) < o.duration {
		round := time.Now()
		for _, p := range ports {
			if err := check(p); err != nil {
				fatalf("floor: %v", err)
			}
			checks++
		}
		time.Sleep(o.inter - time.Since(round))
	}
	wall := time.Since(start)
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano() - before.Utime.Nano() + after.Stime.Nano() - before.Stime.Nano())
	fmt.Printf("floor: %d bare connect checks in %v: %.2f%% of one core, %.1f µs per check\n",
		checks, wall.Round(time.Millisecond), 100*cpu.Seconds()/wall.Seconds(), float64(cpu.Microseconds())/float64(checks))
	return 0
}
