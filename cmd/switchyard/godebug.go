package main

import (
	"os"
	"strings"
	"syscall"
)

// stackSetting turns off Go's adaptive initial goroutine stacks. An idle
// keep-alive connection waits on a fresh goroutine (see proxy.parkAfter) so
// that it holds a minimal 2 kB stack; with the adaptive setting, new
// goroutines start at the average stack size of busy ones instead, which
// doubles what an idle connection costs.
const stackSetting = "adaptivestackstart=0"

// withStackSetting re-executes the binary once with stackSetting added to
// GODEBUG, because the runtime reads it only from the environment (the go
// command refuses it in //go:debug and go.mod). A GODEBUG that already
// names adaptivestackstart is left as the user set it.
func withStackSetting() {
	cur := os.Getenv("GODEBUG")
	if strings.Contains(cur, "adaptivestackstart=") {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return // run as is; only memory use differs
	}
	v := stackSetting
	if cur != "" {
		v = cur + "," + stackSetting
	}
	env := append(os.Environ(), "GODEBUG="+v)
	syscall.Exec(exe, os.Args, env) // returns only on failure: run as is
}
