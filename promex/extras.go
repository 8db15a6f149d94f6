package promex

import (
	"time"

	dto "github.com/prometheus/client_model/go"

	"switchyard/stats"
)

// switchyard's families, written after haproxy's so that haproxy's part of
// a scrape stays as haproxy writes it. Each is documented in the package
// documentation (doc.go); their names and labels are an interface too.
const (
	famFDsUsed        = "switchyard_process_fds_used"
	famFDsLimit       = "switchyard_process_fds_limit"
	famFDsRatio       = "switchyard_process_fds_utilization_ratio"
	famMemUsed        = "switchyard_process_memory_used_bytes"
	famMemLimit       = "switchyard_process_memory_limit_bytes"
	famMemRatio       = "switchyard_process_memory_utilization_ratio"
	famProcConnRatio  = "switchyard_process_connections_utilization_ratio"
	famFeConnRatio    = "switchyard_frontend_connections_utilization_ratio"
	famBeRespTime     = "switchyard_backend_response_time_seconds"
	famSrvRespTime    = "switchyard_server_response_time_seconds"
	famSrvTransitions = "switchyard_server_check_transitions_total"
	famSrvConnRatio   = "switchyard_server_connections_utilization_ratio"
	famCertExpiry     = "switchyard_frontend_ssl_certificate_expiry_seconds"
	famCertNotAfter   = "switchyard_frontend_ssl_certificate_expiry_timestamp_seconds"
)

var (
	toPairs         = pairsOf("to", []string{"up", "down"})
	respTimeHelp    = "Time waiting for the server's response headers (haproxy's Tr) of HTTP requests, in seconds."
	transitionsHelp = "Changes of the server's health state, per state reached (up, down), since the process started; their rate shows flapping."
)

func (s *scrape) extras(info *stats.InfoRow) {
	if !s.o.anyOwn() {
		return
	}
	sc := s.o.Scopes
	var x Extras
	if sc&(ScopeGlobal|ScopeBackend|ScopeServer) != 0 {
		x = s.src.Extras()
	}
	if sc&ScopeGlobal != 0 {
		s.gauge(famFDsUsed, "File descriptors open in the process.", float64(x.FDsUsed), x.FDsUsed > 0)
		s.gauge(famFDsLimit, "File descriptors the process may open (RLIMIT_NOFILE).", float64(x.FDsLimit), x.FDsLimit > 0)
		s.gauge(famFDsRatio, "File descriptors open over the limit (0 to 1).", ratio(x.FDsUsed, x.FDsLimit), x.FDsLimit > 0)
		s.gauge(famMemUsed, "Memory the process holds from the system, in bytes.", float64(x.MemoryUsedBytes), x.MemoryUsedBytes > 0)
		s.gauge(famMemLimit, "Memory limit the process runs under, in bytes.", float64(x.MemoryLimitBytes), x.MemoryLimitBytes > 0)
		s.gauge(famMemRatio, "Memory held over the limit (0 to 1).", ratio(x.MemoryUsedBytes, x.MemoryLimitBytes), x.MemoryLimitBytes > 0)
		cur, lim := info[stats.ICurrConn], info[stats.IMaxconn]
		s.gauge(famProcConnRatio, "Current connections over the process's maxconn (0 to 1).",
			value(cur)/value(lim), cur.Kind != stats.Empty && value(lim) > 0)
	}
	if sc&ScopeFrontend != 0 {
		s.connRatio(famFeConnRatio, "Current sessions over the frontend's maxconn (0 to 1).", s.fe)
		if s.o.wantsOwn(famCertExpiry) || s.o.wantsOwn(famCertNotAfter) {
			s.certificates(s.src.Certificates())
		}
	}
	if sc&ScopeBackend != 0 && s.o.wantsOwn(famBeRespTime) {
		s.e.begin(famBeRespTime, respTimeHelp, dto.MetricType_HISTOGRAM)
		for i := range x.Backends {
			b := &x.Backends[i]
			if len(b.ResponseTime.Bounds) > 0 {
				s.e.histogram(s.e.objLabels(namesProxy, &b.Proxy), &b.ResponseTime)
			}
		}
		s.e.end()
	}
	if sc&ScopeServer != 0 {
		s.serverExtras(x.Servers)
		s.connRatio(famSrvConnRatio, "Current sessions over the server's maxconn (0 to 1), for servers with a maxconn.", s.sv)
	}
}

