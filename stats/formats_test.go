package stats

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

// Synthetic rows, shaped as haproxy fills them.

func feRow(name string, iid int) Row {
	r := Row{Type: TypeFrontend, IID: iid}
	r.Fields[FPxname] = MkStr("KNS", name)
	r.Fields[FSvname] = MkStr("KNS", "FRONTEND")
	r.Fields[FScur] = MkU32("MGP", 3)
	r.Fields[FSlim] = MkU32("CLP", 9985)
	r.Fields[FStot] = MkU64("MCP", 1234567)
	r.Fields[FStatus] = MkStr("SGP", "OPEN")
	r.Fields[FPid] = MkU32("KGP", 1)
	r.Fields[FIid] = MkU32("KGS", uint64(iid))
	r.Fields[FSid] = MkU32("KGS", 0)
	r.Fields[FType] = MkU32("CGS", uint64(TypeFrontend))
	r.Fields[FMode] = MkStr("CGS", "http")
	return r
}

func srvRow(px string, iid, sid int, name, status string) Row {
	r := Row{Type: TypeServer, IID: iid, SID: sid}
	r.Fields[FPxname] = MkStr("KNS", px)
	r.Fields[FSvname] = MkStr("KNS", name)
	r.Fields[FStatus] = MkStr("SGP", status)
	r.Fields[FWeight] = MkU32("MaP", 1)
	r.Fields[FUweight] = MkU32("MaP", 1)
	r.Fields[FAct] = MkU32("SGP", 1)
	r.Fields[FBck] = MkU32("SGP", 0)
	r.Fields[FLastchg] = MkU32("MAP", 97)
	r.Fields[FLastsess] = MkS32("MAP", -1)
	r.Fields[FPid] = MkU32("KGP", 1)
	r.Fields[FIid] = MkU32("KGS", uint64(iid))
	r.Fields[FSid] = MkU32("KGS", uint64(sid))
	r.Fields[FType] = MkU32("CGS", uint64(TypeServer))
	r.Fields[FMode] = MkStr("CGS", "http")
	return r
}

// checked gives a server a health check at the given health.
func checked(r Row, health uint64) Row {
	r.Fields[FChkfail] = MkU64("MCP", 2)
	r.Fields[FChkdown] = MkU64("MCP", 1)
	r.Fields[FDowntime] = MkU32("MCP", 3661)
	r.Fields[FCheckStatus] = MkStr("MOP", "L4OK")
	r.Fields[FCheckDuration] = MkU64("MDP", 0)
	r.Fields[FCheckDesc] = MkStr("MOP", "Layer4 check passed")
	r.Fields[FCheckRise] = MkU32("CGS", 2)
	r.Fields[FCheckFall] = MkU32("CGS", 3)
	r.Fields[FCheckHealth] = MkU32("SGS", health)
	return r
}

func beRow(name string, iid int, status string) Row {
	r := Row{Type: TypeBackend, IID: iid}
	r.Fields[FPxname] = MkStr("KNS", name)
	r.Fields[FSvname] = MkStr("KNS", "BACKEND")
	r.Fields[FStatus] = MkStr("SGP", status)
	r.Fields[FLastchg] = MkU32("MAP", 5)
	r.Fields[FPid] = MkU32("KGP", 1)
	r.Fields[FIid] = MkU32("KGS", uint64(iid))
	r.Fields[FSid] = MkU32("KGS", 0)
	r.Fields[FType] = MkU32("CGS", uint64(TypeBackend))
	r.Fields[FMode] = MkStr("CGS", "http")
	r.Fields[FAlgo] = MkStr("CGS", "roundrobin")
	return r
}

func TestFieldTables(t *testing.T) {
	// Positions are interface: scripts read the CSV by column and the
	// typed outputs print them.
	for _, c := range []struct {
		name string
		pos  int
	}{{"pxname", 0}, {"status", 17}, {"type", 32}, {"uweight", 99}, {"agg_check_status", 102}} {
		if StatFields[c.pos].Name != c.name {
			t.Errorf("stat %d is %q, want %q", c.pos, StatFields[c.pos].Name, c.name)
		}
	}
	if NumStat != 103 {
		t.Errorf("NumStat = %d", NumStat)
	}
	for _, c := range []struct {
		name string
		pos  Info
	}{{"Name", 0}, {"Memmax_MB", 9}, {"PoolAlloc_MB", 10}, {"ZlibMemUsage", 45}, {"node", 50},
		{"Build info", 66}, {"Memmax_bytes", 67}, {"Start_time_sec", 70}, {"Tainted", 71}} {
		if InfoFields[c.pos].Name != c.name {
			t.Errorf("info %d is %q, want %q", c.pos, InfoFields[c.pos].Name, c.name)
		}
	}
	if NumInfo != 72 {
		t.Errorf("NumInfo = %d", NumInfo)
	}
}

