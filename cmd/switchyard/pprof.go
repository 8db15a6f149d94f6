package main

import (
	"net/http"
	_ "net/http/pprof" // profiles for SWITCHYARD_PPROF
	"os"
)

// startProfiler serves Go's profiles on SWITCHYARD_PPROF (e.g.
// 127.0.0.1:6060) when set: a debugging aid for performance work.
func startProfiler() {
	if addr := os.Getenv("SWITCHYARD_PPROF"); addr != "" {
		go http.ListenAndServe(addr, nil)
	}
}
