package difftest

import "testing"

// http-errors sections, errorfiles, http-error, and the errorfiles option
// of return/deny; which of errorfile, errorfiles and http-error wins.

func TestErrorfilesSections(t *testing.T) {
	files := map[string]string{
		"503.http":  "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: 5\r\n\r\nbusy\n",
		"403.http":  "HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: 7\r\n\r\nsite-a\n",
		"403b.http": "HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: 7\r\n\r\nsite-b\n",
		"404.http":  "HTTP/1.1 404 Not Found\r\ncontent-length: 4\r\nx-from: file\r\n\r\nnone",
	}
	sections := `http-errors site
    errorfile 503 "${DIR}/503.http"
    errorfile 403 "${DIR}/403.http"
    errorfile 404 "${DIR}/404.http"

http-errors other
    errorfile 403 "${DIR}/403b.http"

`
	deny := "    http-request deny if { path /deny }\n"
	down := "    http-request deny deny_status 503 if { path /down }\n"
	getDeny := "GET /deny HTTP/1.1\r\nhost: a\r\n\r\n"
	getDown := "GET /down HTTP/1.1\r\nhost: a\r\n\r\n"
	runCases(t, []tcase{
		{name: "errorfiles-all", files: files, exact: true, req: getDeny,
			cfg: sections + withFE("    errorfiles site\n"+deny)},
		{name: "errorfiles-listed-codes", files: files, exact: true, req: getDown,
			cfg: sections + withFE("    errorfiles site 403\n"+down)},
		{name: "errorfiles-later-wins", files: files, exact: true, req: getDeny,
			cfg: sections + withFE("    errorfiles site\n    errorfiles other\n"+deny)},
		{name: "errorfile-after-errorfiles-wins", files: files, exact: true, req: getDeny,
			cfg: sections + withFE("    errorfiles site\n    errorfile 403 \"${DIR}/403b.http\"\n"+deny)},
		{name: "errorfiles-after-errorfile-wins", files: files, exact: true, req: getDeny,
			cfg: sections + withFE("    errorfile 403 \"${DIR}/403b.http\"\n    errorfiles site\n"+deny)},
		{name: "errorfiles-in-defaults", files: files, exact: true, req: getDeny, full: true,
			cfg: "global\n    nbthread 1\n\n" + sections + "defaults\n    mode http\n    timeout connect 1s\n    timeout client 3s\n    timeout server 3s\n    errorfiles site\n\n" +
				withFE(deny)},
		{name: "defaults-errorfiles-then-proxy-errorfile", files: files, exact: true, req: getDeny, full: true,
			cfg: "global\n    nbthread 1\n\n" + sections + "defaults\n    mode http\n    timeout connect 1s\n    timeout client 3s\n    timeout server 3s\n    errorfiles site\n\n" +
				withFE("    errorfile 403 \"${DIR}/403b.http\"\n"+deny)},
		{name: "section-after-proxy", files: files, exact: true, req: getDeny,
			cfg: withFE("    errorfiles site\n"+deny) + "\n" + sections},
		{name: "http-error-string", exact: true, req: getDeny,
			cfg: withFE("    http-error status 403 content-type text/plain string \"go away\" hdr x-why policy\n" + deny)},
		{name: "http-error-empty", exact: true, req: getDeny,
			cfg: withFE("    http-error status 403\n" + deny)},
		{name: "http-error-lf-string-static", exact: true, req: getDeny,
			cfg: withFE("    http-error status 403 content-type text/html lf-string \"<p>denied</p>\"\n" + deny)},
		{name: "http-error-lf-string-dynamic", exact: true, req: getDeny,
			cfg: withFE("    http-error status 403 content-type text/plain lf-string \"no %[path] for %[src]\" hdr x-host %[req.hdr(host)]\n" + deny)},
		{name: "http-error-lf-503", exact: true, req: getDeny,
			cfg: "frontend fe\n    bind \"127.0.0.1:${FE_PORT}\"\n    http-error status 503 content-type text/plain lf-string \"down: %[path]\"\n    default_backend be\nbackend be\n    retries 0\n    server s1 \"127.0.0.1:${CLOSED_PORT}\"\n"},
		{name: "http-error-errorfile", files: files, exact: true, req: getDeny,
			cfg: withFE("    http-error status 403 errorfile \"${DIR}/403b.http\"\n" + deny)},
		{name: "http-error-errorfiles", files: files, exact: true, req: getDeny,
			cfg: sections + withFE("    http-error status 403 errorfiles other\n"+deny)},
		{name: "http-error-default-resets", files: files, exact: true, req: getDeny,
			cfg: sections + withFE("    errorfiles site\n    http-error status 403 default-errorfiles\n"+deny)},
		{name: "http-error-then-errorfiles", files: files, exact: true, req: getDeny,
			cfg: sections + withFE("    http-error status 403 content-type text/plain string x\n    errorfiles other\n"+deny)},
		{name: "http-error-deny-status", exact: true, req: getDown,
			cfg: withFE("    http-error status 503 content-type text/plain string \"no server\"\n" + down)},
		{name: "return-errorfiles", files: files, exact: true, req: getDeny,
			cfg: sections + withFE("    http-request return status 404 errorfiles site if { path /deny }\n")},
		{name: "deny-errorfiles", files: files, exact: true, req: getDeny,
			cfg: sections + withFE("    http-request deny errorfiles other if { path /deny }\n")},
		{name: "deny-errorfiles-missing-status", files: files, exact: true, req: getDown, warns: true,
			cfg: sections + withFE("    http-request deny deny_status 503 errorfiles other if { path /down }\n")},
		{name: "backend-errorfiles", files: files, exact: true, req: getDeny,
			cfg: sections + withBE("    errorfiles other\n    http-request deny if { path /deny }\n")},
	})
}
