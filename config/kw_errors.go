package config

import (
	"fmt"
	"time"

	"switchyard/http1"
)

// errorloc, errorloc302 and errorloc303 (a redirect instead of an error
// page), http-request tarpit and timeout tarpit.

func init() {
	for _, kw := range []string{"errorloc", "errorloc302", "errorloc303"} {
		kw := kw
		register(SecProxy, kw, func(p *parser, args []string) error {
			if len(args) < 2 || args[0] == "" || args[1] == "" {
				return fmt.Errorf("%s : expects <status_code> and <url> as arguments.", kw)
			}
			code, err := parseInt("status code", args[0], 0, 999)
			if err != nil || !errorFileCodes[code] {
				return fmt.Errorf("%s : status code '%s' not handled.", kw, args[0])
			}
			status, reason := 302, "Found"
			if kw == "errorloc303" {
				status, reason = 303, "See Other"
			}
			msg := fmt.Sprintf("HTTP/1.1 %d %s\r\nCache-Control: no-cache\r\nContent-length: 0\r\nLocation: %s\r\n\r\n", status, reason, args[1])
			reply, err := http1.ParseErrorFile([]byte(msg), p.cfg.Global.BufSize)
			if err != nil {
				return fmt.Errorf("%s : invalid error message: %v", kw, err)
			}
			if p.cur.ErrorFiles == nil {
				p.cur.ErrorFiles = map[int]*http1.Reply{}
			}
			p.cur.ErrorFiles[code] = reply
			return nil
		})
	}
	register(SecProxy, "timeout tarpit", func(p *parser, args []string) error {
		return durationKw(args, &p.cur.Timeouts.Tarpit)
	})
	RegisterAction(&ActionDef{Name: "tarpit", Where: HTTPRequestRules, Final: true,
		Parse: func(c *RuleContext, r *HTTPRule, args []string) (int, error) {
			// A deny that answers after timeout tarpit, 500 by default.
			r.Action, r.Status, r.UseErrorFile = ActDeny, 500, true
			return parseReply(c, r, args)
		}})
}

// TarpitDelay is how long a tarpitted request of px waits: timeout
// tarpit, or when unset timeout connect, as haproxy, which only a
// proxy with a backend side has (a frontend's tarpit is then immediate).
func TarpitDelay(px *Proxy) time.Duration {
	if px.Timeouts.Tarpit > 0 || px.Cap&CapBE == 0 {
		return px.Timeouts.Tarpit
	}
	return px.Timeouts.Connect
}
