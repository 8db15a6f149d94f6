package sample

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// The scale of maps: a million entries must load in a few seconds and
// match in constant or logarithmic time. Run with
//
//	go test ./sample -run '^$' -bench MapScale -benchtime 1x
//
// Each benchmark reports the time to read, parse and index the file
// (load-s), the heap it holds afterwards per entry (B/entry), and the time
// of one lookup (ns/op).

const scaleEntries = 1_000_000

func scaleFile(b *testing.B, kind string) string {
	b.Helper()
	var buf bytes.Buffer
	buf.Grow(scaleEntries * 32)
	for i := 0; i < scaleEntries; i++ {
		switch kind {
		case "str":
			fmt.Fprintf(&buf, "token-%08x-%d backend%d\n", i*2654435761, i, i%16)
		case "ip":
			// /32 hosts and, every 16th, the /24 around them
			a := netip.AddrFrom4([4]byte{byte(10 + i>>24), byte(i >> 16), byte(i >> 8), byte(i)})
			if i%16 == 0 {
				fmt.Fprintf(&buf, "%s/24 net%d\n", a, i%16)
			} else {
				fmt.Fprintf(&buf, "%s host%d\n", a, i%16)
			}
		case "beg":
			fmt.Fprintf(&buf, "/api/v%d/tenant-%d/ be%d\n", i%8, i, i%16)
		}
	}
	path := filepath.Join(b.TempDir(), kind+".map")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func benchMapScale(b *testing.B, kind, conv, sample string) {
	path := scaleFile(b, kind)
	before := heapInUse()
	start := time.Now()
	env := &Env{Patterns: NewPatternRefs()}
	e, err := ParseExpr(env, "str("+sample+"),"+conv+"("+path+",none)")
	if err != nil {
		b.Fatal(err)
	}
	load := time.Since(start)
	after := heapInUse()
	c := &Ctx{}
	if v, ok := e.Eval(c); !ok || string(v.AppendText(nil)) == "none" {
		b.Fatalf("%s: no match for %s", conv, sample)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Scratch = c.Scratch[:0]
		e.Eval(c)
	}
	b.StopTimer()
	// Reported last: ResetTimer drops the metrics reported before it.
	b.ReportMetric(load.Seconds(), "load-s")
	b.ReportMetric(float64(after-before)/scaleEntries, "B/entry")
	runtime.KeepAlive(env)
}

func BenchmarkMapScaleStr(b *testing.B) {
	benchMapScale(b, "str", "map_str", fmt.Sprintf("token-%08x-%d", 777777*2654435761, 777777))
}

func BenchmarkMapScaleIP(b *testing.B) {
	benchMapScale(b, "ip", "map_ip", "10.11.222.9")
}

func BenchmarkMapScaleBeg(b *testing.B) {
	benchMapScale(b, "beg", "map_beg", "/api/v1/tenant-777777/users/12")
}