func ratio(used, limit uint64) float64 { return float64(used) / float64(limit) }

var (
	lblFile      = "file"
	lblSerial    = "serial"
	namesCert    = []*string{&lblProxy, &lblListener, &lblFile, &lblSerial}
	certExpHelp  = "Seconds until the certificate a TLS bind serves expires (its notAfter), negative once expired."
	certTimeHelp = "When the certificate a TLS bind serves expires (its notAfter), as a Unix timestamp in seconds."
)

// timeNow is the clock of the expiry gauge; tests set it.
var timeNow = time.Now

// certificates writes the served certificates' expiry, in seconds from
// now and as a timestamp.
func (s *scrape) certificates(certs []Certificate) {
	if len(certs) == 0 {
		return
	}
	e := s.e
	lbls := make([][]*dto.LabelPair, len(certs))
	for i := range certs {
		c := &certs[i]
		lbls[i] = e.objLabels(namesCert, &c.Proxy, &c.Listener, &c.File, &c.Serial)
	}
	now := timeNow()
	if s.o.wantsOwn(famCertExpiry) {
		e.begin(famCertExpiry, certExpHelp, tGauge)
		for i := range certs {
			e.sample(lbls[i], certs[i].NotAfter.Sub(now).Seconds())
		}
		e.end()
	}
	if s.o.wantsOwn(famCertNotAfter) {
		e.begin(famCertNotAfter, certTimeHelp, tGauge)
		for i := range certs {
			e.sample(lbls[i], float64(certs[i].NotAfter.Unix()))
		}
		e.end()
	}
}

// gauge writes a family of one unlabelled gauge, if ok.
func (s *scrape) gauge(name, help string, v float64, ok bool) {
	if !ok || !s.o.wantsOwn(name) {
		return
	}
	s.e.begin(name, help, tGauge)
	s.e.sample(nil, v)
	s.e.end()
}

// connRatio writes scur/slim of the objects that have a limit.
func (s *scrape) connRatio(name, help string, objs []obj) {
	if !s.o.wantsOwn(name) {
		return
	}
	s.e.begin(name, help, tGauge)
	for i := range objs {
		cur, lim := objs[i].field(stats.FScur), objs[i].field(stats.FSlim)
		if cur.Kind != stats.Empty && value(lim) > 0 {
			s.e.sample(objs[i].labels, value(cur)/value(lim))
		}
	}
	s.e.end()
}

// serverExtras writes the servers' histograms and transitions, but not
// those of servers left out by no-maint.
func (s *scrape) serverExtras(servers []ServerExtras) {
	kept := func(x *ServerExtras) bool { return !s.maint[[2]string{x.Proxy, x.Server}] }
	e := s.e
	if s.o.wantsOwn(famSrvRespTime) {
		e.begin(famSrvRespTime, respTimeHelp, dto.MetricType_HISTOGRAM)
		for i := range servers {
			x := &servers[i]
			if kept(x) && len(x.ResponseTime.Bounds) > 0 {
				e.histogram(e.objLabels(namesServer, &x.Proxy, &x.Server), &x.ResponseTime)
			}
		}
		e.end()
	}
	if s.o.wantsOwn(famSrvTransitions) {
		e.begin(famSrvTransitions, transitionsHelp, tCounter)
		for i := range servers {
			x := &servers[i]
			if !kept(x) {
				continue
			}
			l := e.objLabels(namesServer, &x.Proxy, &x.Server)
			e.sampleWith(l, toPairs[0], float64(x.TransitionsUp))
			e.sampleWith(l, toPairs[1], float64(x.TransitionsDown))
		}
		e.end()
	}
}
