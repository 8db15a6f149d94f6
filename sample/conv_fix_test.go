package sample

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// fixVTC are the messages of haproxy's reg-test converter/fix.vtc and
// whether fix_is_valid accepts them there.
var fixVTC = []struct {
	name  string
	hex   string
	valid bool
}{
	{"s1 FIX.4.0", "383d4649582e342e3001393d36360133353d410133343d310134393d4558454355544f520135323d32303230313032392d31303a35343a31390135363d434c49454e54310139383d30013130383d33300131303d31343701", true},
	{"s1 FIX.4.1", "383d4649582e342e3101393d37320133353d410133343d310134393d4558454355544f520135323d32303230313032392d31323a34333a30370135363d434c49454e54310139383d30013130383d3330013134313d590131303d31383701", true},
	{"s1 FIX.4.2", "383d4649582e342e3201393d37390133353d410133343d310134393d4558454355544f520135323d32303230313032392d31323a35353a31322e3130313431340135363d434c49454e54310139383d30013130383d3330013134313d590131303d30323701", true},
	{"s1 FIX.4.3", "383d4649582e342e3301393d37390133353d410133343d310134393d4558454355544f520135323d32303230313032392d31323a35383a35302e3839313337310135363d434c49454e54310139383d30013130383d3330013134313d590131303d30353101", true},
	{"s1 FIX.4.4", "383d4649582e342e3401393d37390133353d410133343d310134393d4558454355544f520135323d32303230313032392d31333a30323a34342e3533353336300135363d434c49454e54310139383d30013130383d3330013134313d590131303d30333801", true},
	{"s1 FIXT.1.1", "383d464958542e312e3101393d38360133353d410133343d310134393d4558454355544f520135323d32303230313032392d31333a31333a32322e3632363338340135363d434c49454e54310139383d30013130383d3330013134313d5901313133373d370131303d31383401", true},
	{"c1 FIX.4.0", "383d4649582e342e3001393d37300133353d410134393d434c49454e54310135363d4558454355544f520133343d310135323d32303230313032392d31303a35343a31392e3631370139383d30013130383d33300131303d30393001", true},
	{"c1 FIX.4.1", "383d4649582e342e3101393d37360133353d410134393d434c49454e54310135363d4558454355544f520133343d310135323d32303230313032392d31323a34333a30372e3934300139383d30013130383d3330013134313d590131303d31333801", true},
	{"c1 FIX.4.2", "383d4649582e342e3201393d37360133353d410134393d434c49454e54310135363d4558454355544f520133343d310135323d32303230313032392d31323a35353a31322e3130300139383d30013130383d3330013134313d590131303d31323601", true},
	{"c1 FIX.4.3", "383d4649582e342e3301393d3130320133353d410134393d434c49454e54310135363d4558454355544f520133343d310135323d32303230313032392d31323a35383a35302e3838390139383d30013130383d3330013134313d59013535333d557365726e616d65013535343d50617373776f72640131303d30313201", true},
	{"c1 FIX.4.4", "383d4649582e342e3401393d3130320133353d410134393d434c49454e54310135363d4558454355544f520133343d310135323d32303230313032392d31333a30323a34342e3532380139383d30013130383d3330013134313d59013535333d557365726e616d65013535343d50617373776f72640131303d32353201", true},
	{"c1 FIXT.1.1", "383d464958542e312e3101393d3131360133353d410134393d434c49454e54310135363d4558454355544f520133343d310135323d32303230313032392d31333a31333a32322e36323401313132383d370139383d30013130383d3330013134313d59013535333d557365726e616d65013535343d50617373776f726401313133373d370131303d32303401", true},
	{"c2_1 empty tag", "383d4649582e342e3401393d3130300133353d410134393d434c49454e54310135363d4558454355544f520133343d310135323d32303230313032392d31333a30323a34342e353238013d30013130383d3330013134313d59013535333d557365726e616d65013535343d50617373776f72640131303d32353201", false},
	{"c2_2 empty value", "383d4649582e342e3401393d3130310133353d410134393d434c49454e54310135363d4558454355544f520133343d310135323d32303230313032392d31333a30323a34342e3532380139383d013130383d3330013134313d59013535333d557365726e616d65013535343d50617373776f72640131303d32353201", false},
	{"c2_3 no delimiter", "383d4649582e342e3401393d3130300133353d410134393d434c49454e54310135363d4558454355544f520133343d310135323d32303230313032392d31333a30323a34342e353238013938013130383d3330013134313d59013535333d557365726e616d65013535343d50617373776f72640131303d32353201", false},
	{"c2_4 BeginString second", "393d31303201383d4649582e342e340133353d410134393d434c49454e54310135363d4558454355544f520133343d310135323d32303230313032392d31333a30323a34342e3532380139383d30013130383d3330013134313d59013535333d557365726e616d65013535343d50617373776f72640131303d32353201", false},
	{"c2_5 BodyLength third", "383d4649582e342e340133353d4101393d3130320134393d434c49454e54310135363d4558454355544f520133343d310135323d32303230313032392d31333a30323a34342e3532380139383d30013130383d3330013134313d59013535333d557365726e616d65013535343d50617373776f72640131303d32353201", false},
	{"c2_6 MsgType fourth", "383d4649582e342e3401393d3130320134393d434c49454e54310133353d410135363d4558454355544f520133343d310135323d32303230313032392d31333a30323a34342e3532380139383d30013130383d3330013134313d59013535333d557365726e616d65013535343d50617373776f72640131303d32353201", false},
	{"c2_7 body too short", "383d4649582e342e3401393d3130300133353d410134393d434c49454e54310135363d4558454355544f520133343d310135323d32303230313032392d31333a30323a34342e3532380139383d30013130383d3330013134313d59013535333d557365726e616d65013535343d50617373776f72640131303d32353201", false},
	{"c2_8 body too long", "383d4649582e342e3401393d3130350133353d410134393d434c49454e54310135363d4558454355544f520133343d310135323d32303230313032392d31333a30323a34342e3532380139383d30013130383d3330013134313d59013535333d557365726e616d65013535343d50617373776f72640131303d32353201585858", false},
	{"c2_9 checksum 2 digits", "383d4649582e342e3401393d3130320133353d410134393d434c49454e54310135363d4558454355544f520133343d310135323d32303230313032392d31333a30323a34342e3532380139383d30013130383d3330013134313d59013535333d557365726e616d65013535343d50617373776f72640131303d323501", false},
	{"c2_10 checksum 4 digits", "383d4649582e342e3401393d3130320133353d410134393d434c49454e54310135363d4558454355544f520133343d310135323d32303230313032392d31333a30323a34342e3532380139383d30013130383d3330013134313d59013535333d557365726e616d65013535343d50617373776f72640131303d3235323001", false},
	{"c2_11 bad checksum", "383d4649582e342e3401393d3130320133353d410134393d434c49454e54310135363d4558454355544f520133343d310135323d32303230313032392d31333a30323a34342e3532380139383d30013130383d3330013134313d59013535333d557365726e616d65013535343d50617373776f72640131303d32353301", false},
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixBuild makes a FIX message with the right BodyLength and CheckSum.
func fixBuild(version string, fields ...string) []byte {
	return fixBuildTag("8", version, fields...)
}

// fixBuildTag is fixBuild with the BeginString tag spelled as given.
func fixBuildTag(beginTag, version string, fields ...string) []byte {
	body := strings.Join(fields, "\x01") + "\x01"
	head := beginTag + "=" + version + "\x019=" + strconv.Itoa(len(body)) + "\x01"
	return []byte(fmt.Sprintf("%s%s10=%03d\x01", head, body, fixSum(head+body)))
}

func fixSum(s string) byte {
	var sum byte
	for i := 0; i < len(s); i++ {
		sum += s[i]
	}
	return sum
}

// binCtx is a context where the variable txn.m holds b as a binary
// sample, while tcp content rules inspect b as it comes.
func binCtx(b []byte) *Ctx {
	c := &Ctx{L6: &Payload{Req: b[:len(b):len(b)]}}
	if c.L6.Req == nil {
		c.L6.Req = []byte{}
	}
	c.Vars.Set(VarRef{ScopeTxn, "m"}, Value{Kind: KindBin, Str: b})
	return c
}

// evalBin runs var(txn.m),CONVS with b in txn.m; it returns the text of
// the result and whether the converters asked to wait for more data.
func evalBin(t testing.TB, convs string, b []byte) (string, bool) {
	t.Helper()
	e, err := ParseExpr(nil, "var(txn.m),"+convs)
	if err != nil {
		t.Fatalf("%s: %v", convs, err)
	}
	c := binCtx(b)
	got := text(e.Eval(c))
	return got, c.mayChange
}

func TestFixIsValidVTC(t *testing.T) {
	for _, tt := range fixVTC {
		msg := unhex(t, tt.hex)
		want := "0"
		if tt.valid {
			want = "1"
		}
		if got, wait := evalBin(t, "fix_is_valid", msg); got != want || wait {
			t.Errorf("%s: fix_is_valid = %s (wait %v), want %s", tt.name, got, wait, want)
		}
	}
}

func TestFixTagValueVTC(t *testing.T) {
	c31 := unhex(t, fixVTC[10].hex) // client c3_1 of the reg-test
	s2 := unhex(t, fixVTC[4].hex)   // server s2
	tests := []struct {
		msg       []byte
		tag, want string
	}{
		{c31, "BeginString", "FIX.4.4"}, {c31, "BodyLength", "102"}, {c31, "MsgType", "A"},
		{c31, "SenderCompID", "CLIENT1"}, {c31, "TargetCompID", "EXECUTOR"}, {c31, "CheckSum", "252"},
		{s2, "8", "FIX.4.4"}, {s2, "9", "79"}, {s2, "35", "A"}, {s2, "49", "EXECUTOR"}, {s2, "56", "CLIENT1"},
		{s2, "10", "038"},
		// names in any case, numbers with leading zeros or wrapping at 2^32
		{c31, "msgtype", "A"}, {c31, "SENDERCOMPID", "CLIENT1"}, {c31, "0049", "CLIENT1"},
		{c31, "4294967345", "CLIENT1"}, {c31, "553", "Username"}, {c31, "554", "Password"},
		// absent from a complete message: no value, and no waiting
		{c31, "58", "<none>"},
	}
	for _, tt := range tests {
		got, wait := evalBin(t, "fix_tag_value("+tt.tag+")", tt.msg)
		if got != tt.want || wait {
			t.Errorf("fix_tag_value(%s) = %q (wait %v), want %q", tt.tag, got, wait, tt.want)
		}
	}
	// The value is binary, as haproxy declares it.
	e, _ := ParseExpr(nil, "var(txn.m),fix_tag_value(35)")
	if v, ok := e.Eval(binCtx(c31)); !ok || v.Kind != KindBin {
		t.Errorf("fix_tag_value gives %v, %v; want a binary sample", v, ok)
	}
}

// An incomplete message is no answer yet: no sample, and the rule may wait,
// which is what lets tcp-request content rules wait for the whole message.
func TestFixTruncated(t *testing.T) {
	for _, tt := range fixVTC {
		if !tt.valid {
			continue
		}
		msg := unhex(t, tt.hex)
		for n := 0; n < len(msg); n++ {
			if v := fixValidate(msg[:n]); v != protoNeedMore {
				t.Fatalf("%s cut at %d: verdict %d, want need more", tt.name, n, v)
			}
			if got, wait := evalBin(t, "fix_is_valid", msg[:n]); got != "<none>" || !wait {
				t.Fatalf("%s cut at %d: fix_is_valid = %s (wait %v)", tt.name, n, got, wait)
			}
			if got, wait := evalBin(t, "fix_tag_value(CheckSum)", msg[:n]); got != "<none>" || !wait {
				t.Fatalf("%s cut at %d: fix_tag_value(CheckSum) = %s (wait %v)", tt.name, n, got, wait)
			}
		}
		// Bytes after the checksum (the next message) are not looked at.
		if v := fixValidate(append(msg[:len(msg):len(msg)], "8=FIX"...)); v != protoValid {
			t.Errorf("%s followed by more: verdict %d", tt.name, v)
		}
	}
}

func TestFixValidate(t *testing.T) {
	logon := []string{"35=A", "49=CLIENT1", "56=EXECUTOR", "34=1", "98=0", "108=30"}
	with := func(extra ...string) []string { return append(append([]string{}, logon...), extra...) }
	// oddSum is a message whose checksum is written with haproxy's
	// unchecked digits: the tens may be any byte, so 252 is also "0U2".
	var oddSum []byte
	for pad := "z"; oddSum == nil; pad += "z" {
		m := fixBuild("FIX.4.4", with("58="+pad)...)
		i := bytes.LastIndex(m, []byte("\x0110=")) + 4
		if s, _ := strconv.Atoi(string(m[i : i+3])); s >= 100 {
			oddSum = append(m[:i:i], '0', byte('0'+s/10), byte('0'+s%10), 1)
		}
	}
	tests := []struct {
		name string
		msg  []byte
		want protoVerdict
	}{
		{"built", fixBuild("FIX.4.4", logon...), protoValid},
		{"tag at the FIX.4.0 limit", fixBuild("FIX.4.0", with("140=x")...), protoValid},
		{"tag over the FIX.4.0 limit", fixBuild("FIX.4.0", with("141=x")...), protoInvalid},
		{"tag of FIX.4.1", fixBuild("FIX.4.1", with("141=x")...), protoValid},
		{"user-defined tag", fixBuild("FIX.4.0", with("19999=x")...), protoValid},
		{"past user-defined tags", fixBuild("FIX.4.0", with("20000=x")...), protoInvalid},
		{"FIXT.1.1 limit", fixBuild("FIXT.1.1", with("1621=x")...), protoValid},
		{"over FIXT.1.1 limit", fixBuild("FIXT.1.1", with("1622=x")...), protoInvalid},
		{"unknown version", fixBuild("FIX.4.5", logon...), protoInvalid},
		{"version in lower case", fixBuild("fix.4.4", logon...), protoInvalid},
		{"empty value passes", fixBuild("FIX.4.4", with("58=")...), protoValid},
		{"value with =", fixBuild("FIX.4.4", with("58=a=b")...), protoValid},
		{"signed tag", fixBuild("FIX.4.4", with("+58=x")...), protoInvalid},
		{"tag 0", fixBuild("FIX.4.4", with("0=x")...), protoInvalid},
		{"unchecked checksum digits", oddSum, protoValid},
		{"leading zeros in tags", fixBuildTag("0008", "FIX.4.4", append([]string{"035=A"}, logon[1:]...)...), protoValid},
		{"no MsgType", fixBuild("FIX.4.4", logon[1:]...), protoInvalid},
		{"empty body", []byte("8=FIX.4.4\x019=0\x0135=A\x0110=000\x01"), protoInvalid},
		{"signed body length", []byte("8=FIX.4.4\x019=+5\x0135=A\x0110=000\x01"), protoInvalid},
		{"CheckSum third", []byte("8=FIX.4.4\x019=5\x0110=000\x0135=A\x01"), protoInvalid},
		{"short garbage", []byte("not FIX at all"), protoNeedMore},
		{"no = at all", bytes.Repeat([]byte{'a', 1}, 20), protoNeedMore},
		{"empty tag", []byte("=FIX.4.4\x019=10\x0135=A\x0149=B\x0110=000\x01"), protoInvalid},
		{"only a padded BeginString", []byte("00000000000000008=FIX.4.4\x01"), protoInvalid},
		{"padded BeginString, then more", append([]byte("00000000000000008=FIX.4.4\x01"), "9=1"...), protoNeedMore},
	}
	for _, tt := range tests {
		if got := fixValidate(tt.msg); got != tt.want {
			t.Errorf("%s: %q: verdict %d, want %d", tt.name, tt.msg, got, tt.want)
		}
	}
}

func TestFixTagValueEdges(t *testing.T) {
	tests := []struct {
		msg, tag, want string
		wait           bool
	}{
		// not validated: any TAG=VALUE list will do
		{"35=A\x01", "35", "A", false},
		{"35=A\x0149=B\x01", "SenderCompID", "B", false},
		// an empty value found is taken for "more to come"
		{"35=\x01", "35", "<none>", true},
		// not there yet, and no CheckSum: wait
		{"35=A\x01", "49", "<none>", true},
		{"35=A", "35", "<none>", true},
		{"", "35", "<none>", true},
		// the CheckSum tag ends the search
		{"35=A\x0110=000\x0149=B\x01", "49", "<none>", false},
		// an invalid tag ends it too
		{"35=A\x01x=1\x0149=B\x01", "49", "<none>", false},
		{"=1\x0149=B\x01", "49", "<none>", false},
		// the first "=" is searched first, even past delimiters
		{"35\x0149=B\x01", "49", "<none>", false},
		{"35\x0149", "49", "<none>", true},
	}
	for _, tt := range tests {
		got, wait := evalBin(t, "fix_tag_value("+tt.tag+")", []byte(tt.msg))
		if got != tt.want || wait != tt.wait {
			t.Errorf("%q,fix_tag_value(%s) = %q (wait %v), want %q (wait %v)", tt.msg, tt.tag, got, wait, tt.want, tt.wait)
		}
	}
}

// Only tcp content rules inspecting a stream wait for more; once no more
// will come, or outside of them (HTTP rules), an incomplete message is no
// sample, so "unless" fires there, as with haproxy's SMP_OPT_FINAL.
func TestFixMQTTWaitOnlyWhileInspecting(t *testing.T) {
	fix, mqtt := unhex(t, fixVTC[10].hex), unhex(t, mqttComplexConnect)
	tests := []struct {
		cond string
		msg  []byte
		mode string // inspect: more may come; final: no more; http: no payload
		want Tri
	}{
		{"if { req.payload(0,0),fix_is_valid }", fix, "inspect", Pass},
		{"if { req.payload(0,0),fix_is_valid }", fix[:50], "inspect", Miss},
		{"unless { req.payload(0,0),fix_is_valid }", fix[:50], "inspect", Miss},
		{"if { req.payload(0,0),fix_is_valid }", fix[:50], "final", Fail},
		{"unless { req.payload(0,0),fix_is_valid }", fix[:50], "final", Pass},
		{"if { req.payload(0,0),fix_is_valid }", append([]byte("9=1\x01"), fix...), "inspect", Fail},
		{"if { req.payload(0,0),fix_tag_value(MsgType) -m str A }", fix[:20], "inspect", Miss},
		{"if { req.payload(0,0),fix_tag_value(MsgType) -m str A }", fix[:20], "final", Fail},
		{"if { req.payload(0,0),fix_tag_value(MsgType) -m str A }", fix[:30], "inspect", Pass},
		{"if { req.payload(0,0),mqtt_is_valid }", mqtt, "inspect", Pass},
		{"if { req.payload(0,0),mqtt_is_valid }", mqtt[:100], "inspect", Miss},
		{"if { req.payload(0,0),mqtt_is_valid }", mqtt[:100], "final", Fail},
		{"if { req.payload(0,0),mqtt_is_valid }", []byte{0xd0, 0x00}, "inspect", Fail},
		{"if { req.payload(0,0),mqtt_field_value(connect,username) -m str test }", mqtt[:1], "inspect", Miss},
		{"if { req.payload(0,0),mqtt_field_value(connect,username) -m str test }", mqtt, "inspect", Pass},
		{"if { var(txn.m),mqtt_is_valid }", mqtt[:100], "http", Fail},
		{"unless { var(txn.m),mqtt_is_valid }", mqtt[:100], "http", Pass},
		{"unless { var(txn.m),fix_tag_value(35) -m found }", fix[:20], "http", Pass},
	}
	for _, tt := range tests {
		cond, err := ParseCond(strings.Fields(tt.cond), NewACLSet(nil))
		if err != nil {
			t.Fatalf("%s: %v", tt.cond, err)
		}
		c := binCtx(tt.msg)
		switch tt.mode {
		case "final":
			c.L6.Final = true
		case "http":
			c.L6 = nil
		}
		if got := cond.Test(c); got != tt.want {
			t.Errorf("%s on %d bytes (%s): %d, want %d", tt.cond, len(tt.msg), tt.mode, got, tt.want)
		}
	}
}

func TestFixConfig(t *testing.T) {
	for _, s := range []string{"fix_tag_value(checksum)", "fix_tag_value(1)", "fix_tag_value(99999999)", "fix_is_valid"} {
		if _, err := ParseExpr(nil, "req.body,"+s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	for s, want := range map[string]string{
		"fix_tag_value(Price)":      "invalid args in converter 'fix_tag_value' : Unknown FIX tag name 'Price'",
		"fix_tag_value(0)":          "Unknown FIX tag name '0'",
		"fix_tag_value(4294967296)": "Unknown FIX tag name '4294967296'", // wraps to 0
		"fix_tag_value(-35)":        "Unknown FIX tag name '-35'",
		"fix_tag_value":             "",
		"fix_is_valid(x)":           "",
	} {
		_, err := ParseExpr(nil, "req.body,"+s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", s, err, want)
		}
	}
}

// FuzzFIX checks that the parser never fails on any input, and that a
// valid message stays valid whatever follows it.
func FuzzFIX(f *testing.F) {
	for _, tt := range fixVTC {
		f.Add(unhex(f, tt.hex))
	}
	f.Add([]byte("35=A\x0110=000\x01"))
	f.Add([]byte("00000000000000008=FIX.4.4\x01"))
	exprs := make([]*Expr, 0, 3)
	for _, s := range []string{"var(txn.m),fix_is_valid", "var(txn.m),fix_tag_value(35)", "var(txn.m),fix_tag_value(10)"} {
		e, err := ParseExpr(nil, s)
		if err != nil {
			f.Fatal(err)
		}
		exprs = append(exprs, e)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c := binCtx(b)
		for _, e := range exprs {
			e.Eval(c)
		}
		if fixValidate(b) == protoValid {
			if v := fixValidate(append(b[:len(b):len(b)], 0x01, '=')); v != protoValid {
				t.Fatalf("%q valid, but not once followed by more (%d)", b, v)
			}
			if v, _ := fixTagValue(b, fixMsgType); len(v) == 0 {
				t.Fatalf("%q valid without a MsgType value", b)
			}
		}
	})
}
