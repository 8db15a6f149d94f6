package main

import (
	"log/slog"
	"os"
	"sync"
	"syscall"

	"switchyard/acme"
	"switchyard/config"
	"switchyard/proxy"
	"switchyard/sample"
	"switchyard/ssl"
)

// The ACME manager (package acme) obtains and renews the certificates of
// the configuration's acme sections. It lives as long as the process:
// each configuration put in service is given to it, and it keeps one task
// per certificate file across reloads.
var acmeMgr struct {
	mu sync.Mutex
	m  *acme.Manager
}

// startACME makes the manager and gives it the first configuration. The
// HTTP-01 tokens go to the running configuration's map of the section
// (read by the user's rules, as haproxy 3.2 answers the challenge).
func startACME(rt *proxy.Runtime, cfg *config.Config, log *slog.Logger) *acme.Manager {
	m := acme.New(log)
	m.Map = func(name string) *sample.PatternRef {
		if snap := rt.Snapshot(); snap != nil && snap.Patterns != nil {
			return snap.Patterns.Lookup(name)
		}
		return nil
	}
	// A new certificate is in its file: it goes in service at once, in
	// every bind serving the file (as `commit ssl cert` would). The file
	// watcher would find it too, a moment later; other processes sharing
	// the disk find it that way. Should the binds refuse it, a reload
	// (as SIGHUP) reads it the way a configuration does.
	m.OnIssued = func(path string, cert *ssl.Cert) {
		if err := rt.Certs().Replace(path, cert); err != nil {
			log.Error("acme: the new certificate could not be put in service; reloading the configuration", "file", path, "err", err)
			syscall.Kill(os.Getpid(), syscall.SIGHUP)
			return
		}
		log.Info("acme: new certificate in service", "file", path)
	}
	m.Apply(cfg)
	acmeMgr.mu.Lock()
	acmeMgr.m = m
	acmeMgr.mu.Unlock()
	return m
}

// applyACME gives a reloaded configuration to the manager.
func applyACME(cfg *config.Config) {
	acmeMgr.mu.Lock()
	m := acmeMgr.m
	acmeMgr.mu.Unlock()
	if m != nil {
		m.Apply(cfg)
	}
}

// stopACME ends the tasks (an issuance under way is abandoned, its
// challenges removed): the process is stopping.
func stopACME() {
	acmeMgr.mu.Lock()
	m := acmeMgr.m
	acmeMgr.m = nil
	acmeMgr.mu.Unlock()
	if m != nil {
		m.Stop()
	}
}
