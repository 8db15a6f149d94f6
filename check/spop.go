package check

import "encoding/binary"

// option spop-check speaks SPOP, the protocol of SPOE agents (haproxy's
// doc/SPOE.txt): it sends the HAPROXY-HELLO frame haproxy opens an agent
// connection with, plus the "healthcheck" item that tells the agent to
// answer and close, and expects an AGENT-HELLO back. The frame is built
// and the answer judged exactly as haproxy 2.6's flt_spoe.c does for its
// checks, down to the error texts (spoe_frm_err_reasons) that become the
// check's description.

// Frame types, item data types and flags of SPOP.
const (
	spopHaproxyHello = 1
	spopAgentHello   = 101
	spopAgentDiscon  = 102

	spopFlagFin = 0x00000001

	spopTypeBool   = 1
	spopTypeInt32  = 2
	spopTypeUint32 = 3
	spopTypeInt64  = 4
	spopTypeUint64 = 5
	spopTypeIPv4   = 6
	spopTypeIPv6   = 7
	spopTypeStr    = 8
	spopTypeBin    = 9
	spopTypeMask   = 0x0f
	spopFlagTrue   = 0x10 // a boolean's value, in its type byte
)

// spopMaxFrameSize is haproxy's MAX_FRAME_SIZE for checks, tune.bufsize
// less the 4 bytes of the frame length: what the HELLO offers as
// max-frame-size, and the most an agent may answer. spopMinFrameSize is the
// least (MIN_FRAME_SIZE).
const (
	spopMaxFrameSize = bufSize - 4
	spopMinFrameSize = 256
)

// The status codes of SPOP errors (haproxy's enum spoe_frame_error) that
// the check can report, and their texts.
const (
	spopErrNone             = 0
	spopErrInvalid          = 4
	spopErrNoVsn            = 5
	spopErrNoFrameSize      = 6
	spopErrBadVsn           = 8
	spopErrBadFrameSize     = 9
	spopErrFragNotSupported = 10
	spopErrUnknown          = 99
	spopErrs                = 100
)

var spopErrReasons = [spopErrs]string{
	0:  "normal",
	1:  "I/O error",
	2:  "a timeout occurred",
	3:  "frame is too big",
	4:  "invalid frame received",
	5:  "version value not found",
	6:  "max-frame-size value not found",
	7:  "capabilities value not found",
	8:  "unsupported version",
	9:  "max-frame-size too big or too small",
	10: "fragmentation not supported",
	11: "invalid interlaced frames",
	12: "frame-id not found",
	13: "resource allocation error",
	99: "an unknown error occurred",
}

// spopReason is the description of a failed check with status code code.
// Codes from 14 to 98 (which only an AGENT-DISCONNECT can carry) have no
// text in haproxy 2.6, which then copies a NULL string and crashes; they
// read as the unknown error here.
func spopReason(code uint32) string {
	if code >= spopErrs {
		code = spopErrUnknown
	}
	if s := spopErrReasons[code]; s != "" {
		return s
	}
	return spopErrReasons[spopErrUnknown]
}

// appendVarint appends i in SPOP's variable-length integer encoding (that
// of haproxy's peers): below 240 one byte; above, the low 4 bits with the
// top 4 set, then 7 bits a byte, the top bit saying that more follow.
func appendVarint(b []byte, i uint64) []byte {
	if i < 240 {
		return append(b, byte(i))
	}
	b = append(b, byte(i)|240)
	i = (i - 240) >> 4
	for i >= 128 {
		b = append(b, byte(i)|128)
		i = (i - 128) >> 7
	}
	return append(b, byte(i))
}

// appendSPOPString appends s as SPOP encodes a key or a string value's
// bytes: its length as a varint, then the bytes.
func appendSPOPString(b []byte, s string) []byte {
	return append(appendVarint(b, uint64(len(s))), s...)
}

