package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"switchyard/listener"
)

// In master-worker mode (-W, -Ws, `master-worker`), a reload after the
// binary was replaced on disk (a package upgrade) runs the new binary, as
// haproxy's master re-executes itself: the new process gets this one's
// listening sockets as inherited descriptors, with the connections
// waiting in their accept queues, loads the configuration and says when
// it serves; this one then finishes its connections and exits, as after
// -sf. Under systemd (-Ws) it hands the unit over first (MAINPID). If the
// new binary cannot start (a configuration it refuses, a crash), this
// process keeps serving and says why. Otherwise reloads happen in place.

// upgradeEnv carries the hand-over to the new process.
const upgradeEnv = "SWITCHYARD_UPGRADE"

// handover is what the new process is told: the bind keys of its
// descriptors 3, 4, …, the descriptor on which it says it is ready, and
// the reload count to continue from.
type handover struct {
	Listeners []string `json:"listeners"`
	Ready     int      `json:"ready"`
	Reloads   int64    `json:"reloads"`
}

// upgradeWait bounds how long the new binary may take to serve.
const upgradeWait = time.Minute

// executable identifies the binary at start: its path, whose file a
// package upgrade replaces.
var executable, _ = os.Executable()

// handedOver is set once a new binary took over: the stop that follows
// does not tell systemd the unit stops.
var handedOver atomic.Bool

// binaryReplaced says whether the file at the executable's path is no
// longer the running program.
func binaryReplaced() bool {
	if executable == "" {
		return false
	}
	onDisk, err := os.Stat(executable)
	if err != nil {
		return false // no binary to run there now
	}
	running, err := os.Stat("/proc/self/exe")
	if err != nil {
		return false
	}
	return !os.SameFile(onDisk, running)
}

// upgradeArgs are the new process's arguments: this one's, but for the
// hand-over flags of a manual upgrade (-x, -sf, -st), which are done.
func upgradeArgs(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "-x":
			i++
		case "-sf", "-st":
			for i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				i++
			}
		default:
			out = append(out, a)
		}
	}
	return out
}

// upgrade starts the binary now at the executable's path on this
// process's sockets and waits until it serves. It returns its pid, or an
// error when it did not take over (this process then goes on).
func upgrade(args []string, lm *listener.Manager, log *slog.Logger) (int, error) {
	keys, files, err := lm.Export()
	if err != nil {
		lm.Reclaim()
		return 0, fmt.Errorf("exporting the listening sockets: %w", err)
	}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	ready, readyW, err := os.Pipe()
	if err != nil {
		lm.Reclaim()
		return 0, err
	}
	defer ready.Close()
	h, _ := json.Marshal(handover{Listeners: keys, Ready: 3 + len(files), Reloads: reloadsDone.Load()})
	cmd := exec.Command(executable, upgradeArgs(args)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.ExtraFiles = append(append([]*os.File(nil), files...), readyW)
	cmd.Env = append(os.Environ(), upgradeEnv+"="+string(h))
	log.Info("the binary changed: starting it on the listening sockets", "path", executable)
	if err := cmd.Start(); err != nil {
		readyW.Close()
		lm.Reclaim()
		return 0, err
	}
	readyW.Close()
	// The new process writes one byte once it serves; its end of the
	// pipe closes without it if it exits first.
	got := make(chan bool, 1)
	go func() {
		var b [1]byte
		n, _ := ready.Read(b[:])
		got <- n == 1
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case ok := <-got:
		if ok {
			// The new process is on its own from here; its exit is
			// collected by exited's goroutine if this one lives that long.
			return cmd.Process.Pid, nil
		}
		err = fmt.Errorf("the new binary exited before serving: %v", <-exited)
	case <-time.After(upgradeWait):
		cmd.Process.Kill()
		err = fmt.Errorf("the new binary did not serve within %v", upgradeWait)
	}
	lm.Reclaim()
	return 0, err
}

// inherited reads the hand-over of a previous binary, if this process is
// one: the listening sockets by bind key, and the descriptor to report
// readiness on (nil when there is none). The variable is removed so that
// a later upgrade does not see it.
func inherited() (map[string]*os.File, *os.File, int64, error) {
	v, ok := os.LookupEnv(upgradeEnv)
	if !ok {
		return nil, nil, 0, nil
	}
	os.Unsetenv(upgradeEnv)
	var h handover
	if err := json.Unmarshal([]byte(v), &h); err != nil {
		return nil, nil, 0, fmt.Errorf("%s: %w", upgradeEnv, err)
	}
	files := make(map[string]*os.File, len(h.Listeners))
	for i, k := range h.Listeners {
		f := os.NewFile(uintptr(3+i), k)
		if f == nil {
			return nil, nil, 0, errors.New(upgradeEnv + ": descriptor " + strconv.Itoa(3+i) + " is not open")
		}
		files[k] = f
	}
	return files, os.NewFile(uintptr(h.Ready), "ready"), h.Reloads, nil
}
