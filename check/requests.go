package check

// HTTPRequest is the request line of a step that sends an HTTP request,
// haproxy's defaults filled in (OPTIONS / HTTP/1.0).
type HTTPRequest struct {
	Method, URI, Version string
}

// HTTPRequests returns the request lines the check sends whose URI is
// known at load, in step order: a log-format URI is known only when the
// check runs, and is left out. The configuration's checks use it to
// reason about what a check asks of the servers.
func (rs *Ruleset) HTTPRequests() []HTTPRequest {
	var out []HTTPRequest
	for _, r := range rs.rules {
		if r.act != actSend || r.send.http == nil || r.send.http.uriLF != nil {
			continue
		}
		h := r.send.http
		req := HTTPRequest{Method: h.meth, URI: h.uri, Version: h.vsn}
		if req.Method == "" {
			req.Method = "OPTIONS"
		}
		if req.URI == "" {
			req.URI = "/"
		}
		if req.Version == "" {
			req.Version = "HTTP/1.0"
		}
		out = append(out, req)
	}
	return out
}
