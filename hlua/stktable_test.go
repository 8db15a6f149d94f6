package hlua

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"
	"time"

	"switchyard/stick"
)

// tableProxy is a fake proxy with a stick table.
type tableProxy struct {
	fakeProxy
	t *stick.Table
}

func (p *tableProxy) StickTable() *stick.Table { return p.t }

// stktableDumper prints what the StickTable methods answer, keys sorted,
// each value with its type.
const stktableDumper = `
local function ser(v)
    if type(v) ~= "table" then return type(v) .. ":" .. tostring(v) end
    local ks = {}
    for k in pairs(v) do ks[#ks + 1] = k end
    table.sort(ks, function(a, b) return tostring(a) < tostring(b) end)
    local out = {}
    for _, k in ipairs(ks) do out[#out + 1] = tostring(k) .. "=" .. ser(v[k]) end
    return "{" .. table.concat(out, ",") .. "}"
end
local function r(...)
    local t = table.pack(...)
    local o = {}
    for i = 1, t.n do o[#o + 1] = ser(t[i]) end
    return table.concat(o, " ; ")
end
core.register_cli({"t"}, "", function(applet, _, name, what)
    local st = core.proxies[name].stktable
    if what == "type" then applet:send(type(st)) return end
    local f = load("local st, r = ... return r(" .. what .. ")")
    applet:send(f(st, r))
end)
`

func newTestTable(t *testing.T, spec stick.Spec) *stick.Table {
	tb := stick.New(spec)
	t.Cleanup(tb.Close)
	return tb
}

