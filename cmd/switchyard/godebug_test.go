package main

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestWithEnvReplaces(t *testing.T) {
	got := withEnv([]string{"A=1", "GODEBUG=x=1", "B=2", "GODEBUG=y=2", "GODEBUGX=3"}, "GODEBUG", "x=1,z=0")
	want := []string{"A=1", "B=2", "GODEBUGX=3", "GODEBUG=x=1,z=0"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// A GODEBUG set by the user must not make the start-up re-execution loop:
// the re-executed process has to see the setting it was given.
func TestUserGODEBUGStarts(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, testBin, "-v")
	cmd.Env = append(os.Environ(), "GODEBUG=gctrace=0")
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), "version") {
		t.Fatalf("switchyard -v with GODEBUG set: %v, output %q", err, out)
	}
}
