// Package stick holds haproxy's stick tables: entries keyed by an address,
// an integer, a string or bytes, each carrying the counters its table
// stores (gpc0, conn_cur, http_req_rate(10s)…), bounded in number, expiring
// when left untouched. Tables outlive configuration snapshots (Registry):
// a reload keeps what they have counted.
package stick

import (
	"fmt"
	"time"
)

// KeyType is the type of a table's keys, named as in haproxy's "type".
type KeyType uint8

const (
	KeyIP      KeyType = iota + 1 // IPv4, 4 bytes
	KeyIPv6                       // 16 bytes
	KeyInteger                    // 32 bits
	KeyString                     // up to len-1 bytes (haproxy counts the NUL)
	KeyBinary                     // exactly len bytes, zero-padded
)

var keyTypeNames = map[KeyType]string{KeyIP: "ip", KeyIPv6: "ipv6", KeyInteger: "integer", KeyString: "string", KeyBinary: "binary"}

func (k KeyType) String() string { return keyTypeNames[k] }

// ParseKeyType reads a table type's name.
func ParseKeyType(s string) (KeyType, bool) {
	for t, n := range keyTypeNames {
		if n == s {
			return t, true
		}
	}
	return 0, false
}

// DefaultKeySize is the key size of a type when no len is given.
func (k KeyType) DefaultKeySize() int {
	switch k {
	case KeyIP, KeyInteger:
		return 4
	case KeyIPv6:
		return 16
	}
	return 32
}

// DataType is a kind of data a table stores. Its value is haproxy's
// (STKTABLE_DT_*): it orders `show table` and numbers the data on the
// peers protocol.
type DataType uint8

const (
	DTServerID DataType = iota
	DTGPT0
	DTGPC0
	DTGPC0Rate
	DTConnCnt
	DTConnRate
	DTConnCur
	DTSessCnt
	DTSessRate
	DTHTTPReqCnt
	DTHTTPReqRate
	DTHTTPErrCnt
	DTHTTPErrRate
	DTBytesInCnt
	DTBytesInRate
	DTBytesOutCnt
	DTBytesOutRate
	DTGPC1
	DTGPC1Rate
	DTServerKey
	DTHTTPFailCnt
	DTHTTPFailRate
	DTGPT
	DTGPC
	DTGPCRate
	NumDataTypes
)

// StdType is how a data type is held (haproxy's STD_T_*).
type StdType uint8

const (
	StdSInt StdType = iota // signed 32 bits
	StdUInt                // unsigned 32 bits
	StdULL                 // unsigned 64 bits
	StdFreq                // a frequency counter over a period
	StdDict                // a string (server_key)
)

// DataInfo describes a data type.
type DataInfo struct {
	Name  string
	Std   StdType
	Delay bool // takes a period argument: conn_rate(10s)
	Array bool // takes an element count first: gpc(3)
	Local bool // never learned from peers (conn_cur)
}

// MaxArray is the largest element count of an array type
// (STKTABLE_MAX_DT_ARRAY_SIZE).
const MaxArray = 100

