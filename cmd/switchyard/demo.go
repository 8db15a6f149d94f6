package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"switchyard/examples"
)

// runDemo is the quickstart: three origins on ephemeral loopback ports, and
// switchyard in front of them running examples/quickstart.cfg.
func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address the load balancer listens on")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	for i := 1; i <= 3; i++ {
		addr, err := startOrigin(i)
		if err != nil {
			fmt.Fprintf(stderr, "[ALERT] demo origin %d: %v\n", i, err)
			return 1
		}
		os.Setenv(fmt.Sprintf("ORIGIN%d", i), addr)
	}
	os.Setenv("LISTEN", *listen)
	dir, err := os.MkdirTemp("", "switchyard-demo")
	if err != nil {
		fmt.Fprintf(stderr, "[ALERT] %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	cfgPath := filepath.Join(dir, "quickstart.cfg")
	if err := os.WriteFile(cfgPath, examples.Quickstart, 0o644); err != nil {
		fmt.Fprintf(stderr, "[ALERT] %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "switchyard demo: load balancer on http://%s/ in front of %s, %s, %s\n",
		*listen, os.Getenv("ORIGIN1"), os.Getenv("ORIGIN2"), os.Getenv("ORIGIN3"))
	fmt.Fprintf(stdout, "try:  curl http://%s/   (repeat it: the origins answer in turn)\n", *listen)
	fmt.Fprintf(stdout, "      curl http://%s/healthz\n", *listen)
	fmt.Fprintf(stdout, "      the stats page: http://%s/stats   metrics: curl http://%s/metrics\n", *listen, *listen)
	fmt.Fprintln(stdout, "configuration: examples/quickstart.cfg; stop with Ctrl-C")
	o := &options{files: []string{cfgPath}, foreground: true}
	cfg, ok := loadConfig(o, stderr, nil)
	if !ok {
		return 1
	}
	return serve(o, cfg, stderr)
}

// startOrigin runs a tiny HTTP server that says who it is.
func startOrigin(n int) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	name := fmt.Sprintf("origin%d", n)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Origin", name)
		fmt.Fprintf(w, "hello from %s (%s %s, client %s)\n", name, r.Method, r.URL.Path, r.Header.Get("X-Forwarded-For"))
	})}
	go srv.Serve(l) // ends with the process
	return l.Addr().String(), nil
}
