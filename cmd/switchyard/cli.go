package main

import (
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"switchyard/acme"
	"switchyard/admin"
	"switchyard/config"
	"switchyard/proxy"
	"switchyard/runtimeapi"
)

// The runtime API (package runtimeapi) on the configuration's `stats
// socket` lines. Its sockets live as long as the process: a reload keeps
// those the new configuration still names (and their sessions), opens the
// new ones and closes the others.
var cli struct {
	mu  sync.Mutex
	srv *runtimeapi.Server
}

// startRuntimeAPI opens the sockets of the first configuration; an error (a
// socket that cannot be bound) stops the start, as a bind's does.
func startRuntimeAPI(rt *proxy.Runtime, cfg *config.Config, log *slog.Logger, certs *acme.Manager) error {
	srv := runtimeapi.New(admin.New(rt))
	srv.Version = fullVersion()
	srv.Log = log
	if certs != nil {
		srv.ACME = certs // acme renew, acme status
	}
	if err := srv.Apply(&cfg.Global); err != nil {
		return err
	}
	cli.mu.Lock()
	cli.srv = srv
	cli.mu.Unlock()
	exportRuntimeAPI(srv)
	return nil
}

// Reloads done and failed, for the master CLI's `show proc`.
var reloadsDone, reloadsFailed atomic.Int64

// startMasterCLI serves -S: the master CLI, on the same runtime API.
func startMasterCLI(spec string) error {
	socks, err := config.ParseMasterSocket(spec)
	if err != nil {
		return err
	}
	cli.mu.Lock()
	srv := cli.srv
	cli.mu.Unlock()
	return srv.ServeMaster(socks, runtimeapi.MasterInfo{
		Reload:   func() { syscall.Kill(os.Getpid(), syscall.SIGUSR2) },
		Reloads:  func() int { return int(reloadsDone.Load()) },
		Failed:   func() int { return int(reloadsFailed.Load()) },
		Started:  processStart,
		Programs: runningPrograms.list,
	})
}

var processStart = time.Now()

// applyRuntimeAPI puts a reloaded configuration's sockets in service; on error
// the running ones stay, as the listeners of a failed reload do.
func applyRuntimeAPI(cfg *config.Config, log *slog.Logger) {
	cli.mu.Lock()
	srv := cli.srv
	cli.mu.Unlock()
	if srv == nil {
		return
	}
	if err := srv.Apply(&cfg.Global); err != nil {
		log.Error("stats sockets unchanged", "err", err)
		return
	}
	exportRuntimeAPI(srv)
}

// stopRuntimeAPI closes the sockets and their sessions (stop).
func stopRuntimeAPI() {
	cli.mu.Lock()
	srv := cli.srv
	cli.srv = nil
	cli.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// exportRuntimeAPI sets HAPROXY_CLI to the sockets' addresses, as haproxy does
// for the programs and scripts it starts.
func exportRuntimeAPI(srv *runtimeapi.Server) {
	if addrs := srv.Addresses(); len(addrs) > 0 {
		os.Setenv("HAPROXY_CLI", strings.Join(addrs, ";"))
	}
}
