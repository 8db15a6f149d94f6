package sample

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// mqttVTC are the packets of haproxy's reg-test converter/mqtt.vtc and
// whether mqtt_is_valid accepts them there. Two of the reg-test's invalid
// CONNECTs are written with an odd number of hex digits; they are given
// here as their comments describe them.
var mqttVTC = []struct {
	name  string
	hex   string
	valid bool
}{
	{"c1_311_1 long client id", "10d40100044d5154540402003c00c8746573745f737562" + strings.Repeat("61", 192), true},
	{"c1_311_2 no client id", "101a00044d51545404c2003c00000004746573740006706173737764", true},
	{"c1_311_3 will", "103a00044d51545404ee003c0008746573745f737562000977696c6c746f706963000b77696c6c7061796c6f61640004746573740006706173737764", true},
	{"c1_50_1", "101800044d5154540502003c032100140008746573745f737562", true},
	{"c1_50_2 user", "102600044d51545405c2003c032100140008746573745f7375620004746573740006706173737764", true},
	{"c1_50_3 complex", mqttComplexConnect, true},
	{"c2_311_3 connect", "101400044d5154540402003c0008746573745f737562", true},
	{"c3_31_1 MQIsdp", "102400064d514973647003c200000008746573745f7375620004746573740006706173737764", true},
	{"s1 connack 3.1.1", "20020000", true},
	{"s1 connack 5.0", "200600000322000a", true},
	{"s1 connack complex", mqttComplexConnack, true},
	{"s1 connack bad flags", "21020000", false},
	{"c2_311_1 PINGRESP", "d000", false},
	{"c2_311_2 connect bad flags", "111400044d5154540402003c0008746573745f737562", false},
	{"c2_311_4 remaining length over 4 bytes", "10ffffffff1400044d5154540402003c0008746573745f737562", false},
	{"c2_311_4 remaining length too short", "101300044d5154540402003c0008746573745f737562", false},
	{"c2_311_4 remaining length too long", "101800044d5154540402003c0008746573745f737562ffffffff", false},
}

const (
	mqttComplexConnect = "107e00044d51545405ee003c182700000014170126000161000162260001630001642100140008746573745f7375622a03000a746578742f706c61696e08000c77696c6c727370746f7069632600016500016626000167000168000977696c6c746f706963000b77696c6c7061796c6f61640004746573740006706173737764"
	mqttComplexConnack = "20250000221100000078217fff24012501270000ffff22000a2600016100016226000163000164"
)

// mqttBuild makes a packet: the first byte, the remaining length, then
// the parts, which are hex unless they start with '"' (a 2-byte-length
// prefixed string).
func mqttBuild(first byte, parts ...string) []byte {
	var body []byte
	for _, p := range parts {
		if s, ok := strings.CutPrefix(p, `"`); ok {
			body = append(body, byte(len(s)>>8), byte(len(s)))
			body = append(body, s...)
			continue
		}
		b, err := hex.DecodeString(p)
		if err != nil {
			panic(p)
		}
		body = append(body, b...)
	}
	out := []byte{first}
	n := len(body)
	for {
		c := byte(n & 127)
		if n >>= 7; n > 0 {
			c |= 128
		}
		out = append(out, c)
		if n == 0 {
			break
		}
	}
	return append(out, body...)
}

func TestMQTTIsValidVTC(t *testing.T) {
	for _, tt := range mqttVTC {
		want := "0"
		if tt.valid {
			want = "1"
		}
		if got, wait := evalBin(t, "mqtt_is_valid", unhex(t, tt.hex)); got != want || wait {
			t.Errorf("%s: mqtt_is_valid = %s (wait %v), want %s", tt.name, got, wait, want)
		}
	}
}

