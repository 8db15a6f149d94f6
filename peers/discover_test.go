package peers

import (
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"switchyard/stick"
)

// dnsServer answers A queries for one name with a list of addresses that
// the test changes (an autoscaled service).
type dnsServer struct {
	mu    sync.Mutex
	name  string
	addrs []string
	srv   *dns.Server
	addr  string
}

func startDNS(t *testing.T, name string, addrs ...string) *dnsServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &dnsServer{name: dns.Fqdn(name), addrs: addrs, addr: pc.LocalAddr().String()}
	d.srv = &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(d.serve)}
	go d.srv.ActivateAndServe()
	t.Cleanup(func() { d.srv.Shutdown() })
	return d
}

func (d *dnsServer) set(addrs ...string) {
	d.mu.Lock()
	d.addrs = addrs
	d.mu.Unlock()
}

func (d *dnsServer) serve(w dns.ResponseWriter, q *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(q)
	m.Authoritative = true
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, qu := range q.Question {
		if qu.Name != d.name {
			m.Rcode = dns.RcodeNameError
			continue
		}
		if qu.Qtype != dns.TypeA {
			continue // no AAAA: an empty answer
		}
		for _, a := range d.addrs {
			m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: qu.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 1}, A: net.ParseIP(a)})
		}
	}
	w.WriteMsg(m)
}

// replica is one switchyard of an autoscaled group, in process: its own
// table, its own peers section, on its own loopback address.
type replica struct {
	ip  string
	tab *stick.Table
	m   *Manager
}

func counterSpec() stick.Spec {
	return stick.Spec{Name: "mesh/limits", NetName: "/limits", Type: stick.KeyString, KeySize: 32, Size: 1024, Expire: time.Minute,
		Peers: "mesh", Stores: []stick.Store{{Type: stick.DTGPC0, Elems: 1}, {Type: stick.DTHTTPReqRate, Elems: 1, Period: 10 * time.Second}}}
}

