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
	syscall.Exec(exe, os.Args, withEnv(os.Environ(), "GODEBUG", v)) // returns only on failure: run as is
}

// withEnv returns env with every NAME= entry replaced by one NAME=value.
// Appending alone is not enough: with two entries, Go's getenv takes the
// first, so the re-executed process would not see the setting and would
// re-execute itself forever.
func withEnv(env []string, name, value string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return append(out, name+"="+value)
}
