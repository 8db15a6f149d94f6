package proxy

import (
	"fmt"
	"strconv"

	"switchyard/config"
	"switchyard/http1"
	"switchyard/sample"
)

// appendRuleResponse builds the response of `http-request return` (and of
// deny with a payload) as haproxy 2.6 writes it: status line, the rule's hdr
// fields, content-length, content-type, then the connection field. scratch
// holds a log-format body while its length is not yet known.
func appendRuleResponse(dst []byte, scratch *[]byte, r *config.HTTPRule, ctx *sample.Ctx, req *http1.Request, close bool) []byte {
	body := r.Body
	if r.BodyFormat != nil {
		*scratch = r.BodyFormat.Append((*scratch)[:0], ctx, nil)
		body = *scratch
	}
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(r.Status), 10)
	dst = append(dst, ' ')
	dst = append(dst, reason(r.Status)...)
	dst = append(dst, "\r\n"...)
	for _, h := range r.Headers {
		dst = appendLower(dst, h.Name)
		dst = append(dst, ": "...)
		dst = h.Value.Append(dst, ctx, nil)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "content-length: "...)
	dst = strconv.AppendInt(dst, int64(len(body)), 10)
	dst = append(dst, "\r\n"...)
	if r.ContentType != "" {
		dst = append(dst, "content-type: "...)
		dst = append(dst, r.ContentType...)
		dst = append(dst, "\r\n"...)
	}
	switch {
	case close:
		dst = append(dst, "connection: close\r\n"...)
	case !req.HTTP11():
		dst = append(dst, "connection: keep-alive\r\n"...)
	}
	dst = append(dst, "\r\n"...)
	if req.Meth == http1.MethodHEAD {
		return dst
	}
	return append(dst, body...)
}

func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// reason is haproxy's reason phrase for a status it generates.
func reason(status int) string {
	if r, ok := reasons[status]; ok {
		return r
	}
	return "Other"
}

var reasons = map[int]string{
	100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints",
	200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information",
	204: "No Content", 205: "Reset Content", 206: "Partial Content", 207: "Multi-Status",
	208: "Already Reported", 226: "IM Used",
	300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other",
	304: "Not Modified", 305: "Use Proxy", 307: "Temporary Redirect", 308: "Permanent Redirect",
	400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
	404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
	407: "Proxy Authentication Required", 408: "Request Timeout", 409: "Conflict", 410: "Gone",
	411: "Length Required", 412: "Precondition Failed", 413: "Payload Too Large",
	414: "URI Too Long", 415: "Unsupported Media Type", 416: "Range Not Satisfiable",
	417: "Expectation Failed", 418: "I'm a teapot", 421: "Misdirected Request",
	422: "Unprocessable Entity", 423: "Locked", 424: "Failed Dependency", 425: "Too Early",
	426: "Upgrade Required", 428: "Precondition Required", 429: "Too Many Requests",
	431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons",
	500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
	503: "Service Unavailable", 504: "Gateway Timeout", 505: "HTTP Version Not Supported",
	506: "Variant Also Negotiates", 507: "Insufficient Storage", 508: "Loop Detected",
	510: "Not Extended", 511: "Network Authentication Required",
}

// ruleVerdict is what an action tells the evaluation of its rule set.
type ruleVerdict uint8

const (
	ruleContinue ruleVerdict = iota // on to the next rule
	ruleStop                        // no more rules of this set (allow)
	ruleAnswered                    // the proxy answered the request itself
)

// ruleFunc runs an action on a stream; keep says, when it answered, whether
// the client connection goes on.
type ruleFunc func(s *httpStream) (v ruleVerdict, keep bool)

// compiledRule is a rule ready to run: its condition and its action.
type compiledRule struct {
	cond *sample.Cond
	run  ruleFunc
}

// actionCompilers turn a rule of each action into its function, once, at
// load: the hot path runs functions, it does not switch over actions.
var actionCompilers = map[*config.ActionDef]func(r *config.HTTPRule) ruleFunc{}

// compileAction registers the compiler of an action of a rule set.
func compileAction(set config.RuleSet, name string, compile func(r *config.HTTPRule) ruleFunc) {
	def := config.LookupAction(set, name)
	if def == nil {
		panic("proxy: no action " + set.Keyword() + " " + name)
	}
	actionCompilers[def] = compile
}

func init() {
	compileAction(config.HTTPRequestRules, "allow", func(*config.HTTPRule) ruleFunc {
		return func(*httpStream) (ruleVerdict, bool) { return ruleStop, false }
	})
	answer := func(r *config.HTTPRule) ruleFunc {
		if r.Set == config.HTTPResponseRules {
			// haproxy drops the server's response before it builds the
			// reply: the reply's formats find no response to read.
			return func(s *httpStream) (ruleVerdict, bool) {
				s.ctx.Resp = nil
				return ruleAnswered, s.answer(r)
			}
		}
		return func(s *httpStream) (ruleVerdict, bool) { return ruleAnswered, s.answer(r) }
	}
	compileAction(config.HTTPRequestRules, "deny", answer)
	compileAction(config.HTTPRequestRules, "return", answer)
}

// compileRules turns a proxy's rules into functions.
func compileRules(px *config.Proxy, rules []*config.HTTPRule) ([]compiledRule, error) {
	out := make([]compiledRule, 0, len(rules))
	for _, r := range rules {
		compile := actionCompilers[r.Def]
		if compile == nil {
			return nil, fmt.Errorf("%s:%d: %s '%s': action '%s' has no implementation in the data plane",
				r.Pos.File, r.Pos.Line, px.Cap.Kind(), px.Name, r.Def.Name)
		}
		out = append(out, compiledRule{cond: r.Cond, run: compile(r)})
	}
	return out, nil
}
