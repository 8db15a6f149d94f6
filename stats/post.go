package stats

import (
	"errors"
	"strconv"
	"strings"
)

// The admin form of the stats page posts, urlencoded,
//
//	s=<server>&s=<server>…&action=<action>&b=#<backend id>
//
// and is answered with a redirect to the page whose ";st=" reports the
// outcome (see RedirectLocation and PostStatus).

// MaxAdminPostBody is the largest body haproxy reads whole with its
// default buffers (tune.bufsize less tune.maxrewrite); a larger one is
// answered StatusExcd without acting.
const MaxAdminPostBody = 16384 - 1024

// maxAdminParam is the longest "key=value" haproxy accepts in the form.
const maxAdminParam = 2047

// ErrAdminParams is a form haproxy refuses as a whole (StatusErrp): an
// unknown action, or a parameter too long.
var ErrAdminParams = errors.New("invalid parameters")

// adminActions are the actions a post may ask for: the form's, and the
// four older ones haproxy still accepts (disable/enable: enter or leave
// forced maintenance; stop/start: enter or leave forced drain).
var adminActions = map[string]bool{
	"ready": true, "drain": true, "maint": true, "shutdown": true,
	"dhlth": true, "ehlth": true, "hrunn": true, "hnolb": true, "hdown": true,
	"dagent": true, "eagent": true, "arunn": true, "adown": true,
	"disable": true, "enable": true, "stop": true, "start": true,
}

// AdminPost is a parsed admin form.
//
// What each action does, in the admin surface's terms: ready, drain and
// maint set the server's state (`set server B/S state`); dhlth and ehlth
// disable and enable its health checks, dagent and eagent its agent
// checks (each only on a server that has them configured); hrunn, hnolb
// and hdown force its health to up, stopping (NOLB) or down, as `set
// server B/S health` does (not on a server that tracks another); arunn and
// adown force the agent's (only with the agent enabled); shutdown kills
// the server's sessions (`shutdown sessions server`), unless the backend
// is stopped. disable/enable and stop/start are the older forms of maint
// and drain, which change nothing when the server is already so.
type AdminPost struct {
	Backend    string   // "b": a backend's name, or "#" and its numeric id
	HasBackend bool     // "b" was posted (an empty one names no backend: StatusErrp)
	Action     string   // "action"
	Servers    []string // each "s", in the order posted
}

// BackendID is the backend's numeric id when Backend is "#<id>".
func (a *AdminPost) BackendID() (int, bool) {
	if !strings.HasPrefix(a.Backend, "#") {
		return 0, false
	}
	id, err := strconv.Atoi(a.Backend[1:])
	return id, err == nil
}

// ParseAdminPost reads the admin form as haproxy does: from the end, so
// that the last "b" and the last "action" count (the form sends them
// last); a parameter that does not decode ends the reading, what was read
// after it still counts. An unknown or empty action, or a parameter over
// 2047 bytes, is ErrAdminParams. Other keys are ignored. The caller then
// resolves the backend when HasBackend (unknown or empty: StatusErrp)
// and calls Apply.
func ParseAdminPost(body []byte) (AdminPost, error) {
	var a AdminPost
	var haveAction bool
	params := strings.Split(string(body), "&")
	var servers []string
	for i := len(params) - 1; i >= 0; i-- {
		p := params[i]
		if len(p) > maxAdminParam {
			return AdminPost{}, ErrAdminParams
		}
		k, v, _ := strings.Cut(p, "=")
		key, ok1 := FormDecode(k)
		val, ok2 := FormDecode(v)
		if !ok1 || !ok2 {
			break
		}
		switch {
		case key == "b" && !a.HasBackend:
			a.Backend, a.HasBackend = val, true
		case key == "action" && !haveAction:
			if !adminActions[val] {
				return AdminPost{}, ErrAdminParams
			}
			a.Action, haveAction = val, true
		case key == "s":
			servers = append(servers, val)
		}
	}
	// Read backwards, the servers are reversed: put them in posted order.
	for i := len(servers) - 1; i >= 0; i-- {
		a.Servers = append(a.Servers, servers[i])
	}
	return a, nil
}

// FormDecode decodes an urlencoded form value (a POST body, a query
// string), as haproxy's url_decode: '+' is a space, %XX a byte; a '%'
// without two hex digits is an error. Like haproxy, which works on C
// strings, a decoded NUL ends the value.
func FormDecode(s string) (string, bool) {
	if !strings.ContainsAny(s, "+%") {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b = append(b, ' ')
		case '%':
			if i+2 >= len(s) || unhex(s[i+1]) < 0 || unhex(s[i+2]) < 0 {
				return "", false
			}
			b = append(b, byte(unhex(s[i+1])<<4|unhex(s[i+2])))
			i += 2
		default:
			b = append(b, c)
		}
	}
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		b = b[:i]
	}
	return string(b), true
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// Apply runs the post's action on each of its servers and returns the
// outcome for ";st=". act performs the action on one server of the
// (resolved) backend and tells whether the server was found and whether
// the action applied to it. haproxy counts a server not found as a
// failure, and one found but to which the action does not apply (checks
// disabled on a server without checks) not at all; so do we. Without a
// backend or an action, nothing is done: StatusNone.
func (a *AdminPost) Apply(act func(server string) (found, applied bool)) Status {
	if !a.HasBackend || a.Action == "" {
		return StatusNone
	}
	total, altered := 0, 0
	for _, s := range a.Servers {
		found, applied := act(s)
		switch {
		case !found:
			total++
		case applied:
			total++
			altered++
		}
	}
	return PostStatus(total, altered)
}
