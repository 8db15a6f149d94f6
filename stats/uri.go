package stats

import (
	"strings"
)

// Format is the output a stats URI asks for.
type Format uint8

const (
	FormatHTML       Format = iota
	FormatCSV               // ;csv
	FormatTyped             // ;typed
	FormatJSON              // ;json
	FormatJSONSchema        // ;json-schema
)

// Status is the outcome of an action posted to the stats page, carried
// to the page by the redirect's ";st=XXXX".
type Status uint8

const (
	StatusInit Status = iota // no status: no message on the page
	StatusDeny               // DENY: the page is not in admin mode
	StatusDone               // DONE: every named server was changed
	StatusErrp               // ERRP: bad parameters (action, backend), or no server changed
	StatusExcd               // EXCD: the form did not fit in the request buffer
	StatusNone               // NONE: nothing to do (no server, or missing action or backend)
	StatusPart               // PART: some servers were changed, some not
	StatusUnkn               // UNKN: an unknown code
	StatusIval               // IVAL: a method other than GET, HEAD or POST
)

var statusCodes = [...]string{
	StatusDeny: "DENY", StatusDone: "DONE", StatusErrp: "ERRP", StatusExcd: "EXCD",
	StatusNone: "NONE", StatusPart: "PART", StatusUnkn: "UNKN", StatusIval: "IVAL",
}

// String is the four letters of ";st=", "" for StatusInit.
func (s Status) String() string {
	if int(s) < len(statusCodes) {
		return statusCodes[s]
	}
	return ""
}

// ParseStatus reads the four letters following ";st="; anything else is
// StatusUnkn, as haproxy reads it.
func ParseStatus(code string) Status {
	for s, c := range statusCodes {
		if c != "" && strings.HasPrefix(code, c) {
			return Status(s)
		}
	}
	return StatusUnkn
}

// PostStatus is the outcome of an admin post that named total servers
// (those of the backend that were found, plus those that were not) and
// changed altered of them.
func PostStatus(total, altered int) Status {
	switch {
	case total == 0:
		return StatusNone
	case altered == 0:
		return StatusErrp
	case altered == total:
		return StatusDone
	}
	return StatusPart
}

// scopeMaxLen is the longest scope haproxy keeps; a longer one is cut.
const scopeMaxLen = 20

// URIOptions are the options that follow the stats URI.
type URIOptions struct {
	Format    Format
	UpOnly    bool   // ;up: hide the servers that are DOWN or in maintenance
	NoMaint   bool   // ;no-maint: hide the servers in maintenance
	NoRefresh bool   // ;norefresh (meaningful only with `stats refresh`)
	Status    Status // ;st=XXXX, StatusInit when absent
	Scope     string // scope=NAME: only proxies whose name contains it
}

// ParseURIOptions reads what follows the stats URI in the request URI
// (the query string included), as haproxy 2.6 does: each option is looked
// for anywhere in it, in any order. Of the formats, ;json-schema wins over
// ;json, which wins over ;typed, which wins over ;csv; without one the page
// is HTML. ";st=" needs its four letters. "scope=" (the page's search form
// sends "?scope=") takes what follows up to ';', '&' or ' ', at most 20
// characters, and is dropped when empty or when it holds other than
// letters, digits and ".:_-"; haproxy only finds it with at least two
// characters after the '=' (or other text behind it), and so do we.
func ParseURIOptions(suffix string) URIOptions {
	var o URIOptions
	o.UpOnly = strings.Contains(suffix, ";up")
	o.NoMaint = strings.Contains(suffix, ";no-maint")
	o.NoRefresh = strings.Contains(suffix, ";norefresh")
	switch {
	case strings.Contains(suffix, ";json-schema"):
		o.Format = FormatJSONSchema
	case strings.Contains(suffix, ";json"):
		o.Format = FormatJSON
	case strings.Contains(suffix, ";typed"):
		o.Format = FormatTyped
	case strings.Contains(suffix, ";csv"):
		o.Format = FormatCSV
	}
	if i := strings.Index(suffix, ";st="); i >= 0 && i+8 <= len(suffix) {
		o.Status = ParseStatus(suffix[i+4 : i+8])
	}
	if i := strings.Index(suffix, "scope="); i >= 0 && i+8 <= len(suffix) {
		v := suffix[i+6:]
		if j := strings.IndexAny(v, ";& "); j >= 0 {
			v = v[:j]
		}
		if len(v) > scopeMaxLen {
			v = v[:scopeMaxLen]
		}
		if validScope(v) {
			o.Scope = v
		}
	}
	return o
}

// validScope accepts what haproxy accepts in a proxy name.
func validScope(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == ':' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// suffix is the part of the page's own links that keeps the current view:
// ";up", ";norefresh" (only when the page refreshes) and "?scope=".
func (o URIOptions) suffix(up, noRefresh bool) string {
	var b strings.Builder
	if up {
		b.WriteString(";up")
	}
	if noRefresh {
		b.WriteString(";norefresh")
	}
	if o.Scope != "" {
		b.WriteString("?scope=")
		b.WriteString(o.Scope)
	}
	return b.String()
}

// RedirectLocation is where haproxy sends the browser after a post (a
// "303 See Other", so that reloading the page does not post again): the
// stats URI with ";st=" and the view's options. refresh tells whether
// `stats refresh` is set, without which ";norefresh" is not kept.
func RedirectLocation(uri string, st Status, o URIOptions, refresh bool) string {
	code := st.String()
	if code == "" {
		code = StatusUnkn.String()
	}
	return uri + ";st=" + code + o.suffix(o.UpOnly, o.NoRefresh && refresh)
}

// ScopeMatch tells whether a proxy is in a page's scope: its name contains
// the scope, ignoring case.
func ScopeMatch(pxname, scope string) bool {
	return scope == "" || strings.Contains(strings.ToLower(pxname), strings.ToLower(scope))
}