// spopHealthcheckRequest is the frame option spop-check sends (haproxy's
// spoe_prepare_healthcheck_request): the HAPROXY-HELLO of an agent without
// any capability or engine id, then "healthcheck: true", behind the frame's
// length.
func spopHealthcheckRequest() []byte {
	b := make([]byte, 4, 96) // the frame's length, set at the end
	b = append(b, spopHaproxyHello)
	b = binary.BigEndian.AppendUint32(b, spopFlagFin)
	b = append(b, 0, 0) // stream-id and frame-id: none in a HELLO
	b = appendSPOPString(b, "supported-versions")
	b = appendSPOPString(append(b, spopTypeStr), "2.0")
	b = appendSPOPString(b, "max-frame-size")
	b = appendVarint(append(b, spopTypeUint32), spopMaxFrameSize)
	b = appendSPOPString(b, "capabilities")
	b = appendSPOPString(append(b, spopTypeStr), "")
	b = appendSPOPString(b, "healthcheck")
	b = append(b, spopTypeBool|spopFlagTrue)
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

var spopRequest = spopHealthcheckRequest()

// spopFrame is a received frame as haproxy's decoder sees it: the bytes
// from the frame's first one on, and the size its length announced. The
// size may pass the bytes read (a truncated frame, when the agent closed
// or the buffer is full): haproxy then decodes whatever its buffer holds
// past the data, which is read as zeros here (a zero key length is an
// invalid frame, so decoding stops there).
type spopFrame struct {
	data []byte
	end  int
}

// at is the byte at offset i. haproxy reads a few bytes just past a
// frame's end (the frame type of an empty frame, a value's type byte, the
// character after a version string); they come from the buffer, which may
// hold more data there.
func (f *spopFrame) at(i int) byte {
	if i < len(f.data) {
		return f.data[i]
	}
	return 0
}

// varint decodes a varint at p (decode_varint), returning it and the
// offset after it; false when the frame ends first.
func (f *spopFrame) varint(p int) (uint64, int, bool) {
	if p >= f.end {
		return 0, p, false
	}
	v := uint64(f.at(p))
	p++
	if v < 240 {
		return v, p, true
	}
	for r := 4; ; r += 7 {
		if p >= f.end {
			return 0, p, false
		}
		c := f.at(p)
		p++
		// haproxy shifts by r whatever r is: on x86-64 a shift
		// counts modulo 64, which an over-long varint reaches.
		v += uint64(c) << (r & 63)
		if c < 128 {
			return v, p, true
		}
	}
}

// buffer decodes a length and the bytes it announces at p
// (spoe_decode_buffer): the offset of the bytes, their length and the
// offset after them; false when they pass the frame's end. haproxy writes
// the test as a pointer sum, which a length near 2^64 would wrap; compared
// as here, such a length is too long, which is what it is.
func (f *spopFrame) buffer(p int) (int, uint64, int, bool) {
	sz, p, ok := f.varint(p)
	if !ok || sz > uint64(f.end-p) {
		return 0, 0, p, false
	}
	return p, sz, p + int(sz), true
}

// isKey says whether the key of sz bytes at off starts with name: haproxy
// matches keys by prefix ("versions" is the version item).
func (f *spopFrame) isKey(off int, sz uint64, name string) bool {
	if sz < uint64(len(name)) {
		return false
	}
	for i := 0; i < len(name); i++ {
		if f.at(off+i) != name[i] {
			return false
		}
	}
	return true
}

// skipData skips a typed value at p (spoe_skip_data); types without a
// value (null, boolean, the undefined ones) are their type byte alone.
func (f *spopFrame) skipData(p int) (int, bool) {
	if p >= f.end {
		return p, false
	}
	typ := f.at(p) & spopTypeMask
	p++
	ok := true
	switch typ {
	case spopTypeInt32, spopTypeInt64, spopTypeUint32, spopTypeUint64:
		_, p, ok = f.varint(p)
	case spopTypeIPv4, spopTypeIPv6:
		n := 4
		if typ == spopTypeIPv6 {
			n = 16
		}
		if p+n > f.end {
			return p, false
		}
		p += n
	case spopTypeStr, spopTypeBin:
		_, _, p, ok = f.buffer(p)
	}
	return p, ok
}

// typeAt reads the type byte of a value at p. haproxy reads it even at
// the frame's end, and then fails to decode the value, the frame being
// invalid either way: so is it here.
func (f *spopFrame) typeAt(p int) (byte, int, bool) {
	if p >= f.end {
		return 0, p, false
	}
	return f.at(p) & spopTypeMask, p + 1, true
}

func isIntType(t byte) bool {
	return t == spopTypeInt32 || t == spopTypeInt64 || t == spopTypeUint32 || t == spopTypeUint64
}

// isSpace is C's isspace in the C locale.
func isSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// version converts the version string of n bytes at off, "MAJOR.MINOR"
// between blanks, to 1000*MAJOR+MINOR, or -1 (spoe_str_to_vsn). haproxy
// computes in C ints built with -fwrapv, so that overlong numbers wrap:
// int32 arithmetic does the same.
func (f *spopFrame) version(off int, n uint64) int32 {
	p, end := off, off+int(n)
	for p < end && isSpace(f.at(p)) {
		p++
	}
	var maj, min int32
	// haproxy looks for the dot before checking the end, so it reads
	// the byte after the string; a dot there still fails below.
	for f.at(p) != '.' {
		if p >= end || !isDigit(f.at(p)) {
			return -1
		}
		maj = maj*10 + int32(f.at(p)-'0')
		p++
	}
	if maj == 0 {
		return -1
	}
	p++
	if p >= end || !isDigit(f.at(p)) {
		return -1
	}
	for p < end && isDigit(f.at(p)) {
		min = min*10 + int32(f.at(p)-'0')
		p++
	}
	if min > 999 {
		return -1
	}
	for p < end && isSpace(f.at(p)) {
		p++
	}
	if p != end {
		return -1
	}
	return maj*1000 + min
}

// items walks a frame's key/value list, after checking its header (not
// fragmented, no stream-id, no frame-id): item gets each key and where
// its value starts, and returns where the value ends, or a status code
// other than spopErrNone to stop with.
func (f *spopFrame) items(item func(key int, sz uint64, p int) (int, uint32)) uint32 {
	if f.end < 7 {
		return spopErrInvalid
	}
	if f.at(4)&spopFlagFin == 0 { // the flags are big-endian: FIN is in their last byte
		return spopErrFragNotSupported
	}
	if f.at(5) != 0 || f.at(6) != 0 {
		return spopErrInvalid
	}
	for p := 7; p < f.end; {
		key, sz, next, ok := f.buffer(p)
		if !ok || sz == 0 {
			return spopErrInvalid
		}
		var st uint32
		if p, st = item(key, sz, next); st != spopErrNone {
			return st
		}
	}
	return spopErrNone
}

// str reads a string value at p: where it starts, its size, and where it
// ends.
func (f *spopFrame) str(p int) (s int, sz uint64, next int, ok bool) {
	typ, p, ok := f.typeAt(p)
	if !ok || typ != spopTypeStr {
		return 0, 0, 0, false
	}
	return f.buffer(p)
}

// integer reads an integer value at p.
func (f *spopFrame) integer(p int) (v uint64, next int, ok bool) {
	typ, p, ok := f.typeAt(p)
	if !ok || !isIntType(typ) {
		return 0, 0, false
	}
	return f.varint(p)
}

// agentHello judges an AGENT-HELLO (spoe_handle_agenthello_frame): 0 when
// it is acceptable, else the status code of what is wrong.
func (f *spopFrame) agentHello() uint32 {
	if f.at(0) != spopAgentHello {
		return spopErrInvalid
	}
	var vsn int32
	var maxFrameSize uint64
	st := f.items(func(key int, sz uint64, p int) (int, uint32) {
		var ok bool
		switch {
		case f.isKey(key, sz, "version"):
			var s int
			if s, sz, p, ok = f.str(p); !ok {
				return 0, spopErrInvalid
			}
			// 2.0 is the only version haproxy 2.6 speaks.
			if vsn = f.version(s, sz); vsn != 2000 {
				return 0, spopErrBadVsn
			}
		case f.isKey(key, sz, "max-frame-size"):
			if maxFrameSize, p, ok = f.integer(p); !ok {
				return 0, spopErrInvalid
			}
			if maxFrameSize < spopMinFrameSize || maxFrameSize > spopMaxFrameSize {
				return 0, spopErrBadFrameSize
			}
		case f.isKey(key, sz, "capabilities"):
			// A check has no use for the capabilities, but they
			// must be a string.
			if _, _, p, ok = f.str(p); !ok {
				return 0, spopErrInvalid
			}
		default:
			if p, ok = f.skipData(p); !ok {
				return 0, spopErrInvalid
			}
		}
		return p, spopErrNone
	})
	switch {
	case st != spopErrNone:
		return st
	case vsn == 0:
		return spopErrNoVsn
	case maxFrameSize == 0:
		return spopErrNoFrameSize
	}
	return spopErrNone
}

// agentDisconnect reads an AGENT-DISCONNECT (spoe_handle_agentdiscon_frame):
// the status code it carries (haproxy keeps it in an unsigned int), 0 when
// it has none, or that of what is wrong with the frame.
func (f *spopFrame) agentDisconnect() uint32 {
	var code uint32
	st := f.items(func(key int, sz uint64, p int) (int, uint32) {
		var ok bool
		switch {
		case f.isKey(key, sz, "status-code"):
			var v uint64
			if v, p, ok = f.integer(p); !ok {
				return 0, spopErrInvalid
			}
			code = uint32(v)
		case f.isKey(key, sz, "message"):
			if _, sz, p, ok = f.str(p); !ok || sz > 255 {
				return 0, spopErrInvalid
			}
		default:
			if p, ok = f.skipData(p); !ok {
				return 0, spopErrInvalid
			}
		}
		return p, spopErrNone
	})
	if st != spopErrNone {
		return st
	}
	return code
}

// spopCheckResponse judges the frame an agent answered a health check
// with (spoe_handle_healthcheck_response): data holds the bytes after the
// frame's length, size is that length. A DISCONNECT always fails, with its
// status code; a HELLO passes unless it is wrong. The reason of a failure
// is spopReason(code).
func spopCheckResponse(data []byte, size uint32) (code uint32, ok bool) {
	f := &spopFrame{data: data, end: int(size)}
	if f.at(0) == spopAgentDiscon {
		return f.agentDisconnect(), false
	}
	code = f.agentHello()
	return code, code == spopErrNone
}

// spopAgentHelloExpect is the expect of option spop-check
// (tcpcheck_spop_expect_agenthello), after its min-recv 4: it waits for
// the whole frame its length announces, unless the response ended, then
// judges it. A failure is "Layer7 invalid response" whatever the rule
// says, with the SPOP error's text.
func spopAgentHelloExpect(x *run, r *rule, lastRead bool) evalRet {
	// haproxy reads the length from 4 bytes even when the response
	// ended shorter; zeros stand for what its buffer held there.
	var hdr [4]byte
	copy(hdr[:], x.buf)
	size := binary.BigEndian.Uint32(hdr[:])
	// The sum is unsigned and 32 bits wide in haproxy: a length near
	// 2^32 wraps and needs no more data.
	if !lastRead && uint32(len(x.buf)) < 4+size {
		return evalWait
	}
	var data []byte
	if len(x.buf) > 4 {
		data = x.buf[4:]
	}
	if code, ok := spopCheckResponse(data, size); !ok {
		return x.expectFail(r, StatusL7Resp, false, spopReason(code))
	}
	st := r.expect.okStatus
	if st == StatusUnknown {
		st = StatusL7OK
	}
	// As for mysql-check, haproxy sets this result, then once more
	// without the description when the rules end (Result.Twice).
	x.passed(st, "SPOA server is ok")
	return evalContinue
}
