// Command switchyard is a load balancer that runs haproxy configurations.
// This file holds the process life: flags, configuration loading, signals,
// reloads and stop. The data plane lives in package proxy.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"switchyard/admin"
	"switchyard/config"
	"switchyard/fdpass"
	"switchyard/listener"
	"switchyard/logsink"
	"switchyard/proxy"
	"switchyard/sample"
)

// defaultStopGrace bounds a SIGTERM/SIGINT stop when hard-stop-after is unset.
const defaultStopGrace = 30 * time.Second

func main() {
	withStackSetting()
	admin.Version = fullVersion()
	code := run(os.Args[1:], os.Stdout, os.Stderr)
	logsink.Flush() // the lines gathered for syslog in the last millisecond
	os.Exit(code)
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args)
	if err == nil {
		o.args = args
	}
	if err != nil {
		fmt.Fprintf(stderr, "[ALERT] %v\n%s", err, usage)
		return 1
	}
	switch {
	case o.demo:
		return runDemo(args[1:], stdout, stderr)
	case o.help:
		fmt.Fprint(stderr, versionLine()+"\n"+usage)
		return 1
	case o.version > 0:
		printVersion(stdout, o.version > 1)
		return 0
	case o.condition != "":
		return evalCondition(o.condition, stderr)
	}
	if o.chdir != "" {
		if err := os.Chdir(o.chdir); err != nil {
			fmt.Fprintf(stderr, "[ALERT] cannot change directory to %s: %v\n", o.chdir, err)
			return 1
		}
	}
	if len(o.files) == 0 {
		fmt.Fprintf(stderr, "[ALERT] No configuration file specified (use -f).\n%s", usage)
		return 1
	}
	// haproxy sets HAPROXY_LOCALPEER at start, to -L's name or else the
	// host name, for configurations that expand it.
	if o.localPeer != "" {
		os.Setenv("HAPROXY_LOCALPEER", o.localPeer)
	} else if h, err := os.Hostname(); err == nil {
		os.Setenv("HAPROXY_LOCALPEER", h)
	}
	cfg, ok := loadConfig(o, stderr, nil)
	if o.check {
		if !ok {
			fmt.Fprintln(stderr, "Fatal errors found in configuration.")
			return 1
		}
		if !o.quiet {
			fmt.Fprintln(stdout, "Configuration file is valid")
		}
		return 0
	}
	if !ok {
		return 1
	}
	if (o.daemon || cfg.Global.Daemon) && !o.foreground && os.Getenv(daemonEnv) == "" {
		return daemonize(stderr)
	}
	return serve(o, cfg, stderr)
}

// loadConfig reads the files and prints warnings and errors in haproxy's
// "file:line: message" form.
// prev is the running configuration's pattern files, which the new one
// shares where they did not change (nil at start).
func loadConfig(o *options, stderr io.Writer, prev *sample.PatternRefs) (*config.Config, bool) {
	cfg, res, errs := config.Load(o.files, config.LoadOptions{Features: features, Patterns: prev, MasterWorker: o.master, Check: o.check, LocalPeer: o.localPeer})
	quiet := o.quiet && !o.verbose
	for _, m := range res.Messages {
		if quiet && m.Level != config.LevelAlert {
			continue
		}
		fmt.Fprintf(stderr, "%s\n", formatMessage(m))
	}
	for _, e := range errs {
		fmt.Fprintln(stderr, e.Error())
	}
	if len(errs) == 0 && o.failWarn && len(res.Strict()) > 0 {
		fmt.Fprintln(stderr, "[ALERT] warnings found and -dW set: refusing to start.")
		return nil, false
	}
	return cfg, len(errs) == 0
}

func formatMessage(m config.Message) string {
	level := map[config.Level]string{config.LevelDiag: "diag", config.LevelNotice: "notice",
		config.LevelWarning: "warning", config.LevelAlert: "alert"}[m.Level]
	if m.File == "" {
		return fmt.Sprintf("%s: %s", level, m.Msg)
	}
	return fmt.Sprintf("%s:%d: %s: %s", m.File, m.Line, level, m.Msg)
}

