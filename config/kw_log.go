package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"switchyard/logformat"
	"switchyard/logsink"
	"switchyard/sample"
)

// haproxy's predefined log formats (configuration manual, 8.2).
const (
	HTTPLogFormat = `%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r`
	CLFLogFormat  = `%{+Q}o %{-Q}ci - - [%trg] %r %ST %B "" "" %cp %ms %ft %b %s %TR %Tw %Tc %Tr %Ta %tsc %ac %fc %bc %sc %rc %sq %bq %CC %CS %hrl %hsl`
	TCPLogFormat  = `%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq`
	// defaultSDFormat is the structured data of rfc5424 lines when
	// log-format-sd is not set.
	defaultSDFormat = "- "
)

// logFormatKind says which directive set a proxy's log format, for
// haproxy's warnings when a later one overrides it.
type logFormatKind uint8

const (
	lfNone logFormatKind = iota
	lfCustom
	lfHTTP
	lfCLF
	lfTCP
)

var logFormatDirective = [...]string{lfCustom: "log-format", lfHTTP: "option httplog", lfCLF: "option httplog clf", lfTCP: "option tcplog"}

// Logging is what a proxy logs and where (haproxy's logsrvs, log-format
// and the options around them).
type Logging struct {
	Targets []*logsink.Target
	Tag     string // log-tag; "" for the global one
	// Format is the log-format text, set by log-format or the options;
	// "" without one: the connection is then logged at accept in
	// haproxy's short "Connect from" form.
	Format    string
	FormatPos Pos
	kind      logFormatKind
	FormatSD  string
	SDPos     Pos
	// ErrorFormat is error-log-format: connection errors (a TLS handshake
	// that fails) before any stream exists.
	ErrorFormat string

	DontLogNull    bool // option dontlognull
	SeparateErrors bool // option log-separate-errors
	DontLogNormal  bool // option dontlog-normal
	// LogASAP is option logasap: a stream is logged once the server's
	// response head is in (connected, in TCP), its total time and bytes
	// marked with '+'.
	LogASAP      bool
	HealthChecks bool // option log-health-checks (checks do not exist yet)

	UniqueIDFormat string
	UniqueIDPos    Pos
	UniqueIDHeader string

	// Captures: `capture request|response header`, `declare capture`.
	ReqCaptures, ResCaptures []Capture

	// Compiled at validation, once the proxy's mode is known.
	Compiled   *logformat.Format
	CompiledSD *logformat.Format
	UniqueID   *logformat.Format
}

// Capture is one capture slot: a header captured by name, or a slot that
// `http-request capture ... id N` fills (Header empty).
type Capture struct {
	Header string // lower-case; "" for a declared slot
	Len    int
}

// GlobalLogging is the global section's log settings.
type GlobalLogging struct {
	Targets  []*logsink.Target
	Tag      string
	Hostname string // log-send-hostname: "" sends none
}

