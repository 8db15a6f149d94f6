package config

import (
	"testing"
	"time"
)

// Keyword cases of option http-buffer-request and http-request and
// http-response wait-for-body.

func init() { moreKeywordCases = append(moreKeywordCases, bodyKeywordCases) }

func bodyKeywordCases() []kwCase {
	return []kwCase{
		{kw: "option http-buffer-request", in: inAll, src: "option http-buffer-request", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "BufferRequest", BufferRequest(px), true)
		}},
		{kw: "option http-buffer-request", in: inAll, src: "option http-buffer-request\nno option http-buffer-request", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "BufferRequest", BufferRequest(px), false)
		}},
		{kw: "option http-buffer-request", in: inAll, src: "option http-buffer-request x",
			err: "t.cfg:2: 'option http-buffer-request': cannot handle unexpected argument 'x'."},
		{kw: "http-request wait-for-body", in: inNamed, src: "mode http\nhttp-request wait-for-body time 1s at-least 10k if { method POST }", check: func(t *testing.T, _ *Config, px *Proxy) {
			w := px.HTTPRequest[0].Args.(*WaitForBody)
			eq(t, "Time", w.Time, time.Second)
			eq(t, "AtLeast", w.AtLeast, int64(10240))
		}},
		{kw: "http-request wait-for-body", in: inNamed, src: "http-request wait-for-body at-least 10",
			err: "t.cfg:2: 'http-request wait-for-body': expects time <time> [ at-least <bytes> ]"},
		{kw: "http-request wait-for-body", in: inNamed, src: "http-request wait-for-body time",
			err: "t.cfg:2: 'http-request wait-for-body': missing argument for 'time'"},
		{kw: "http-request wait-for-body", in: inNamed, src: "http-request wait-for-body time 1s foo",
			err: "t.cfg:2: 'http-request wait-for-body': ..."},
		{kw: "http-response wait-for-body", in: inNamed, src: "mode http\nhttp-response wait-for-body time 100ms at-least 1000 if { status eq 201 }", check: func(t *testing.T, _ *Config, px *Proxy) {
			w := px.HTTPResponse[0].Args.(*WaitForBody)
			eq(t, "Time", w.Time, 100*time.Millisecond)
			eq(t, "AtLeast", w.AtLeast, int64(1000))
		}},
		{kw: "http-response wait-for-body", in: inNamed, src: "mode http\nhttp-response wait-for-body time 0", check: func(t *testing.T, _ *Config, px *Proxy) {
			w := px.HTTPResponse[0].Args.(*WaitForBody)
			eq(t, "Time", w.Time, time.Duration(0))
			eq(t, "AtLeast", w.AtLeast, int64(0))
		}},
		{kw: "http-response wait-for-body", in: inNamed, src: "http-response wait-for-body",
			err: "t.cfg:2: 'http-response wait-for-body': expects time <time> [ at-least <bytes> ]"},
		{kw: "http-response wait-for-body", in: inNamed, src: "http-response wait-for-body time 1s at-least",
			err: "t.cfg:2: 'http-response wait-for-body': missing argument for 'at-least'"},
	}
}