// serve runs the proxy until stopped.
func serve(o *options, cfg *config.Config, stderr io.Writer) int {
	startProfiler()
	level := slog.LevelInfo
	if o.debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	runningPrograms.log = log
	// Signals are caught before the sockets open: a reload or stop sent as
	// soon as the port answers must not kill the process.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGUSR2, syscall.SIGUSR1, syscall.SIGTERM, syscall.SIGINT)
	applyThreads(cfg)
	if o.memMB > 0 && os.Getenv("GOMEMLIMIT") == "" {
		// haproxy's -m caps what it may allocate (RLIMIT_AS); a Go
		// process cannot live under an address-space cap, so the limit
		// is the runtime's: the collector works harder to stay under it.
		debug.SetMemoryLimit(int64(o.memMB) << 20)
	}
	lm := listener.NewManager()
	// A previous binary handing over in master-worker mode (reexec.go).
	handed, readyW, priorReloads, err := inherited()
	if err != nil {
		log.Warn("could not take the listening sockets of the previous binary; binding new ones", "err", err)
	} else if handed != nil {
		reloadsDone.Store(priorReloads)
		if err := lm.Adopt(handed); err != nil {
			log.Warn("some inherited sockets could not be used", "err", err)
		}
	}
	if o.xsock != "" {
		// A binary upgrade: the old process's very sockets, with what
		// waits in their accept queues. Without them the new process
		// binds its own (SO_REUSEPORT), as haproxy falls back.
		files, err := fdpass.Fetch(o.xsock, 5*time.Second)
		if err != nil {
			log.Warn("could not get the listening sockets of the previous process; binding new ones", "socket", o.xsock, "err", err)
		} else if err := lm.Adopt(files); err != nil {
			log.Warn("some inherited sockets could not be used", "err", err)
		}
	}
	rt := proxy.New(log, lm)
	cfg.ApplyVars() // before the first request can read them
	if err := rt.Apply(cfg); err != nil {
		fmt.Fprintf(stderr, "[ALERT] %v\n", err)
		return 1
	}
	provision(cfg, log)
	watchPatterns(rt, log)
	// Servers come back as a server-state-file left them (read at start
	// only: a reload in place keeps the state in memory).
	for _, w := range admin.New(rt).LoadServerState(cfg) {
		log.Warn(w)
	}
	mgr := startACME(rt, cfg, log)
	defer stopACME()
	if err := startRuntimeAPI(rt, cfg, log, mgr); err != nil {
		fmt.Fprintf(stderr, "[ALERT] %v\n", err)
		rt.Stop(context.Background())
		return 1
	}
	defer stopRuntimeAPI()
	if o.masterSock != "" {
		if err := startMasterCLI(o.masterSock); err != nil {
			fmt.Fprintf(stderr, "[ALERT] %v\n", err)
			rt.Stop(context.Background())
			return 1
		}
	}
	pidfile := o.pidfile
	if pidfile == "" {
		pidfile = cfg.Global.PidFile
	}
	if pidfile != "" {
		if err := os.WriteFile(pidfile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			fmt.Fprintf(stderr, "[ALERT] cannot create pidfile %s: %v\n", pidfile, err)
			rt.Stop(context.Background())
			return 1
		}
		defer removePidfile(pidfile)
	}
	// chroot, group and user: checked before the previous process is
	// told to stop, taken after (privileges.go says why).
	if err := checkPrivileges(cfg.Global.Privileges); err != nil {
		fmt.Fprintf(stderr, "[ALERT] %v\n", err)
		rt.Stop(context.Background())
		return 1
	}
	// The previous process (haproxy's -sf/-st) stops once we listen.
	for _, pid := range o.finishPids {
		syscall.Kill(pid, syscall.SIGUSR1)
	}
	for _, pid := range o.terminate {
		syscall.Kill(pid, syscall.SIGTERM)
	}
	if err := dropPrivileges(cfg.Global.Privileges, log); err != nil {
		fmt.Fprintf(stderr, "[ALERT] %v\n", err)
		rt.Stop(context.Background())
		return 1
	}
	// The programs start once the proxies serve, as haproxy's master
	// starts them with its worker; as this process's children, they
	// have its identity, dropped or not (see docs/configuration.md).
	runningPrograms.start(cfg)
	notifySystemd(o, "READY=1")
	log.Info("switchyard started", "pid", os.Getpid(), "files", strings.Join(cfg.Files, ","))
	if readyW != nil {
		// The previous binary stops once told: this process serves.
		readyW.Write([]byte{1})
		readyW.Close()
	}

	// Reloads run beside the signal loop, so that a slow one (a huge map,
	// a slow DNS answer) never holds up signals: a stop during a reload is
	// seen at once. Reload signals that arrive while one runs make one
	// more, with the newest files.
	reloads := make(chan struct{}, 1)
	go func() {
		for range reloads {
			notifySystemd(o, "RELOADING=1")
			if (o.master || rt.Snapshot().Global.MasterWorker) && binaryReplaced() {
				if replaceBinary(o, rt, lm, log) {
					return // this process stops: the new one serves
				}
			} else {
				reload(o, rt, log, stderr)
			}
			notifySystemd(o, "READY=1")
		}
	}()
	defer close(reloads)

	// A stop runs beside the signal loop, so that a second signal still
	// counts: SIGTERM or SIGINT during a soft stop (or a second one during
	// a graceful stop) closes the remaining connections at once.
	var stopped chan struct{}
	var hurry context.CancelFunc
	exitCode := 0
	for {
		select {
		case <-stopped:
			if exitCode == 0 {
				exitCode = runningPrograms.exitStatus()
			}
			return exitCode
		case sig := <-sigs:
			switch {
			case stopped != nil:
				if sig == syscall.SIGTERM || sig == syscall.SIGINT {
					log.Info("stop requested again: closing the remaining connections")
					runningPrograms.signal(sig.(syscall.Signal), true)
					hurry()
				}
			case sig == syscall.SIGHUP || sig == syscall.SIGUSR2:
				select {
				case reloads <- struct{}{}:
				default: // one is already due: it will read the newest files
				}
			default:
				if !handedOver.Load() {
					notifySystemd(o, "STOPPING=1")
				}
				if sig == syscall.SIGINT && (o.master || rt.Snapshot().Global.MasterWorker) {
					// haproxy's master exits 128+SIGINT when
					// interrupted (SIGTERM: 0), and its test
					// tools expect it.
					exitCode = 128 + int(syscall.SIGINT)
				}
				// Soft stop (SIGUSR1): haproxy waits for connections
				// without limit unless hard-stop-after is set.
				grace := rt.Snapshot().Global.HardStopAfter
				if grace == 0 && sig != syscall.SIGUSR1 {
					grace = defaultStopGrace
				}
				var ctx context.Context
				ctx, hurry = stopContext(grace)
				// The programs get the stop's signal, as haproxy's
				// master forwards it to its children.
				runningPrograms.signal(sig.(syscall.Signal), true)
				if sig == syscall.SIGUSR1 {
					rt.SoftStop() // the peers' tables go to the successor
				}
				stopped = make(chan struct{})
				go func() {
					defer close(stopped)
					stop(ctx, rt, log)
					runningPrograms.wait(ctx)
				}()
			}
		}
	}
}