func init() {
	register(SecGlobal, "log", func(p *parser, args []string) error {
		if len(args) == 1 && args[0] == "global" {
			return fmt.Errorf("'global' is not supported for a global syslog server")
		}
		t, err := logsink.ParseTarget(args)
		if err != nil {
			return err
		}
		p.cfg.Global.Log.Targets = append(p.cfg.Global.Log.Targets, t)
		return nil
	})
	register(SecGlobal, "log-tag", func(p *parser, args []string) error {
		if len(args) != 1 || args[0] == "" {
			return fmt.Errorf("expects a tag for use in syslog")
		}
		p.cfg.Global.Log.Tag = args[0]
		return nil
	})
	register(SecGlobal, "log-send-hostname", func(p *parser, args []string) error {
		// As haproxy, words after the name are ignored.
		name := hostname()
		if len(args) >= 1 && args[0] != "" {
			name = args[0]
		}
		p.cfg.Global.Log.Hostname = name
		return nil
	})

	registerNegatable(SecProxy, "log", func(p *parser, args []string) error {
		return p.logLine(args, &p.cur.Log.Targets)
	})
	register(SecProxy, "log-tag", func(p *parser, args []string) error {
		if len(args) != 1 || args[0] == "" {
			return fmt.Errorf("expects a tag for use in syslog")
		}
		p.cur.Log.Tag = args[0]
		return nil
	})
	register(SecProxy, "option httplog", func(p *parser, args []string) error {
		kind := lfHTTP
		if len(args) > 0 {
			if args[0] != "clf" {
				return fmt.Errorf("keyword 'httplog' only supports option 'clf'")
			}
			if len(args) > 1 {
				return fmt.Errorf("cannot handle unexpected argument '%s'", args[1])
			}
			kind = lfCLF
		}
		return p.setLogFormat(kind, "")
	})
	register(SecProxy, "option tcplog", func(p *parser, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("cannot handle unexpected argument '%s'", args[0])
		}
		return p.setLogFormat(lfTCP, "")
	})
	register(SecProxy, "log-format", func(p *parser, args []string) error {
		if len(args) != 1 || args[0] == "" {
			return fmt.Errorf("expects an argument")
		}
		return p.setLogFormat(lfCustom, args[0])
	})
	register(SecProxy, "log-format-sd", func(p *parser, args []string) error {
		if len(args) != 1 {
			return fmt.Errorf("expects an argument")
		}
		p.cur.Log.FormatSD, p.cur.Log.SDPos = args[0], p.pos()
		return nil
	})
	register(SecProxy, "error-log-format", func(p *parser, args []string) error {
		if len(args) != 1 {
			return fmt.Errorf("expects an argument")
		}
		p.cur.Log.ErrorFormat = args[0]
		return nil
	})
	for name, opt := range map[string]struct {
		side Cap // where the option acts: haproxy warns and ignores it elsewhere
		set  func(l *Logging, on bool)
	}{
		"dontlognull":         {CapFE, func(l *Logging, on bool) { l.DontLogNull = on }},
		"log-separate-errors": {CapFE, func(l *Logging, on bool) { l.SeparateErrors = on }},
		"dontlog-normal":      {CapFE, func(l *Logging, on bool) { l.DontLogNormal = on }},
		"logasap":             {CapFE, func(l *Logging, on bool) { l.LogASAP = on }},
		"log-health-checks":   {CapBE, func(l *Logging, on bool) { l.HealthChecks = on }},
	} {
		set := opt.set
		// haproxy names the option without "option" in its warning.
		warning := "'" + name + "' ignored because %[2]s '%[3]s' has no %[4]s capability."
		kw := register(SecProxy, "option "+name, func(p *parser, args []string) error {
			on := true
			if len(args) > 0 && args[0] == "no" {
				on, args = false, args[1:]
			}
			if len(args) > 0 {
				return fmt.Errorf("cannot handle unexpected argument '%s'", args[0])
			}
			set(&p.cur.Log, on)
			return nil
		})
		kw.negatable = true
		kw.actsOn(opt.side, warning)
	}
	register(SecProxy, "unique-id-format", func(p *parser, args []string) error {
		if len(args) != 1 {
			return fmt.Errorf("expects an argument")
		}
		p.cur.Log.UniqueIDFormat, p.cur.Log.UniqueIDPos = args[0], p.pos()
		return nil
	})
	register(SecProxy, "unique-id-header", func(p *parser, args []string) error {
		if len(args) != 1 {
			return fmt.Errorf("expects an argument")
		}
		p.cur.Log.UniqueIDHeader = args[0]
		return nil
	})
	register(SecFrontend|SecBackend, "capture request", func(p *parser, args []string) error {
		c, err := parseCapture(args)
		if err == nil {
			p.cur.Log.ReqCaptures = append(p.cur.Log.ReqCaptures, c)
		}
		return err
	}).actsOn(CapFE, ignoredWarning)
	register(SecFrontend|SecBackend, "capture response", func(p *parser, args []string) error {
		c, err := parseCapture(args)
		if err == nil {
			p.cur.Log.ResCaptures = append(p.cur.Log.ResCaptures, c)
		}
		return err
	}).actsOn(CapFE, ignoredWarning)
	register(SecFrontend|SecBackend, "declare capture", func(p *parser, args []string) error {
		if p.cur.Cap&CapFE == 0 {
			return fmt.Errorf("only available in frontend or listen section")
		}
		if len(args) != 3 || args[1] != "len" || args[0] != "request" && args[0] != "response" {
			return fmt.Errorf("expects 'request' or 'response', then 'len' and a length")
		}
		n, err := strconv.Atoi(args[2])
		if err != nil || n < 1 {
			return fmt.Errorf("length must be > 0")
		}
		if args[0] == "request" {
			p.cur.Log.ReqCaptures = append(p.cur.Log.ReqCaptures, Capture{Len: n})
		} else {
			p.cur.Log.ResCaptures = append(p.cur.Log.ResCaptures, Capture{Len: n})
		}
		return nil
	})
}

// parseCapture reads "header <name> len <length>". As haproxy (atoi), a
// length that is not a number is 0: the header is captured empty.
func parseCapture(args []string) (Capture, error) {
	if len(args) != 4 || args[0] != "header" || args[2] != "len" {
		return Capture{}, fmt.Errorf("expects 'header' <header_name> 'len' <len>")
	}
	n, _ := strconv.Atoi(args[3])
	return Capture{Header: strings.ToLower(args[1]), Len: max(n, 0)}, nil
}