// commonPort finds a port free on every address.
func commonPort(t *testing.T, ips ...string) int {
	for try := 0; try < 20; try++ {
		l, err := net.Listen("tcp", ips[0]+":0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		ok := true
		for _, ip := range ips {
			l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
			if err != nil {
				ok = false
				break
			}
			l.Close()
		}
		if ok {
			return port
		}
	}
	t.Skip("no port free on every loopback address")
	return 0
}

func startReplicasSum(t *testing.T, d *dnsServer, port int, sum bool, ips ...string) []*replica {
	var out []*replica
	for _, ip := range ips {
		r := &replica{ip: ip, tab: stick.New(counterSpec()), m: NewManager(nil)}
		t.Cleanup(r.m.Close)
		err := r.m.Apply([]SectionConfig{{Name: "mesh", Local: "replica-" + ip, Listen: net.JoinHostPort(ip, strconv.Itoa(port)),
			Tables:   []*stick.Table{r.tab},
			Discover: &Discover{Name: "peers.test", Port: port, Interval: 200 * time.Millisecond, Resolver: d.addr}, Sum: sum}})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func meshed(rs []*replica) func() bool {
	return func() bool {
		for _, r := range rs {
			ps := r.m.Section("mesh").Peers()
			n := 0
			for _, up := range ps {
				if up {
					n++
				}
			}
			if n != len(rs)-1 {
				return false
			}
		}
		return true
	}
}

func incr(tab *stick.Table, key string, n uint64) {
	e := tab.Get([]byte(key))
	e.Add(stick.DTGPC0, 0, n)
	e.Add(stick.DTHTTPReqRate, 0, n)
	e.Touch()
	e.Release()
}

func TestDiscoverDNS(t *testing.T) {
	shortTimers(t)
	ips := []string{"127.0.0.1", "127.0.0.2", "127.0.0.3"}
	port := commonPort(t, ips...)
	d := startDNS(t, "peers.test", ips[:2]...)
	// merge sum: under last-writer-wins a replica's older push, still in
	// flight on one connection, may land after a newer value from another
	// replica and undo it (each change is pushed as it is made), so the
	// total the test waits for is only guaranteed by summing.
	rs := startReplicasSum(t, d, port, true, ips...)
	// The third replica is not in DNS yet: it finds the others, and they
	// accept it (it connects from a discovered-style name).
	name := func(ip string) string { return net.JoinHostPort(ip, strconv.Itoa(port)) }
	waitFor(t, "first two meshed", 15*time.Second, func() bool {
		return rs[0].m.Section("mesh").Peers()[name(ips[1])] && rs[1].m.Section("mesh").Peers()[name(ips[0])]
	})
	d.set(ips...)
	waitFor(t, "three replicas meshed", 15*time.Second, meshed(rs))
	for _, r := range rs {
		if _, self := r.m.Section("mesh").Peers()[name(r.ip)]; self {
			t.Errorf("%s counts itself as a peer", r.ip)
		}
	}

	// A shared limit: each replica counts its requests in turn; the total
	// reaches every replica.
	total := int64(0)
	for round := 0; round < 3; round++ {
		for i, r := range rs {
			incr(r.tab, "client", uint64(i+1))
			total += int64(i + 1)
			want := total
			waitFor(t, fmt.Sprintf("total %d everywhere", want), 10*time.Second, func() bool {
				for _, r := range rs {
					if read(r.tab, "client", stick.DTGPC0, 0) != want {
						return false
					}
				}
				return true
			})
		}
	}

	// A replica scaled down leaves DNS and stops: the others drop it.
	d.set(ips[:2]...)
	rs[2].m.Close()
	waitFor(t, "third replica dropped", 10*time.Second, func() bool {
		_, known := rs[0].m.Section("mesh").Peers()[name(ips[2])]
		return !known
	})
}

// TestDiscoverBurst measures what last-writer-wins does to a shared
// counter when every replica counts at once: each pushes its whole
// value, so concurrent increments overwrite each other.
func TestDiscoverBurst(t *testing.T) {
	for _, n := range []int{3, 5} {
		for _, sum := range []bool{false, true} {
			t.Run(fmt.Sprintf("n=%d,sum=%v", n, sum), func(t *testing.T) { testBurst(t, n, sum) })
		}
	}
}

func testBurst(t *testing.T, n int, sum bool) {
	shortTimers(t)
	var ips []string
	for i := 1; i <= n; i++ {
		ips = append(ips, fmt.Sprintf("127.0.0.%d", i))
	}
	port := commonPort(t, ips...)
	d := startDNS(t, "peers.test", ips...)
	rs := startReplicasSum(t, d, port, sum, ips...)
	waitFor(t, "three replicas meshed", 15*time.Second, meshed(rs))
	for _, pace := range []time.Duration{0, time.Millisecond} {
		key := fmt.Sprintf("burst-%v", pace)
		const perReplica = 100
		var wg sync.WaitGroup
		for _, r := range rs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < perReplica; i++ {
					incr(r.tab, key, 1)
					if pace > 0 {
						time.Sleep(pace)
					}
				}
			}()
		}
		wg.Wait()
		// Wait for quiet: every update pushed and acknowledged. With
		// last-writer-wins the replicas may then disagree for good: two
		// pushes that cross swap the values, and learned values are not
		// pushed again.
		waitFor(t, "replicas settle", 10*time.Second, func() bool {
			for _, r := range rs {
				if !r.m.Section("mesh").settled() {
					return false
				}
			}
			return true
		})
		var vals, rates []int64
		for _, r := range rs {
			vals = append(vals, read(r.tab, key, stick.DTGPC0, 0))
			rates = append(rates, read(r.tab, key, stick.DTHTTPReqRate, 0))
		}
		t.Logf("sum=%v: %d increments on each of %d replicas at once, one every %v (%d counted): replicas read gpc0=%v http_req_rate=%v",
			sum, perReplica, len(rs), pace, perReplica*len(rs), vals, rates)
		for i, v := range vals {
			switch {
			case sum && (v != perReplica*int64(len(rs)) || rates[i] != v):
				t.Errorf("summing replica %d reads gpc0=%d http_req_rate=%d, want %d", i, v, rates[i], perReplica*len(rs))
			case v < perReplica || v > perReplica*int64(len(rs)):
				t.Errorf("replica %d reads %d, outside [%d, %d]", i, v, perReplica, perReplica*len(rs))
			}
		}
	}
}

// settled says whether every established session pushed everything and
// had it acknowledged, and acknowledged all it received.
func (s *Section) settled() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.peers {
		ss := p.sess
		if ss == nil {
			continue
		}
		ss.mu.Lock()
		ok := ss.established && !ss.teach
		for _, sh := range s.tables {
			head := sh.current()
			ok = ok && ss.pushed[sh] == head && p.acked[sh] == head
		}
		for _, rt := range ss.remote {
			ok = ok && rt.lastGet == rt.lastAcked
		}
		ss.mu.Unlock()
		if !ok {
			return false
		}
	}
	return true
}