func TestAppendFlt(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{
		{0, "0"}, {1.5, "1.5"}, {2, "2"}, {0.1234567, "0.123457"}, {-3.25, "-3.25"},
		{530.775810, "530.77581"}, {1e20, "100000000000000000000"}, {0.0000001, "0"},
		{math.NaN(), "nan"}, {math.Inf(1), "inf"}, {math.Inf(-1), "-inf"},
	} {
		if got := string(appendFlt([]byte("x"), c.v)); got != "x"+c.want {
			t.Errorf("%v: %q, want %q", c.v, got, "x"+c.want)
		}
	}
}

func TestCSVValue(t *testing.T) {
	for _, c := range []struct {
		f    Field
		want string
	}{
		{Field{}, ""},
		{MkStr("SGP", "no check"), "no check"},
		{MkStr("MOP", "a,b"), `"a,b"`},
		{MkStr("MOP", `say "hi"`), `"say ""hi"""`},
		{MkStr("MOP", "two\nlines"), "\"two\nlines\""},
		{MkU32("MGP", 1<<33+5), "5"}, // a u32 is 32 bits, as haproxy's
		{MkS32("MAP", -1), "-1"},
		{MkU64("MCP", 1<<40), "1099511627776"},
		{MkS64("MCP", -1<<40), "-1099511627776"},
		{MkFlt("MRP", 2.50), "2.5"},
	} {
		if got := string(appendCSVValue(nil, &c.f)); got != c.want {
			t.Errorf("%+v: %q, want %q", c.f, got, c.want)
		}
	}
}

func TestCSV(t *testing.T) {
	h := string(AppendCSVHeader(nil))
	if !strings.HasPrefix(h, "# pxname,svname,qcur,") ||
		!strings.Contains(h, ",agg_server_check_status,agg_check_status,-,ssl_sess,ssl_reused_sess,") ||
		!strings.HasSuffix(h, ",h1_spliced_bytes_in,h1_spliced_bytes_out,\n") {
		t.Errorf("header: %q", h)
	}
	rows := []Row{feRow("fe", 2), beRow("be", 3, "UP")}
	out := string(AppendCSV(nil, rows))
	lines := strings.Split(out, "\n")
	if len(lines) != 4 || lines[3] != "" || lines[0]+"\n" != h {
		t.Fatalf("lines: %q", lines)
	}
	want := int(NumStat) + 1 + len(moduleColumns)
	for _, l := range lines[:3] {
		if n := strings.Count(l, ","); n != want {
			t.Errorf("%d cells, want %d: %q", n, want, l)
		}
	}
	if !strings.HasPrefix(lines[1], "fe,FRONTEND,,,3,,9985,1234567,") {
		t.Errorf("frontend line: %q", lines[1])
	}
	if !strings.HasSuffix(lines[1], ",http,"+strings.Repeat(",", int(NumStat-1-FMode))+"-,"+strings.Repeat(",", len(moduleColumns))) {
		t.Errorf("frontend line's end: %q", lines[1])
	}
	if got := string(AppendCSV(nil, nil)); got != h {
		t.Errorf("no rows: %q", got)
	}
}

