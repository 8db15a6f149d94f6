package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"switchyard/http1"
	"switchyard/sample"
	"switchyard/ssl"
)

// Version is the haproxy version whose configuration language we follow; it
// answers version_atleast() in .if conditions.
const Version = "2.6.0"

// LoadOptions tune loading.
type LoadOptions struct {
	Env      func(string) (string, bool) // nil: the process environment
	Features []string                    // for .if feature(...)
	// Resolve turns a server host into an address; nil uses the system
	// resolver. Tests replace it to stay off the network.
	Resolve func(host string) (string, error)
	// Patterns are the running configuration's pattern files and maps:
	// the files that did not change are shared with it (nil: none).
	Patterns *sample.PatternRefs
	// MasterWorker says the command line asked for master-worker mode
	// (-W, -Ws), which program sections need as much as the
	// `master-worker` keyword.
	MasterWorker bool
	// LocalPeer is -L's name ("" without -L): it wins over the global
	// section's localpeer, as in haproxy.
	LocalPeer string
	// Check says the load is `-c`'s: it also warns about what depends
	// on the date rather than on the configuration (certificates near
	// their expiry), which a running process logs instead (docs/tls.md).
	Check bool
}

// Result is what Load produces besides the config: warnings and notices,
// which a caller prints whether or not there were errors.
type Result struct {
	Messages []Message
}

// Warnings returns the warning-level messages.
func (r *Result) Warnings() []Message {
	var out []Message
	for _, m := range r.Messages {
		if m.Level == LevelWarning {
			out = append(out, m)
		}
	}
	return out
}

// Strict returns the warnings zero-warning and -dW make fatal: all but
// the dated ones (Message.Dated).
func (r *Result) Strict() []Message {
	var out []Message
	for _, m := range r.Warnings() {
		if !m.Dated {
			out = append(out, m)
		}
	}
	return out
}

// parser walks the lexed lines of all files, one section at a time.
type parser struct {
	opt  LoadOptions
	cfg  *Config
	res  *Result
	errs ErrorList

	file string
	line int
	sec  Section
	skip string // name of an unsupported section whose lines are skipped

	cur           *Proxy // the proxy or defaults being filled
	lastDefaults  *Proxy
	namedDefaults map[string]*Proxy
	byName        map[string][]*Proxy
	env           map[string]envValue // setenv and the like, not yet applied
	section       *sectionKind        // the registered section being read, if any
	samples       *sample.Env         // what expressions compile in
	later         []func()            // checks run once every section is read
	// What lint.go notes while parsing: the backends sample fetches
	// read, the lines and certificate warnings already given.
	backendsRead map[string]bool
	lintedLines  map[Pos]bool
	lintedCerts  map[Message]bool
}

// ExpandPaths turns the -f arguments into the list of files to read: a
// directory contributes its *.cfg files in lexical order, as haproxy does.
func ExpandPaths(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("cannot open configuration file/directory %s: %v", p, err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		ents, err := os.ReadDir(p)
		if err != nil {
			return nil, fmt.Errorf("cannot open configuration directory %s: %v", p, err)
		}
		var names []string
		for _, e := range ents {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".cfg") {
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
		for _, n := range names {
			files = append(files, filepath.Join(p, n))
		}
	}
	return files, nil
}

// Load reads, parses and validates a configuration. On error the Config is
// nil and every problem found is in the ErrorList.
func Load(paths []string, opt LoadOptions) (*Config, *Result, ErrorList) {
	res := &Result{}
	files, err := ExpandPaths(paths)
	if err != nil {
		return nil, res, ErrorList{{Msg: err.Error()}}
	}
	srcs := make([][]byte, len(files))
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, res, ErrorList{{File: f, Msg: fmt.Sprintf("cannot read configuration file: %v", err)}}
		}
		srcs[i] = b
	}
	return parse(files, srcs, opt, res)
}

// LoadBytes parses configuration text held in memory (tests, -cc).
func LoadBytes(name string, src []byte, opt LoadOptions) (*Config, *Result, ErrorList) {
	return parse([]string{name}, [][]byte{src}, opt, &Result{})
}

