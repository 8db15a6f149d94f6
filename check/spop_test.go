package check

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"net"
	"strings"
	"testing"
	"time"
)

// spopHello is the HAPROXY-HELLO haproxy 2.6 sends for option spop-check,
// as captured from /usr/sbin/haproxy on the wire (82 bytes; the reg-test
// checks the first 4, 0000004E).
const spopHello = "0000004E0100000001000012737570706F727465642D76657273696F6E730803322E30" +
	"0E6D61782D6672616D652D73697A6503FCF0060C6361706162696C697469657308000B6865616C7468636865636B11"

func TestSPOPRequest(t *testing.T) {
	if got := strings.ToUpper(hex.EncodeToString(spopRequest)); got != spopHello {
		t.Errorf("request\n got %s\nwant %s", got, spopHello)
	}
	if len(spopRequest) != 82 {
		t.Errorf("request is %d bytes, want 82", len(spopRequest))
	}
}

// TestSPOPVarint: the boundaries of SPOE.txt's varint ranges, and the
// decoder reads back what the encoder wrote.
func TestSPOPVarint(t *testing.T) {
	for _, tc := range []struct {
		v   uint64
		hex string
	}{
		{0, "00"}, {239, "EF"}, {240, "F000"}, {2287, "FF7F"}, {2288, "F08000"},
		{264431, "FFFF7F"}, {264432, "F0808000"}, {16380, "FCF006"},
		{33818863, "FFFFFF7F"}, {33818864, "F080808000"},
	} {
		b := appendVarint(nil, tc.v)
		if got := strings.ToUpper(hex.EncodeToString(b)); got != tc.hex {
			t.Errorf("%d: encoded %s, want %s", tc.v, got, tc.hex)
		}
		f := &spopFrame{data: b, end: len(b)}
		if v, p, ok := f.varint(0); !ok || v != tc.v || p != len(b) {
			t.Errorf("%s: decoded %d (ok %v, %d bytes)", tc.hex, v, ok, p)
		}
		if len(b) > 1 {
			f.end--
			if _, _, ok := f.varint(0); ok {
				t.Errorf("%s: decoded without its last byte", tc.hex)
			}
		}
	}
}

// frame builds a frame from hex pieces, with its length in front.
func frame(parts ...string) string {
	b, err := hex.DecodeString(strings.ReplaceAll(strings.Join(parts, ""), " ", ""))
	if err != nil {
		panic(err)
	}
	return string(binary.BigEndian.AppendUint32(nil, uint32(len(b)))) + string(b)
}

// kvStr and kvInt are the hex of a key and its value, a string or an
// integer of type typ.
func kvStr(key, val string) string {
	return hex.EncodeToString(appendSPOPString(nil, key)) + "08" + hex.EncodeToString(appendSPOPString(nil, val))
}

func kvInt(key string, typ byte, v uint64) string {
	return hex.EncodeToString(appendSPOPString(nil, key)) + hex.EncodeToString(appendVarint([]byte{typ}, v))
}

const (
	helloHead  = "65 00000001 0000"
	discoHead  = "66 00000001 0000"
	okVersion  = "0776657273696F6E 0803322E30"             // version: "2.0"
	okMaxFrame = "0E6D61782D6672616D652D73697A65 03FCF006" // max-frame-size: 16380
	okCaps     = "0C6361706162696C6974696573 0800"         // capabilities: ""
)

