package promex

import (
	"bufio"
	"io"
	"math"
	"strings"
	"sync"

	dto "github.com/prometheus/client_model/go"

	"switchyard/internal/yield"
	"switchyard/stats"
)

// obj is one frontend, listener, backend or server of a scrape.
type obj struct {
	row    *stats.Row
	labels []*dto.LabelPair // proxy[, server|listener]
	http   bool             // its proxy is in mode http
}

func (o *obj) field(f stats.Stat) stats.Field { return o.row.Fields[f] }
func (o *obj) str(f stats.Stat) string        { return o.row.Fields[f].Str }

// scrape is one run of the exporter.
type scrape struct {
	o   *Options
	e   *encoder
	src Source

	fe, li, be, sv []obj
	// agg counts each backend's servers per state and per check status,
	// keyed by proxy name, for the agg_* metrics: all servers, even under
	// no-maint, as haproxy counts them.
	agg map[string]*aggCounts
	// maint are the servers no-maint left out, by proxy and server name.
	maint map[[2]string]bool
}

type aggCounts struct {
	servers int
	state   [len(serverStates)]int
	check   [len(checkStatuses)]int
}

var encoders = sync.Pool{New: func() any {
	return &encoder{w: bufio.NewWriterSize(nil, 64<<10)}
}}

// Write writes the metrics o asks for, read from src, to w in
// Prometheus's text format (ContentType).
func (o *Options) Write(w io.Writer, src Source) error {
	e := encoders.Get().(*encoder)
	e.w.Reset(w)
	e.err = nil
	e.pace = yield.Pacer{}
	s := scrape{o: o, e: e, src: src}
	s.run()
	if e.err == nil {
		e.err = e.w.Flush()
	}
	err := e.err
	e.w.Reset(nil)
	e.endScrape()
	encoders.Put(e)
	return err
}

func (s *scrape) run() {
	sc := s.o.Scopes
	if sc&(ScopeFrontend|ScopeListener|ScopeBackend|ScopeServer) != 0 {
		want := sc & (ScopeFrontend | ScopeListener | ScopeBackend | ScopeServer)
		if want&ScopeBackend != 0 {
			want |= ScopeServer // the agg_* metrics count the servers
		}
		s.split(s.src.Rows(want))
	}
	var info stats.InfoRow
	if sc&ScopeGlobal != 0 {
		info = s.src.Info()
		s.process(&info)
	}
	if sc&ScopeFrontend != 0 {
		s.stats(oFrontend, s.fe)
	}
	if sc&ScopeListener != 0 {
		s.stats(oListener, s.li)
	}
	if sc&ScopeBackend != 0 {
		s.stats(oBackend, s.be)
	}
	if sc&ScopeServer != 0 {
		s.stats(oServer, s.sv)
	}
	if sc&ScopeStickTable != 0 {
		s.stickTables(s.src.StickTables())
	}
	if sc&(ScopeGlobal|ScopeFrontend|ScopeBackend|ScopeServer) != 0 {
		s.extras(&info)
	}
}

var (
	lblProxy    = "proxy"
	lblServer   = "server"
	lblListener = "listener"
	namesProxy  = []*string{&lblProxy}
	namesServer = []*string{&lblProxy, &lblServer}
	namesLi     = []*string{&lblProxy, &lblListener}
)

// split sorts the rows by object type and gives each its labels.
func (s *scrape) split(rows []stats.Row) {
	e := s.e
	for i := range rows {
		r := &rows[i]
		o := obj{row: r, http: r.Fields[stats.FMode].Str == "http"}
		px := &r.Fields[stats.FPxname].Str
		sv := &r.Fields[stats.FSvname].Str
		switch r.Type {
		case stats.TypeFrontend:
			o.labels = e.objLabels(namesProxy, px)
			s.fe = append(s.fe, o)
		case stats.TypeListener:
			o.labels = e.objLabels(namesLi, px, sv)
			s.li = append(s.li, o)
		case stats.TypeBackend:
			o.labels = e.objLabels(namesProxy, px)
			s.be = append(s.be, o)
		case stats.TypeServer:
			o.labels = e.objLabels(namesServer, px, sv)
			s.sv = append(s.sv, o)
		}
	}
	if len(s.be) > 0 {
		s.agg = make(map[string]*aggCounts, len(s.be))
		for i := range s.sv {
			o := &s.sv[i]
			a := s.agg[o.str(stats.FPxname)]
			if a == nil {
				a = new(aggCounts)
				s.agg[o.str(stats.FPxname)] = a
			}
			a.servers++
			a.state[serverState(o.str(stats.FStatus))]++
			if c := checkStatus(o.field(stats.FCheckStatus)); c >= 0 {
				a.check[c]++
			}
		}
	}
	if s.o.NoMaint {
		kept := s.sv[:0]
		for _, o := range s.sv {
			if serverState(o.str(stats.FStatus)) != srvMaint {
				kept = append(kept, o)
				continue
			}
			if s.maint == nil {
				s.maint = make(map[[2]string]bool)
			}
			s.maint[[2]string{o.str(stats.FPxname), o.str(stats.FSvname)}] = true
		}
		s.sv = kept
	}
}

// value is a field as a sample value; haproxy prints NaN for a field an
// object does not have (Empty) and for strings.
func value(f stats.Field) float64 {
	switch f.Kind {
	case stats.U32, stats.U64:
		return float64(f.U)
	case stats.S32, stats.S64:
		return float64(f.S)
	case stats.Flt:
		return f.F
	}
	return math.NaN()
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// serverState is haproxy's promex_srv_status read from the status column:
// MAINT whatever the reason, DRAIN, NOLB while stopping, UP while running
// (also "UP 1/3" going down and "no check"), DOWN otherwise (also "DOWN
// 1/2" going up).
func serverState(status string) int {
	switch {
	case strings.HasPrefix(status, "MAINT"):
		return srvMaint
	case strings.HasPrefix(status, "DRAIN"):
		return srvDrain
	case strings.HasPrefix(status, "NOLB"):
		return srvNolb
	case strings.HasPrefix(status, "UP"), status == "no check":
		return srvUp
	}
	return srvDown
}

// checkStatus is the index in checkStatuses of a check_status column
// ("L7OK", "* L7OK" while a check runs), -1 if the server's checks do not
// run (the column is empty) or it is a status no series shows (INI, UNK).
func checkStatus(f stats.Field) int {
	if f.Kind != stats.Str {
		return -1
	}
	st := strings.TrimPrefix(f.Str, "* ")
	for i, c := range checkStatuses {
		if c == st {
			return i
		}
	}
	return -1
}

// state returns the index of an object's state in its list of states.
func state(t objMask, o *obj) int {
	st := o.str(stats.FStatus)
	switch t {
	case oFrontend:
		if st == "STOP" {
			return 0
		}
		return 1
	case oBackend:
		return int(b2f(st == "UP"))
	case oServer:
		return serverState(st)
	}
	for i, l := range listenerStates {
		if l == st {
			return i
		}
	}
	return -1
}