// hostname is the machine's name, for log-send-hostname without one.
func hostname() string {
	h, _ := os.Hostname()
	return h
}

// globalLogRef stands for the global targets in a proxy (`log global`):
// resolved at validation, since the global section may name its targets
// later in the file.
// logLine reads a proxy's `[no] log global|TARGET…` line (and
// fcgi-app's log-stderr, the same words) into targets.
func (p *parser) logLine(args []string, targets *[]*logsink.Target) error {
	if len(args) > 0 && args[0] == "no" {
		if len(args) > 1 {
			return fmt.Errorf("'no log' does not expect arguments")
		}
		*targets = nil
		return nil
	}
	if len(args) == 1 && args[0] == "global" {
		*targets = append(*targets, p.globalLogRef())
		return nil
	}
	if len(args) < 2 {
		return fmt.Errorf("expects <address> and <facility> or global as arguments")
	}
	t, err := logsink.ParseTarget(args)
	if err != nil {
		return err
	}
	*targets = append(*targets, t)
	return nil
}

func (p *parser) globalLogRef() *logsink.Target { return globalLogMarker }

var globalLogMarker = &logsink.Target{Text: "global"}

// setLogFormat records a proxy's log format, warning as haproxy does when
// it overrides one set in a defaults section.
func (p *parser) setLogFormat(kind logFormatKind, text string) error {
	lg := &p.cur.Log
	if p.cur.Cap == CapDef && lg.kind != lfNone {
		p.warnf("'%s' overrides previous '%s' in 'defaults' section.", logFormatDirective[kind], logFormatDirective[lg.kind])
	}
	switch kind {
	case lfHTTP:
		text = HTTPLogFormat
	case lfCLF:
		text = CLFLogFormat
	case lfTCP:
		text = TCPLogFormat
	}
	if p.cur.Cap&CapFE == 0 && p.cur.Cap != CapDef {
		p.warnf("backend '%s' : '%s' directive is ignored in backends.", p.cur.Name, logFormatDirective[kind])
	}
	lg.Format, lg.FormatPos, lg.kind = text, p.pos(), kind
	return nil
}

// validateLogging resolves `log global` and compiles a frontend's formats
// now that its mode is known.
func (p *parser) validateLogging(px *Proxy) {
	lg := &px.Log
	var targets []*logsink.Target
	for _, t := range lg.Targets {
		if t == globalLogMarker {
			targets = append(targets, p.cfg.Global.Log.Targets...)
		} else {
			targets = append(targets, t)
		}
	}
	lg.Targets = targets
	if px.Cap&CapFE == 0 {
		return
	}
	if lg.Format != "" && len(lg.Targets) == 0 {
		p.file, p.line = px.Pos.File, px.Pos.Line
		p.warnf("log format ignored for %s '%s' since it has no log address.", px.Cap.Kind(), px.Name)
	}
	httpMode := px.Mode == ModeHTTP
	if !httpMode && (lg.kind == lfHTTP || lg.kind == lfCLF) {
		p.file, p.line = lg.FormatPos.File, lg.FormatPos.Line
		p.warnf("'option httplog' not usable with %s '%s' (needs 'mode http'). Falling back to 'option tcplog'.", px.Cap.Kind(), px.Name)
		lg.Format, lg.kind = TCPLogFormat, lfTCP
	}
	compile := func(text string, pos Pos, what string, o logformat.Options) *logformat.Format {
		o.HTTPMode, o.Env = httpMode, p.samples
		f, err := logformat.ParseOptions(text, o)
		if err != nil {
			p.errs = append(p.errs, &Error{File: pos.File, Line: pos.Line, Msg: fmt.Sprintf("failed to parse %s : %v", what, err)})
		}
		return f
	}
	logOpts := logformat.Options{Flags: logformat.LogFormat, Avail: sample.SrcL4 | sample.SrcBackend | sample.SrcServer}
	if lg.Format != "" {
		lg.Compiled = compile(lg.Format, lg.FormatPos, "log-format", logOpts)
	}
	sd := lg.FormatSD
	if sd == "" {
		for _, t := range lg.Targets {
			if t.Format == logsink.FormatRFC5424 {
				sd = defaultSDFormat
				break
			}
		}
	}
	if sd != "" {
		lg.CompiledSD = compile(sd, lg.SDPos, "log-format-sd", logOpts)
	}
	if lg.UniqueIDFormat != "" {
		lg.UniqueID = compile(lg.UniqueIDFormat, lg.UniqueIDPos, "unique-id",
			logformat.Options{Flags: logformat.UniqueIDFormat, Avail: sample.SrcL4 | sample.SrcHTTPReq | backendSide(px)})
	}
}