// spopCases are AGENT-HELLO and AGENT-DISCONNECT frames (with their
// length) and what haproxy 2.6 says of them: "" for a pass, else the
// reason of spoe_frm_err_reasons.
var spopCases = []struct {
	name, resp, reason string
}{
	// The reg-test's four agents.
	{"reg-test ok", frame("65 00000001 0000 0776657273696F6E 0803322E30 0E6D61782D6672616D652D73697A65 03FCF006 0C6361706162696C6974696573 0800"), ""},
	{"reg-test empty frame", frame(), "invalid frame received"},
	{"reg-test no fin", frame("65 00000000 0000"), "fragmentation not supported"},
	{"reg-test version 1.0", frame(helloHead, "0776657273696F6E 0803312E30"), "unsupported version"},

	{"minimal", frame(helloHead, okVersion, okMaxFrame), ""},
	{"any order, unknown items", frame(helloHead, "05616C706861 01", okMaxFrame, kvStr("engine-id", "x"), okVersion,
		"0462657461 00", "01 63 06 7F000001", "01 64 07 00000000000000000000000000000001", "01 65 09 0201 02", "01 66 05 F000", "01 67 0A"), ""},
	{"version with blanks", frame(helloHead, kvStr("version", " \t2.0 \n"), okMaxFrame), ""},
	{"version 2.000", frame(helloHead, kvStr("version", "2.000"), okMaxFrame), ""},
	{"version 002.0", frame(helloHead, kvStr("version", "002.0"), okMaxFrame), ""},
	// Keys match by prefix; numbers wrap as haproxy's ints do.
	{"versions key", frame(helloHead, kvStr("versions", "2.0"), okMaxFrame), ""},
	{"version wraps to 2.0", frame(helloHead, kvStr("version", "4294967298.0"), okMaxFrame), ""},
	{"frame size 256", frame(helloHead, okVersion, kvInt("max-frame-size", spopTypeInt32, 256)), ""},
	{"frame size uint64", frame(helloHead, okVersion, kvInt("max-frame-size", spopTypeUint64, 1000)), ""},
	{"capabilities", frame(helloHead, okVersion, okMaxFrame, kvStr("capabilities", "pipelining, async,fragmentation,x")), ""},
	{"extra data after the frame", frame(helloHead, okVersion, okMaxFrame) + "garbage", ""},
	{"type with flags", frame(helloHead, "0776657273696F6E 2803322E30", okMaxFrame), ""},

	{"not a hello", frame("03 00000001 0000", okVersion, okMaxFrame), "invalid frame received"},
	{"too short", frame("65 00000001 00"), "invalid frame received"},
	{"stream-id", frame("65 00000001 0100", okVersion, okMaxFrame), "invalid frame received"},
	{"frame-id", frame("65 00000001 0001", okVersion, okMaxFrame), "invalid frame received"},
	{"no fin, abort", frame("65 00000002 0000", okVersion, okMaxFrame), "fragmentation not supported"},
	{"empty key", frame(helloHead, okVersion, okMaxFrame, "00 00"), "invalid frame received"},
	{"key past the end", frame(helloHead, okVersion, okMaxFrame, "0561"), "invalid frame received"},
	{"key without value", frame(helloHead, okVersion, okMaxFrame, "0776657273696F6E"), "invalid frame received"},
	{"version not a string", frame(helloHead, "0776657273696F6E 0902322E30", okMaxFrame), "invalid frame received"},
	{"version past the end", frame(helloHead, okMaxFrame, "0776657273696F6E 0804322E30"), "invalid frame received"},
	{"version 2", frame(helloHead, kvStr("version", "2"), okMaxFrame), "unsupported version"},
	{"version 2.", frame(helloHead, kvStr("version", "2."), okMaxFrame), "unsupported version"},
	{"version 0.2000", frame(helloHead, kvStr("version", "0.2000"), okMaxFrame), "unsupported version"},
	{"version 2.0x", frame(helloHead, kvStr("version", "2.0x"), okMaxFrame), "unsupported version"},
	{"version 2.1", frame(helloHead, kvStr("version", "2.1"), okMaxFrame), "unsupported version"},
	{"minor over 999", frame(helloHead, kvStr("version", "2.1000"), okMaxFrame), "unsupported version"},
	{"version empty", frame(helloHead, kvStr("version", ""), okMaxFrame), "unsupported version"},
	{"second version", frame(helloHead, okVersion, okMaxFrame, kvStr("version", "1.0")), "unsupported version"},
	{"no version", frame(helloHead, okMaxFrame, okCaps), "version value not found"},
	{"nothing", frame(helloHead), "version value not found"},
	{"no frame size", frame(helloHead, okVersion, okCaps), "max-frame-size value not found"},
	{"frame size 255", frame(helloHead, okVersion, kvInt("max-frame-size", spopTypeUint32, 255)), "max-frame-size too big or too small"},
	{"frame size 16381", frame(helloHead, okVersion, kvInt("max-frame-size", spopTypeUint32, 16381)), "max-frame-size too big or too small"},
	{"frame size 0", frame(helloHead, okVersion, kvInt("max-frame-size", spopTypeUint32, 0)), "max-frame-size too big or too small"},
	{"frame size string", frame(helloHead, okVersion, kvStr("max-frame-size", "1000")), "invalid frame received"},
	{"frame size truncated", frame(helloHead, okVersion, "0E6D61782D6672616D652D73697A65 03FC"), "invalid frame received"},
	{"capabilities not a string", frame(helloHead, okVersion, okMaxFrame, "0C6361706162696C6974696573 01"), "invalid frame received"},
	{"capabilities truncated", frame(helloHead, okVersion, okMaxFrame, "0C6361706162696C6974696573 0805"), "invalid frame received"},
	{"unknown ipv4 truncated", frame(helloHead, okVersion, okMaxFrame, "0178 06 7F00"), "invalid frame received"},
	{"unknown string truncated", frame(helloHead, okVersion, okMaxFrame, "0178 08 09 41"), "invalid frame received"},
	{"unknown type missing", frame(helloHead, okVersion, okMaxFrame, "0178"), "invalid frame received"},

	// A DISCONNECT always fails, with its status code's text.
	{"disconnect timeout", frame(discoHead, kvInt("status-code", spopTypeUint32, 2), kvStr("message", "too slow")), "a timeout occurred"},
	{"disconnect no code", frame(discoHead, kvStr("message", "bye")), "normal"},
	{"disconnect code 0", frame(discoHead, kvInt("status-code", spopTypeInt32, 0)), "normal"},
	{"disconnect code 7", frame(discoHead, kvInt("status-code", spopTypeInt64, 7)), "capabilities value not found"},
	{"disconnect code 13", frame(discoHead, kvInt("status-code", spopTypeUint64, 13)), "resource allocation error"},
	{"disconnect code 99", frame(discoHead, kvInt("status-code", spopTypeUint32, 99)), "an unknown error occurred"},
	{"disconnect code 100", frame(discoHead, kvInt("status-code", spopTypeUint32, 100)), "an unknown error occurred"},
	{"disconnect code 2^32+1", frame(discoHead, kvInt("status-code", spopTypeUint64, 1<<32+1)), "I/O error"},
	{"disconnect code not an int", frame(discoHead, kvStr("status-code", "2")), "invalid frame received"},
	{"disconnect long message", frame(discoHead, kvInt("status-code", spopTypeUint32, 2), kvStr("message", strings.Repeat("x", 256))), "invalid frame received"},
	{"disconnect message not a string", frame(discoHead, "076D657373616765 0900"), "invalid frame received"},
	{"disconnect no fin", frame("66 00000000 0000", kvInt("status-code", spopTypeUint32, 2)), "fragmentation not supported"},
	{"disconnect ids", frame("66 00000001 0001", kvInt("status-code", spopTypeUint32, 2)), "invalid frame received"},
	{"disconnect short", frame("66 000000"), "invalid frame received"},
	{"disconnect bad item after the code", frame(discoHead, kvInt("status-code", spopTypeUint32, 2), "00"), "invalid frame received"},
}

