package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"switchyard/config"
)

// version is our release and releaseDate its date. The first line of -v
// is haproxy's, with the haproxy version whose configuration language
// switchyard implements (config.Version) and our release as its suffix, as
// distributions suffix theirs: tools that read haproxy's version from it
// (init scripts, exporters, haproxy's reg-test runner) read that one.
const (
	version     = "0.1.0"
	releaseDate = "2026/12/06"
)

// features answers `.if feature(...)` and is printed by -vv. OPENSSL
// says that TLS is built in, which is what configurations and haproxy's
// tests gate on it for: switchyard's TLS is Go's crypto/tls, and
// ssllib_name_startswith(OpenSSL) stays false for what is OpenSSL's own.
var features = []string{"EPOLL", "GETADDRINFO", "LUA", "OPENSSL", "POLL", "THREAD"}

// fullVersion is the version haproxy's interfaces report (`show info`,
// `show version`, the exporter's build_info, `show proc`): the language's
// haproxy version with our release as its suffix, as on -v's first line.
func fullVersion() string { return config.Version + "-switchyard-" + version }

func versionLine() string {
	return fmt.Sprintf("HAProxy version %s %s - https://example.invalid/switchyard", fullVersion(), releaseDate)
}

func printVersion(w io.Writer, full bool) {
	fmt.Fprintln(w, versionLine())
	fmt.Fprintf(w, "Status: switchyard %s, a load balancer that runs haproxy configurations; not haproxy.\n", version)
	if !full {
		return
	}
	var uts syscall.Utsname
	syscall.Uname(&uts)
	fmt.Fprintf(w, "Running on: %s %s %s %s\n", cstr(uts.Sysname[:]), cstr(uts.Release[:]), cstr(uts.Version[:]), cstr(uts.Machine[:]))
	fmt.Fprintln(w, "Build options :")
	fmt.Fprintf(w, "  TARGET  = %s-%s\n", runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "  CC      = %s\n", runtime.Version())
	opts := "USE_GO=1"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" && s.Value == "true" {
				opts += " USE_RACE=1"
			}
		}
	}
	fmt.Fprintf(w, "  OPTIONS = %s\n\n", opts)
	list := make([]string, 0, len(features))
	for _, f := range features {
		list = append(list, "+"+f)
	}
	fmt.Fprintf(w, "Feature list : %s\n\n", strings.Join(list, " "))
	fmt.Fprintln(w, "Default settings :")
	fmt.Fprintln(w, "  bufsize = 16384, maxrewrite = 1024, maxpollevents = 200")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Built with multi-threading support (MAX_THREADS=%d, default=%d).\n", 4096, runtime.NumCPU())
	fmt.Fprintf(w, "Built with Go version : %s\n\n", runtime.Version())
	fmt.Fprintln(w, "Available polling systems :")
	fmt.Fprintln(w, "      epoll : pref=300,  test result OK")
	fmt.Fprintln(w, "Total: 1 (1 usable), will use epoll.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Available multiplexer protocols :")
	fmt.Fprintln(w, "(protocols marked as <default> cannot be specified using 'proto' keyword)")
	fmt.Fprintln(w, "  <default> : mode=HTTP  side=FE|BE  mux=H1    flags=HTX")
	fmt.Fprintln(w, "  <default> : mode=TCP   side=FE|BE  mux=PASS  flags=")
	fmt.Fprintln(w)
	// The services a configuration can name in use-service, as
	// haproxy lists them (tools gate tests on this line).
	services := "none"
	if names := config.ServiceNames(); len(names) > 0 {
		services = strings.Join(names, " ")
	}
	fmt.Fprintln(w, "Available services : "+services)
	fmt.Fprintln(w, "Available filters : none")
}

func cstr(b []int8) string {
	var sb strings.Builder
	for _, c := range b {
		if c == 0 {
			break
		}
		sb.WriteByte(byte(c))
	}
	return sb.String()
}
