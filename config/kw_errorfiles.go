package config

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"switchyard/http1"
	"switchyard/sample"
)

// http-errors sections, the errorfiles and http-error proxy keywords, and
// the errorfiles option of return/deny.
//
// As in haproxy, errorfile, errorloc*, errorfiles and http-error of a proxy
// (its defaults' first) apply in the order they are written, the last one
// for a status winning. errorfile and errorloc write ErrorFiles at once;
// an errorfiles line names a section that may come later in the file, so
// it is resolved once every section is read: it gives a status its
// section's message unless a line written after it changed that status.

// HTTPErrors is one http-errors section: its messages by status.
type HTTPErrors struct {
	Name    string
	Pos     Pos
	Replies map[int]*http1.Reply
}

type httpErrorsKey struct{}

// HTTPErrorSections are the configuration's http-errors sections by name.
func HTTPErrorSections(g *Global) map[string]*HTTPErrors {
	m, _ := g.Ext[httpErrorsKey{}].(map[string]*HTTPErrors)
	return m
}

// errorfilesLine is an errorfiles line of a proxy (or the errorfiles
// payload of an http-error line), kept until the sections are known.
type errorfilesLine struct {
	pos     Pos
	section string
	codes   []int // nil: every status the section has
	// before is what ErrorFiles held for the line's statuses when it was
	// read: a status whose message is another one at the end was set
	// again by a later line, which wins.
	before map[int]*http1.Reply
}

type errorfilesKey struct{}
type errorfilesResolveKey struct{}

// resetReply stands, while a proxy is read, for "back to the built-in
// message" (http-error ... default-errorfiles): a status holding it is
// removed from ErrorFiles once errorfiles lines are resolved.
var resetReply = &http1.Reply{}

func init() {
	var cur *HTTPErrors
	sec := RegisterSection("http-errors", func(c *Context, args []string) error {
		cur = nil
		if len(args) == 0 || args[0] == "" {
			return fmt.Errorf("missing name for http-errors section.")
		}
		if err := checkSectionName("http-errors", args[0]); err != nil {
			return err
		}
		all := HTTPErrorSections(c.Global())
		if all == nil {
			all = map[string]*HTTPErrors{}
			c.Global().Ext.Set(httpErrorsKey{}, all)
		}
		if old := all[args[0]]; old != nil {
			return fmt.Errorf("http-errors section '%s' already exists (declared at %s:%d).", args[0], old.Pos.File, old.Pos.Line)
		}
		cur = &HTTPErrors{Name: args[0], Pos: c.Pos(), Replies: map[int]*http1.Reply{}}
		all[args[0]] = cur
		return nil
	}, nil)
	RegisterKeyword(sec, "errorfile", func(c *Context, args []string) error {
		if len(args) < 2 || args[0] == "" || args[1] == "" {
			return fmt.Errorf("expects <status_code> and <file> as arguments.")
		}
		code, reply, err := loadErrorFile(c, args[0], args[1])
		if err != nil {
			return err
		}
		if cur != nil {
			cur.Replies[code] = reply
		}
		return nil
	})

	register(SecProxy, "errorfiles", func(p *parser, args []string) error {
		if len(args) == 0 || args[0] == "" {
			return fmt.Errorf("expects <name> as argument.")
		}
		var codes []int
		for _, a := range args[1:] {
			code, _ := strconv.Atoi(a)
			if !errorFileCodes[code] {
				return fmt.Errorf("status code '%s' not handled.", a)
			}
			codes = append(codes, code)
		}
		p.addErrorfiles(args[0], codes)
		return nil
	})

	register(SecProxy, "http-error", func(p *parser, args []string) error {
		hasStatus, dynamic := false, false
		section, rest := "", make([]string, 0, len(args))
		for i := 0; i < len(args); i++ {
			a := args[i]
			hasStatus = hasStatus || a == "status"
			switch a {
			case "errorfiles":
				if i+1 >= len(args) || args[i+1] == "" {
					return fmt.Errorf("'%s' expects <name> as argument", a)
				}
				if section != "" {
					return fmt.Errorf("unexpected '%s' argument, '%s' already defined", a, a)
				}
				section = args[i+1]
				i++
				continue
			case "string", "file", "lf-string", "lf-file", "errorfile", "default-errorfiles":
				if section != "" {
					return fmt.Errorf("unexpected '%s' argument, 'errorfiles' already defined", a)
				}
			}
			if (a == "lf-string" || a == "hdr" && i+1 < len(args)) && i+1 < len(args) {
				v := args[i+1]
				if a == "hdr" && i+2 < len(args) {
					v = args[i+2]
				}
				dynamic = dynamic || strings.ContainsRune(v, '%')
			}
			if a == "lf-file" && i+1 < len(args) {
				if data, err := os.ReadFile(args[i+1]); err == nil && strings.ContainsRune(string(data), '%') {
					dynamic = true
				}
			}
			rest = append(rest, a)
		}
		if !hasStatus {
			return fmt.Errorf("expects at least a <status> as arguments.")
		}
		r := &HTTPRule{Action: ActReturn, Pos: p.pos()}
		c := &RuleContext{Context: &Context{p}, Set: HTTPRequestRules}
		n, err := parseReply(c, r, rest)
		if err != nil {
			return err
		}
		if n < len(rest) {
			return fmt.Errorf("unknown keyword '%s'.", rest[n])
		}
		if !errorFileCodes[r.Status] {
			return fmt.Errorf("status code '%d' not handled.", r.Status)
		}
		var reply *http1.Reply
		switch {
		case section != "":
			p.addErrorfiles(section, []int{r.Status})
			return nil
		case r.UseErrorFile:
			reply = resetReply
		case r.Reply != nil:
			reply = r.Reply
		case dynamic:
			// Values that depend on the request: rendered per response,
			// as a return would be.
			reply = http1.DynamicReply(r.Status, r)
		default:
			reply, err = staticReply(p, r)
			if err != nil {
				return err
			}
		}
		if p.cur.ErrorFiles == nil {
			p.cur.ErrorFiles = map[int]*http1.Reply{}
		}
		p.cur.ErrorFiles[r.Status] = reply
		return nil
	})
}