func TestMQTTFieldValueVTC(t *testing.T) {
	connect, connack := mqttComplexConnect, mqttComplexConnack
	v311, v31, v50 := mqttVTC[2].hex, mqttVTC[7].hex, mqttVTC[4].hex
	tests := []struct{ pkt, typ, field, want string }{
		// frontend fe2 and backend be2 of the reg-test
		{connect, "connect", "flags", "238"}, {connect, "connect", "protocol_name", "MQTT"},
		{connect, "connect", "protocol_version", "5"}, {connect, "connect", "client_identifier", "test_sub"},
		{connect, "connect", "will_topic", "willtopic"}, {connect, "connect", "will_payload", "willpayload"},
		{connect, "connect", "username", "test"}, {connect, "connect", "password", "passwd"},
		{connect, "connect", "39", "20"}, {connect, "connect", "23", "1"}, {connect, "connect", "3", "text/plain"},
		{connect, "connect", "8", "willrsptopic"},
		{connack, "connack", "flags", "0"}, {connack, "connack", "protocol_version", "5"},
		{connack, "connack", "reason_code", "0"}, {connack, "connack", "17", "120"}, {connack, "connack", "33", "32767"},
		{connack, "connack", "36", "1"}, {connack, "connack", "37", "1"}, {connack, "connack", "39", "65535"},
		{connack, "connack", "34", "10"},
		// the others of the complex packets
		{connect, "CONNECT", "KEEPALIVE", "60"}, {connect, "1", "33", "20"}, {connect, "connect", "17", "0"},
		{connect, "connect", "24", "0"}, {connect, "connect", "1", "0"}, {connect, "connect", "2", "0"},
		{connect, "connect", "25", "0"}, {connect, "connect", "34", "0"}, {connect, "connect", "9", "<none>"},
		{connect, "connect", "21", "<none>"}, {connect, "connect", "22", "<none>"}, {connect, "connect", "38", "<none>"},
		{connack, "2", "40", "0"}, {connack, "connack", "19", "0"}, {connack, "connack", "18", "<none>"},
		{connack, "connack", "31", "<none>"}, {connack, "connack", "38", "<none>"},
		// other versions: no properties, and no will properties without a will
		{v311, "connect", "protocol_version", "4"}, {v311, "connect", "will_topic", "willtopic"},
		{v311, "connect", "17", "<none>"}, {v311, "connect", "3", "<none>"}, {v311, "connect", "keepalive", "60"},
		{v31, "connect", "protocol_name", "MQIsdp"}, {v31, "connect", "protocol_version", "3"},
		{v31, "connect", "flags", "194"}, {v31, "connect", "keepalive", "0"}, {v31, "connect", "will_topic", "<none>"},
		{v50, "connect", "33", "20"}, {v50, "connect", "17", "0"}, {v50, "connect", "1", "<none>"},
		{v50, "connect", "24", "<none>"}, {v50, "connect", "will_topic", "<none>"},
		{mqttVTC[1].hex, "connect", "client_identifier", "<none>"}, // empty
		{"20020000", "connack", "protocol_version", "4"}, {"20020000", "connack", "17", "<none>"},
		{"20020001", "connack", "reason_code", "1"}, {"20020100", "connack", "flags", "1"},
		// the packet must be of the type asked
		{connect, "connack", "flags", "<none>"}, {connack, "connect", "flags", "<none>"},
	}
	for _, tt := range tests {
		conv := fmt.Sprintf("mqtt_field_value(%s,%s)", tt.typ, tt.field)
		got, wait := evalBin(t, conv, unhex(t, tt.pkt))
		if got != tt.want || wait {
			t.Errorf("%.16s…,%s = %q (wait %v), want %q", tt.pkt, conv, got, wait, tt.want)
		}
	}
	// haproxy leaves the sample binary at run time: an integer match on it
	// fails there, whatever the declared string type allows at load.
	e, _ := ParseExpr(nil, "var(txn.m),mqtt_field_value(connect,keepalive)")
	if v, ok := e.Eval(binCtx(unhex(t, connect))); !ok || v.Kind != KindBin {
		t.Errorf("mqtt_field_value gives %v, %v; want a binary sample", v, ok)
	}
}