func TestSPOPResponses(t *testing.T) {
	for _, tc := range spopCases {
		b := []byte(tc.resp)
		code, ok := spopCheckResponse(b[4:], binary.BigEndian.Uint32(b))
		reason := ""
		if !ok {
			reason = spopReason(code)
		}
		if reason != tc.reason {
			t.Errorf("%s: got %q, want %q", tc.name, reason, tc.reason)
		}
	}
}

// TestSPOPReasons: every status code has a text; those haproxy has none
// for are the unknown error.
func TestSPOPReasons(t *testing.T) {
	for code, want := range map[uint32]string{0: "normal", 1: "I/O error", 3: "frame is too big", 11: "invalid interlaced frames",
		12: "frame-id not found", 14: "an unknown error occurred", 98: "an unknown error occurred", 99: "an unknown error occurred",
		1 << 31: "an unknown error occurred"} {
		if got := spopReason(code); got != want {
			t.Errorf("%d: %q, want %q", code, got, want)
		}
	}
}

// TestSPOPTruncated: a frame shorter than its length is judged once the
// agent closes, the missing bytes as zeros: an invalid frame, unless the
// zeros happen to complete it (a varint's last byte).
func TestSPOPTruncated(t *testing.T) {
	full := []byte(frame(helloHead, okVersion, okMaxFrame))
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"cut in the last key", full[:len(full)-10]},
		{"length only", full[:4]},
		{"part of the length", []byte{0, 0, 1}},
		{"longer length", append(binary.BigEndian.AppendUint32(nil, uint32(len(full))), full[4:]...)},
		{"huge length", append([]byte{0xff, 0xff, 0xff, 0xff}, full[4:]...)},
	} {
		var hdr [4]byte
		copy(hdr[:], tc.b)
		var data []byte
		if len(tc.b) > 4 {
			data = tc.b[4:]
		}
		if code, ok := spopCheckResponse(data, binary.BigEndian.Uint32(hdr[:])); ok || spopReason(code) != "invalid frame received" {
			t.Errorf("%s: got ok %v %q", tc.name, ok, spopReason(code))
		}
	}
}