var dataInfo = [NumDataTypes]DataInfo{
	DTServerID:     {Name: "server_id", Std: StdSInt},
	DTGPT0:         {Name: "gpt0", Std: StdUInt},
	DTGPC0:         {Name: "gpc0", Std: StdUInt},
	DTGPC0Rate:     {Name: "gpc0_rate", Std: StdFreq, Delay: true},
	DTConnCnt:      {Name: "conn_cnt", Std: StdUInt},
	DTConnRate:     {Name: "conn_rate", Std: StdFreq, Delay: true},
	DTConnCur:      {Name: "conn_cur", Std: StdUInt, Local: true},
	DTSessCnt:      {Name: "sess_cnt", Std: StdUInt},
	DTSessRate:     {Name: "sess_rate", Std: StdFreq, Delay: true},
	DTHTTPReqCnt:   {Name: "http_req_cnt", Std: StdUInt},
	DTHTTPReqRate:  {Name: "http_req_rate", Std: StdFreq, Delay: true},
	DTHTTPErrCnt:   {Name: "http_err_cnt", Std: StdUInt},
	DTHTTPErrRate:  {Name: "http_err_rate", Std: StdFreq, Delay: true},
	DTBytesInCnt:   {Name: "bytes_in_cnt", Std: StdULL},
	DTBytesInRate:  {Name: "bytes_in_rate", Std: StdFreq, Delay: true},
	DTBytesOutCnt:  {Name: "bytes_out_cnt", Std: StdULL},
	DTBytesOutRate: {Name: "bytes_out_rate", Std: StdFreq, Delay: true},
	DTGPC1:         {Name: "gpc1", Std: StdUInt},
	DTGPC1Rate:     {Name: "gpc1_rate", Std: StdFreq, Delay: true},
	DTServerKey:    {Name: "server_key", Std: StdDict},
	DTHTTPFailCnt:  {Name: "http_fail_cnt", Std: StdUInt},
	DTHTTPFailRate: {Name: "http_fail_rate", Std: StdFreq, Delay: true},
	DTGPT:          {Name: "gpt", Std: StdUInt, Array: true},
	DTGPC:          {Name: "gpc", Std: StdUInt, Array: true},
	DTGPCRate:      {Name: "gpc_rate", Std: StdFreq, Array: true, Delay: true},
}

// Info describes the data type.
func (d DataType) Info() DataInfo { return dataInfo[d] }

func (d DataType) String() string { return dataInfo[d].Name }

// LookupDataType finds a data type by its name ("http_req_rate"), or
// server_name, which haproxy still accepts for server_key (its older
// name) in store lists and on the CLI.
func LookupDataType(name string) (DataType, bool) {
	for i := range dataInfo {
		if dataInfo[i].Name == name {
			return DataType(i), true
		}
	}
	if name == "server_name" {
		return DTServerKey, true
	}
	return 0, false
}

// Store is one data type a table stores, with its arguments.
type Store struct {
	Type   DataType
	Elems  int           // element count: 1 unless an array
	Period time.Duration // of a frequency counter
}

// Spec is a stick-table line: what a table is. Two specs that are equal
// describe tables that can hold each other's entries.
type Spec struct {
	Name    string // as configurations reference it: the proxy, or peers/table
	NetName string // as peers name it: the proxy, or the table's own name
	Type    KeyType
	KeySize int // bytes of a key (a string's includes haproxy's NUL)
	Size    int
	Expire  time.Duration // 0: never
	NoPurge bool
	Peers   string // the peers section that synchronises it
	SrvKey  SrvKey
	Stores  []Store // in the order of the line; the table orders them by type
}

// SrvKey is how stick rules name servers in a table (srvkey).
type SrvKey uint8

const (
	SrvKeyName SrvKey = iota
	SrvKeyAddr
)

// Has reports whether the spec stores a data type.
func (s *Spec) Has(d DataType) bool {
	for _, st := range s.Stores {
		if st.Type == d {
			return true
		}
	}
	return false
}

// AddStore adds a data type to the spec with haproxy's checks. exists
// reports a type already stored (a warning in haproxy, not an error).
func (s *Spec) AddStore(st Store) (exists bool, err error) {
	if s.Has(st.Type) {
		return true, nil
	}
	s.Stores = append(s.Stores, st)
	clash := func(a, b DataType) bool { return s.Has(a) && s.Has(b) }
	switch {
	case clash(DTGPT, DTGPT0):
		return false, fmt.Errorf("simultaneous usage of 'gpt' and 'gpt0' in a same table is not permitted as 'gpt' overrides 'gpt0'.")
	case clash(DTGPC, DTGPC0) || clash(DTGPC, DTGPC1):
		return false, fmt.Errorf("simultaneous usage of 'gpc' and 'gpc[0/1]' in a same table is not permitted as 'gpc' overrides 'gpc[0/1]'.")
	case clash(DTGPCRate, DTGPC0Rate) || clash(DTGPCRate, DTGPC1Rate):
		return false, fmt.Errorf("simultaneous usage of 'gpc_rate' and 'gpc[0/1]_rate' in a same table is not permitted as 'gpc_rate' overrides 'gpc[0/1]_rate'.")
	}
	return false, nil
}
