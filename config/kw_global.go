package config

import (
	"fmt"
	"math"
	"strings"
)

func init() {
	register(SecGlobal, "daemon", flagKw(func(p *parser) { p.cfg.Global.Daemon = true }))
	register(SecGlobal, "master-worker", func(p *parser, args []string) error {
		if len(args) > 1 || (len(args) == 1 && args[0] != "no-exit-on-failure") {
			return fmt.Errorf("only accepts 'no-exit-on-failure'")
		}
		p.cfg.Global.MasterWorker = true
		return nil
	})
	register(SecGlobal, "maxconn", func(p *parser, args []string) error {
		return intKw(args, "maxconn", 0, math.MaxInt32, &p.cfg.Global.MaxConn)
	})
	register(SecGlobal, "nbthread", func(p *parser, args []string) error {
		return intKw(args, "nbthread", 1, 4096, &p.cfg.Global.NbThread)
	})
	register(SecGlobal, "pidfile", func(p *parser, args []string) error {
		if err := wantArgs(args, 1, "a file path"); err != nil {
			return err
		}
		p.cfg.Global.PidFile = args[0]
		return nil
	})
	register(SecGlobal, "hard-stop-after", func(p *parser, args []string) error {
		return durationKw(args, &p.cfg.Global.HardStopAfter)
	})
	register(SecGlobal, "tune.bufsize", func(p *parser, args []string) error {
		// Below 1 kB no request line fits; haproxy's own floor is similar.
		return intKw(args, "tune.bufsize", 1024, 1<<30, &p.cfg.Global.BufSize)
	})
	register(SecGlobal, "tune.http.maxhdr", func(p *parser, args []string) error {
		return intKw(args, "tune.http.maxhdr", 1, 32767, &p.cfg.Global.MaxHdr)
	})
	register(SecGlobal, "tune.idle-pool.shared", func(p *parser, args []string) error {
		if err := wantArgs(args, 1, "'on' or 'off'"); err != nil {
			return err
		}
		switch args[0] {
		case "on":
			// What switchyard does: one pool per server for the process.
		case "off":
			p.warnf("'tune.idle-pool.shared off' has no effect in switchyard: a server's idle connections are one pool for the whole process (Go has no per-thread pools); ignored")
		default:
			return fmt.Errorf("expects either 'on' or 'off' but got '%s'", args[0])
		}
		return nil
	})
	register(SecGlobal, "tune.pool-low-fd-ratio", func(p *parser, args []string) error {
		return intKw(args, "tune.pool-low-fd-ratio", 0, 100, &p.cfg.Global.PoolLowFDRatio)
	})
	register(SecGlobal, "tune.pool-high-fd-ratio", func(p *parser, args []string) error {
		return intKw(args, "tune.pool-high-fd-ratio", 0, 100, &p.cfg.Global.PoolHighFDRatio)
	})
	register(SecGlobal, "tune.maxrewrite", func(p *parser, args []string) error {
		return intKw(args, "tune.maxrewrite", 0, 1<<30, &p.cfg.Global.MaxRewrite)
	})
	registerNegatable(SecGlobal, "strict-limits", func(p *parser, args []string) error {
		on, err := negFlag(args)
		p.cfg.Global.StrictLimits = on
		return err
	})
	register(SecGlobal, "zero-warning", flagKw(func(p *parser) { p.cfg.Global.ZeroWarning = true }))
	register(SecGlobal, "localpeer", strKw(func(p *parser, s string) {
		if p.opt.LocalPeer != "" {
			p.warnf("'localpeer' ignored since it is already set by using the '-L' command line argument.")
			return
		}
		p.cfg.Global.LocalPeer = s
	}))
	register(SecGlobal, "node", strKw(func(p *parser, s string) { p.cfg.Global.Node = s }))
	register(SecGlobal, "description", func(p *parser, args []string) error {
		if len(args) == 0 {
			return fmt.Errorf("expects a string argument")
		}
		p.cfg.Global.Description = strings.Join(args, " ")
		return nil
	})
	register(SecGlobal, "setenv", envKw(true))
	register(SecGlobal, "presetenv", envKw(false))
	register(SecGlobal, "unsetenv", func(p *parser, args []string) error {
		if len(args) == 0 {
			return fmt.Errorf("expects at least one variable name")
		}
		for _, a := range args {
			p.changeEnv(EnvChange{Name: a, Unset: true})
		}
		return nil
	})

	for kw, why := range map[string]string{
		"cpu-map":                      "the Go scheduler places threads",
		"tune.ssl.default-dh-param":    "Go's TLS stack has no DHE key exchange",
		"tune.ssl.cachesize":           "Go's TLS stack manages its session cache",
		"tune.ssl.lifetime":            "Go's TLS stack manages its session cache",
		"tune.ssl.maxrecord":           "Go's TLS stack sizes records",
		"tune.ssl.capture-buffer-size": "not applicable",
		"tune.maxaccept":               "the Go runtime accepts",
		"tune.maxpollevents":           "the Go runtime polls",
		"tune.recv_enough":             "not applicable",
		"tune.rcvbuf.client":           "kernel defaults apply",
		"tune.rcvbuf.server":           "kernel defaults apply",
		"tune.sndbuf.client":           "kernel defaults apply",
		"tune.sndbuf.server":           "kernel defaults apply",
		"tune.idletimer":               "not applicable",
		"tune.pipesize":                "switchyard does not splice",
		"tune.fd.edge-triggered":       "the Go runtime polls",
		"noepoll":                      "the Go runtime polls",
		"nopoll":                       "the Go runtime polls",
		"nosplice":                     "switchyard does not splice",
		"busy-polling":                 "the Go runtime polls",
		"ulimit-n":                     "raise the limit with systemd or ulimit",
		"mworker-max-reloads":          "reloads happen in place: no old worker survives them",
	} {
		ignoredTuning[kw] = why
	}
	// As haproxy 2.6, which removed it.
	register(SecGlobal, "nbproc", func(*parser, []string) error {
		return fmt.Errorf("nbproc is not supported any more since HAProxy 2.5. Threads will automatically be used on multi-processor machines if available")
	})
	registerNotYet("stats",
		"maxsslrate",
		"maxcomprate",
		"close-spread-time", "insecure-fork-wanted", "external-check", "h1-case-adjust",
		"h1-case-adjust-file", "unix-bind")
}