func parse(files []string, srcs [][]byte, opt LoadOptions, res *Result) (*Config, *Result, ErrorList) {
	p := &parser{
		opt:           opt,
		cfg:           &Config{Files: files, Global: defaultGlobal()},
		res:           res,
		namedDefaults: map[string]*Proxy{},
		byName:        map[string][]*Proxy{},
	}
	p.lastDefaults = newDefaults()
	p.samples = &sample.Env{
		Patterns: sample.NewPatternRefs(opt.Patterns),
		Later: func(check func() error) {
			(&Context{p}).Later(func(*Config) error { return check() })
		},
		Lookup: p.lookupObject,
		Warn:   func(msg string) { p.warnf("%s", msg) },
	}
	p.cfg.Patterns = p.samples.Patterns
	lopt := LexOptions{Env: p.lookupEnv, Features: opt.Features, Version: Version}
	for i, f := range files {
		lines, msgs, errs := Lex(f, srcs[i], lopt)
		res.Messages = append(res.Messages, msgs...)
		p.errs = append(p.errs, errs...)
		alerted := false
		for _, e := range errs {
			alerted = alerted || strings.HasPrefix(e.Msg, ".alert: ")
		}
		p.finishProxy() // a section ends with its file
		p.file, p.sec, p.cur, p.skip = f, 0, nil, ""
		for _, l := range lines {
			p.line = l.Num
			p.handle(l.Args)
		}
		if alerted {
			break // as haproxy, an .alert stops the reading of later files
		}
	}
	p.finish()
	for _, check := range p.later {
		check()
	}
	if len(p.errs) == 0 {
		p.validate()
	}
	if len(p.errs) == 0 {
		p.provision()
	}
	if p.cfg.Global.ZeroWarning && len(p.errs) == 0 {
		for _, w := range res.Strict() {
			p.errs = append(p.errs, &Error{File: w.File, Line: w.Line, Msg: "(zero-warning) " + w.Msg})
		}
	}
	if len(p.errs) > 0 {
		return nil, res, p.errs
	}
	p.cfg.procVars = p.samples.ProcVars
	// Lua compiles converters at run time with this Env: their warnings
	// no longer belong to the configuration's messages.
	p.samples.Warn = nil
	return p.cfg, res, nil
}

func defaultGlobal() Global {
	return Global{BufSize: 16384, MaxHdr: 101, MaxRewrite: 1024, StrictLimits: true, PoolLowFDRatio: 20, PoolHighFDRatio: 25,
		SSL: GlobalSSL{Extra: ssl.ExtraAll, Files: &ssl.Files{}}}
}

// newDefaults is the implicit defaults section in force before any is
// declared: haproxy's built-in proxy defaults.
func newDefaults() *Proxy {
	return &Proxy{Cap: CapDef, Retries: 3, RetryOn: RetryConnFailure, DefaultServer: ServerOpts{Weight: 1}}
}

