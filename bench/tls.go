package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"switchyard/internal/testcert"
)

// The TLS part of the bench (-tls on or only). Both proxies run
// bench/tls.cfg, which terminates TLS with an ECDSA P-256 certificate on
// one frontend and an RSA 2048 one on another, both made at startup. It
// measures:
//
//   - new TLS handshakes per second without resumption, for each
//     certificate with TLS 1.3 and with TLS 1.2. The client is this
//     program re-executed with -handshake-load, pinned to the load CPU with
//     GOMAXPROCS=1: crypto/tls, full handshakes only, one request per
//     connection (README.md says why this client and not wrk or openssl);
//   - wrk's requests per second over TLS keep-alive connections (ECDSA);
//   - the memory of idle TLS keep-alive connections (ECDSA).

// tlsServerName is the name in the certificates, sent as SNI.
const tlsServerName = "bench"

// tlsCerts writes the certificates tls.cfg names (ecdsa.pem, rsa.pem: the
// certificate, then its key) into dir, signed by a CA of the run's own, and
// returns the pool that verifies them.
func tlsCerts(dir string) (*x509.CertPool, error) {
	ca := testcert.NewCA("switchyard bench CA")
	for name, rsa := range map[string]bool{"ecdsa.pem": false, "rsa.pem": true} {
		leaf := ca.Issue(testcert.Opts{CN: tlsServerName, DNS: []string{tlsServerName}, RSA: rsa})
		if err := os.WriteFile(filepath.Join(dir, name), leaf.Bundle(), 0o600); err != nil {
			return nil, err
		}
	}
	return ca.Pool(), nil
}

// hsKind is one handshake measurement: a certificate and a version.
type hsKind struct {
	rsa     bool
	version uint16
}

// hsKinds are measured in this order; rsa picks tls.cfg's second port.
var hsKinds = []hsKind{
	{false, tls.VersionTLS13}, {false, tls.VersionTLS12},
	{true, tls.VersionTLS13}, {true, tls.VersionTLS12},
}

func (k hsKind) cert() string {
	if k.rsa {
		return "RSA 2048"
	}
	return "ECDSA P-256"
}

func versionName(v uint16) string {
	switch v {
	case tls.VersionTLS12:
		return "TLS 1.2"
	case tls.VersionTLS13:
		return "TLS 1.3"
	}
	return fmt.Sprintf("TLS %#04x", v)
}

// discardSessions is a session cache that keeps nothing. With it the client
// says it supports tickets and resumption, as browsers do, so that servers
// issue the tickets they issue to a first visit; without any cache,
// crypto/tls would not advertise them and the servers would skip that work.
// Nothing is ever offered for resumption.
type discardSessions struct{}

func (discardSessions) Get(string) (*tls.ClientSessionState, bool) { return nil, false }
func (discardSessions) Put(string, *tls.ClientSessionState)        {}

// clientTLS is the configuration of the bench's TLS clients: version 0
// lets the peers pick (TLS 1.3 here). The key exchange is X25519: by
// default crypto/tls would offer X25519MLKEM768 first, which switchyard
// (Go) accepts and haproxy 2.6 (OpenSSL 3.0) does not know, so the two
// would not do the same work. P-256 is listed after it, and so never
// chosen, because with TLS 1.2 OpenSSL serves an ECDSA certificate only to
// a client that lists the certificate's curve. The chain is not verified (the smoke check
// does that once): that would cost the client one more ECDSA verification
// per handshake, on a core that is already the tighter one with ECDSA.
// The server's handshake signature is verified as always.
func clientTLS(version uint16) *tls.Config {
	return &tls.Config{
		ServerName:         tlsServerName,
		InsecureSkipVerify: true,
		MinVersion:         version,
		MaxVersion:         version,
		CurvePreferences:   []tls.CurveID{tls.X25519, tls.CurveP256},
		ClientSessionCache: discardSessions{},
	}
}

// checkKey checks that the server's certificate has the expected key.
func checkKey(st tls.ConnectionState, rsa bool) error {
	want := x509.ECDSA
	if rsa {
		want = x509.RSA
	}
	if len(st.PeerCertificates) == 0 {
		return errors.New("no server certificate")
	}
	if got := st.PeerCertificates[0].PublicKeyAlgorithm; got != want {
		return fmt.Errorf("server certificate has a %v key, want %v", got, want)
	}
	return nil
}

// smokeTLS checks a TLS port as smoke checks a plain one, after verifying
// the certificate against pool and its key type.
func smokeTLS(addr string, pool *x509.CertPool, rsa bool) error {
	raw, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	c := tls.Client(raw, &tls.Config{ServerName: tlsServerName, RootCAs: pool})
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return err
	}
	if err := c.Handshake(); err != nil {
		return fmt.Errorf("TLS handshake: %w", err)
	}
	if err := checkKey(c.ConnectionState(), rsa); err != nil {
		return err
	}
	return smoke(c)
}