// stopContext bounds a stop by grace (0: no bound); its cancel function
// ends the stop at once.
func stopContext(grace time.Duration) (context.Context, context.CancelFunc) {
	if grace > 0 {
		return context.WithTimeout(context.Background(), grace)
	}
	return context.WithCancel(context.Background())
}

// removePidfile removes the pid file if it is still ours: after -sf, the
// new process has written its own.
func removePidfile(path string) {
	b, err := os.ReadFile(path)
	if err == nil && strings.TrimSpace(string(b)) == strconv.Itoa(os.Getpid()) {
		os.Remove(path)
	}
}

// replaceBinary runs the new binary on this process's sockets (reexec.go)
// and, once it serves, hands the unit over and soft-stops this process. It
// returns whether the new binary took over.
func replaceBinary(o *options, rt *proxy.Runtime, lm *listener.Manager, log *slog.Logger) bool {
	if rt.Stopping() {
		return false
	}
	pid, err := upgrade(o.args, lm, log)
	if err != nil {
		reloadsFailed.Add(1)
		runningPrograms.reloaded(nil)
		log.Error("binary upgrade failed; this process goes on serving", "err", err)
		return false
	}
	notifySystemd(o, "MAINPID="+strconv.Itoa(pid)+"\nREADY=1")
	handedOver.Store(true)
	runningPrograms.retire() // the new binary runs its own
	log.Info("the new binary serves; finishing the connections here", "pid", pid)
	syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	return true
}

