package difftest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// haproxyBin is the reference implementation.
const haproxyBin = "/usr/sbin/haproxy"

// candidate is the binary under test and candidateName how reports call it.
// Both are set by TestMain; buildErr holds why switchyard could not be built,
// so that every comparison fails with that reason instead of the whole
// package aborting (the haproxy side of the harness still runs).
var (
	candidate     string
	candidateName = "switchyard"
	buildErr      error
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	if os.Getenv("DIFFTEST_REF_ONLY") == "1" {
		// Harness debugging: haproxy against itself must always agree, so
		// any difference is a harness bug (or nondeterminism to remove).
		candidate, candidateName = haproxyBin, "haproxy(2)"
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "difftest-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "difftest:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	candidate = filepath.Join(dir, "switchyard")
	buildErr = buildSwitchyard(candidate)
	return m.Run()
}

// buildSwitchyard compiles ./cmd/switchyard from the module root (the parent
// of this package's directory, which is where `go test` runs us).
func buildSwitchyard(out string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = "/usr/local/go/bin/go"
	}
	// Generous: the machine is shared, and a cold build cache is slow.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", out, "./cmd/switchyard")
	cmd.Dir = ".."
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/switchyard: %v\n%s", err, b)
	}
	return nil
}

// needHAProxy fails the test when the reference is missing, unless the
// environment says to do without it (then the test is skipped).
func needHAProxy(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(haproxyBin); err != nil {
		if os.Getenv("SWITCHYARD_NO_HAPROXY") == "1" {
			t.Skip("haproxy not installed and SWITCHYARD_NO_HAPROXY=1")
		}
		t.Fatalf("%s is the reference and is missing (set SWITCHYARD_NO_HAPROXY=1 to skip): %v", haproxyBin, err)
	}
}