// An incomplete packet is no answer yet: no sample, and the rule may wait.
func TestMQTTTruncated(t *testing.T) {
	for _, tt := range mqttVTC {
		if !tt.valid {
			continue
		}
		pkt := unhex(t, tt.hex)
		for n := 0; n < len(pkt); n++ {
			var p mqttPacket
			if v := mqttValidate(pkt[:n], &p); v != protoNeedMore {
				t.Fatalf("%s cut at %d: verdict %d, want need more", tt.name, n, v)
			}
			for _, conv := range []string{"mqtt_is_valid", "mqtt_field_value(connect,flags)"} {
				if got, wait := evalBin(t, conv, pkt[:n]); got != "<none>" || !wait {
					t.Fatalf("%s cut at %d: %s = %s (wait %v)", tt.name, n, conv, got, wait)
				}
			}
		}
	}
}

func TestMQTTValidate(t *testing.T) {
	hdr5 := []string{`"MQTT`, "05"}
	tests := []struct {
		name string
		pkt  []byte
		want protoVerdict
	}{
		{"empty", nil, protoNeedMore},
		{"one byte", []byte{0x10}, protoNeedMore},
		{"partial remaining length", []byte{0x10, 0x81}, protoNeedMore},
		// the remaining length read so far is 0: CONNECT parsed from nothing
		{"partial remaining length of 0", []byte{0x10, 0x80}, protoInvalid},
		{"type 0", []byte{0x00, 0x00}, protoInvalid},
		{"PINGREQ", []byte{0xc0, 0x00}, protoInvalid},
		{"PUBLISH QoS 0", mqttBuild(0x30, `"a/b`, "00"), protoInvalid},
		{"PUBLISH all flags", mqttBuild(0x3f, `"a/b`, "0001"), protoInvalid},
		{"PUBLISH all flags, incomplete", []byte{0x3f, 0x05, 0x00}, protoNeedMore},
		{"SUBSCRIBE", mqttBuild(0x82, "0001", `"a`, "00"), protoInvalid},
		{"CONNECT followed by more", append(unhex(t, mqttVTC[3].hex), 0xe0, 0x00), protoValid},
		{"protocol name in lower case", mqttBuild(0x10, `"mqtt`, "04", "02", "003c", `"id`), protoValid},
		{"unknown protocol name", mqttBuild(0x10, `"MQTX`, "04", "02", "003c", `"id`), protoInvalid},
		{"MQIsdp at level 5", mqttBuild(0x10, `"MQIsdp`, "05", "02", "003c", "00", `"id`), protoValid},
		{"protocol level 6", mqttBuild(0x10, `"MQTT`, "06", "02", "003c", `"id`), protoInvalid},
		{"protocol level 2", mqttBuild(0x10, `"MQTT`, "02", "02", "003c", `"id`), protoInvalid},
		{"reserved flag", mqttBuild(0x10, `"MQTT`, "04", "03", "003c", `"id`), protoInvalid},
		{"will QoS 3 without will", mqttBuild(0x10, `"MQTT`, "04", "18", "003c", `"id`), protoInvalid},
		// haproxy's check compares the masked flags to both QoS bits
		{"will QoS 1 without will", mqttBuild(0x10, `"MQTT`, "04", "08", "003c", `"id`), protoValid},
		{"will QoS 3 and retain without will", mqttBuild(0x10, `"MQTT`, "04", "38", "003c", `"id`), protoValid},
		{"username flag without username", mqttBuild(0x10, `"MQTT`, "04", "80", "003c", `"id`), protoInvalid},
		{"missing keepalive", mqttBuild(0x10, `"MQTT`, "04", "02", "00"), protoInvalid},
		{"no properties length", mqttBuild(0x10, append(hdr5, "02", "003c")...), protoInvalid},
		{"empty properties", mqttBuild(0x10, append(hdr5, "02", "003c", "00", `"id`)...), protoValid},
		{"duplicate property", mqttBuild(0x10, append(hdr5, "02", "003c", "0a", "1100000001", "1100000002", `"id`)...), protoInvalid},
		{"repeated user property", mqttBuild(0x10, append(hdr5, "02", "003c", "0b", "260001610000", "2600000000", `"id`)...), protoValid},
		{"receive maximum 0", mqttBuild(0x10, append(hdr5, "02", "003c", "03", "210000", `"id`)...), protoInvalid},
		{"maximum packet size 0", mqttBuild(0x10, append(hdr5, "02", "003c", "05", "2700000000", `"id`)...), protoInvalid},
		{"request problem information 2", mqttBuild(0x10, append(hdr5, "02", "003c", "02", "1702", `"id`)...), protoInvalid},
		{"property of CONNACK", mqttBuild(0x10, append(hdr5, "02", "003c", "02", "2401", `"id`)...), protoInvalid},
		{"property cut", mqttBuild(0x10, append(hdr5, "02", "003c", "02", "2100", `"id`)...), protoInvalid},
		{"properties longer than the packet", mqttBuild(0x10, append(hdr5, "02", "003c", "7f")...), protoInvalid},
		{"auth data without method", mqttBuild(0x10, append(hdr5, "02", "003c", "05", "1600026b6b", `"id`)...), protoInvalid},
		{"auth data with method", mqttBuild(0x10, append(hdr5, "02", "003c", "0a", "1500026d6d", "1600026b6b", `"id`)...), protoValid},
		{"will payload format 2", mqttBuild(0x10, append(hdr5, "06", "003c", "00", `"id`, "02", "0102", `"t`, `"p`)...), protoInvalid},
		{"will property of CONNECT", mqttBuild(0x10, append(hdr5, "06", "003c", "00", `"id`, "05", "1100000001", `"t`, `"p`)...), protoInvalid},
		{"will without will topic", mqttBuild(0x10, append(hdr5, "06", "003c", "00", `"id`, "00")...), protoInvalid},
		{"CONNACK too short", []byte{0x20, 0x01, 0x00}, protoInvalid},
		// 3.1.1 or 5.0 is decided by the bytes present, not the length
		{"CONNACK 3.1.1 followed by more", []byte{0x20, 0x02, 0x00, 0x00, 0x00}, protoInvalid},
		{"CONNACK 5.0 followed by more", []byte{0x20, 0x03, 0x00, 0x00, 0x00, 0xe0}, protoValid},
		{"CONNACK flags", []byte{0x20, 0x02, 0x02, 0x00}, protoInvalid},
		{"CONNACK session present", []byte{0x20, 0x02, 0x01, 0x00}, protoValid},
		// haproxy 2.6 answers "need more data" to an unknown CONNACK property
		{"CONNACK unknown property", mqttBuild(0x20, "0000", "02", "0100"), protoNeedMore},
		{"CONNACK unknown property after others", mqttBuild(0x20, "0000", "04", "2401", "0b00"), protoNeedMore},
		{"CONNACK invalid property before an unknown one", mqttBuild(0x20, "0000", "04", "2402", "0100"), protoInvalid},
		{"CONNACK empty assigned client id", mqttBuild(0x20, "0000", "03", "120000"), protoInvalid},
		{"CONNACK assigned client id", mqttBuild(0x20, "0000", "04", "1200016b"), protoValid},
		{"CONNACK maximum QoS 2", mqttBuild(0x20, "0000", "02", "2402"), protoInvalid},
		{"CONNACK duplicate", mqttBuild(0x20, "0000", "04", "2401", "2401"), protoInvalid},
		{"CONNACK property cut", mqttBuild(0x20, "0000", "02", "1300"), protoInvalid},
		{"CONNACK properties length over 4 bytes", mqttBuild(0x20, "0000", "ffffffff7f"), protoInvalid},
	}
	named := map[string][]byte{}
	for _, tt := range tests {
		var p mqttPacket
		if got := mqttValidate(tt.pkt, &p); got != tt.want {
			t.Errorf("%s: % x: verdict %d, want %d", tt.name, tt.pkt, got, tt.want)
		}
		named[tt.name] = tt.pkt
	}
	values := []struct{ pkt, conv, want string }{
		{"auth data with method", "mqtt_field_value(connect,21)", "mm"},
		{"auth data with method", "mqtt_field_value(connect,22)", "kk"},
		{"CONNACK assigned client id", "mqtt_field_value(connack,18)", "k"},
		{"CONNACK session present", "mqtt_field_value(connack,flags)", "1"},
		{"will QoS 1 without will", "mqtt_field_value(connect,flags)", "8"},
		{"CONNECT followed by more", "mqtt_field_value(connect,client_identifier)", "test_sub"},
	}
	for _, tt := range values {
		if got, wait := evalBin(t, tt.conv, named[tt.pkt]); got != tt.want || wait {
			t.Errorf("%s: %s = %q (wait %v), want %q", tt.pkt, tt.conv, got, wait, tt.want)
		}
	}
	if got, wait := evalBin(t, "mqtt_field_value(connack,36)", named["CONNACK unknown property after others"]); got != "<none>" || !wait {
		t.Errorf("CONNACK with an unknown property: %q (wait %v), want none and wait", got, wait)
	}
}

