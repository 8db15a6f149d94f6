package config

import (
	"fmt"
	"strconv"

	"switchyard/logsink"
	"switchyard/sample"
)

// CaptureAction is a parsed `http-request|http-response capture`: the
// sample is stored, cut to Len, in the frontend's capture slot Slot (of
// the request slots, or the response ones), where %hr/%hs and
// capture.req.hdr()/capture.res.hdr() find it.
type CaptureAction struct {
	Expr     *sample.Expr
	Slot     int
	Len      int // 0: the slot's length, known once the frontend is
	Response bool
}

// LogLevelAction is a parsed `set-log-level`: the level the transaction's
// log line is sent at, or Silent.
type LogLevelAction struct {
	Level  int
	Silent bool
}

func init() {
	RegisterAction(&ActionDef{Name: "capture", Where: HTTPRequestRules | HTTPResponseRules | HTTPAfterResponseRules, Parse: parseCaptureAction})
	// tcp-request content capture <sample> len <n>: a new request slot
	// of the frontend, as haproxy's.
	RegisterAction(&ActionDef{Name: "capture", Where: TCPRequestContentRules,
		Parse: func(c *RuleContext, r *HTTPRule, args []string) (int, error) {
			if len(args) == 0 || isCondStart(args[0]) {
				return 0, fmt.Errorf("expects <expression> 'len' <length>")
			}
			expr, n, err := sample.ParseExprWords(c.Env(), args)
			if err != nil {
				return 0, err
			}
			if err := expr.Check(tcpAvail(c.Set, c.Proxy())); err != nil {
				return 0, err
			}
			if n >= len(args) || args[n] != "len" {
				return 0, fmt.Errorf("expects 'len' <length>")
			}
			if n+1 >= len(args) {
				return 0, fmt.Errorf("missing length value")
			}
			l, err := strconv.Atoi(args[n+1])
			if err != nil || l <= 0 {
				return 0, fmt.Errorf("length must be > 0")
			}
			px := c.Proxy()
			if px.Cap&(CapFE|CapDef) == 0 {
				return 0, fmt.Errorf("proxy '%s' has no frontend capability", px.Name)
			}
			r.Args = &CaptureAction{Expr: expr, Slot: len(px.Log.ReqCaptures), Len: l}
			px.Log.ReqCaptures = append(px.Log.ReqCaptures, Capture{Len: l})
			return n + 2, nil
		}})
	RegisterAction(&ActionDef{Name: "set-log-level", Where: HTTPRequestRules | HTTPResponseRules | HTTPAfterResponseRules,
		Parse: func(c *RuleContext, r *HTTPRule, args []string) (int, error) {
			if len(args) == 0 || isCondStart(args[0]) {
				return 0, fmt.Errorf("expects exactly 1 argument (log level name or 'silent')")
			}
			a := &LogLevelAction{}
			if args[0] == "silent" {
				a.Silent = true
			} else if a.Level = logsink.ParseLevel(args[0]); a.Level < 0 {
				return 0, fmt.Errorf("unknown log level '%s'", args[0])
			}
			r.Args = a
			return 1, nil
		}})
}

// parseCaptureAction reads "<sample> len <n>" (request rules of a proxy
// with a frontend side: a new slot) or "<sample> id <n>" (a declared slot).
func parseCaptureAction(c *RuleContext, r *HTTPRule, args []string) (int, error) {
	response := c.Set != HTTPRequestRules
	usage := "expects <expression> [ 'len' <length> | id <idx> ]"
	if response {
		usage = "expects <expression> id <idx>"
	}
	if len(args) == 0 || isCondStart(args[0]) {
		return 0, fmt.Errorf("%s", usage)
	}
	expr, n, err := sample.ParseExprWords(c.Env(), args)
	if err != nil {
		return 0, err
	}
	if err := expr.Check(c.avail()); err != nil {
		return 0, err
	}
	a := &CaptureAction{Expr: expr, Response: response}
	if n >= len(args) {
		if response {
			return 0, fmt.Errorf("expects 'id'")
		}
		return 0, fmt.Errorf("expects 'len or 'id'")
	}
	kw := args[n]
	if n+1 >= len(args) {
		return 0, fmt.Errorf("missing %s value", kw)
	}
	v := args[n+1]
	px := c.Proxy()
	switch {
	case kw == "len" && !response:
		if px.Cap&(CapFE|CapDef) == 0 {
			return 0, fmt.Errorf("proxy '%s' has no frontend capability", px.Name)
		}
		l, err := strconv.Atoi(v)
		if err != nil || l <= 0 {
			return 0, fmt.Errorf("length must be > 0")
		}
		a.Slot, a.Len = len(px.Log.ReqCaptures), l
		px.Log.ReqCaptures = append(px.Log.ReqCaptures, Capture{Len: l})
	case kw == "id":
		id, err := strconv.Atoi(v)
		if err != nil || id < 0 {
			return 0, fmt.Errorf("cannot parse id '%s'", v)
		}
		a.Slot = id
		if px.Cap&CapFE == 0 {
			// Slots are the frontend's, unknown while a backend is
			// read: haproxy checks nothing there, and neither do we (a
			// slot the frontend lacks is left alone at run time).
			a.Len = 1 << 20
			break
		}
		// The slot may be declared further down: checked at the end.
		c.Later(func(*Config) error {
			slots := px.Log.ReqCaptures
			if response {
				slots = px.Log.ResCaptures
			}
			if id >= len(slots) {
				return fmt.Errorf("unable to find capture id '%d' referenced by %s capture rule", id, c.Set.Keyword())
			}
			a.Len = slots[id].Len
			return nil
		})
	case response:
		return 0, fmt.Errorf("expects 'id', found '%s'", kw)
	default:
		return 0, fmt.Errorf("expects 'len' or 'id', found '%s'", kw)
	}
	r.Args = a
	return n + 2, nil
}
