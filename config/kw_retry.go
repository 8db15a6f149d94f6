package config

import (
	"fmt"
	"strconv"
)

// RetryOn is the set of failures `retry-on` retries, as bits.
type RetryOn uint32

const (
	RetryConnFailure RetryOn = 1 << iota
	RetryEmptyResponse
	RetryJunkResponse
	RetryResponseTimeout
	Retry0RTTRejected // never happens: switchyard sends no early data
	Retry401
	Retry403
	Retry404
	Retry408
	Retry425
	Retry500
	Retry501
	Retry502
	Retry503
	Retry504
)

var retryOnWords = map[string]RetryOn{
	"none": 0, "conn-failure": RetryConnFailure, "empty-response": RetryEmptyResponse,
	"junk-response": RetryJunkResponse, "response-timeout": RetryResponseTimeout,
	"0rtt-rejected": Retry0RTTRejected,
	"401":           Retry401, "403": Retry403, "404": Retry404, "408": Retry408, "425": Retry425,
	"500": Retry500, "501": Retry501, "502": Retry502, "503": Retry503, "504": Retry504,
	"all-retryable-errors": RetryConnFailure | RetryEmptyResponse | RetryJunkResponse | RetryResponseTimeout |
		Retry0RTTRejected | Retry500 | Retry502 | Retry503 | Retry504,
}

// Status says whether a response status is to be retried.
func (r RetryOn) Status(code int) bool {
	var bit RetryOn
	switch code {
	case 401:
		bit = Retry401
	case 403:
		bit = Retry403
	case 404:
		bit = Retry404
	case 408:
		bit = Retry408
	case 425:
		bit = Retry425
	case 500:
		bit = Retry500
	case 501:
		bit = Retry501
	case 502:
		bit = Retry502
	case 503:
		bit = Retry503
	case 504:
		bit = Retry504
	}
	return r&bit != 0
}

// Layer7 says whether anything beyond connection failures is retried, so
// that the request must be kept whole to be sent again.
func (r RetryOn) Layer7() bool { return r&^(RetryConnFailure|Retry0RTTRejected) != 0 }

func init() {
	register(SecDefaults|SecBackend, "retry-on", func(p *parser, args []string) error {
		if len(args) == 0 {
			return fmt.Errorf("expects a list of keywords or HTTP status codes")
		}
		var r RetryOn
		for _, a := range args {
			bit, ok := retryOnWords[a]
			if !ok {
				if _, err := strconv.Atoi(a); err == nil {
					return fmt.Errorf("'%s' is not a retryable HTTP status code (401, 403, 404, 408, 425, 500, 501, 502, 503, 504)", a)
				}
				return fmt.Errorf("unknown keyword '%s'", a)
			}
			if a == "none" && len(args) > 1 {
				return fmt.Errorf("'none' cannot be combined with other keywords")
			}
			r |= bit
		}
		p.cur.RetryOn = r
		return nil
	})
	registerNegatable(SecProxy, "option redispatch", func(p *parser, args []string) error {
		if len(args) > 0 && args[0] == "no" {
			if len(args) > 1 {
				return fmt.Errorf("takes no argument")
			}
			p.cur.Redispatch = 0
			return nil
		}
		switch len(args) {
		case 0:
			p.cur.Redispatch = -1 // the last retry
		case 1:
			n, err := strconv.Atoi(args[0])
			if err != nil {
				return fmt.Errorf("expects an integer interval, got '%s'", args[0])
			}
			p.cur.Redispatch = n
		default:
			return fmt.Errorf("takes at most one argument")
		}
		return nil
	}).actsOn(CapBE, "'redispatch' ignored because %[2]s '%[3]s' has no %[4]s capability.")
}
