package stats

import "strconv"

// typeLetters are the first letter of a typed stat line, by ObjType.
var typeLetters = [...]byte{TypeFrontend: 'F', TypeBackend: 'B', TypeServer: 'S', TypeListener: 'L'}

func (t ObjType) letter() byte {
	if int(t) < len(typeLetters) {
		return typeLetters[t]
	}
	return '?'
}

// AppendTyped appends `show stat typed`: one line per non-empty field,
// "T.iid.sid.pos.name.pid:OTS:type:value", T being F, B, S or L.
func AppendTyped(dst []byte, rows []Row) []byte {
	for i := range rows {
		dst = AppendTypedRow(dst, &rows[i])
	}
	return dst
}

// AppendTypedRow appends the typed lines of one row.
func AppendTypedRow(dst []byte, r *Row) []byte {
	p := pid(&r.Fields[FPid])
	for i := range r.Fields {
		f := &r.Fields[i]
		if f.Kind == Empty {
			continue
		}
		dst = append(dst, r.Type.letter(), '.')
		dst = strconv.AppendUint(dst, uint64(uint32(r.IID)), 10)
		dst = append(dst, '.')
		dst = strconv.AppendUint(dst, uint64(uint32(r.SID)), 10)
		dst = append(dst, '.')
		dst = appendTypedLine(dst, i, StatFields[i].Name, p, f)
	}
	for i := range r.Mods {
		f := &r.Mods[i]
		if f.Kind == Empty {
			continue
		}
		dst = append(dst, r.Type.letter(), '.')
		dst = strconv.AppendUint(dst, uint64(uint32(r.IID)), 10)
		dst = append(dst, '.')
		dst = strconv.AppendUint(dst, uint64(uint32(r.SID)), 10)
		dst = append(dst, '.')
		dst = appendTypedLine(dst, int(NumStat)+i, moduleColumns[i], p, f)
	}
	return dst
}

// appendTypedLine appends the part of a typed line both outputs share:
// "pos.name.pid:OTS:type:value\n".
func appendTypedLine(dst []byte, pos int, name string, pid uint64, f *Field) []byte {
	dst = strconv.AppendInt(dst, int64(pos), 10)
	dst = append(dst, '.')
	dst = append(dst, name...)
	dst = append(dst, '.')
	dst = strconv.AppendUint(dst, pid, 10)
	dst = append(dst, ':')
	dst = append(dst, f.Tag[:]...)
	dst = append(dst, ':')
	dst = appendTypedValue(dst, f)
	return append(dst, '\n')
}

// AppendInfoTyped appends `show info typed`: "pos.Name.pid:OTS:type:value"
// for each non-empty field.
func AppendInfoTyped(dst []byte, info *InfoRow) []byte {
	p := pid(&info[IProcessNum])
	for i := range info {
		f := &info[i]
		if f.Kind == Empty {
			continue
		}
		dst = appendTypedLine(dst, i, InfoFields[i].Name, p, f)
	}
	return dst
}