func TestStickTableClass(t *testing.T) {
	ipT := newTestTable(t, stick.Spec{Name: "ipt", Type: stick.KeyIP, KeySize: 4, Size: 100, Expire: time.Minute,
		Stores: []stick.Store{{Type: stick.DTHTTPReqRate, Period: 10 * time.Second}, {Type: stick.DTHTTPReqCnt},
			{Type: stick.DTGPC, Elems: 2}, {Type: stick.DTServerKey}, {Type: stick.DTServerID}}})
	a := netip.MustParseAddr("10.0.0.1").As4()
	e := ipT.Get(a[:]) // held: use=1
	e.Count(stick.DTHTTPReqCnt, stick.DTHTTPReqRate, 3)
	e.Set(stick.DTGPC, 0, 5)
	e.Set(stick.DTGPC, 1, 9)
	e.SetServer(4, "s4")
	b := netip.MustParseAddr("10.0.0.2").As4()
	ipT.Get(b[:]).Release()

	intT := newTestTable(t, stick.Spec{Name: "intt", Type: stick.KeyInteger, KeySize: 4, Size: 10,
		Stores: []stick.Store{{Type: stick.DTGPC0}}})
	for _, k := range []uint32{10, 266, 1} {
		e := intT.Get(binary.BigEndian.AppendUint32(nil, k))
		e.Set(stick.DTGPC0, 0, int64(k))
		e.Release()
	}
	strT := newTestTable(t, stick.Spec{Name: "strt", Type: stick.KeyString, KeySize: 9, Size: 10, NoPurge: true,
		Stores: []stick.Store{{Type: stick.DTGPC0}}})
	strT.Get([]byte("x y")).Release()
	strT.Get([]byte("abcdefgh")).Release()
	binT := newTestTable(t, stick.Spec{Name: "bint", Type: stick.KeyBinary, KeySize: 4, Size: 10,
		Stores: []stick.Store{{Type: stick.DTGPC0}}})
	emptyBin := newTestTable(t, stick.Spec{Name: "ebin", Type: stick.KeyBinary, KeySize: 4, Size: 10,
		Stores: []stick.Store{{Type: stick.DTGPC0}}})
	binT.Get([]byte("ab\x00\x00")).Release()

	prog := loadScript(t, stktableDumper)
	prog.Start(&fakeHost{pxs: []Proxy{
		&tableProxy{fakeProxy{name: "ipt", fe: true}, ipT},
		&tableProxy{fakeProxy{name: "intt", be: true}, intT},
		&tableProxy{fakeProxy{name: "strt", be: true}, strT},
		&tableProxy{fakeProxy{name: "bint", be: true}, binT},
		&tableProxy{fakeProxy{name: "ebin", be: true}, emptyBin},
		&tableProxy{fakeProxy{name: "none", be: true}, nil},
		&fakeProxy{name: "plain", be: true},
	}})
	const ipEntry = "gpc=number:5,http_req_cnt=number:3,http_req_rate=number:3,server_id=number:4,server_key=string:s4"
	const ip2 = "gpc=number:0,http_req_cnt=number:0,http_req_rate=number:0,server_id=number:0,server_key=string:-"
	for _, c := range []struct{ name, what, want string }{
		{"none", "type", "nil"},
		{"plain", "type", "nil"},
		{"ipt", "type", "table"},
		{"ipt", "st:info()", "{data={gpc=number:-1,http_req_cnt=number:-1,http_req_rate=number:10000,server_id=number:-1,server_key=number:-1}," +
			"expire=number:60000,length=number:4,nopurge=boolean:false,size=number:100,type=string:ip,used=number:2}"},
		{"strt", "st:info()", "{data={gpc0=number:-1},expire=number:0,length=number:9,nopurge=boolean:true,size=number:10,type=string:string,used=number:2}"},
		// expire counts down from 60000 ms.
		{"ipt", "(function(x) x.expire = x.expire > 50000 and x.expire <= 60000 return x end)(st:lookup('10.0.0.1'))",
			"{expire=boolean:true," + ipEntry + ",use=number:1}"},
		{"ipt", "st:lookup('10.0.0.3')", "nil:nil"},
		{"ipt", "st:lookup('10')", "nil:nil"},
		{"ipt", "st:lookup()", "nil:nil"},
		{"ipt", "st:dump()", "{10.0.0.1={" + ipEntry + "},10.0.0.2={" + ip2 + "}}"},
		{"ipt", "st:dump({{'http_req_rate', 'ge', 3}})", "{10.0.0.1={" + ipEntry + "}}"},
		{"ipt", "st:dump({{'gpc', 'eq', '5'}, {'server_id', 'ne', 0}})", "{10.0.0.1={" + ipEntry + "}}"},
		{"ipt", "st:dump({{'server_key', 'eq', 7}, {'http_req_cnt', 'lt', 1}})", "{10.0.0.2={" + ip2 + "}}"},
		{"ipt", "st:dump({{'server_name', 'gt', 0.5}})", "{10.0.0.1={" + ipEntry + "},10.0.0.2={" + ip2 + "}}"},
		{"ipt", "st:dump({{'gpc0', 'eq', 1}})", "nil:nil ; string:Filter table data column not present in stick table (entry #1)"},
		{"ipt", "st:dump({{'gpc', 'eq', 1}, {'gpc', 'eqq', 1}})", "nil:nil ; string:Unknown operator in filter table (entry #2)"},
		{"ipt", "st:dump({{'gpc', 'eq'}})", "nil:nil ; string:Filter table entry must be a triplet: {\"data_col\", \"op\", val} (entry #1)"},
		{"ipt", "st:dump({1})", "nil:nil ; string:Filter table entry must be a triplet: {\"data_col\", \"op\", val} (entry #1)"},
		{"ipt", "st:dump({{1, 'eq', 1}})", "nil:nil ; string:Filter table data column must be string (entry #1)"},
		{"ipt", "st:dump({{'gpc', 1, 1}})", "nil:nil ; string:Filter table operator must be string (entry #1)"},
		{"ipt", "st:dump('x')", "nil:nil ; string:filter table expected"},
		{"ipt", "st:dump({{'gpc','eq',1},{'gpc','eq',1},{'gpc','eq',1},{'gpc','eq',1},{'gpc','eq',1}})", "nil:nil ; string:Filter table too large (len > 4)"},
		// Integer keys are their low byte: 266 overwrites 10.
		{"intt", "st:dump()", "{1={gpc0=number:1},10={gpc0=number:266}}"},
		{"intt", "st:dump({{'gpc0', 'lt', 100}})", "{1={gpc0=number:1},10={gpc0=number:10}}"},
		{"intt", "st:lookup(266)", "{expire=number:0,gpc0=number:266,use=number:0}"},
		{"intt", "st:lookup('10')", "{expire=number:0,gpc0=number:10,use=number:0}"},
		{"strt", "st:dump()", "{abcdefgh={gpc0=number:0},x y={gpc0=number:0}}"},
		{"strt", "st:lookup('abcdefghijk')", "{expire=number:0,gpc0=number:0,use=number:0}"},
		{"bint", "st:dump()", "nil:nil ; string:Unsupported stick table key type"},
		{"bint", "st:dump({{'gpc0', 'gt', 0}})", "{}"},
		{"bint", "st:lookup('ab')", "{expire=number:0,gpc0=number:0,use=number:0}"},
		{"ebin", "st:dump()", "{}"},
		{"ipt", "tostring(st)", "string:HAProxy class StickTable"},
	} {
		got := prog.RunCLI("t", []string{"t", c.name, c.what}, nil)
		if got != c.want {
			t.Errorf("%s %s:\n got %s\nwant %s", c.name, c.what, got, c.want)
		}
	}
	e.Release()
	if got := prog.RunCLI("t", []string{"t", "ipt", "pcall(st.lookup, '10.0.0.1')"}, nil); !strings.Contains(got, "StickTable expected") {
		t.Errorf("lookup without self: %s", got)
	}
}

func TestNtop(t *testing.T) {
	for in, want := range map[string]string{
		"::": "::", "::1": "::1", "::2": "::0.0.0.2", "::1.2.3.4": "::1.2.3.4", "::ffff:1.2.3.4": "::ffff:1.2.3.4",
		"2001:db8::1": "2001:db8::1", "1.2.3.4": "1.2.3.4", "::1:0:0": "::1:0:0",
	} {
		if got := ntop(netip.MustParseAddr(in)); got != want {
			t.Errorf("ntop(%s) = %s, want %s", in, got, want)
		}
	}
}
