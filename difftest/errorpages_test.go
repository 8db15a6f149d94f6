package difftest

import (
	"testing"
	"time"
)

// errorloc/errorloc302/errorloc303 and http-request tarpit.

func TestErrorLocAndTarpit(t *testing.T) {
	deny := "    http-request deny if { path /deny }\n"
	get := "GET /deny HTTP/1.1\r\nhost: a\r\n\r\n"
	runCases(t, []tcase{
		{name: "errorloc-403", cfg: withFE(deny + "    errorloc 403 https://example.com/denied\n"), req: get, exact: true},
		{name: "errorloc302-503", cfg: withFE("    errorloc302 503 /down\n"), req: "GET / HTTP/1.1\r\nhost: a\r\n\r\n", exact: true,
			replies: nil},
		{name: "errorloc303-403", cfg: withFE(deny + "    errorloc303 403 /see-other\n"), req: get, exact: true},
		{name: "tarpit-default-500", cfg: withFE("    timeout tarpit 200ms\n    http-request tarpit if { path /deny }\n"), req: get, exact: true},
		{name: "tarpit-deny-status", cfg: withFE("    timeout tarpit 200ms\n    http-request tarpit deny_status 429 if { path /deny }\n"), req: get, exact: true},
		// Without timeout tarpit, timeout connect, which a frontend does
		// not have: no wait.
		{name: "tarpit-frontend-no-wait", cfg: withFE("    http-request tarpit if { path /deny }\n"),
			steps: []step{{send: get, read: 1, wait: 500 * time.Millisecond}}, noProbe: true},
		// A listen has it (1s in the prelude): still waiting at 500ms.
		{name: "tarpit-listen-waits-connect", cfg: `listen li
    bind "127.0.0.1:${FE_PORT}"
    http-request tarpit if { path /deny }
    server s1 "127.0.0.1:${S1_PORT}"
`, steps: []step{{send: get, read: 1, wait: 500 * time.Millisecond}}, noProbe: true},
	})
}