func TestSPOPCheck(t *testing.T) {
	rs := build(t, "option spop-check")
	if got := rs.String(); !strings.HasPrefix(got, "spop-check: connect implicit; send ") || !strings.HasSuffix(got, "; expect min-recv 4 custom") {
		t.Errorf("rules: %s", got)
	}
	ok := spopCases[0].resp
	addr, got := scripted(t, step{read: 82, write: ok})
	res := runCheck(t, rs, target(addr))
	want(t, res, StatusL7OK, 0, "SPOA server is ok")
	if !res.Twice {
		t.Error("a spop-check success is reported twice by haproxy")
	}
	if b := <-got; !bytes.Equal(b, spopRequest) {
		t.Errorf("sent %X", b)
	}
	for _, tc := range spopCases[1:4] {
		addr, _ := scripted(t, step{read: 82, write: tc.resp})
		want(t, runCheck(t, rs, target(addr)), StatusL7Resp, 0, tc.reason)
	}

	// The frame may come in pieces: the check waits for the length,
	// then for the bytes it announces.
	for _, cut := range []int{2, 4, 20} {
		more := make(chan struct{})
		addr := origin(t, func(c net.Conn) {
			c.Read(make([]byte, 82))
			c.Write([]byte(ok[:cut]))
			select {
			case <-more:
			case <-t.Context().Done():
			}
			c.Write([]byte(ok[cut:]))
			waitClosed(t, c)
		})
		done := make(chan Result)
		go func() { done <- runCheck(t, rs, target(addr)) }()
		time.Sleep(50 * time.Millisecond)
		close(more)
		want(t, <-done, StatusL7OK, 0, "SPOA server is ok")
	}

	// The agent closing early ends the wait: what came is judged.
	addr, _ = scripted(t, step{read: 82, write: ok[:30]})
	want(t, runCheck(t, rs, target(addr)), StatusL7Resp, 0, "invalid frame received")
	addr, _ = scripted(t, step{read: 82, write: "\x00\x00"})
	want(t, runCheck(t, rs, target(addr)), StatusL7Resp, 0, "invalid frame received")
	addr, _ = scripted(t, step{read: 82})
	want(t, runCheck(t, rs, target(addr)), StatusL7Resp, 0, "TCPCHK got an empty response at step 2")

	// An agent that sends part of the frame and waits: a timeout.
	addr = origin(t, func(c net.Conn) {
		c.Read(make([]byte, 82))
		c.Write([]byte(ok[:30]))
		waitClosed(t, c)
	})
	tg := target(addr)
	tg.ReadTimeout = 100 * time.Millisecond
	want(t, runCheck(t, rs, tg), StatusL7Timeout, 0, "")
}

// FuzzSPOPResponse: any response is judged without a panic, with a
// reason for every failure, and varints read back as written.
func FuzzSPOPResponse(f *testing.F) {
	for _, tc := range spopCases {
		f.Add([]byte(tc.resp))
	}
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x65, 0, 0, 0, 1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		var hdr [4]byte
		copy(hdr[:], b)
		var data []byte
		if len(b) > 4 {
			data = b[4:]
		}
		code, ok := spopCheckResponse(data, binary.BigEndian.Uint32(hdr[:]))
		if ok && code != spopErrNone {
			t.Fatalf("ok %v with code %d", ok, code)
		}
		if !ok && spopReason(code) == "" {
			t.Fatalf("no reason for code %d", code)
		}
		v := binary.BigEndian.Uint64(append(make([]byte, 8-min(8, len(b))), b[:min(8, len(b))]...))
		enc := appendVarint(nil, v)
		fr := &spopFrame{data: enc, end: len(enc)}
		if got, n, ok := fr.varint(0); !ok || got != v || n != len(enc) {
			t.Fatalf("varint %d: decoded %d (%v, %d of %d bytes)", v, got, ok, n, len(enc))
		}
	})
}
