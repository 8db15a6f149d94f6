package promex

import (
	"io"
	"net/http"
)

const (
	// ContentType is the Content-Type of a scrape, haproxy 2.6.12's
	// exactly: Prometheus's text format 0.0.4 (without the charset
	// parameter the Prometheus libraries add; the text is UTF-8 anyway).
	ContentType = "text/plain; version=0.0.4"
	// CacheControl is the Cache-Control haproxy sends with a scrape, and
	// with its 400.
	CacheControl = "no-cache"
	// BadRequestType and BadRequestBody are haproxy's 400 answer to a bad
	// query string (its built-in error page); it also closes the
	// connection.
	BadRequestType = "text/html"
	BadRequestBody = "<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n"
)

// Write answers a request to the exporter whose query string (without
// the '?') is rawQuery: it writes the body to w and returns the status
// and the Content-Type to send with it (and Cache-Control: no-cache in
// both cases). A bad query string gets haproxy's 400 page. For a HEAD
// request, or to send the headers before the body, use ParseQuery and
// Options.Write instead. err is w's.
func Write(w io.Writer, rawQuery string, src Source) (status int, contentType string, err error) {
	o, perr := ParseQuery(rawQuery)
	if perr != nil {
		_, err = io.WriteString(w, BadRequestBody)
		return http.StatusBadRequest, BadRequestType, err
	}
	return http.StatusOK, ContentType, o.Write(w, src)
}

// Serve answers a request to the exporter through net/http, as haproxy's
// `http-request use-service prometheus-exporter` does.
func Serve(w http.ResponseWriter, r *http.Request, src Source) {
	h := w.Header()
	h.Set("Cache-Control", CacheControl)
	o, err := ParseQuery(r.URL.RawQuery)
	if err != nil {
		h.Set("Content-Type", BadRequestType)
		h.Set("Connection", "close")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, BadRequestBody)
		return
	}
	h.Set("Content-Type", ContentType)
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	// The status is sent: an error now can only cut the body short, and
	// the client sees it as a broken stream.
	_ = o.Write(w, src)
}

// Handler returns Serve as an http.Handler.
func Handler(src Source) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { Serve(w, r, src) })
}
