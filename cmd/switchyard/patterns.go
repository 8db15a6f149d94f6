package main

import (
	"context"
	"log/slog"
	"sync"

	"switchyard/patwatch"
	"switchyard/proxy"
)

// The pattern files and maps of the running configuration, and the
// certificates and crt-lists of its TLS binds, are watched (package
// patwatch): a file changed on disk is put in service without a reload. Each configuration put in service gets a watcher of its own
// files; the previous one stops.
var patternWatch struct {
	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// watchPatterns (re)starts the watcher on the running configuration's
// files. It is called when the proxy starts and after each reload.
func watchPatterns(rt *proxy.Runtime, log *slog.Logger) {
	snap := rt.Snapshot()
	pw := &patternWatch
	pw.mu.Lock()
	defer pw.mu.Unlock()
	if pw.cancel != nil {
		pw.cancel()
		<-pw.done
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	pw.cancel, pw.done = cancel, done
	opt := patwatch.SettingsOf(&snap.Global).Options()
	// The TLS binds' certificates and crt-lists are watched the same way.
	var certs []patwatch.File
	for _, f := range rt.Certs().Files() {
		certs = append(certs, f)
	}
	go func() {
		defer close(done)
		if err := patwatch.Watch(ctx, snap.Patterns, opt, log, certs...); err != nil {
			log.Error("pattern files are not watched", "err", err)
		}
	}()
}
