// Package peers speaks haproxy's peers protocol (version 2.1, as haproxy
// 2.6 does) to synchronise stick tables with other switchyard processes
// and with haproxy itself: a handshake of three text lines and a status
// code, then binary messages in both directions on one TCP connection per
// pair of peers. Each peer pushes the entries it changed locally, whole
// (last writer wins); a peer that starts asks another to teach it every
// entry (resync). See docs/peers.md.
package peers

import (
	"encoding/binary"
	"errors"
)

// Protocol constants, as numbered on the wire.
const (
	protoName  = "HAProxyS"
	protoMajor = 2
	protoMinor = 1

	// Status codes of the handshake.
	statusSuccess    = 200
	statusTryAgain   = 300
	statusErrProto   = 501
	statusErrVersion = 502
	statusErrHost    = 503
	statusErrPeer    = 504

	// Message classes.
	classControl    = 0
	classError      = 1
	classStickTable = 10
	classReserved   = 255

	// Control messages.
	ctrlResyncReq      = 0
	ctrlResyncFinished = 1
	ctrlResyncPartial  = 2
	ctrlResyncConfirm  = 3
	ctrlHeartbeat      = 4

	// Error messages.
	errProtocol  = 0
	errSizeLimit = 1

	// Stick-table messages: those with the high bit carry a length and data.
	stktUpdate         = 0x80
	stktIncUpdate      = 0x81
	stktDefine         = 0x82
	stktSwitch         = 0x83
	stktAck            = 0x84
	stktUpdateTimed    = 0x85
	stktIncUpdateTimed = 0x86
	stktBit            = 0x80

	// Network key types (haproxy's PEER_KT_*).
	ktSInt = 2
	ktIPv4 = 4
	ktIPv6 = 5
	ktStr  = 6
	ktBin  = 7

	// dictEntries is how many server_key values a session caches by id.
	dictEntries = 128
	// maxMsg bounds a message's data (haproxy's trash buffer, tune.bufsize).
	maxMsg = 16384
)

var errTruncated = errors.New("truncated message")

// appendVarint encodes v as haproxy's peers varints: below 240 one byte;
// above, the low 4 bits with the 0xf0 bits set, then 7 bits per byte with
// the high bit set on all but the last, each step removing what the
// previous byte already stood for.
func appendVarint(dst []byte, v uint64) []byte {
	if v < 0xf0 {
		return append(dst, byte(v))
	}
	dst = append(dst, byte(v)|0xf0)
	v = (v - 0xf0) >> 4
	for v >= 0x80 {
		dst = append(dst, byte(v)|0x80)
		v = (v - 0x80) >> 7
	}
	return append(dst, byte(v))
}

// reader walks a message's data.
type reader struct {
	b   []byte
	err error
}

func (r *reader) varint() uint64 {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.err = errTruncated
		return 0
	}
	v := uint64(r.b[0])
	r.b = r.b[1:]
	if v < 0xf0 {
		return v
	}
	shift := uint(4)
	for {
		if len(r.b) == 0 || shift > 63 {
			r.err = errTruncated
			return 0
		}
		c := r.b[0]
		r.b = r.b[1:]
		v += uint64(c) << shift
		shift += 7
		if c < 0x80 {
			return v
		}
	}
}

func (r *reader) u32() uint32 {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 4 {
		r.err = errTruncated
		return 0
	}
	v := binary.BigEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

func (r *reader) bytes(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if uint64(len(r.b)) < n {
		r.err = errTruncated
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

// appendMsg appends a stick-table message: class, type, the data's length
// as a varint, the data.
func appendMsg(dst []byte, typ byte, data []byte) []byte {
	dst = append(dst, classStickTable, typ)
	dst = appendVarint(dst, uint64(len(data)))
	return append(dst, data...)
}