func TestTyped(t *testing.T) {
	r := feRow("fe", 2)
	out := string(AppendTypedRow(nil, &r))
	for _, want := range []string{
		"F.2.0.0.pxname.1:KNS:str:fe\n",
		"F.2.0.4.scur.1:MGP:u32:3\n",
		"F.2.0.7.stot.1:MCP:u64:1234567\n",
		"F.2.0.32.type.1:CGS:u32:0\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, ".qcur.") {
		t.Errorf("an empty field is printed:\n%s", out)
	}
	s := srvRow("be", 3, 7, "s1", "UP")
	s.Fields[FPid] = Field{} // not filled: still process 1
	l := Row{Type: TypeListener, IID: 2, SID: 1}
	l.Fields[FPxname] = MkStr("KNS", "fe")
	odd := Row{Type: 9, IID: 1}
	odd.Fields[FPxname] = MkStr("KNS", "x")
	out = string(AppendTyped(nil, []Row{s, l, odd}))
	for _, want := range []string{"S.3.7.55.lastsess.1:MAP:s32:-1\n", "L.2.1.0.pxname.1:KNS:str:fe\n", "?.1.0.0.pxname.1:KNS:str:x\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

func TestParseTypedRoundTrip(t *testing.T) {
	rows := []Row{feRow("fe", 2), srvRow("be", 3, 1, "s1", "DOWN 1/2"), checked(srvRow("be", 3, 2, "s:2", "UP"), 4), beRow("be", 3, "UP")}
	withSSL(&rows[0], 5, 2, 1)
	rows[1].Fields[FCheckDesc] = MkStr("MOP", "a: b: c") // colons in a value
	rows[2].Fields[FRtime] = MkFlt("MaP", 1.25)
	text := AppendTyped(nil, rows)
	got, err := ParseTyped(append(text, '\n')) // the CLI's empty line
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, rows) {
		t.Errorf("round trip changed the rows:\n%s\n%s", text, AppendTyped(nil, got))
	}
	// Module counters the rows carry are read, the others skipped; a
	// module field under another name is refused.
	if rows, err := ParseTyped([]byte("F.2.0.0.pxname.1:KNS:str:fe\nF.2.0.104.ssl_reused_sess.1:MCP:u64:7\nF.2.0.110.h2_x.1:MCP:u64:0\n")); err != nil || len(rows) != 1 || rows[0].Mods[MSslReusedSess].U != 7 {
		t.Errorf("module lines: %v %v", rows, err)
	}
	if _, err := ParseTyped([]byte("F.2.0.103.ssl_x.1:MCP:u64:0\n")); err == nil {
		t.Error("a module field misnamed parsed")
	}
	for _, bad := range []string{
		"F.2.0.4.smax.1:MGP:u32:0",  // wrong name at 4
		"F.2.0.4.scur.1:MGP:u33:0",  // unknown type
		"F.2.0.4.scur.1:MGP:u32:x",  // bad number
		"X.2.0.4.scur.1:MGP:u32:0",  // unknown object
		"F.2.0.4.scur.1:MG:u32:0",   // short tag
		"F.2.0.scur.1:MGP:u32:0",    // short key
		"F.2.zero.4.scur.1:MGP:u32", // bad id, no value
	} {
		if _, err := ParseTyped([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func testInfo() InfoRow {
	var info InfoRow
	info[IName] = MkStr("POS", "HAProxy")
	info[IVersion] = MkStr("POS", "2.6.12")
	info[INbthread] = MkU32("CGS", 2)
	info[IProcessNum] = MkU32("KGP", 1)
	info[IPid] = MkU32("SGP", 4242)
	info[IUptime] = MkStr("MDP", "0d 1h02m03s")
	info[IUptimeSec] = MkU32("MDP", 3723)
	info[IDescription] = MkStr("COS", `web, "edge"`)
	info[ITotalBytesOut] = MkU64("MGP", 1<<40)
	info[IMemmaxBytes] = MkU32("CLP", 0)
	return info
}

func TestInfo(t *testing.T) {
	info := testInfo()
	want := "Name: HAProxy\nVersion: 2.6.12\nNbthread: 2\nProcess_num: 1\nPid: 4242\n" +
		"Uptime: 0d 1h02m03s\nUptime_sec: 3723\ndescription: \"web, \"\"edge\"\"\"\n" +
		"TotalBytesOut: 1099511627776\nMemmax_bytes: 0\n"
	if got := string(AppendInfo(nil, &info)); got != want {
		t.Errorf("show info:\n%s\nwant:\n%s", got, want)
	}
	typed := string(AppendInfoTyped(nil, &info))
	for _, l := range []string{"0.Name.1:POS:str:HAProxy\n", "51.description.1:COS:str:web, \"edge\"\n", "67.Memmax_bytes.1:CLP:u32:0\n"} {
		if !strings.Contains(typed, l) {
			t.Errorf("missing %q in\n%s", l, typed)
		}
	}
	back, err := ParseInfoTyped([]byte(typed))
	if err != nil || back != info {
		t.Errorf("round trip: %v\n%v", err, back)
	}
	if _, err := ParseInfoTyped([]byte("3.Name.1:POS:str:x")); err == nil {
		t.Error("a misplaced name parsed")
	}
}

func TestJSON(t *testing.T) {
	r := srvRow("be", 3, 7, "s1", "UP")
	r.Fields[FCheckDesc] = MkStr("MOP", "say \"hi\"\\\n")
	r.Fields[FQtime] = MkFlt("MaP", 0.5)
	r.Fields[FTracked] = MkStr("C?S", "x") // an unknown letter
	out := AppendJSON(nil, []Row{r, feRow("fe", 2)})
	if !strings.HasSuffix(string(out), "]]\n") || !strings.HasPrefix(string(out), `[[{"objType":"Server","proxyId":3,"id":7,"field":{"pos":0,"name":"pxname"},"processNum":1,"tags":{"origin":"Key","nature":"Name","scope":"Service"},"value":{"type":"str","value":"be"}},`) {
		t.Errorf("layout: %s", out)
	}
	var objs [][]struct {
		ObjType string
		Field   struct {
			Pos  int
			Name string
		}
		Tags  struct{ Origin, Nature, Scope string }
		Value struct {
			Type  string
			Value any
		}
	}
	if err := json.Unmarshal(out, &objs); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(objs) != 2 || objs[1][0].ObjType != "Frontend" {
		t.Fatalf("objects: %+v", objs)
	}
	for _, f := range objs[0] {
		switch f.Field.Name {
		case "check_desc":
			if f.Value.Value != "say \"hi\"\\\n" {
				t.Errorf("check_desc: %q", f.Value.Value)
			}
		case "qtime":
			if f.Value.Type != "flt" || f.Value.Value != 0.5 || f.Tags.Nature != "Avg" {
				t.Errorf("qtime: %+v", f)
			}
		case "tracked":
			if f.Tags.Nature != "Unknown" {
				t.Errorf("tracked: %+v", f)
			}
		case "lastsess":
			if f.Value.Type != "s32" || f.Value.Value != -1.0 || f.Tags.Nature != "Age" {
				t.Errorf("lastsess: %+v", f)
			}
		}
	}
	if got := string(AppendJSON(nil, nil)); got != "[]\n" {
		t.Errorf("no rows: %q", got)
	}
	info := testInfo()
	ij := AppendInfoJSON(nil, &info)
	if !strings.HasPrefix(string(ij), `[{"field":{"pos":0,"name":"Name"},"processNum":1,"tags":{"origin":"Product","nature":"Output","scope":"Service"},"value":{"type":"str","value":"HAProxy"}},{"field":{"pos":1,`) ||
		!strings.HasSuffix(string(ij), "}}]\n") {
		t.Errorf("info JSON: %s", ij)
	}
	var items []map[string]any
	if err := json.Unmarshal(ij, &items); err != nil || len(items) != 10 {
		t.Errorf("info JSON: %v, %d items", err, len(items))
	}
}

func TestJSONSchema(t *testing.T) {
	s := AppendJSONSchema(nil)
	var v map[string]any
	if err := json.Unmarshal(s, &v); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(s), `{"$schema":"http://json-schema.org/draft-04/schema#","oneOf":[{"title":"Info",`) ||
		!strings.HasSuffix(string(s), "}}}}}\n") || !strings.Contains(string(s), `"Avg", "Unknown"`) {
		t.Errorf("schema: %s", s)
	}
}

// withSSL fills a row's ssl module fields.
func withSSL(r *Row, sess, reused, failed uint64) {
	r.Mods[MSslSess] = MkU64("MCP", sess)
	r.Mods[MSslReusedSess] = MkU64("MCP", reused)
	r.Mods[MSslFailedHandshake] = MkU64("MCP", failed)
}

// The ssl module's fields follow the `-` of the CSV, the other modules'
// cells staying empty, and come after the fixed fields in the typed and
// JSON outputs, at haproxy's positions.
func TestModuleFields(t *testing.T) {
	if ModName(MSslSess) != "ssl_sess" || ModName(MSslFailedHandshake) != "ssl_failed_handshake" {
		t.Fatal("module names")
	}
	r := feRow("fe", 2)
	withSSL(&r, 5, 2, 1)
	line := string(AppendCSVRow(nil, &r))
	if want := ",-,5,2,1," + strings.Repeat(",", len(moduleColumns)-int(NumMod)) + "\n"; !strings.HasSuffix(line, want) {
		t.Errorf("CSV line's end: %q", line)
	}
	if n := strings.Count(line, ","); n != int(NumStat)+1+len(moduleColumns) {
		t.Errorf("%d cells", n)
	}
	typed := string(AppendTypedRow(nil, &r))
	if want := "F.2.0.103.ssl_sess.1:MCP:u64:5\nF.2.0.104.ssl_reused_sess.1:MCP:u64:2\nF.2.0.105.ssl_failed_handshake.1:MCP:u64:1\n"; !strings.HasSuffix(typed, want) {
		t.Errorf("typed output's end:\n%s", typed[max(0, len(typed)-200):])
	}
	js := string(AppendJSONRow(nil, &r))
	if want := `{"objType":"Frontend","proxyId":2,"id":0,"field":{"pos":105,"name":"ssl_failed_handshake"},"processNum":1,"tags":{"origin":"Metric","nature":"Counter","scope":"Process"},"value":{"type":"u64","value":1}}]`; !strings.HasSuffix(js, want) {
		t.Errorf("JSON row's end: %s", js[max(0, len(js)-300):])
	}
}