// flagKw is a keyword without arguments.
func flagKw(set func(p *parser)) func(p *parser, args []string) error {
	return func(p *parser, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("takes no argument")
		}
		set(p)
		return nil
	}
}

// strKw is a keyword with one word.
func strKw(set func(p *parser, s string)) func(p *parser, args []string) error {
	return func(p *parser, args []string) error {
		if err := wantArgs(args, 1, "one argument"); err != nil {
			return err
		}
		set(p, args[0])
		return nil
	}
}

func intKw(args []string, what string, lo, hi int, dst *int) error {
	if err := wantArgs(args, 1, "an integer argument"); err != nil {
		return err
	}
	n, err := parseInt(what, args[0], lo, hi)
	if err != nil {
		return err
	}
	*dst = n
	return nil
}

// negFlag reads the arguments of a negatable flag keyword: none, or the "no"
// the dispatcher prepended.
func negFlag(args []string) (bool, error) {
	on, args := stripNo(args)
	if len(args) > 0 {
		return on, fmt.Errorf("takes no argument")
	}
	return on, nil
}

// stripNo takes off the "no" the dispatcher prepends to a negated
// keyword: on is false when it was there.
func stripNo(args []string) (on bool, rest []string) {
	if len(args) > 0 && args[0] == "no" {
		return false, args[1:]
	}
	return true, args
}

func envKw(overwrite bool) func(p *parser, args []string) error {
	return func(p *parser, args []string) error {
		if err := wantArgs(args, 2, "<name> <value>"); err != nil {
			return err
		}
		if _, set := p.lookupEnv(args[0]); set && !overwrite {
			return nil
		}
		p.changeEnv(EnvChange{Name: args[0], Value: args[1]})
		return nil
	}
}
