package config

import (
	"testing"

	"switchyard/logsink"
)

func init() { moreKeywordCases = append(moreKeywordCases, logKeywordCases) }

func logKeywordCases() []kwCase {
	targets := func(n int) kwCheck {
		return func(t *testing.T, c *Config, px *Proxy) {
			if px == nil {
				eq(t, "global targets", len(c.Global.Log.Targets), n)
				return
			}
			eq(t, "targets", len(px.Log.Targets), n)
		}
	}
	return []kwCase{
		{kw: "log", in: inGlobal, src: "log 127.0.0.1:514 local0", check: targets(1)},
		{kw: "log", in: inGlobal, src: "log stdout format raw daemon info err", check: func(t *testing.T, c *Config, _ *Proxy) {
			tg := c.Global.Log.Targets[0]
			eq(t, "Format", tg.Format, logsink.FormatRaw)
			eq(t, "Level", tg.Level, logsink.LevelInfo)
			eq(t, "MinLevel", tg.MinLevel, logsink.LevelErr)
		}},
		{kw: "log", in: inGlobal, src: "log /dev/log len 4096 local7", check: targets(1)},
		{kw: "log", in: inGlobal, src: "log 127.0.0.1 sample 1-2,5:10 local0", check: targets(1)},
		{kw: "log", in: inGlobal, src: "log global", err: "t.cfg:2: 'log': 'global' is not supported for a global syslog server"},
		{kw: "log", in: inGlobal, src: "log 127.0.0.1 local9", err: "t.cfg:2: 'log': unknown log facility 'local9'"},
		{kw: "log", in: inGlobal, src: "log 127.0.0.1 len 10 local0", err: "t.cfg:2: 'log': invalid log length '10', must be between 80 and 65535"},
		{kw: "log", in: inGlobal, src: "log 127.0.0.1 format json local0", err: "t.cfg:2: 'log': unknown log format 'json'"},
		{kw: "log", in: inGlobal, src: "log 127.0.0.1 local0 loud", err: "t.cfg:2: 'log': unknown optional log level 'loud'"},
		{kw: "log", in: inGlobal, src: "log ring@buf local0", err: "t.cfg:2: 'log': log target 'ring@buf': 'ring' sections are not supported yet by switchyard"},
		{kw: "log", in: inAll, src: "log 127.0.0.1:514 local0", check: targets(1)},
		{kw: "log", in: inAll, pre: "global\n  log 127.0.0.1 local0\n  log 127.0.0.2 local1\n", src: "log global", check: targets(2)},
		{kw: "log", in: inAll, src: "log 127.0.0.1 local0\nno log", check: targets(0)},
		{kw: "log", in: inAll, src: "log 127.0.0.1", err: "t.cfg:2: 'log': expects <address> and <facility> or global as arguments"},
		{kw: "nbproc", in: inGlobal, src: "nbproc 2", err: "t.cfg:2: 'nbproc': nbproc is not supported any more since HAProxy 2.5. Threads will automatically be used on multi-processor machines if available"},
		{kw: "log-tag", in: inGlobal, src: "log-tag web", check: func(t *testing.T, c *Config, _ *Proxy) { eq(t, "Tag", c.Global.Log.Tag, "web") }},
		{kw: "log-tag", in: inGlobal, src: "log-tag", err: "t.cfg:2: 'log-tag': expects a tag for use in syslog"},
		{kw: "log-tag", in: inAll, src: "log-tag web", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Tag", px.Log.Tag, "web") }},
		{kw: "log-tag", in: inAll, src: "log-tag a b", err: "t.cfg:2: 'log-tag': expects a tag for use in syslog"},
		{kw: "log-send-hostname", in: inGlobal, src: "log-send-hostname edge1", check: func(t *testing.T, c *Config, _ *Proxy) {
			eq(t, "Hostname", c.Global.Log.Hostname, "edge1")
		}},
		{kw: "log-send-hostname", in: inGlobal, src: "log-send-hostname a b", check: func(t *testing.T, c *Config, _ *Proxy) {
			eq(t, "Hostname", c.Global.Log.Hostname, "a")
		}},
		{kw: "log-send-hostname", in: inGlobal, src: "log-send-hostname", check: func(t *testing.T, c *Config, _ *Proxy) {
			eq(t, "Hostname", c.Global.Log.Hostname, hostname())
		}},
		{kw: "log-tag", in: inGlobal, name: "empty tag", src: `log-tag ""`, err: "t.cfg:2: 'log-tag': expects a tag for use in syslog"},
		{kw: "option httplog", in: inFESide, src: "mode http\nlog 127.0.0.1 local0\noption httplog", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "Format", px.Log.Format, HTTPLogFormat)
		}},
		{kw: "option httplog", in: inFESide, src: "mode http\nlog 127.0.0.1 local0\noption httplog clf", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "Format", px.Log.Format, CLFLogFormat)
		}},
		{kw: "option httplog", in: []Section{SecBackend}, src: "option httplog", warn: "t.cfg:2: backend 'chk' : 'option httplog' directive is ignored in backends."},
		{kw: "option httplog", in: inAll, src: "option httplog common", err: "t.cfg:2: 'option httplog': keyword 'httplog' only supports option 'clf'"},
		{kw: "option tcplog", in: inFESide, src: "log 127.0.0.1 local0\noption tcplog", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "Format", px.Log.Format, TCPLogFormat)
		}},
		{kw: "option tcplog", in: []Section{SecBackend}, src: "option tcplog", warn: "t.cfg:2: backend 'chk' : 'option tcplog' directive is ignored in backends."},
		{kw: "option tcplog", in: inAll, src: "option tcplog x", err: "t.cfg:2: 'option tcplog': cannot handle unexpected argument 'x'"},
		{kw: "log-format", in: inFESide, src: "log 127.0.0.1 local0\nlog-format \"%ci %b\"", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Format", px.Log.Format, "%ci %b") }},
		{kw: "log-format", in: inFE, src: "log 127.0.0.1 local0\nlog-format \"%ci %nope\"", err: "t.cfg:3: failed to parse log-format : no such format variable 'nope'. If you wanted to emit the '%' character verbatim, you need to use '%%'"},
		{kw: "log-format", in: []Section{SecBackend}, src: `log-format "%ci"`, warn: "t.cfg:2: backend 'chk' : 'log-format' directive is ignored in backends."},
		{kw: "option dontlognull", in: []Section{SecBackend}, src: "option dontlognull", warn: "t.cfg:2: 'dontlognull' ignored because backend 'chk' has no frontend capability."},
		{kw: "option log-separate-errors", in: []Section{SecBackend}, src: "option log-separate-errors", warn: "t.cfg:2: 'log-separate-errors' ignored because backend 'chk' has no frontend capability."},
		{kw: "option dontlog-normal", in: []Section{SecBackend}, src: "option dontlog-normal", warn: "t.cfg:2: 'dontlog-normal' ignored because backend 'chk' has no frontend capability."},
		{kw: "option log-health-checks", in: []Section{SecFrontend}, src: "option log-health-checks", warn: "t.cfg:2: 'log-health-checks' ignored because frontend 'chk' has no backend capability."},
		{kw: "log-format", in: inAll, src: "log-format", err: "t.cfg:2: 'log-format': expects an argument"},
		{kw: "log-format", in: inAll, name: "empty format", src: `log-format ""`, err: "t.cfg:2: 'log-format': expects an argument"},
		{kw: "log-format-sd", in: inAll, src: `log-format-sd "[x]"`, check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "FormatSD", px.Log.FormatSD, "[x]") }},
		{kw: "log-format-sd", in: inAll, src: "log-format-sd", err: "t.cfg:2: 'log-format-sd': expects an argument"},
		{kw: "error-log-format", in: inAll, src: `error-log-format "%ci"`, check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "ErrorFormat", px.Log.ErrorFormat, "%ci") }},
		{kw: "error-log-format", in: inAll, src: "error-log-format", err: "t.cfg:2: 'error-log-format': expects an argument"},
		{kw: "option logasap", in: inFESide, src: "option logasap", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "LogASAP", px.Log.LogASAP, true) }},
		{kw: "option logasap", in: []Section{SecBackend}, src: "option logasap", warn: "t.cfg:2: 'logasap' ignored because backend 'chk' has no frontend capability."},
		{kw: "option dontlognull", in: inFESide, src: "option dontlognull", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "DontLogNull", px.Log.DontLogNull, true) }},
		{kw: "option dontlognull", in: inFESide, src: "option dontlognull\nno option dontlognull", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "DontLogNull", px.Log.DontLogNull, false) }},
		{kw: "option dontlognull", in: inAll, src: "option dontlognull 1", err: "t.cfg:2: 'option dontlognull': cannot handle unexpected argument '1'"},
		{kw: "option logasap", in: inAll, src: "option logasap 1", err: "t.cfg:2: 'option logasap': cannot handle unexpected argument '1'"},
		{kw: "option log-separate-errors", in: inFESide, src: "option log-separate-errors", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "SeparateErrors", px.Log.SeparateErrors, true) }},
		{kw: "option log-separate-errors", in: inAll, src: "option log-separate-errors x", err: "t.cfg:2: 'option log-separate-errors': cannot handle unexpected argument 'x'"},
		{kw: "option dontlog-normal", in: inFESide, src: "option dontlog-normal", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "DontLogNormal", px.Log.DontLogNormal, true) }},
		{kw: "option dontlog-normal", in: inAll, src: "option dontlog-normal x", err: "t.cfg:2: 'option dontlog-normal': cannot handle unexpected argument 'x'"},
		{kw: "option log-health-checks", in: inBESide, src: "option log-health-checks", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "HealthChecks", px.Log.HealthChecks, true) }},
		{kw: "option log-health-checks", in: inAll, src: "option log-health-checks x", err: "t.cfg:2: 'option log-health-checks': cannot handle unexpected argument 'x'"},
		{kw: "unique-id-format", in: inAll, src: "mode http\nunique-id-format %ci", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "UniqueIDFormat", px.Log.UniqueIDFormat, "%ci") }},
		{kw: "unique-id-format", in: inAll, src: "unique-id-format", err: "t.cfg:2: 'unique-id-format': expects an argument"},
		{kw: "unique-id-header", in: inAll, src: "unique-id-header X-ID", check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "UniqueIDHeader", px.Log.UniqueIDHeader, "X-ID") }},
		{kw: "unique-id-header", in: inAll, src: "unique-id-header", err: "t.cfg:2: 'unique-id-header': expects an argument"},
		{kw: "capture request", in: inFE, src: "mode http\ncapture request header Host len 10", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "ReqCaptures", len(px.Log.ReqCaptures), 1)
			eq(t, "Header", px.Log.ReqCaptures[0].Header, "host")
		}},
		{kw: "capture request", in: []Section{SecBackend}, src: "capture request header Host len 10",
			warn: "t.cfg:2: 'capture request' ignored because backend 'chk' has no frontend capability."},
		{kw: "capture response", in: []Section{SecBackend}, src: "capture response header Host len 10",
			warn: "t.cfg:2: 'capture response' ignored because backend 'chk' has no frontend capability."},
		{kw: "capture request", in: inNamed, src: "capture request header Host", err: "t.cfg:2: 'capture request': expects 'header' <header_name> 'len' <len>"},
		{kw: "capture response", in: inFE, src: "mode http\ncapture response header Server len 10", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "ResCaptures", len(px.Log.ResCaptures), 1)
		}},
		{kw: "capture response", in: inNamed, src: "capture response header Server", err: "t.cfg:2: 'capture response': expects 'header' <header_name> 'len' <len>"},
		{kw: "capture response", in: inFE, name: "length not a number", src: "mode http\ncapture response header Server len abc", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "Len", px.Log.ResCaptures[0].Len, 0)
		}},
		{kw: "declare capture", in: inFE, src: "mode http\ndeclare capture request len 8", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "ReqCaptures", len(px.Log.ReqCaptures), 1)
		}},
		{kw: "http-request capture", in: inFE, src: "mode http\nhttp-request capture req.hdr(host) len 10", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "ReqCaptures", len(px.Log.ReqCaptures), 1)
		}},
		{kw: "http-request capture", in: []Section{SecBackend}, src: "mode http\nhttp-request capture req.hdr(host) id 0"},
		{kw: "http-request capture", in: inFE, src: "mode http\nhttp-request capture req.hdr(host) id 0", err: "t.cfg:3: unable to find capture id '0' referenced by http-request capture rule"},
		{kw: "http-request capture", in: []Section{SecBackend}, src: "http-request capture req.hdr(host) len 10", err: "t.cfg:2: 'http-request capture': proxy 'chk' has no frontend capability"},
		{kw: "http-request capture", in: inFE, src: "http-request capture req.hdr(host) size 10", err: "t.cfg:2: 'http-request capture': expects 'len' or 'id', found 'size'"},
		{kw: "http-response capture", in: inFE, src: "mode http\ndeclare capture response len 4\nhttp-response capture res.hdr(server) id 0"},
		{kw: "http-response capture", in: []Section{SecBackend}, src: "mode http\nhttp-response capture res.hdr(server) id 0"},
		{kw: "http-response capture", in: inFE, src: "mode http\nhttp-response capture res.hdr(server) id 0", err: "t.cfg:3: unable to find capture id '0' referenced by http-response capture rule"},
		{kw: "http-response capture", in: inNamed, src: "http-response capture res.hdr(server) len 4", err: "t.cfg:2: 'http-response capture': expects 'id', found 'len'"},
		{kw: "http-after-response capture", in: inFE, src: "mode http\ndeclare capture response len 4\nhttp-after-response capture status id 0"},
		{kw: "http-after-response capture", in: []Section{SecBackend}, src: "mode http\nhttp-after-response capture status id 0"},
		{kw: "http-after-response capture", in: inNamed, src: "http-after-response capture status len 4", err: "t.cfg:2: 'http-after-response capture': expects 'id', found 'len'"},
		{kw: "tcp-request content", in: inFE, src: "tcp-request content capture src len 10", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "ReqCaptures", len(px.Log.ReqCaptures), 1)
		}},
		{kw: "tcp-request content", in: inFE, src: "tcp-request content capture src", err: "t.cfg:2: ..."},
		{kw: "tcp-request content", in: []Section{SecBackend}, src: "tcp-request content capture src len 10", err: "t.cfg:2: ..."},
		{kw: "http-request set-log-level", in: inNamed, src: "mode http\nhttp-request set-log-level silent"},
		{kw: "http-request set-log-level", in: inNamed, src: "http-request set-log-level loud", err: "t.cfg:2: 'http-request set-log-level': unknown log level 'loud'"},
		{kw: "http-response set-log-level", in: inNamed, src: "mode http\nhttp-response set-log-level err"},
		{kw: "http-response set-log-level", in: inNamed, src: "http-response set-log-level", err: "t.cfg:2: 'http-response set-log-level': expects exactly 1 argument (log level name or 'silent')"},
		{kw: "http-after-response set-log-level", in: inNamed, src: "mode http\nhttp-after-response set-log-level err"},
		{kw: "http-after-response set-log-level", in: inNamed, src: "http-after-response set-log-level x", err: "t.cfg:2: 'http-after-response set-log-level': unknown log level 'x'"},
		{kw: "declare capture", in: []Section{SecBackend}, src: "declare capture request len 8",
			err: "t.cfg:2: 'declare capture': only available in frontend or listen section"},
		{kw: "declare capture", in: inFE, src: "declare capture both len 8", err: "t.cfg:2: 'declare capture': expects 'request' or 'response', then 'len' and a length"},
	}
}