func TestMQTTConfig(t *testing.T) {
	for _, s := range []string{
		"mqtt_field_value(CoNnEcT,Client_Identifier)", "mqtt_field_value(1,username)", "mqtt_field_value(15,31)",
		"mqtt_field_value(publish,11)", "mqtt_field_value(subscribe,38)", "mqtt_field_value(disconnect,reason_code)",
		"mqtt_field_value(connack,42)", "mqtt_field_value(connect,24)", "mqtt_is_valid",
		// numbers are read without checks: "0:" is 10, UNSUBSCRIBE
		"mqtt_field_value(0:,38)",
	} {
		if _, err := ParseExpr(nil, "req.body,"+s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	for s, want := range map[string]string{
		"mqtt_field_value(foo,flags)":     "invalid args in converter 'mqtt_field_value' : Unknown MQTT type 'foo'",
		"mqtt_field_value(0,flags)":       "Unknown MQTT type '0'",
		"mqtt_field_value(16,flags)":      "Unknown MQTT type '16'",
		"mqtt_field_value(connect,18)":    "Unknown MQTT field name '18' for packet type 'connect'",
		"mqtt_field_value(connack,3)":     "Unknown MQTT field name '3' for packet type 'connack'",
		"mqtt_field_value(connect,017)":   "Unknown MQTT field name '017'",
		"mqtt_field_value(connect,4)":     "Unknown MQTT field name '4'",
		"mqtt_field_value(pingreq,flags)": "Unknown MQTT field name 'flags' for packet type 'pingreq'",
		"mqtt_field_value(connect,)":      "",
		"mqtt_field_value(connect)":       "",
	} {
		_, err := ParseExpr(nil, "req.body,"+s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", s, err, want)
		}
	}
}

func TestMQTTNoAlloc(t *testing.T) {
	e, _ := ParseExpr(nil, "var(txn.m),mqtt_field_value(connect,39)")
	c := binCtx(unhex(t, mqttComplexConnect))
	if n := testing.AllocsPerRun(100, func() {
		c.Scratch = c.Scratch[:0]
		e.Eval(c)
	}); n != 0 {
		t.Errorf("%v allocations per evaluation", n)
	}
}

// TestFixMQTTDifferential compares the converters with haproxy's on
// request bodies: every reg-test vector, and the odd cases above.
func TestFixMQTTDifferential(t *testing.T) {
	exprs := []string{
		"req.body,fix_is_valid", "req.body,fix_tag_value(35)", "req.body,fix_tag_value(CheckSum)",
		"req.body,fix_tag_value(beginstring)", "req.body,fix_tag_value(58)", "req.body,mqtt_is_valid",
	}
	for _, f := range []string{"flags", "protocol_name", "protocol_version", "client_identifier", "will_topic",
		"will_payload", "username", "password", "keepalive", "1", "3", "8", "17", "21", "22", "24", "33", "39"} {
		exprs = append(exprs, "req.body,mqtt_field_value(connect,"+f+")")
	}
	for _, f := range []string{"flags", "protocol_version", "reason_code", "17", "18", "33", "34", "36", "37", "39", "40"} {
		exprs = append(exprs, "req.body,mqtt_field_value(connack,"+f+")")
	}
	conds := []string{
		"if { req.body,fix_is_valid }", "if { req.body,mqtt_is_valid }",
		"if { req.body,mqtt_field_value(connect,keepalive) -m str 60 }",
		"if { req.body,mqtt_field_value(connect,keepalive) -m int gt 10 }",
		"if { req.body,fix_tag_value(35) -m str A }", "unless { req.body,mqtt_is_valid }",
		"unless { req.body,fix_tag_value(35) -m found }", "unless { req.body,fix_is_valid }",
	}
	var bodies [][]byte
	for _, tt := range fixVTC {
		m := unhex(t, tt.hex)
		bodies = append(bodies, m, m[:len(m)-1], m[:40])
	}
	for _, tt := range mqttVTC {
		p := unhex(t, tt.hex)
		bodies = append(bodies, p, p[:len(p)-1])
	}
	bodies = append(bodies, []byte("35=\x01"), []byte("35=A\x0110=000\x01"), []byte("35\x0149=B\x01"),
		[]byte("00000000000000008=FIX.4.4\x01"), fixBuildTag("0008", "FIX.4.4", "035=A", "58="),
		[]byte{0x20, 0x02, 0x00, 0x00, 0x00}, mqttBuild(0x20, "0000", "02", "0100"),
		mqttBuild(0x10, `"MQTT`, "04", "08", "003c", `"id`), []byte{0x10, 0x80}, mqttBuild(0x3f, `"a/b`, "0001"),
		mqttBuild(0x10, `"MQTT`, "05", "02", "003c", "0a", "1500026d6d", "1600026b6b", `"id`))

	o := startHAProxy(t, nil, conds, exprs)
	acls := NewACLSet(nil)
	parsedConds := make([]*Cond, len(conds))
	for i, s := range conds {
		c, err := ParseCond(strings.Fields(s), acls)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		parsedConds[i] = c
	}
	parsed := make([]*Expr, len(exprs))
	for i, s := range exprs {
		e, err := ParseExpr(nil, s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		parsed[i] = e
	}
	for _, body := range bodies {
		raw := withBody("POST / HTTP/1.1\r\nHost: h\r\n", string(body))
		want, wantVals, _, _ := o.ask(t, raw)
		c := &Ctx{Req: parseRaw(raw), Body: rawBody(raw)}
		for i, cond := range parsedConds {
			got := "0"
			if cond.Eval(c) {
				got = "1"
			}
			if got != want[i:i+1] {
				t.Errorf("% x: %q is %s, haproxy says %s", body, conds[i], got, want[i:i+1])
			}
		}
		for i, e := range parsed {
			got := ""
			if v, ok := e.Eval(c); ok {
				got = lfEscape(v.AppendText(nil))
			}
			if got != wantVals[i] {
				t.Errorf("% x: %s = %q, haproxy says %q", body, exprs[i], got, wantVals[i])
			}
		}
	}
}

// FuzzMQTT checks that the parser never fails on any input, and that a
// valid CONNECT stays valid whatever follows it.
func FuzzMQTT(f *testing.F) {
	for _, tt := range mqttVTC {
		f.Add(unhex(f, tt.hex))
	}
	f.Add(mqttBuild(0x20, "0000", "02", "0100"))
	f.Add([]byte{0x10, 0x80})
	var exprs []*Expr
	for _, s := range []string{"mqtt_is_valid", "mqtt_field_value(connect,username)", "mqtt_field_value(connect,3)",
		"mqtt_field_value(connect,17)", "mqtt_field_value(connack,18)", "mqtt_field_value(connack,39)"} {
		e, err := ParseExpr(nil, "var(txn.m),"+s)
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
		var p mqttPacket
		v := mqttValidate(b, &p)
		if v == protoValid && p.typ != mqttConnect && p.typ != mqttConnack {
			t.Fatalf("% x: valid packet of type %d", b, p.typ)
		}
		if v == protoValid && p.typ == mqttConnect {
			if w := mqttValidate(append(b[:len(b):len(b)], 0xff), &p); w != protoValid {
				t.Fatalf("% x valid, but not once followed by more (%d)", b, w)
			}
		}
	})
}