// loadErrorFile reads an errorfile line's status and file.
func loadErrorFile(c *Context, status, file string) (int, *http1.Reply, error) {
	code, _ := strconv.Atoi(status)
	if !errorFileCodes[code] {
		return 0, nil, fmt.Errorf("status code '%s' not handled.", status)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, nil, fmt.Errorf("error opening file '%s': %v", file, err)
	}
	bufSize := c.Global().BufSize
	reply, err := http1.ParseErrorFile(data, bufSize)
	if err != nil {
		return 0, nil, fmt.Errorf("file '%s': %v", file, err)
	}
	if reply.Truncated {
		c.Warnf("'errorfile %d': file '%s' is larger than tune.bufsize (%d bytes) and was truncated", code, file, bufSize)
	}
	return code, reply, nil
}

// staticReply renders the payload of an http-error line once: the same
// bytes as a return with these arguments. (Values that depend on the
// request were refused: the formats here are plain text.)
func staticReply(p *parser, r *HTTPRule) (*http1.Reply, error) {
	var ctx sample.Ctx
	var b []byte
	b = http1.AppendReplyHead(b, r.Status)
	for _, h := range r.Headers {
		n := len(b)
		b = http1.AppendReplyFieldName(b, h.Name)
		v := len(b)
		if b = h.Value.Append(b, &ctx, nil); len(b) == v {
			b = b[:n]
			continue
		}
		b = append(b, "\r\n"...)
	}
	body := r.Body
	if r.BodyFormat != nil {
		body = r.BodyFormat.Append(nil, &ctx, nil)
	}
	ctype := r.ContentType
	if len(body) == 0 {
		ctype = ""
	}
	// As a return lays them out; the sending adds the connection field.
	b = append(b, "content-length: "+strconv.Itoa(len(body))+"\r\n"...)
	if ctype != "" {
		b = append(b, "content-type: "+ctype+"\r\n"...)
	}
	b = append(append(b, "\r\n"...), body...)
	reply, err := http1.ParseErrorFile(b, max(len(b), p.cfg.Global.BufSize))
	if err != nil {
		return nil, fmt.Errorf("invalid reply: %v", err)
	}
	return reply, nil
}

