package sample

import "net/netip"

// Kind is the type of a sample, as haproxy's sample types (str, sint, ip, bool, bin).
type Kind uint8

const (
	KindNone Kind = iota
	KindStr
	KindInt
	KindBool
	KindIP
	KindBin
)

// Value is one sample. Str may point into request buffers or Ctx.Scratch.
type Value struct {
	Kind Kind
	Str  []byte
	Int  int64
	IP   netip.Addr
}