func (p *parser) errorf(format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: p.line, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) warnf(format string, args ...any) {
	p.res.Messages = append(p.res.Messages, Message{File: p.file, Line: p.line, Level: LevelWarning, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) pos() Pos { return Pos{p.file, p.line} }

var unsupportedSections = map[string]bool{
	"peers": true, "resolvers": true, "http-errors": true,
	"ring": true, "cache": true, "mailers": true, "program": true,
	"crt-store": true, "traces": true, "log-forward": true, "fcgi-app": true,
}

// handle dispatches one line: a section header or a keyword of the current
// section.
func (p *parser) handle(args []string) {
	switch args[0] {
	case "global":
		p.finishProxy()
		p.sec, p.cur, p.skip = SecGlobal, nil, ""
		if len(args) > 1 {
			p.errorf("'global' section takes no argument")
		}
		return
	case "defaults", "frontend", "backend", "listen":
		p.finishProxy()
		p.skip = ""
		p.openProxy(args)
		return
	}
	if k := sectionKinds[args[0]]; k != nil {
		p.finishProxy()
		p.openSection(k, args)
		return
	}
	if unsupportedSections[args[0]] {
		p.finishProxy()
		p.sec, p.cur, p.skip = 0, nil, args[0]
		p.errorf("section '%s' is not supported yet by switchyard", args[0])
		return
	}
	if p.skip != "" {
		return // the section header already reported the problem once
	}
	if p.sec == 0 {
		p.errorf("unknown keyword '%s' out of section", args[0])
		return
	}
	neg := false
	if args[0] == "no" && len(args) > 1 {
		if kw, _ := lookup(args[1:], p.sec); kw != nil && kw.negatable {
			neg = true
			args = args[1:]
		}
	}
	kw, n := lookup(args, p.sec)
	if kw == nil {
		if reason, ok := ignoredTuning[args[0]]; ok && p.sec == SecGlobal {
			p.warnf("'%s' has no effect in switchyard (%s); ignored", args[0], reason)
			return
		}
		p.errs = append(p.errs, &Error{File: p.file, Line: p.line, Msg: unknownKeyword(args, p.sec).Error()})
		return
	}
	if kw.where&p.sec == 0 {
		// A keyword of a registered section only (userlist's "user")
		// means nothing elsewhere: unknown there, or an ignored tuning
		// keyword of the global section ("user" again).
		if kw.where < secFirstFree {
			p.errorf("'%s' not allowed in '%s' section", kw.name, sectionName(p.sec))
			return
		}
		if reason, ok := ignoredTuning[args[0]]; ok && p.sec == SecGlobal {
			p.warnf("'%s' has no effect in switchyard (%s); ignored", args[0], reason)
			return
		}
		p.errs = append(p.errs, &Error{File: p.file, Line: p.line, Msg: unknownKeyword(args, p.sec).Error()})
		return
	}
	rest := args[n:]
	if neg {
		rest = append([]string{"no"}, rest...)
	}
	// As haproxy, a keyword of the other side is warned about and
	// ignored, but its arguments are still checked (a bad one is an
	// error): it is parsed into the proxy's ignored copy, so that the line
	// takes no effect (`bind` in a backend opens no socket).
	px := p.cur
	ignored := kw.ignoredIn(px)
	if ignored {
		p.cur = px.ignoring()
		defer func() { p.cur = px }()
	}
	err := kw.parse(p, rest)
	if ignored && (err == nil || !kw.warnLate) {
		p.warnf(kw.sideWarning, kw.name, px.Cap.Kind(), px.Name, kw.side.Kind())
	}
	if err != nil {
		p.errorf("'%s': %v", kw.name, err)
	}
}

// openProxy starts a defaults/frontend/backend/listen section.
func (p *parser) openProxy(args []string) {
	kind := args[0]
	var name, from string
	rest := args[1:]
	if len(rest) > 0 && rest[0] != "from" {
		name, rest = rest[0], rest[1:]
	}
	if len(rest) >= 2 && rest[0] == "from" {
		from, rest = rest[1], rest[2:]
	} else if len(rest) == 1 && rest[0] == "from" {
		p.errorf("'from' expects a defaults section name")
		rest = nil
	}
	if len(rest) > 0 {
		p.errorf("unexpected argument '%s' after %s section name (the old 'listen NAME ADDR' form is not supported; use 'bind')", rest[0], kind)
	}
	if kind != "defaults" && name == "" {
		p.errorf("'%s' expects a name", kind)
		name = "?"
	}
	if name != "" && !validProxyName(name) {
		p.errorf("invalid character in %s name '%s'", kind, name)
	}
	// A defaults section without "from" starts afresh, as in haproxy; a
	// proxy starts from the last defaults section.
	base := p.lastDefaults
	if kind == "defaults" {
		base = newDefaults()
	}
	if from != "" {
		d := p.namedDefaults[from]
		if d == nil {
			p.errorf("%s '%s': unable to find defaults section '%s'", kind, name, from)
		} else {
			base = d
		}
	}
	px := base.inherit()
	px.Name, px.Pos = name, p.pos()
	switch kind {
	case "defaults":
		px.Cap, p.sec = CapDef, SecDefaults
	case "frontend":
		px.Cap, p.sec = CapFE, SecFrontend
	case "backend":
		px.Cap, p.sec = CapBE, SecBackend
	case "listen":
		px.Cap, p.sec = CapFE|CapBE, SecListen
	}
	if kind == "defaults" && from == "" {
		base = nil // a fresh one: nothing inherited
	}
	p.checkRuleDefaults(base, px)
	if px.Cap != CapDef {
		px.ACLs = sample.NewACLSet(p.samples)
	}
	p.cur = px
	if p.samples != nil {
		p.samples.Proxy = px.Name
		p.samples.InDefaults = px.Cap == CapDef
	}
}

// checkRuleDefaults applies haproxy's limits on a defaults section that
// defines tcp or http rules: its proxies run them first, so it may not be
// the parent of another defaults section nor of a listen section, only one
// kind of proxy (frontends or backends) may use it, backends not with
// connection or session rules, frontends not with tcp-response ones.
func (p *parser) checkRuleDefaults(d, px *Proxy) {
	if d == nil || len(d.HTTPRequest)+len(d.HTTPResponse)+len(d.HTTPAfterResponse)+
		len(d.TCP.Connection)+len(d.TCP.Session)+len(d.TCP.Content)+len(d.TCP.Response) == 0 {
		return
	}
	at := fmt.Sprintf("(defaults section at %s:%d)", d.Pos.File, d.Pos.Line)
	switch {
	case px.Cap == CapDef:
		p.errorf("a defaults section cannot inherit from a defaults section defining TCP/HTTP rules %s.", at)
	case px.Cap == CapFE|CapBE:
		p.errorf("a listen section cannot inherit from a defaults section defining TCP/HTTP rules.")
	case d.rulesFor != 0 && d.rulesFor != px.Cap:
		p.errorf("frontends and backends cannot inherit from the same defaults section if it defines TCP/HTTP rules %s.", at)
	case px.Cap == CapBE && len(d.TCP.Connection)+len(d.TCP.Session) > 0:
		p.errorf("a backend section cannot inherit from a defaults section defining 'tcp-request connection' or 'tcp-request session' rules %s.", at)
	case px.Cap == CapFE && len(d.TCP.Response) > 0:
		p.errorf("a frontend section cannot inherit from a defaults section defining 'tcp-response content' rules %s.", at)
	default:
		d.rulesFor = px.Cap
	}
}

// finishProxy closes the current section.
func (p *parser) finishProxy() {
	p.closeSection()
	px := p.cur
	p.cur = nil
	if px == nil {
		return
	}
	if px.Cap == CapDef {
		p.lastDefaults = px
		if px.Name != "" {
			p.namedDefaults[px.Name] = px
		}
		return
	}
	for _, other := range p.byName[px.Name] {
		if other.Cap&px.Cap != 0 {
			p.errs = append(p.errs, &Error{File: px.Pos.File, Line: px.Pos.Line,
				Msg: fmt.Sprintf("%s '%s' has the same name as %s '%s' declared at %s:%d.",
					px.Cap.Kind(), px.Name, other.Cap.Kind(), other.Name, other.Pos.File, other.Pos.Line)})
		}
	}
	p.byName[px.Name] = append(p.byName[px.Name], px)
	p.cfg.Proxies = append(p.cfg.Proxies, px)
}

func (p *parser) finish() { p.finishProxy() }

func validProxyName(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_.:", c)) {
			return false
		}
	}
	return true
}