// reload builds the new configuration beside the running one; on any error
// the running one stays.
func reload(o *options, rt *proxy.Runtime, log *slog.Logger, stderr io.Writer) {
	if rt.Stopping() {
		return // a stop came first: nothing more is put in service
	}
	log.Info("reloading configuration")
	cfg, ok := loadConfig(o, stderr, rt.Snapshot().Patterns)
	if !ok {
		reloadsFailed.Add(1)
		runningPrograms.reloaded(nil)
		log.Error("reload failed: configuration has errors; keeping the running configuration")
		return
	}
	if err := rt.Apply(cfg); err != nil {
		reloadsFailed.Add(1)
		runningPrograms.reloaded(nil)
		log.Error("reload failed; keeping the running configuration", "err", err)
		return
	}
	cfg.ApplyVars()
	provision(cfg, log)
	watchPatterns(rt, log)
	applyRuntimeAPI(cfg, log)
	applyACME(cfg)
	applyThreads(cfg)
	runningPrograms.reloaded(cfg)
	reloadsDone.Add(1)
	log.Info("configuration reloaded")
}

// provision makes the changes to the process that a configuration asks
// for once it is in force (loading it, -c and a failed reload change
// nothing): the environment of setenv, presetenv and unsetenv.
func provision(cfg *config.Config, log *slog.Logger) {
	if err := cfg.ApplyEnv(); err != nil {
		log.Error("setting the environment", "err", err)
	}
	warnPrivilegeChange(cfg, log)
}

// applyThreads maps `nbthread` onto GOMAXPROCS, the number of threads
// running Go code, unless the environment sets GOMAXPROCS.
func applyThreads(cfg *config.Config) {
	if n := cfg.Global.NbThread; n > 0 && os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(n)
	}
}

// stop closes listeners and waits for connections until ctx ends.
func stop(ctx context.Context, rt *proxy.Runtime, log *slog.Logger) {
	log.Info("stopping: no longer accepting connections, waiting for active ones")
	stopRuntimeAPI()
	stopACME()
	if !rt.Stop(ctx) {
		log.Warn("stop grace period over: remaining connections were closed")
	}
	log.Info("stopped")
}

// evalCondition implements -cc: exit 0 when true, 1 when false or invalid.
// The expression is split into words by the configuration lexer, so quoting
// works as on an .if line.
func evalCondition(expr string, stderr io.Writer) int {
	opt := config.LexOptions{Features: features, Version: config.Version}
	lines, _, errs := config.Lex("-cc", []byte("cc "+expr+"\n"), opt)
	if len(errs) > 0 {
		fmt.Fprintln(stderr, errs.Error())
		return 1
	}
	var words []string
	if len(lines) == 1 {
		words = lines[0].Args[1:]
	}
	ok, err := config.EvalCond(words, opt)
	if err != nil {
		fmt.Fprintf(stderr, "Failed to evaluate condition: %v\n", err)
		return 1
	}
	if ok {
		return 0
	}
	return 1
}
