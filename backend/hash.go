package backend

import "switchyard/internal/hashfn"

// The hash functions of `hash-type` are haproxy's (internal/hashfn): the
// value picks the server, so a different result would send a client to a
// different server than haproxy does.

// hashKey hashes key bytes with the function and modifier of a.
func (a *Algorithm) hashKey(key []byte) uint32 {
	var h uint32
	switch a.HashFunc {
	case DJB2:
		h = hashfn.DJB2(key)
	case WT6:
		h = hashfn.WT6(key)
	case CRC32:
		h = hashfn.CRC32(key)
	default:
		h = hashfn.SDBM(key)
	}
	if a.Avalanche {
		h = hashfn.FullHash(h)
	}
	return h
}
