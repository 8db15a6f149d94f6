package config

import (
	"fmt"
	"os"

	"switchyard/http1"
)

func init() {
	// As in haproxy, the same three end both rule sets; a denied response
	// gets 502 (its error file) instead of 403.
	const both = HTTPRequestRules | HTTPResponseRules
	RegisterAction(&ActionDef{Name: "allow", Where: both, Final: true,
		Parse: func(c *RuleContext, r *HTTPRule, args []string) (int, error) {
			r.Action = ActAllow
			if len(args) > 0 && !isCondStart(args[0]) {
				return 0, fmt.Errorf("unexpected argument '%s' (expects 'if' or 'unless')", args[0])
			}
			return 0, nil
		}})
	RegisterAction(&ActionDef{Name: "deny", Where: both, Final: true,
		Parse: func(c *RuleContext, r *HTTPRule, args []string) (int, error) {
			r.Action, r.Status, r.UseErrorFile = ActDeny, 403, true
			if c.Set == HTTPResponseRules {
				r.Status = 502
			}
			return parseReply(c, r, args)
		}})
	RegisterAction(&ActionDef{Name: "return", Where: both, Final: true,
		Parse: func(c *RuleContext, r *HTTPRule, args []string) (int, error) {
			r.Action, r.Status = ActReturn, 200
			return parseReply(c, r, args)
		}})
	for _, a := range []string{"cache-use", "do-resolve", "set-priority-class", "set-priority-offset", "set-bandwidth-limit",
		"silent-drop", "set-mark", "set-tos", "set-nice",
		"disable-l7-retry", "send-spoe-group", "set-fc-mark", "set-fc-tos"} {
		registerNotYet("http-request " + a)
	}
	// haproxy 2.6's other http-response actions.
	for _, a := range []string{"set-mark", "set-tos", "set-nice",
		"set-timeout", "cache-store", "send-spoe-group", "silent-drop",
		"set-fc-mark", "set-fc-tos", "set-bandwidth-limit"} {
		registerNotYet("http-response " + a)
	}
}

func isCondStart(w string) bool { return w == "if" || w == "unless" }

// parseReply parses the options of deny and return (status, payload,
// headers) up to the condition, and returns how many words it took.
func parseReply(c *RuleContext, r *HTTPRule, args []string) (int, error) {
	bodySet := ""
	i := 0
	for ; i < len(args) && !isCondStart(args[i]); i++ {
		a := args[i]
		if a == "default-errorfiles" {
			bodySet, r.UseErrorFile = a, true
			continue
		}
		if i+1 >= len(args) {
			return 0, fmt.Errorf("'%s' expects an argument", a)
		}
		v := args[i+1]
		i++
		switch a {
		case "status", "deny_status":
			if a == "deny_status" && r.Action != ActDeny {
				return 0, fmt.Errorf("'deny_status' is only valid with 'deny'")
			}
			if a == "status" {
				// "deny status N" is a reply of its own (empty unless a
				// payload follows), not the error file of N.
				r.UseErrorFile = false
			}
			code, err := parseInt("status", v, 200, 599)
			if err != nil {
				return 0, err
			}
			r.Status = code
		case "content-type":
			r.ContentType = v
		case "string", "file", "lf-string", "lf-file", "errorfile":
			if bodySet != "" {
				return 0, fmt.Errorf("'%s' cannot be used with '%s'", a, bodySet)
			}
			bodySet, r.UseErrorFile = a, false
			if err := r.setBody(a, v, c); err != nil {
				return 0, err
			}
		case "hdr":
			if i+1 >= len(args) {
				return 0, fmt.Errorf("'hdr' expects <name> <fmt>")
			}
			f, err := c.ParseFormat(args[i+1])
			if err != nil {
				return 0, fmt.Errorf("'hdr %s': %v", v, err)
			}
			i++
			r.Headers = append(r.Headers, RuleHeader{Name: v, Value: f})
		case "errorfiles":
			if bodySet != "" {
				return 0, fmt.Errorf("'%s' cannot be used with '%s'", a, bodySet)
			}
			bodySet, r.UseErrorFile = a, false
			r.replyErrorfiles(c, v) // kw_errorfiles.go
		default:
			return 0, fmt.Errorf("unexpected argument '%s'", a)
		}
	}
	if r.ContentType != "" && bodySet == "file" && len(r.Body) == 0 {
		// An empty raw payload (file /dev/null): the type is dropped.
		c.Warnf("content-type '%s' ignored by the http reply when used with an empty payload.", r.ContentType)
		r.ContentType = ""
	}
	if r.ContentType != "" && bodySet == "" && r.Reply == nil {
		// haproxy's words: the type of an empty reply is dropped.
		c.Warnf("content-type '%s' ignored by the http reply because neither errorfile nor payload defined.", r.ContentType)
		r.ContentType = ""
	}
	return i, r.check(bodySet)
}

func (r *HTTPRule) setBody(kind, v string, c *RuleContext) error {
	bufSize := c.Global().BufSize
	switch kind {
	case "string":
		if v == "" {
			return fmt.Errorf("'string' expects <str> as argument")
		}
		r.Body = []byte(v)
	case "lf-string":
		f, err := c.ParseFormat(v)
		if err != nil {
			return fmt.Errorf("'lf-string': %v", err)
		}
		r.BodyFormat = f
	case "file", "errorfile", "lf-file":
		data, err := os.ReadFile(v)
		if err != nil {
			return fmt.Errorf("failed to open '%s': %v", v, err)
		}
		if kind == "lf-file" {
			// The file as it is, its last newline too (haproxy's
			// http_return reg-test reads it in the body).
			f, err := c.ParseFormat(string(data))
			if err != nil {
				return fmt.Errorf("'lf-file %s': %v", v, err)
			}
			r.BodyFormat = f
			return nil
		}
		if kind == "errorfile" {
			reply, err := http1.ParseErrorFile(data, bufSize)
			if err != nil {
				return fmt.Errorf("'errorfile %s': %v", v, err)
			}
			if reply.Truncated {
				c.Warnf("'errorfile %s' is larger than tune.bufsize (%d bytes) and was truncated", v, bufSize)
			}
			r.Reply = reply
			return nil
		}
		r.Body = data
	}
	return nil
}

// check applies haproxy's consistency rules for return/deny payloads.
func (r *HTTPRule) check(bodySet string) error {
	hasBody := len(r.Body) > 0 || r.BodyFormat != nil
	if r.Reply != nil && (r.ContentType != "" || len(r.Headers) > 0) {
		return fmt.Errorf("'content-type' and 'hdr' cannot be used with 'errorfile'")
	}
	if r.Reply == nil && hasBody && r.ContentType == "" {
		return fmt.Errorf("'content-type' is required with a '%s' payload", bodySet)
	}
	if !hasBody && r.ContentType != "" && bodySet != "" {
		return fmt.Errorf("'content-type' given without a payload")
	}
	if r.Status < 200 || r.Status > 599 {
		return fmt.Errorf("status %d out of range [200-599]", r.Status)
	}
	if hasBody && (r.Status == 204 || r.Status == 304) {
		return fmt.Errorf("status %d must not have a payload", r.Status)
	}
	if bodySet != "" && bodySet != "default-errorfiles" {
		r.UseErrorFile = false
	}
	if r.UseErrorFile && !errorFileCodes[r.Status] {
		return fmt.Errorf("no error message for status %d (the error files cover 200 400 401 403 404 405 407 408 410 413 421 422 425 429 500 501 502 503 504)", r.Status)
	}
	return nil
}
