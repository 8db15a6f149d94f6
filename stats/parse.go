package stats

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// The parsers of the typed formats read haproxy's own output back into
// rows: the golden tests render haproxy's values with our renderers and
// compare the bytes, and other packages' tests can compare what we serve
// with what haproxy serves, field by field.

// ParseTyped reads `show stat typed` into rows: consecutive lines of the
// same object (type letter, proxy id, object id) make one row. Fields past
// the fixed ones (haproxy's module counters) are skipped; a field whose
// name is not the one at its position is an error, so that an output of
// another version is not silently misread. Empty lines are ignored.
func ParseTyped(data []byte) ([]Row, error) {
	var rows []Row
	var cur *Row
	var curKey string
	for n, line := range bytes.Split(data, []byte{'\n'}) {
		if len(line) == 0 {
			continue
		}
		key, f, err := parseTypedLine(string(line))
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", n+1, err)
		}
		parts := strings.Split(key, ".")
		if len(parts) < 6 {
			return nil, fmt.Errorf("line %d: bad key %q", n+1, key)
		}
		t, ok := letterType(parts[0])
		if !ok {
			return nil, fmt.Errorf("line %d: bad object type %q", n+1, parts[0])
		}
		iid, err1 := strconv.Atoi(parts[1])
		sid, err2 := strconv.Atoi(parts[2])
		pos, err3 := strconv.Atoi(parts[3])
		if err1 != nil || err2 != nil || err3 != nil || pos < 0 {
			return nil, fmt.Errorf("line %d: bad key %q", n+1, key)
		}
		name := strings.Join(parts[4:len(parts)-1], ".")
		if objKey := strings.Join(parts[:3], "."); cur == nil || objKey != curKey {
			rows = append(rows, Row{Type: t, IID: iid, SID: sid})
			cur, curKey = &rows[len(rows)-1], objKey
		}
		if pos >= int(NumStat) {
			// The modules' fields: those rows carry are read, the
			// others skipped.
			if m := pos - int(NumStat); m < int(NumMod) {
				if moduleColumns[m] != name {
					return nil, fmt.Errorf("line %d: field %d is %q, not %q", n+1, pos, moduleColumns[m], name)
				}
				cur.Mods[m] = f
			}
			continue
		}
		if StatFields[pos].Name != name {
			return nil, fmt.Errorf("line %d: field %d is %q, not %q", n+1, pos, StatFields[pos].Name, name)
		}
		cur.Fields[pos] = f
	}
	return rows, nil
}

// ParseInfoTyped reads `show info typed`.
func ParseInfoTyped(data []byte) (InfoRow, error) {
	var info InfoRow
	for n, line := range bytes.Split(data, []byte{'\n'}) {
		if len(line) == 0 {
			continue
		}
		key, f, err := parseTypedLine(string(line))
		if err != nil {
			return info, fmt.Errorf("line %d: %v", n+1, err)
		}
		first, last := strings.IndexByte(key, '.'), strings.LastIndexByte(key, '.')
		if first < 0 || last <= first {
			return info, fmt.Errorf("line %d: bad key %q", n+1, key)
		}
		pos, err := strconv.Atoi(key[:first])
		if err != nil || pos < 0 {
			return info, fmt.Errorf("line %d: bad key %q", n+1, key)
		}
		if pos >= int(NumInfo) {
			continue
		}
		if name := key[first+1 : last]; InfoFields[pos].Name != name {
			return info, fmt.Errorf("line %d: field %d is %q, not %q", n+1, pos, InfoFields[pos].Name, name)
		}
		info[pos] = f
	}
	return info, nil
}

// parseTypedLine splits "key:OTS:type:value" and reads the value; the
// value is the rest of the line, colons included.
func parseTypedLine(line string) (string, Field, error) {
	var f Field
	key, rest, ok := strings.Cut(line, ":")
	if !ok || len(rest) < 4 || rest[3] != ':' {
		return "", f, fmt.Errorf("malformed %q", line)
	}
	f.Tag = tag(rest[:3])
	typ, val, ok := strings.Cut(rest[4:], ":")
	if !ok {
		return "", f, fmt.Errorf("malformed %q", line)
	}
	var err error
	switch typ {
	case "s32", "s64":
		f.Kind = S32
		if typ == "s64" {
			f.Kind = S64
		}
		f.S, err = strconv.ParseInt(val, 10, 64)
	case "u32", "u64":
		f.Kind = U32
		if typ == "u64" {
			f.Kind = U64
		}
		f.U, err = strconv.ParseUint(val, 10, 64)
	case "flt":
		f.Kind = Flt
		f.F, err = strconv.ParseFloat(val, 64)
	case "str":
		f.Kind, f.Str = Str, val
	default:
		return "", f, fmt.Errorf("unknown type %q", typ)
	}
	if err != nil {
		return "", f, fmt.Errorf("bad %s value %q", typ, val)
	}
	return key, f, nil
}

func letterType(s string) (ObjType, bool) {
	if len(s) == 1 {
		for t, l := range typeLetters {
			if l == s[0] {
				return ObjType(t), true
			}
		}
	}
	return 0, false
}
