package promex

import (
	"time"

	"switchyard/counters"
	"switchyard/stats"
)

// Source is what the exporter reads: the same rows as `show stat` and
// `show info`, so that the exporter, the CSV and the CLI never disagree,
// plus the stick tables and switchyard's extras. The admin surface
// implements it: Info is its own, and Rows its Stats with every row
// (admin.AllStats, NoMaint false). Each method is called at most once per
// scrape, and only for the scopes asked for; scrapes may run at once.
type Source interface {
	// Info is the process's `show info`.
	Info() stats.InfoRow
	// Rows returns the rows of `show stat`, in its order: proxies in
	// configuration order, each as its FRONTEND, its listeners, its
	// servers, then its BACKEND. haproxy's exporter walks the proxies in
	// the same order, so this is also the order of the series.
	//
	// want says which object types are needed (ScopeFrontend,
	// ScopeListener, ScopeBackend, ScopeServer); rows of other types may
	// be returned and are skipped. Servers in maintenance must be there
	// even when the query says no-maint: the backends' agg_* metrics
	// count them. Disabled proxies are absent, as from `show stat`, and
	// listener rows exist only for frontends with `option socket-stats`,
	// as haproxy has listener counters only then. The exporter neither
	// keeps nor changes the rows.
	Rows(want Scope) []stats.Row
	// StickTables returns the stick tables in the order haproxy lists them
	// (2.6: the reverse of their declaration order).
	StickTables() []StickTable
	// Extras returns what switchyard exports beyond haproxy.
	Extras() Extras
	// Certificates returns the certificates the TLS binds serve, in
	// configuration order (scope frontend).
	Certificates() []Certificate
}

// Certificate is one certificate a TLS bind serves, as the
// switchyard_frontend_ssl_certificate_* families show it. A certificate
// appears once per bind that serves it.
type Certificate struct {
	// Proxy is the frontend; Listener names the bind as haproxy's
	// listener series do: its `name`, or "sock-N" by its position.
	Proxy, Listener string
	// File is the certificate's file as loaded (crt-base applied);
	// Serial its serial number in upper-case hex.
	File, Serial string
	NotAfter     time.Time
}

// StickTable is one stick table as `haproxy_sticktable_*` shows it.
type StickTable struct {
	Name string
	Type string // haproxy's key type keyword: ip, ipv6, integer, string, binary
	Size uint64 // the configured size; a table of size 0 is not exported
	Used uint64 // entries in use
}

// Extras are switchyard's own metrics, exported under switchyard_* names
// after haproxy's (see the package documentation for each family). A zero
// value exports nothing but the exhaustion ratios computed from the rows.
type Extras struct {
	// FDsUsed is the number of file descriptors open in the process;
	// FDsLimit is the most it may open (RLIMIT_NOFILE), 0 if unknown.
	FDsUsed, FDsLimit uint64
	// MemoryUsedBytes is the memory the process holds from the system
	// (Go runtime: mapped and not released); MemoryLimitBytes is the limit
	// it runs under (`-m`, GOMEMLIMIT, the cgroup), 0 if none.
	MemoryUsedBytes, MemoryLimitBytes uint64

	Backends []BackendExtras // in the order of the rows
	Servers  []ServerExtras  // in the order of the rows
}

// BackendExtras are one backend's extras.
type BackendExtras struct {
	Proxy string
	// ResponseTime is the distribution of the time to the server's
	// response headers (haproxy's Tr) of the backend's HTTP requests.
	ResponseTime Histogram
}

// ServerExtras are one server's extras.
type ServerExtras struct {
	Proxy, Server string
	ResponseTime  Histogram
	// TransitionsUp and TransitionsDown count the server's changes of
	// health state to UP and to DOWN since the process started (checks,
	// agent, tracking, observe), so that flapping shows as a rate.
	TransitionsUp, TransitionsDown uint64
}

// Histogram is a cumulative histogram in seconds, as Prometheus wants it:
// Cumulative[i] counts the observations <= Bounds[i]; Count counts them
// all (the +Inf bucket) and Sum adds them up. A zero Histogram (no
// bounds) is not exported.
type Histogram struct {
	Bounds     []float64
	Cumulative []uint64
	Count      uint64
	Sum        float64
}

// bucketSeconds are counters.Buckets in seconds, shared by every
// histogram HistogramOf makes.
var bucketSeconds = func() []float64 {
	s := make([]float64, len(counters.Buckets))
	for i, ms := range counters.Buckets {
		s[i] = ms / 1000
	}
	return s
}()

// HistogramOf reads a counters.Histogram (milliseconds) as a Histogram in
// seconds. Its Bounds are shared and must not be changed.
func HistogramOf(h *counters.Histogram) Histogram {
	cum, count, sumMS := h.Snapshot()
	return Histogram{
		Bounds:     bucketSeconds,
		Cumulative: cum[:],
		Count:      count,
		Sum:        float64(sumMS) / 1000,
	}
}
