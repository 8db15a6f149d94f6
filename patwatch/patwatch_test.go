package patwatch

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"switchyard/sample"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A file with a bad line keeps its previous content, the error is logged
// as file:line and counted; the next good version goes in.
func TestBadLineKeepsContent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "n.map")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a 1\n")
	env := &sample.Env{Patterns: sample.NewPatternRefs()}
	e, err := sample.ParseExpr(env, "str(a),map_str_int("+path+",-1)")
	if err != nil {
		t.Fatal(err)
	}
	val := func() string {
		v, _ := e.Eval(&sample.Ctx{})
		return string(v.AppendText(nil))
	}
	var logs syncBuf
	passes := make(chan struct{}, 16)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Watch(ctx, env.Patterns, Options{Interval: 10 * time.Millisecond, NoEvents: true,
			Checked: func() { passes <- struct{}{} }}, slog.New(slog.NewTextHandler(&logs, nil)))
	}()
	defer func() { cancel(); <-done }()
	wait := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for !cond() {
			select {
			case <-passes:
			case <-deadline:
				t.Fatalf("timed out waiting for %s; logs:\n%s", what, logs.String())
			}
		}
	}
	<-passes
	write("a 2\nb x\n")
	wait("the error", func() bool { return strings.Contains(logs.String(), path+":2: unable to parse 'x'") })
	ref := env.Patterns.Lookup(path)
	if val() != "1" || ref.ReloadErrors() != 1 {
		t.Fatalf("after a bad line: value %s, errors %d", val(), ref.ReloadErrors())
	}
	write("a 3\n")
	wait("the good version", func() bool { return val() == "3" })
	// A file gone keeps its content too.
	os.Remove(path)
	wait("the missing file", func() bool { return strings.Contains(logs.String(), "pattern file missing") })
	if val() != "3" {
		t.Fatalf("after removal: %s", val())
	}
}
