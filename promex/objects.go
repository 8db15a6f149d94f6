package promex

import (
	dto "github.com/prometheus/client_model/go"

	"switchyard/stats"
)

// pairsOf returns one shared label pair name=v for each value: the
// exporter's fixed label values, built once.
func pairsOf(name string, values []string) []*dto.LabelPair {
	ps := make([]*dto.LabelPair, len(values))
	for i := range values {
		ps[i] = &dto.LabelPair{Name: &name, Value: &values[i]}
	}
	return ps
}

var (
	frontendStatePairs = pairsOf("state", frontendStates[:])
	backendStatePairs  = pairsOf("state", backendStates[:])
	listenerStatePairs = pairsOf("state", listenerStates[:])
	serverStatePairs   = pairsOf("state", serverStates[:])
	checkStatusPairs   = pairsOf("state", checkStatuses[:])
	codePairs          = pairsOf("code", responseCodes[:])
)

// objIndex numbers the object types for fullNames.
func objIndex(t objMask) int {
	switch t {
	case oFrontend:
		return 0
	case oListener:
		return 1
	case oBackend:
		return 2
	}
	return 3
}

// fullNames are the stat metrics' names with each object's prefix, made
// once rather than per scrape.
var fullNames = func() (n [len(statMetrics)][4]string) {
	prefixes := [4]string{"haproxy_frontend_", "haproxy_listener_", "haproxy_backend_", "haproxy_server_"}
	for i, m := range statMetrics {
		for j, p := range prefixes {
			n[i][j] = p + m.name
		}
	}
	return n
}()

// process writes the haproxy_process_* families.
func (s *scrape) process(info *stats.InfoRow) {
	e := s.e
	for i := range processMetrics {
		m := &processMetrics[i]
		if !s.o.Wants(m.name) {
			continue
		}
		e.begin(m.name, m.help, m.typ)
		if m.field == stats.IBuildInfo {
			// haproxy labels it with its version and says 1.
			l := e.ls.next()
			l[0] = e.pairs.next()
			l[0].Name, l[0].Value = &lblVersion, &info[stats.IVersion].Str
			e.sample(l[:1], 1)
		} else {
			e.sample(nil, value(info[m.field]))
		}
		e.end()
	}
}

var lblVersion = "version"

// stats writes the families of one object type, metric by metric, each
// over all the objects, as haproxy does.
func (s *scrape) stats(t objMask, objs []obj) {
	e := s.e
	ti := objIndex(t)
	for i := range statMetrics {
		m := &statMetrics[i]
		if m.objs&t == 0 || !s.o.Wants(fullNames[i][ti]) {
			continue
		}
		e.begin(fullNames[i][ti], m.help, m.typ)
		switch m.kind {
		case kPlain:
			for j := range objs {
				e.sample(objs[j].labels, value(objs[j].field(m.field)))
			}
		case kMilliseconds:
			for j := range objs {
				e.sample(objs[j].labels, value(objs[j].field(m.field))/1000)
			}
		case kCheckDuration:
			// haproxy has a duration once a check has finished, and
			// writes none before (the row's field is empty then).
			for j := range objs {
				if f := objs[j].field(m.field); f.Kind != stats.Empty {
					e.sample(objs[j].labels, value(f)/1000)
				}
			}
		case kHTTP:
			for j := range objs {
				if objs[j].http {
					e.sample(objs[j].labels, value(objs[j].field(m.field)))
				}
			}
		case kResponses:
			// Class by class, each over all the objects.
			for c := range codePairs {
				for j := range objs {
					if objs[j].http {
						e.sampleWith(objs[j].labels, codePairs[c], value(objs[j].field(stats.FHrsp1xx+stats.Stat(c))))
					}
				}
			}
		case kStatus:
			s.status(t, objs)
		case kCheckStatus:
			for j := range objs {
				f := objs[j].field(stats.FCheckStatus)
				if f.Kind != stats.Str {
					continue // its checks do not run
				}
				cur := checkStatus(f) // -1 before the first check: all 0
				for k, p := range checkStatusPairs {
					e.sampleWith(objs[j].labels, p, b2f(k == cur))
				}
			}
		case kCheckCode:
			for j := range objs {
				if objs[j].field(stats.FCheckStatus).Kind != stats.Str {
					continue
				}
				v := 0.0 // below layer 5 there is no code: haproxy says 0
				if f := objs[j].field(stats.FCheckCode); f.Kind != stats.Empty {
					v = value(f)
				}
				e.sample(objs[j].labels, v)
			}
		case kAggServer, kAggCheck:
			for j := range objs {
				a := s.agg[objs[j].str(stats.FPxname)]
				if a == nil || a.servers == 0 {
					continue // a backend without servers has none
				}
				if m.kind == kAggServer {
					for k, p := range serverStatePairs {
						e.sampleWith(objs[j].labels, p, float64(a.state[k]))
					}
				} else {
					for k, p := range checkStatusPairs {
						e.sampleWith(objs[j].labels, p, float64(a.check[k]))
					}
				}
			}
		}
		e.end()
	}
}

// status writes one 0/1 series per state of each object.
func (s *scrape) status(t objMask, objs []obj) {
	var pairs []*dto.LabelPair
	switch t {
	case oFrontend:
		pairs = frontendStatePairs
	case oListener:
		pairs = listenerStatePairs
	case oBackend:
		pairs = backendStatePairs
	default:
		pairs = serverStatePairs
	}
	for j := range objs {
		cur := state(t, &objs[j])
		for k, p := range pairs {
			s.e.sampleWith(objs[j].labels, p, b2f(k == cur))
		}
	}
}

var (
	lblName    = "name"
	lblType    = "type"
	namesTable = []*string{&lblName, &lblType}
)

// stickTables writes haproxy_sticktable_size and _used, labelled with the
// table's name and key type; tables of size 0 are left out, as haproxy
// does.
func (s *scrape) stickTables(tables []StickTable) {
	e := s.e
	fams := [...]struct {
		name, help string
		v          func(*StickTable) uint64
	}{
		{"haproxy_sticktable_size", "Stick table size.", func(t *StickTable) uint64 { return t.Size }},
		{"haproxy_sticktable_used", "Number of entries used in this stick table.", func(t *StickTable) uint64 { return t.Used }},
	}
	for _, f := range fams {
		if !s.o.Wants(f.name) {
			continue
		}
		e.begin(f.name, f.help, tGauge)
		for i := range tables {
			t := &tables[i]
			if t.Size == 0 {
				continue
			}
			e.sample(e.objLabels(namesTable, &t.Name, &t.Type), float64(f.v(t)))
		}
		e.end()
	}
}
