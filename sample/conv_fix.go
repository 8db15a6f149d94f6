package sample

import (
	"bytes"
	"fmt"
)

// fixConvs read FIX (Financial Information eXchange) messages, as haproxy's
// fix.c does: the checks are its checks, including where they are looser or
// stricter than the FIX specification, because a configuration written for
// haproxy must accept and reject the same streams here.
var fixConvs = []convDef{
	{name: "fix_is_valid", in: TypeBin, out: TypeBool, fn: convFixIsValid},
	{name: "fix_tag_value", args: args(1, ArgStr), validate: validateFixTag, in: TypeBin, out: TypeBin, fn: convFixTagValue},
}

// protoVerdict is what the FIX and MQTT parsers make of a buffer. A TCP
// rule inspecting a stream must tell "not yet" from "never": haproxy waits
// for more bytes on the first and decides on the second.
type protoVerdict int8

// waitIfIncomplete records a "not yet": like haproxy, the converters then
// give no sample and say it may change. That only makes a rule wait while
// tcp content rules inspect a stream that is still coming; elsewhere
// (HTTP rules, logs) haproxy evaluates as final and there is no sample.
func waitIfIncomplete(c *Ctx, v protoVerdict) {
	c.mayChange = v == protoNeedMore && c.inspecting()
}

// isValid is the answer of the *_is_valid converters: a boolean once the
// verdict is known; on an incomplete message no sample, and a tcp content
// rule may wait for more.
func isValid(c *Ctx, v protoVerdict) (Value, bool) {
	waitIfIncomplete(c, v)
	switch v {
	case protoValid:
		return Bool(true), true
	case protoNeedMore:
		return Value{}, false
	}
	return Bool(false), true
}

const (
	protoInvalid  protoVerdict = -1
	protoNeedMore protoVerdict = 0
	protoValid    protoVerdict = 1
)

const (
	fixDelimiter   = 0x01
	fixMinSize     = 26 // below this haproxy does not even look
	fixBeginString = 8
	fixBodyLength  = 9
	fixCheckSum    = 10
	fixMsgType     = 35
)

// readUint32 reads leading decimal digits as haproxy's read_uint: without an
// overflow check, so that values wrap at 2^32 as they do there. It returns
// the value and the number of bytes read.
func readUint32(b []byte) (uint32, int) {
	var n uint32
	i := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + uint32(b[i]-'0')
	}
	return n, i
}

// strl2ui is haproxy's unchecked decimal conversion: any byte counts as a
// digit worth its distance from '0'. The FIX checksum and numeric MQTT
// packet types are read with it, so "0:0" is a checksum of 100 there.
func strl2ui(b []byte) uint32 {
	var n uint32
	for _, c := range b {
		n = n*10 - '0' + uint32(c)
	}
	return n
}

// fixVersionMax returns the highest standard tag of a BeginString value, 0
// for a version haproxy does not know. The FIX 5.0 service packs share the
// transport version string, so the largest range applies to all of them.
func fixVersionMax(v []byte) uint32 {
	switch string(v) {
	case "FIX.4.0":
		return 140
	case "FIX.4.1":
		return 211
	case "FIX.4.2":
		return 446
	case "FIX.4.3":
		return 659
	case "FIX.4.4":
		return 956
	case "FIXT.1.1":
		return 1621
	}
	return 0
}

// fixCheckID returns the tag number written in tag, 0 if it is not a
// positive number or, once the version is known (maxID > 0), out of its
// range; 10000 to 19999 are user-defined tags in every version.
func fixCheckID(tag []byte, maxID uint32) uint32 {
	n, used := readUint32(tag)
	if used != len(tag) || n == 0 {
		return 0
	}
	if maxID == 0 || (n >= 10000 && n <= 19999) || n <= maxID {
		return n
	}
	return 0
}

// fixField splits the TAG=VALUE<SOH> at the start of p. ok is false when
// the field is not complete yet. The "=" is searched first, so a buffer
// without one waits for more data even if it holds delimiters, as in
// haproxy; an empty tag is left to fixCheckID to refuse.
func fixField(p []byte) (tag, value []byte, ok bool) {
	eq := bytes.IndexByte(p, '=')
	if eq < 0 {
		return nil, nil, false
	}
	end := bytes.IndexByte(p[eq:], fixDelimiter)
	if end < 0 {
		return nil, nil, false
	}
	return p[:eq], p[eq+1 : eq+end], true
}