// hsJob is what one handshake-load process does (JSON in -handshake-load).
type hsJob struct {
	Addr     string
	Version  uint16
	RSA      bool // the server's certificate must have an RSA key, else ECDSA
	Conns    int  // concurrent connections
	Duration time.Duration
}

// hsOutcome is what a handshake-load process reports.
type hsOutcome struct {
	Handshakes int64   // connections that completed: handshake, request, response
	Errors     int64   // connections that failed, resumed or got the wrong key
	FirstError string  `json:",omitempty"`
	Seconds    float64 // from the start to the end of the last connection
	Negotiated string  // cipher suite and key exchange of a handshake
}

const hsResultPrefix = "handshake-result "

// handshakeMain is the -handshake-load process: it runs the job and prints
// its outcome on one line.
func handshakeMain(spec string) int {
	var j hsJob
	if err := json.Unmarshal([]byte(spec), &j); err != nil || j.Conns < 1 || j.Duration <= 0 {
		fmt.Fprintf(os.Stderr, "bad -handshake-load %q: %v\n", spec, err)
		return 2
	}
	out, err := json.Marshal(handshakeLoad(j))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("%s%s\n", hsResultPrefix, out)
	return 0
}

// handshakeLoad opens new connections to j.Addr from j.Conns goroutines
// until j.Duration has passed: each does a full handshake (nothing to
// resume: see discardSessions), sends one request, reads the response and
// closes with a reset, so that no TIME_WAIT socket is left on either side.
func handshakeLoad(j hsJob) hsOutcome {
	cfg := clientTLS(j.Version)
	var done, failed atomic.Int64
	var mu sync.Mutex
	var out hsOutcome
	start := time.Now()
	deadline := start.Add(j.Duration)
	var wg sync.WaitGroup
	for w := range j.Conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 4096)
			for i := w; time.Now().Before(deadline); i += j.Conns {
				st, err := oneHandshake(i, j, cfg, buf)
				if err != nil {
					failed.Add(1)
					mu.Lock()
					if out.FirstError == "" {
						out.FirstError = err.Error()
					}
					mu.Unlock()
					// A refused or broken server must not make this a
					// busy loop.
					time.Sleep(10 * time.Millisecond)
					continue
				}
				if done.Add(1) == 1 {
					mu.Lock()
					out.Negotiated = tls.CipherSuiteName(st.CipherSuite) + " " + st.CurveID.String()
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	out.Seconds = time.Since(start).Seconds()
	out.Handshakes, out.Errors = done.Load(), failed.Load()
	return out
}

func oneHandshake(i int, j hsJob, cfg *tls.Config, buf []byte) (tls.ConnectionState, error) {
	raw, err := dialFrom(i, j.Addr)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer resetClose(raw)
	c := tls.Client(raw, cfg)
	if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return tls.ConnectionState{}, err
	}
	if err := c.Handshake(); err != nil {
		return tls.ConnectionState{}, fmt.Errorf("handshake: %w", err)
	}
	st := c.ConnectionState()
	if st.DidResume {
		return st, errors.New("session resumed")
	}
	if err := checkKey(st, j.RSA); err != nil {
		return st, err
	}
	return st, exchange(c, buf)
}

// hsResult is one handshake run as the bench sees it.
type hsResult struct {
	hsOutcome
	Rate float64 // handshakes per second
	cpuShare
}

// perCore is handshakes per second of the proxy's CPU time: the rate the
// proxy would reach on a whole core, whatever limited the run.
func (r hsResult) perCore() float64 {
	if s := r.CPU * r.Wall; s > 0 {
		return float64(r.Handshakes) / s
	}
	return 0
}

// runHandshakes runs one handshake-load process pinned to the load CPU.
func runHandshakes(e wrkEnv, j hsJob, k hsKind, proxy *proc) (hsResult, error) {
	self, err := os.Executable()
	if err != nil {
		return hsResult{}, err
	}
	spec, err := json.Marshal(j)
	if err != nil {
		return hsResult{}, err
	}
	name := strings.ReplaceAll(fmt.Sprintf("handshakes-%s-%s-%s", k.cert(), versionName(k.version), proxy.name), " ", "")
	p, cpu, err := runLoad(e, name, proxy, []string{"GOMAXPROCS=1"}, self, "-handshake-load", string(spec))
	if err != nil {
		return hsResult{}, err
	}
	out, err := os.ReadFile(p.log)
	if err != nil {
		return hsResult{}, err
	}
	o, err := parseHandshakeOutput(out)
	if err != nil {
		return hsResult{}, fmt.Errorf("%v in the output of %s:\n%s", err, name, out)
	}
	r := hsResult{hsOutcome: o, cpuShare: cpu}
	if o.Seconds > 0 {
		r.Rate = float64(o.Handshakes) / o.Seconds
	}
	return r, nil
}

