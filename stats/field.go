// Package stats is haproxy's statistics model and its formats: the fields
// of `show info` and `show stat` (the CSV columns), typed values that carry
// haproxy's origin, nature and scope, and the renderers of the CSV, typed,
// JSON and HTML outputs. The values come from the admin surface, which
// reads the long-lived counters; the exporter reads the same rows.
package stats

// Stat is the index of a stat field (a CSV column).
type Stat int

// Info is the index of an info field (a `show info` line).
type Info int

// NameDesc is a field's name and its description.
type NameDesc struct{ Name, Desc string }

// Kind is a field's value type, as the typed output names it.
type Kind uint8

const (
	Empty Kind = iota // no value: an empty CSV cell, absent from typed output
	S32
	S64
	U32
	U64
	Flt
	Str
)

var kindNames = [...]string{Empty: "", S32: "s32", S64: "s64", U32: "u32", U64: "u64", Flt: "flt", Str: "str"}

func (k Kind) String() string { return kindNames[k] }

// Field is one typed value. Tag is haproxy's three letters of origin,
// nature and scope as the typed output prints them ("MCP": a metric, a
// counter, of this process): the exporter reads the nature to tell a
// counter from a gauge.
type Field struct {
	Kind Kind
	Tag  [3]byte
	U    uint64 // U32, U64
	S    int64  // S32, S64
	F    float64
	Str  string
}

// Origin, Nature and Scope return the tag's letters.
func (f Field) Origin() byte { return f.Tag[0] }
func (f Field) Nature() byte { return f.Tag[1] }
func (f Field) Scope() byte  { return f.Tag[2] }

// Tag letters, as haproxy's typed output prints them.
const (
	// Origins.
	OMetric = 'M'
	OStatus = 'S'
	OKey    = 'K'
	OConfig = 'C'
	OProd   = 'P'
	// Natures.
	NAge      = 'A'
	NAvg      = 'a'
	NCounter  = 'C'
	NDuration = 'D'
	NGauge    = 'G'
	NLimit    = 'L'
	NMax      = 'M'
	NName     = 'N'
	NOutput   = 'O'
	NRate     = 'R'
	NTime     = 'T'
	// Scopes.
	SProcess = 'P'
	SService = 'S'
	SSystem  = 's'
)

func tag(t string) [3]byte { return [3]byte{t[0], t[1], t[2]} }

// MkU32 and the others build fields; tag is the three letters, e.g. "MGP".
func MkU32(tg string, v uint64) Field  { return Field{Kind: U32, Tag: tag(tg), U: uint64(uint32(v))} }
func MkU64(tg string, v uint64) Field  { return Field{Kind: U64, Tag: tag(tg), U: v} }
func MkS32(tg string, v int64) Field   { return Field{Kind: S32, Tag: tag(tg), S: int64(int32(v))} }
func MkS64(tg string, v int64) Field   { return Field{Kind: S64, Tag: tag(tg), S: v} }
func MkFlt(tg string, v float64) Field { return Field{Kind: Flt, Tag: tag(tg), F: v} }
func MkStr(tg string, v string) Field  { return Field{Kind: Str, Tag: tag(tg), Str: v} }

// ObjType is what a stats row describes; the values are the CSV's `type`.
type ObjType uint8

const (
	TypeFrontend ObjType = 0
	TypeBackend  ObjType = 1
	TypeServer   ObjType = 2
	TypeListener ObjType = 3
)

// Row is one line of `show stat`: a frontend, a backend, a server or a
// listener. IID and SID are the proxy's and the object's numeric ids (the
// typed output's prefix). Mods are the stats modules' fields that follow
// the `-` of the CSV.
type Row struct {
	Type   ObjType
	IID    int
	SID    int
	Fields [NumStat]Field
	Mods   [NumMod]Field
}

// InfoRow is the process's `show info`.
type InfoRow [NumInfo]Field
