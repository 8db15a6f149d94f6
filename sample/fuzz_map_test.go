package sample

import (
	"net/netip"
	"testing"
)

// FuzzMapFile reads arbitrary bytes as a map file and indexes them for
// every match method and output type: nothing may panic, an error names
// a line, and a lookup of each key of a file that indexed finds an entry.
func FuzzMapFile(f *testing.F) {
	for _, s := range []string{
		"a 1\nb 2\n", "# c\n  k   v v  \r\n\nk2\n", "10.0.0.0/8 x\n::1 y\n1.2.3.4/255.0.255.0 z\n",
		"1:10 a\n-5 b\n20: c\n", "^a(.*) \\1\n[ x\n", "/api/ a\n/ b\n", "\x00\xff \t\n", "a -99999999999999999999\n",
	} {
		f.Add([]byte(s))
	}
	saved := resolveHost
	resolveHost = func(string) (netip.Addr, bool) { return netip.Addr{}, false }
	f.Cleanup(func() { resolveHost = saved })
	f.Fuzz(func(t *testing.T, data []byte) {
		ents, err := parseRefFile(data, "f.map", true)
		if err != nil {
			return
		}
		for _, m := range []matchMethod{mStr, mBeg, mSub, mDir, mDom, mEnd, mReg, mInt, mIP} {
			for _, out := range []Type{TypeStr, TypeInt, TypeAddr} {
				x, err := buildIndex(ents, indexKey{method: m, flags: mapFlags, out: out}, "f.map")
				if err != nil {
					if le, ok := err.(*LineError); !ok || le.Line <= 0 {
						t.Fatalf("error without a line: %v", err)
					}
					continue
				}
				if m != mStr {
					continue
				}
				c := &Ctx{}
				for _, k := range ents.keys {
					id, ok := x.set.lookup(c, Str([]byte(k)))
					if !ok {
						t.Fatalf("key %q not found", k)
					}
					if _, ok := x.value(id); !ok {
						t.Fatalf("key %q: no value for entry %d", k, id)
					}
				}
			}
		}
	})
}