func parseHandshakeOutput(b []byte) (hsOutcome, error) {
	var o hsOutcome
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if js, ok := bytes.CutPrefix(sc.Bytes(), []byte(hsResultPrefix)); ok {
			err := json.Unmarshal(js, &o)
			return o, err
		}
	}
	return o, errors.New("no " + hsResultPrefix + "line")
}

// tlsResults are the TLS part's measurements, per proxy name.
type tlsResults struct {
	hs   map[hsKind]map[string][]hsResult
	th   map[int]map[string][]wrkResult
	idle map[string]idleResult
}

func (r *tlsResults) hadErrors() bool {
	for _, byProxy := range r.hs {
		for _, rounds := range byProxy {
			for _, x := range rounds {
				if x.Errors > 0 {
					return true
				}
			}
		}
	}
	return hadErrors(r.th)
}

// startTLSProxy starts t on tls.cfg; the addresses are the ECDSA and the
// RSA frontends'.
func startTLSProxy(o options, t target, originPort int, tmp, suffix, certDir string, pool *x509.CertPool) (*proc, []string, error) {
	tt := t
	tt.argv = append([]string(nil), t.argv...)
	for i, a := range tt.argv {
		if a == o.config {
			tt.argv[i] = o.tlsConfig
		}
	}
	tt.env = append(append([]string(nil), t.env...), "BENCH_CERT_DIR="+certDir)
	return launch(o, tt, originPort, tmp, suffix, []string{"BENCH_PROXY_PORT", "BENCH_RSA_PORT"},
		func(i int, addr string) error { return smokeTLS(addr, pool, i == 1) })
}

// tlsPart runs the handshake, keep-alive and idle TLS measurements.
func tlsPart(o options, env wrkEnv, targets []target, originPort int) (*tlsResults, error) {
	certDir := filepath.Join(env.logDir, "tls")
	if err := os.Mkdir(certDir, 0o700); err != nil {
		return nil, err
	}
	pool, err := tlsCerts(certDir)
	if err != nil {
		return nil, err
	}
	res := &tlsResults{hs: map[hsKind]map[string][]hsResult{}, idle: map[string]idleResult{}}

	var ls []live
	addrs := map[string][]string{}
	stop := func() {
		for _, l := range ls {
			l.p.stop()
		}
		ls = nil
	}
	defer stop()
	for _, t := range targets {
		p, a, err := startTLSProxy(o, t, originPort, env.logDir, "-tls", certDir, pool)
		if err != nil {
			return nil, err
		}
		ls = append(ls, live{t, p, "https://" + a[0] + "/"})
		addrs[t.name] = a
	}
	job := func(l live, k hsKind, d time.Duration) hsJob {
		addr := addrs[l.t.name][0]
		if k.rsa {
			addr = addrs[l.t.name][1]
		}
		return hsJob{Addr: addr, Version: k.version, RSA: k.rsa, Conns: o.hsConns, Duration: d}
	}
	if o.warmup > 0 {
		for _, l := range ls {
			fmt.Fprintf(os.Stderr, "tls handshakes warm-up %s\n", l.t.name)
			if _, err := runHandshakes(env, job(l, hsKinds[0], o.warmup), hsKinds[0], l.p); err != nil {
				return nil, err
			}
		}
	}
	for _, k := range hsKinds {
		res.hs[k] = map[string][]hsResult{}
		for round := 1; round <= o.rounds; round++ {
			for _, l := range ls {
				r, err := runHandshakes(env, job(l, k, o.hsDuration), k, l.p)
				if err != nil {
					return nil, err
				}
				fmt.Fprintf(os.Stderr, "tls %s %s round %d/%d %-10s %7.0f hs/s  cpu %3.0f%%  %7.0f hs/cpu-s  client %3.0f%% origin %3.0f%%  others %3.0f%%/%3.0f%%  errors %d %s\n",
					k.cert(), versionName(k.version), round, o.rounds, l.t.name, r.Rate, 100*r.CPU, r.perCore(), 100*r.Load, 100*r.Origin,
					100*r.OtherProxy, 100*r.OtherLoad, r.Errors, r.FirstError)
				res.hs[k][l.t.name] = append(res.hs[k][l.t.name], r)
			}
		}
	}

	if res.th, err = throughput(o, env, ls, "tls "); err != nil {
		return nil, err
	}
	stop()

	if o.idle > 0 {
		cfg := clientTLS(0)
		for _, t := range targets {
			fmt.Fprintf(os.Stderr, "tls idle: %d connections to a fresh %s\n", o.idle, t.name)
			p, a, err := startTLSProxy(o, t, originPort, env.logDir, "-tls-idle", certDir, pool)
			if err != nil {
				return nil, err
			}
			dial := func(i int) (net.Conn, error) {
				raw, err := dialFrom(i, a[0])
				if err != nil {
					return nil, err
				}
				c := tls.Client(raw, cfg)
				if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
					raw.Close()
					return nil, err
				}
				if err := c.Handshake(); err != nil {
					raw.Close()
					return nil, err
				}
				return c, nil
			}
			r, err := idleConnCost(p, dial, o.idle, o.idlePar, o.settle)
			p.stop()
			if err != nil {
				return nil, fmt.Errorf("idle TLS test of %s: %w", t.name, err)
			}
			res.idle[t.name] = r
		}
	}
	return res, nil
}

