package promex

import (
	"errors"
	"strings"

	"switchyard/stats"
)

// Scope is a set of the exporter's scopes, as the `scope` parameter names
// them.
type Scope uint8

const (
	ScopeGlobal Scope = 1 << iota
	ScopeFrontend
	ScopeBackend
	ScopeServer
	ScopeListener
	ScopeStickTable

	ScopeAll = ScopeGlobal | ScopeFrontend | ScopeBackend | ScopeServer | ScopeListener | ScopeStickTable
)

var scopeNames = map[string]Scope{
	"global":     ScopeGlobal,
	"frontend":   ScopeFrontend,
	"backend":    ScopeBackend,
	"server":     ScopeServer,
	"listener":   ScopeListener,
	"sticktable": ScopeStickTable,
}

// ErrBadQuery is a query string haproxy answers with 400: a `scope`
// without a value or with an unknown one, a value holding a second '=',
// a malformed %-escape, a `metrics` without a value.
var ErrBadQuery = errors.New("promex: bad query string")

// Options are what a query string asks for. The zero Options export
// nothing; ParseQuery("") gives haproxy's default, everything.
type Options struct {
	Scopes  Scope
	NoMaint bool // `no-maint`: leave out the servers in maintenance
	// Switchyard is `switchyard-metrics`: switchyard's own families
	// (switchyard_*) too, after haproxy's, in the scopes asked for.
	// Without it a scrape holds haproxy's families only, as haproxy's
	// exporter writes them; a family named in `metrics` is written
	// either way.
	Switchyard bool

	// filters maps a metric's full name to whether it is excluded, from
	// `metrics=name,-name`; with onlyIncluded, a name absent from it is
	// left out too.
	filters      map[string]bool
	onlyIncluded bool
	// ownNamed: `metrics` includes a name of switchyard's (a shortcut
	// for the scrape: whether to read the extras at all).
	ownNamed bool
}

// ParseQuery reads the query string of a request to the exporter (what
// follows '?', up to an optional '#'), as haproxy 2.6.12 does:
//
//   - scope=global|frontend|backend|server|listener|sticktable|* may
//     repeat and adds to the scopes; an empty `scope=` clears those given
//     before it; once any scope is given, the default (all) no longer
//     applies; a value beginning with '*' means all (2.6 reads only the
//     first character);
//   - no-maint leaves out the servers in maintenance;
//   - switchyard-metrics (switchyard's; haproxy ignores it as any unknown
//     key) adds switchyard's own families, which a scrape otherwise
//     leaves out; like no-maint, it takes no value and ignores one;
//   - metrics=name1,-name2 (haproxy 3.0's filter, which 2.6 ignores:
//     switchyard takes it as 3.0 documents it) keeps only the named
//     metrics, full names, if any is named without '-', and drops those
//     named with '-'; a later mention of a name overrides an earlier one;
//   - extra-counters and desc-labels (3.0) and unknown keys are ignored,
//     as 2.6 does: switchyard has no extra counters, and 2.6 has no
//     description labels.
//
// Keys and values are %-decoded, '+' as a space.
func ParseQuery(q string) (Options, error) {
	o := Options{}
	scopeGiven := false
	if i := strings.IndexByte(q, '#'); i >= 0 {
		q = q[:i]
	}
	for q != "" {
		var param string
		param, q, _ = strings.Cut(q, "&")
		rawKey, rawValue, hasValue := strings.Cut(param, "=")
		if strings.IndexByte(rawValue, '=') >= 0 {
			return Options{}, ErrBadQuery
		}
		key, ok := stats.FormDecode(rawKey)
		if !ok {
			return Options{}, ErrBadQuery
		}
		value, ok := stats.FormDecode(rawValue)
		if !ok {
			return Options{}, ErrBadQuery
		}
		switch key {
		case "scope":
			scopeGiven = true
			switch {
			case !hasValue:
				return Options{}, ErrBadQuery
			case value == "":
				o.Scopes = 0
			case value[0] == '*':
				o.Scopes = ScopeAll
			default:
				s, ok := scopeNames[value]
				if !ok {
					return Options{}, ErrBadQuery
				}
				o.Scopes |= s
			}
		case "no-maint":
			o.NoMaint = true
		case "switchyard-metrics":
			o.Switchyard = true
		case "metrics":
			if !hasValue {
				return Options{}, ErrBadQuery
			}
			o.addFilters(value)
		}
	}
	if !scopeGiven {
		o.Scopes = ScopeAll
	}
	return o, nil
}

// addFilters reads one `metrics` value: comma-separated names, each
// excluded if it begins with '-'; empty names are skipped.
func (o *Options) addFilters(v string) {
	for _, name := range strings.Split(v, ",") {
		exclude := false
		if strings.HasPrefix(name, "-") {
			name, exclude = name[1:], true
		}
		if name == "" {
			continue
		}
		if !exclude {
			o.onlyIncluded = true
			o.ownNamed = o.ownNamed || strings.HasPrefix(name, ownPrefix)
		}
		if o.filters == nil {
			o.filters = make(map[string]bool)
		}
		o.filters[name] = exclude
	}
}

// Wants reports whether the metric family name (full, e.g.
// "haproxy_server_status") passes the `metrics` filter.
func (o *Options) Wants(name string) bool {
	if o.filters == nil {
		return true
	}
	exclude, named := o.filters[name]
	if named {
		return !exclude
	}
	return !o.onlyIncluded
}

// ownPrefix begins the names of switchyard's own families.
const ownPrefix = "switchyard_"

// wantsOwn reports whether switchyard's family name is written: asked for
// by switchyard-metrics and kept by the `metrics` filter, or included by
// name in the filter.
func (o *Options) wantsOwn(name string) bool {
	if exclude, named := o.filters[name]; named {
		return !exclude
	}
	return o.Switchyard && !o.onlyIncluded
}

// anyOwn reports whether some of switchyard's families may be written.
func (o *Options) anyOwn() bool { return o.Switchyard || o.ownNamed }