// addErrorfiles records an errorfiles line of the current proxy, and asks
// once for the proxies' lines to be resolved when every section is read.
func (p *parser) addErrorfiles(section string, codes []int) {
	line := errorfilesLine{pos: p.pos(), section: section, codes: codes, before: map[int]*http1.Reply{}}
	for code, r := range p.cur.ErrorFiles {
		line.before[code] = r
	}
	old, _ := p.cur.Ext[errorfilesKey{}].([]errorfilesLine)
	// A copy: the list may be shared with the defaults section.
	lines := append(append([]errorfilesLine(nil), old...), line)
	p.cur.Ext.Set(errorfilesKey{}, lines)
	if p.cfg.Global.Ext[errorfilesResolveKey{}] == nil {
		p.cfg.Global.Ext.Set(errorfilesResolveKey{}, true)
		p.later = append(p.later, p.resolveErrorfiles)
	}
}

// resolveErrorfiles applies the errorfiles lines of every proxy.
func (p *parser) resolveErrorfiles() {
	sections := HTTPErrorSections(&p.cfg.Global)
	reported := map[Pos]bool{}
	for _, px := range p.cfg.Proxies {
		lines, _ := px.Ext[errorfilesKey{}].([]errorfilesLine)
		decided := map[int]bool{}
		for i := len(lines) - 1; i >= 0; i-- {
			l := lines[i]
			sec := sections[l.section]
			if sec == nil {
				if !reported[l.pos] {
					reported[l.pos] = true
					p.errs = append(p.errs, &Error{File: l.pos.File, Line: l.pos.Line,
						Msg: fmt.Sprintf("proxy '%s': unknown http-errors section '%s'.", px.Name, l.section)})
				}
				continue
			}
			codes := l.codes
			if codes == nil {
				for code := range sec.Replies {
					codes = append(codes, code)
				}
				sort.Ints(codes)
			}
			for _, code := range codes {
				r := sec.Replies[code]
				if r == nil {
					if l.codes != nil && !reported[l.pos] {
						reported[l.pos] = true
						p.res.Messages = append(p.res.Messages, Message{File: l.pos.File, Line: l.pos.Line, Level: LevelWarning,
							Msg: fmt.Sprintf("proxy '%s' : status '%d' not declared in http-errors section '%s'.", px.Name, code, l.section)})
					}
					continue
				}
				if decided[code] {
					continue
				}
				decided[code] = true
				if px.ErrorFiles[code] != l.before[code] {
					continue // a later errorfile, errorloc or http-error
				}
				if px.ErrorFiles == nil {
					px.ErrorFiles = map[int]*http1.Reply{}
				}
				px.ErrorFiles[code] = r
			}
		}
	}
	for _, px := range p.cfg.Proxies {
		for code, r := range px.ErrorFiles {
			if r == resetReply {
				delete(px.ErrorFiles, code)
			}
		}
	}
}

// replyErrorfiles is the errorfiles option of return and deny: the
// section's message for the rule's status, found once the sections are
// read. A section without that status leaves the rule without a payload,
// as haproxy.
func (r *HTTPRule) replyErrorfiles(c *RuleContext, name string) {
	p := c.p
	p.later = append(p.later, func() {
		sec := HTTPErrorSections(&p.cfg.Global)[name]
		switch {
		case !errorFileCodes[r.Status]:
			p.errs = append(p.errs, &Error{File: r.Pos.File, Line: r.Pos.Line,
				Msg: fmt.Sprintf("status code '%d' not handled by default with 'errorfiles' argument.", r.Status)})
		case sec == nil:
			p.errs = append(p.errs, &Error{File: r.Pos.File, Line: r.Pos.Line,
				Msg: fmt.Sprintf("unknown http-errors section '%s' referenced by an http reply.", name)})
		case sec.Replies[r.Status] == nil:
			p.res.Messages = append(p.res.Messages, Message{File: r.Pos.File, Line: r.Pos.Line, Level: LevelWarning,
				Msg: fmt.Sprintf("status '%d' referenced by an http reply not declared in http-errors section '%s'.", r.Status, name)})
		default:
			r.Reply = sec.Replies[r.Status]
		}
	})
}

// checkSectionName refuses, as haproxy's invalid_char, a section name
// with a character other than letters, digits and "-_.:".
func checkSectionName(kind, name string) error {
	if i := strings.IndexFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:", r))
	}); i >= 0 {
		return fmt.Errorf("character '%c' is not permitted in '%s' name '%s'.", name[i], kind, name)
	}
	return nil
}