// hsSummary is the medians of a kind's rounds for one proxy; load is the
// client's and the origin's CPU time together.
type hsSummary struct {
	rate, perCore, cpu, load, otherP, otherL float64
	errors                                   int64
	negotiated                               string
}

func summarizeHS(rs []hsResult) hsSummary {
	var rate, perCore, cpu, load, otherP, otherL []float64
	var s hsSummary
	for _, r := range rs {
		rate = append(rate, r.Rate)
		perCore = append(perCore, r.perCore())
		cpu = append(cpu, r.CPU)
		load = append(load, r.Load+r.Origin)
		otherP = append(otherP, r.OtherProxy)
		otherL = append(otherL, r.OtherLoad)
		s.errors += r.Errors
		if r.Negotiated != "" {
			s.negotiated = r.Negotiated
		}
	}
	s.rate, s.perCore, s.cpu, s.load = median(rate), median(perCore), median(cpu), median(load)
	s.otherP, s.otherL = median(otherP), median(otherL)
	return s
}

func tlsReport(w io.Writer, o options, targets []target, r *tlsResults) {
	fmt.Fprintf(w, "\nTLS handshakes: new connections, no resumption, X25519, one request each; median of %d rounds of %s;\n"+
		"client: crypto/tls, GOMAXPROCS=1, %d connections, on CPU %d; proxy on CPU %d\n",
		o.rounds, o.hsDuration, o.hsConns, o.loadCPU, o.proxyCPU)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "certificate\tversion\tproxy\ths/s\tproxy cpu\ths/cpu-s\tload cpu\tothers p/l\terrors\tnegotiated\t")
	noisy, loadBound := 0.0, false
	for _, k := range hsKinds {
		sums := map[string]hsSummary{}
		for _, t := range targets {
			s := summarizeHS(r.hs[k][t.name])
			sums[t.name] = s
			noisy = max(noisy, s.otherP, s.otherL)
			loadBound = loadBound || s.cpu < 0.9
			fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f\t%.0f%%\t%.0f\t%.0f%%\t%s\t%d\t%s\t\n", k.cert(), versionName(k.version), t.name,
				s.rate, 100*s.cpu, s.perCore, 100*s.load, fmtOthers(s.otherP, s.otherL), s.errors, s.negotiated)
		}
		if len(targets) == 2 {
			h, s := sums["haproxy"], sums["switchyard"]
			fmt.Fprintf(tw, "%s\t%s\tswitchyard/haproxy\t%s\t\t%s\t\t\t\t\t\n", k.cert(), versionName(k.version),
				ratio(s.rate, h.rate), ratio(s.perCore, h.perCore))
		}
	}
	tw.Flush()
	if loadBound {
		fmt.Fprintln(w, "note: some proxy was below 90% CPU, held back by the load side (load cpu near 100%) or by other work (others); compare hs/cpu-s, handshakes per second of the proxy's own CPU time")
	}
	noiseWarning(w, noisy)

	if len(o.conns) > 0 {
		fmt.Fprintf(w, "\nTLS keep-alive throughput (ECDSA P-256, wrk https): median of %d rounds of %s, wrk -t1 on CPU %d, proxy on CPU %d\n",
			o.rounds, wrkDuration(o.duration), o.loadCPU, o.proxyCPU)
		throughputTable(w, o, targets, r.th)
	}
	if len(r.idle) > 0 {
		fmt.Fprintf(w, "\nidle TLS keep-alive connections (ECDSA P-256, TLS 1.3): %d, one request each, fresh process; bytes per connection\n", o.idle)
		idleTable(w, targets, r.idle)
	}
}
