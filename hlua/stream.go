package hlua

import "switchyard/sample"

// Stream is what Lua's TXN and HTTP classes reach of the stream a call
// runs on. The proxy implements it; Ctx is the stream's sample context
// (variables, fetches).
type Stream interface {
	Ctx() *sample.Ctx
	// HTTP says whether the stream carries HTTP (txn.http exists).
	HTTP() bool
	// Headers calls fn for each field of the request (res false) or the
	// response, in order.
	Headers(res bool, fn func(name, value []byte))
	// SetHeader removes the fields named name and, unless del, adds one
	// with value; AddHeader appends one.
	SetHeader(res bool, name, value string, del bool)
	AddHeader(res bool, name, value string)
	// ReplaceHeaders rewrites the values of the fields named name with
	// edit, in place.
	ReplaceHeaders(res bool, name string, edit func(v []byte) []byte)
	// SetLine changes a part of the request line ("method", "path",
	// "query", "uri"); it reports false when the rewrite is refused.
	SetLine(part, value string) bool
	// SetStatus changes the response's status (reason "" is the
	// default one).
	SetStatus(code int, reason string) bool
	// Reply answers the request with r and ends the transaction
	// (txn:done with a reply); nil ends it without answer beyond what
	// haproxy would send (txn:done()).
	Done(r *Reply)
	// SetLogLevel changes the level of the stream's log line ("silent"
	// is -1).
	SetLogLevel(level int)
	// Log sends a message to the stream's proxy's loggers.
	Log(level int, msg string)
	// Frontend and Backend name the stream's proxies ("" when none yet).
	Frontend() string
	Backend() string
}

// StreamOf finds the Stream of a sample context (set by the proxy): Lua
// fetches and converters get their stream through it.
var StreamOf = func(c *sample.Ctx) Stream { return nil }

// Reply is a response built by Lua (txn:reply()), or a service's head.
type Reply struct {
	Status  int
	Reason  string
	Headers [][2]string
	Body    []byte
}

// Host is what the process gives scripts beyond a stream: logs outside a
// stream, the proxies and servers (core.backends…). Maps and ACL files
// (core.set_map…) are the configuration's, reached through its sample.Env.
type Host interface {
	// Log sends a message to the global loggers (core.log outside a
	// stream).
	Log(level int, msg string)
	// Alert writes a message to the process's own log (haproxy's
	// ha_alert on stderr): script failures.
	Alert(msg string)
	// Proxies lists the proxies of the running configuration.
	Proxies() []Proxy
}

// Proxy is a frontend, backend or listen section for core.proxies.
type Proxy interface {
	Name() string
	ID() int
	Frontend() bool
	Backend() bool
	// Mode is "tcp" or "http".
	Mode() string
	// Stats is the proxy's row of `show stat`, by column name: values
	// are int64, uint64, float64 or string; empty cells are absent.
	Stats() map[string]any
	Servers() []Server
	// Pause/Resume/Stop act on a frontend's listeners.
	Pause() bool
	Resume() bool
	Stop() bool
}

// Server is a backend's server for core.backends[...].servers.
type Server interface {
	Name() string
	ID() int
	Stats() map[string]any
	Addr() string
	// Command runs a runtime API command on the server, "%s" standing
	// for its "backend/server" (at the end when absent): "set weight
	// %s 50", "set server %s state maint"…; it returns the answer.
	Command(args ...string) string
}
