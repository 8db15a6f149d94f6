package main

import (
	"fmt"
	"strconv"
	"strings"
)

// options are the command-line settings, spelled as haproxy's.
type options struct {
	files      []string
	check      bool   // -c
	condition  string // -cc EXPR
	foreground bool   // -d, -db
	debug      bool   // -d
	daemon     bool   // -D
	master     bool   // -W, -Ws
	systemd    bool   // -Ws
	pidfile    string // -p
	localPeer  string // -L
	quiet      bool   // -q
	verbose    bool   // -V
	version    int    // -v: 1, -vv: 2
	help       bool
	failWarn   bool  // -dW
	finishPids []int // -sf
	terminate  []int // -st
	chdir      string
	demo       bool
	xsock      string   // -x: the old process's stats socket to take listeners from
	masterSock string   // -S: the master CLI's socket and its options
	args       []string // as given, for a new binary to start with (reexec.go)
	memMB      int      // -m: the memory limit, in megabytes (0: none)
}

// parseArgs reads haproxy's command line. Unlike Go's flag package it takes
// multi-letter single-dash flags (-db, -Ws, -sf) and the pid lists of -sf/-st.
func parseArgs(args []string) (*options, error) {
	o := &options{}
	if len(args) > 0 && args[0] == "demo" {
		o.demo = true
		return o, nil
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		value := func() (string, error) {
			if i+1 >= len(args) {
				return "", fmt.Errorf("option '%s' expects an argument", a)
			}
			i++
			return args[i], nil
		}
		var err error
		switch {
		case a == "--":
			o.files = append(o.files, args[i+1:]...)
			i = len(args)
		case a == "-f":
			var f string
			f, err = value()
			o.files = append(o.files, f)
		case a == "-c":
			o.check = true
		case a == "-cc":
			o.condition, err = value()
		case a == "-p":
			o.pidfile, err = value()
		case a == "-L":
			o.localPeer, err = value()
		case a == "-C":
			o.chdir, err = value()
		case a == "-D":
			o.daemon = true
		case a == "-W":
			o.master = true
		case a == "-Ws":
			o.master, o.systemd = true, true
		case a == "-q":
			o.quiet = true
		case a == "-V":
			o.verbose = true
		case a == "-v":
			o.version = max(o.version, 1)
		case a == "-vv":
			o.version = 2
		case a == "-h", a == "--help":
			o.help = true
		case a == "-d":
			o.foreground, o.debug = true, true
		case a == "-db":
			o.foreground = true
		case a == "-dW":
			o.failWarn = true
		case strings.HasPrefix(a, "-d"):
			// Other haproxy debug switches (-dM, -dS, -dr, -dV, ...) tune
			// its C internals; they have no meaning here and are accepted.
		case a == "-sf" || a == "-st":
			var pids []int
			for i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				pid, perr := strconv.Atoi(args[i+1])
				if perr != nil {
					return nil, fmt.Errorf("option '%s' expects process ids, got '%s'", a, args[i+1])
				}
				pids = append(pids, pid)
				i++
			}
			if a == "-sf" {
				o.finishPids = append(o.finishPids, pids...)
			} else {
				o.terminate = append(o.terminate, pids...)
			}
		case a == "-x":
			o.xsock, err = value()
		case a == "-S":
			o.masterSock, err = value()
		case a == "-m":
			var v string
			if v, err = value(); err == nil {
				o.memMB, err = strconv.Atoi(v)
				if err != nil || o.memMB < 0 {
					err = fmt.Errorf("option '-m' expects a size in megabytes, got '%s'", v)
				}
			}
		case a == "-n" || a == "-N":
			return nil, fmt.Errorf("option '%s' is not supported yet by switchyard; set maxconn in the configuration", a)
		default:
			return nil, fmt.Errorf("unknown option '%s'", a)
		}
		if err != nil {
			return nil, err
		}
	}
	return o, nil
}

const usage = `Usage : switchyard [-f <cfgfile|cfgdir>]* [ -vdVD ] [ -p <pidfile> ] [ -C <dir> ] [-- <cfgfile>*]
        -v displays version ; -vv shows known build options.
        -d enters debug mode ; -db only disables background mode.
        -V enters verbose mode (disables quiet mode)
        -D goes daemon ; -C changes to <dir> before loading files.
        -W master-worker mode (SIGUSR2 or SIGHUP reloads the configuration).
        -Ws master-worker mode with systemd notify support.
        -q quiet mode : don't display messages
        -c check mode : only check config files and exit
        -cc check condition : evaluate a condition and exit
        -L set local peer name (default to hostname)
        -p writes the pid to this file
        -m limits the memory to this many megabytes (Go's soft memory limit)
        -dW fails if any warning is emitted
        -d<x> other haproxy debug switches are accepted and ignored
        -sf/-st [pid ]* finishes/terminates old pids.
        -S <addr>[,<opts>] the master CLI: show proc, reload, @1 <command>
        -x <unix_socket> get listening sockets from a unix socket (the old process's
           stats socket with "expose-fd listeners"), for an upgrade that loses nothing
   switchyard demo : run the quickstart (three demo origins behind a load balancer)
`