// inherit copies a defaults proxy into a new section. Slices and maps are
// copied so that the new section can append without touching its parent.
func (d *Proxy) inherit() *Proxy {
	px := *d
	px.Binds, px.UseBackends, px.Servers = nil, nil, nil
	// A named defaults section's http rules come first in the proxy's.
	px.HTTPRequest, px.HTTPResponse = slices.Clip(px.HTTPRequest), slices.Clip(px.HTTPResponse)
	px.HTTPAfterResponse = slices.Clip(px.HTTPAfterResponse)
	t := &px.TCP
	t.Connection, t.Session = slices.Clip(t.Connection), slices.Clip(t.Session)
	t.Content, t.Response = slices.Clip(t.Content), slices.Clip(t.Response)
	px.ACLs, px.ignored, px.MonitorFail = nil, nil, nil
	px.PersistRules, px.UseServers = nil, nil
	px.Ext, px.DefaultServer.Ext = d.Ext.clone(), d.DefaultServer.Ext.clone()
	// Appending to an inherited list must not write into the defaults'.
	px.Log.Targets = slices.Clip(px.Log.Targets)
	px.Log.ReqCaptures, px.Log.ResCaptures = slices.Clip(px.Log.ReqCaptures), slices.Clip(px.Log.ResCaptures)
	if d.Check != nil {
		px.Check = d.Check.Clone()
	}
	if d.ForwardFor != nil {
		ff := *d.ForwardFor
		px.ForwardFor = &ff
	}
	if d.OriginalTo != nil {
		ot := *d.OriginalTo
		px.OriginalTo = &ot
	}
	if d.ErrorFiles != nil {
		px.ErrorFiles = make(map[int]*http1.Reply, len(d.ErrorFiles))
		for k, v := range d.ErrorFiles {
			px.ErrorFiles[k] = v
		}
	}
	return &px
}

// ignoring returns the copy of px that receives the lines ignored in it
// (keywords of the other side, see keyword.side). It starts from px's
// values, so that a line is checked as it would be in px, but holds none of
// its lists: what validate finds there came from ignored lines only. It
// shares the ACLs, which conditions of ignored lines refer to.
func (px *Proxy) ignoring() *Proxy {
	if px.ignored == nil {
		c := *px
		c.Binds, c.UseBackends, c.HTTPRequest, c.HTTPResponse, c.Servers = nil, nil, nil, nil, nil
		c.DefaultBackend, c.DefaultBackPos, c.ErrorFiles = "", Pos{}, nil
		px.ignored = &c
	}
	return px.ignored
}

// lookupObject finds a proxy by kind ("backend", "frontend") and name for
// the Env's Lookup, or nil.
func (p *parser) lookupObject(kind, name string) any {
	if find := lookups[kind]; find != nil {
		return find(&Context{p}, name)
	}
	if kind == "backend" {
		p.noteBackendRead(name)
	}
	want := CapBE
	if kind == "frontend" {
		want = CapFE
	} else if kind != "backend" {
		return nil
	}
	for _, px := range p.byName[name] {
		if px.Cap&want != 0 {
			return px
		}
	}
	return nil
}
