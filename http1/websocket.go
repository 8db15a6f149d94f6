package http1

import (
	"crypto/sha1"
	"encoding/base64"
)

// appendWebsocketAccept appends RFC 6455's accept key for a client key. A
// missing key counts as 24 NUL bytes, which is what haproxy hashes then.
func appendWebsocketAccept(dst, key []byte) []byte {
	const guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
	var in [24 + len(guid)]byte
	copy(in[:24], key)
	copy(in[24:], guid)
	sum := sha1.Sum(in[:])
	return base64.StdEncoding.AppendEncode(dst, sum[:])
}