// fixValidate checks a FIX message the way fix_validate_message does: the
// first three tags are BeginString (a known version), BodyLength and
// MsgType, every tag is numeric and within the version's range, and a
// CheckSum tag ends the message with the right length and sum. Bytes after
// the checksum are not looked at. Empty values pass: haproxy's check for
// them compares a length that always includes the "=".
func fixValidate(msg []byte) protoVerdict {
	if len(msg) < fixMinSize {
		return protoNeedMore
	}
	var maxID, bodyLen uint32
	var sum byte
	tagnum, body := 0, -1
	for pos := 0; pos < len(msg); {
		tag, value, ok := fixField(msg[pos:])
		if !ok {
			return protoNeedMore
		}
		id := fixCheckID(tag, maxID)
		if id == 0 {
			return protoInvalid
		}
		tagnum++
		switch {
		case tagnum == 1:
			if id != fixBeginString {
				return protoInvalid
			}
			if maxID = fixVersionMax(value); maxID == 0 {
				return protoInvalid
			}
		case tagnum == 2:
			if id != fixBodyLength {
				return protoInvalid
			}
			n, used := readUint32(value)
			if used != len(value) || n == 0 {
				return protoInvalid
			}
			bodyLen = n
			body = pos + len(tag) + len(value) + 2
		case tagnum == 3:
			if id != fixMsgType {
				return protoInvalid
			}
		case id == fixCheckSum:
			if int64(bodyLen) != int64(pos-body) || len(value) != 3 || uint32(sum) != strl2ui(value) {
				return protoInvalid
			}
			return protoValid
		}
		for _, c := range tag {
			sum += c
		}
		sum += '='
		for _, c := range value {
			sum += c
		}
		sum += fixDelimiter
		pos += len(tag) + len(value) + 2
	}
	if body >= 0 {
		return protoNeedMore
	}
	// Only a first tag padded with zeros to the minimum size gets here.
	return protoInvalid
}

// fixTagValue finds tag id in msg without validating it (fix_tag_value).
// It stops at the CheckSum tag, the end of a message. The value found may
// be empty, which the converter takes, as haproxy, for "wait for more".
func fixTagValue(msg []byte, id uint32) ([]byte, protoVerdict) {
	for pos := 0; pos < len(msg); {
		tag, value, ok := fixField(msg[pos:])
		if !ok {
			break
		}
		tid := fixCheckID(tag, 0)
		if tid == 0 {
			return nil, protoInvalid
		}
		if tid == id {
			return value, protoValid
		}
		if tid == fixCheckSum {
			return nil, protoInvalid
		}
		pos += len(tag) + len(value) + 2
	}
	return nil, protoNeedMore
}

// fixTagNames are the tag names fix_tag_value accepts besides numbers.
var fixTagNames = []struct {
	name string
	id   uint32
}{
	{"MsgType", fixMsgType}, {"CheckSum", fixCheckSum}, {"BodyLength", fixBodyLength},
	{"TargetCompID", 56}, {"BeginString", fixBeginString}, {"SenderCompID", 49},
}

// validateFixTag turns the tag argument into its number, the form tags
// have on the wire. Numbers are read as haproxy reads them (leading zeros
// allowed, wrapping at 2^32), names without regard to ASCII case.
func validateFixTag(a []arg) error {
	id := fixCheckID(a[0].b, 0)
	for _, t := range fixTagNames {
		if id == 0 && equalFold(a[0].b, t.name) {
			id = t.id
		}
	}
	if id == 0 {
		return fmt.Errorf("Unknown FIX tag name '%s'", a[0].s)
	}
	a[0].i = int64(id)
	return nil
}

// convFixIsValid gives a boolean only once the answer is known; on an
// incomplete message there is no sample, and a tcp content rule may wait
// for more.
func convFixIsValid(c *Ctx, _ []arg, v Value) (Value, bool) {
	return isValid(c, fixValidate(v.Str))
}

// convFixTagValue returns the value as binary, pointing into the input.
func convFixTagValue(c *Ctx, a []arg, v Value) (Value, bool) {
	val, verdict := fixTagValue(v.Str, uint32(a[0].i))
	if len(val) == 0 && verdict == protoValid {
		verdict = protoNeedMore // found but empty: haproxy takes it for "more to come"
	}
	waitIfIncomplete(c, verdict)
	if len(val) == 0 {
		return Value{}, false
	}
	return Value{Kind: KindBin, Str: val}, true
}
