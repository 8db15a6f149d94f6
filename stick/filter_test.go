package stick

import (
	"strings"
	"testing"
	"time"
)

func TestParseOp(t *testing.T) {
	for _, s := range []string{"eq", "ne", "le", "lt", "ge", "gt"} {
		op, ok := ParseOp(s)
		if !ok || op.String() != s {
			t.Errorf("ParseOp(%q) = %v %v", s, op, ok)
		}
	}
	for _, s := range []string{"", "e", "eqq", "EQ", "and"} {
		if _, ok := ParseOp(s); ok {
			t.Errorf("ParseOp(%q) accepted", s)
		}
	}
	for _, c := range []struct {
		op     Op
		v, ref int64
		want   bool
	}{
		{OpEQ, 1, 1, true}, {OpEQ, 1, 2, false}, {OpNE, 1, 2, true}, {OpLE, 2, 2, true}, {OpLE, 3, 2, false},
		{OpLT, 2, 2, false}, {OpLT, 1, 2, true}, {OpGE, 2, 2, true}, {OpGE, 1, 2, false}, {OpGT, 3, 2, true}, {OpGT, 2, 2, false},
	} {
		if got := c.op.Holds(c.v, c.ref); got != c.want {
			t.Errorf("%d %s %d = %v", c.v, c.op, c.ref, got)
		}
	}
}

func TestFilterInfoValues(t *testing.T) {
	tb := New(Spec{Name: "t", Type: KeyString, KeySize: 9, Size: 5, Expire: time.Minute,
		Stores: []Store{{Type: DTServerKey}, {Type: DTConnRate, Period: time.Second}, {Type: DTGPT, Elems: 2}}})
	defer tb.Close()
	e := tb.Get([]byte("k"))
	defer e.Release()
	e.Count(DTConnCnt, DTConnRate, 4)
	e.Set(DTGPT, 1, 8)
	e.SetServer(0, "srv")
	in := tb.Info()
	if in != (Info{Type: KeyString, KeySize: 9, Size: 5, Used: 1, Expire: 60000}) {
		t.Errorf("info %+v", in)
	}
	var got []string
	e.EachValue(NowMs(), func(d DataType, v int64, s string) {
		got = append(got, d.String()+"="+s+string(rune('0'+v)))
	})
	if want := "conn_rate=4 server_key=srv0 gpt=0"; strings.Join(got, " ") != want {
		t.Errorf("values %q, want %q", strings.Join(got, " "), want)
	}
	if n := tb.StoredTypes(); n != 3 {
		t.Errorf("StoredTypes %d", n)
	}
	now := NowMs()
	for _, c := range []struct {
		f    Filter
		want bool
	}{
		{Filter{DTConnRate, OpEQ, 4}, true},
		{Filter{DTConnRate, OpGT, 4}, false},
		{Filter{DTGPT, OpEQ, 0}, true}, // the first element
		{Filter{DTServerKey, OpEQ, 3}, true},
		{Filter{DTGPC0, OpEQ, 3}, true}, // not stored: no condition
	} {
		if got := c.f.Match(e, now); got != c.want {
			t.Errorf("%+v: %v", c.f, got)
		}
	}
}
