package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"syscall"
)

// daemonEnv marks the re-executed child of -D: Go cannot fork, so the daemon
// is a new session running the same binary and arguments.
const daemonEnv = "SWITCHYARD_DAEMON_CHILD"

func daemonize(stderr io.Writer) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "[ALERT] cannot daemonize: %v\n", err)
		return 1
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintf(stderr, "[ALERT] cannot daemonize: %v\n", err)
		return 1
	}
	defer devnull.Close()
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(os.Environ(), daemonEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, devnull, devnull
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "[ALERT] cannot daemonize: %v\n", err)
		return 1
	}
	return 0
}

// notifySystemd sends a state to systemd when started with -Ws under a
// Type=notify unit.
func notifySystemd(o *options, state string) {
	sock := os.Getenv("NOTIFY_SOCKET")
	if !o.systemd || sock == "" {
		return
	}
	if sock[0] == '@' {
		sock = "\x00" + sock[1:]
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		return
	}
	defer c.Close()
	c.Write([]byte(state))
}
