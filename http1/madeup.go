package http1

import "strconv"

// The replies the proxy makes up itself, a return or a deny with a
// payload (and later redirects), are laid out here, as haproxy 2.6 writes
// them: the status line, the rule's header fields in order (names in lower
// case), content-length, content-type, then the connection field, and the
// body unless the request was a HEAD. The caller renders the values of the
// rule's fields between AppendReplyHead and AppendReplyTail.

// AppendReplyHead appends the status line of a made-up reply.
func AppendReplyHead(dst []byte, status int) []byte {
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, ' ')
	dst = append(dst, ReasonPhrase(status)...)
	return append(dst, "\r\n"...)
}

// AppendReplyFieldName appends a field's name, lower-cased, and the
// separator; the caller appends the value and the line end.
func AppendReplyFieldName(dst []byte, name string) []byte {
	return append(appendLower(dst, []byte(name)), ": "...)
}

// AppendReplyTail ends a made-up reply to req: its head's end
// (AppendReplyEnd) and the body, which a HEAD request does not get.
func AppendReplyTail(dst, body []byte, contentType string, close bool, req *Request) []byte {
	dst = AppendReplyEnd(dst, len(body), contentType, close, req)
	if req.Meth == MethodHEAD {
		return dst
	}
	return append(dst, body...)
}

// AppendReplyEnd ends the head of a made-up reply to req whose body is n
// bytes long: its length, its content type, the connection field (close,
// or keep-alive spelled out to an HTTP/1.0 client) and the blank line. A
// caller writing a large body from where it lies sends it separately.
func AppendReplyEnd(dst []byte, n int, contentType string, close bool, req *Request) []byte {
	dst = append(dst, "content-length: "...)
	dst = strconv.AppendInt(dst, int64(n), 10)
	dst = append(dst, "\r\n"...)
	if contentType != "" {
		dst = append(dst, "content-type: "...)
		dst = append(dst, contentType...)
		dst = append(dst, "\r\n"...)
	}
	switch {
	case close:
		dst = append(dst, "connection: close\r\n"...)
	case !req.HTTP11():
		dst = append(dst, "connection: keep-alive\r\n"...)
	}
	return append(dst, "\r\n"...)
}

// ReasonPhrase is haproxy's reason phrase for a status it generates
// ("Other" for one it does not know).
func ReasonPhrase(status int) string {
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
