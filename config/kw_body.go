package config

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// option http-buffer-request and http-request wait-for-body: the request
// body is waited for, so that the rules that follow can read it;
// http-response wait-for-body does the same for the server's body.

type bufferRequestKey struct{}

// BufferRequest says whether px has option http-buffer-request.
func BufferRequest(px *Proxy) bool {
	on, _ := px.Ext[bufferRequestKey{}].(bool)
	return on
}

// WaitForBody are the arguments of http-request and http-response
// wait-for-body.
type WaitForBody struct {
	Time    time.Duration // how long to wait at most
	AtLeast int64         // stop waiting once that many bytes came (0: the whole body)
}

func init() {
	registerNegatable(SecProxy, "option http-buffer-request", func(p *parser, args []string) error {
		on := true
		if len(args) > 0 && args[0] == "no" {
			on, args = false, args[1:]
		}
		if len(args) > 0 {
			return fmt.Errorf("cannot handle unexpected argument '%s'.", args[0])
		}
		p.cur.Ext.Set(bufferRequestKey{}, on)
		return nil
	})
	RegisterAction(&ActionDef{Name: "wait-for-body", Where: HTTPRequestRules | HTTPResponseRules,
		Parse: func(c *RuleContext, r *HTTPRule, args []string) (int, error) {
			w := &WaitForBody{Time: -1}
			i := 0
			for ; i < len(args) && (args[i] == "time" || args[i] == "at-least"); i += 2 {
				if i+1 >= len(args) {
					return 0, fmt.Errorf("missing argument for '%s'", args[i])
				}
				if args[i] == "time" {
					d, err := ParseDuration(args[i+1])
					if err != nil {
						return 0, err
					}
					w.Time = d
					continue
				}
				n, err := ParseSize(args[i+1])
				if err != nil {
					return 0, err
				}
				if n > math.MaxUint32 {
					return 0, errors.New("value too large")
				}
				w.AtLeast = n
			}
			if w.Time < 0 {
				return 0, errors.New("expects time <time> [ at-least <bytes> ]")
			}
			r.Args = w
			return i, nil
		}})
}
