package stats

// AppendInfo appends `show info`: "Name: value" for each field that has a
// value, in haproxy's order; a field without one (an unset description,
// the zlib counters of a build without zlib) has no line at all. Strings
// are CSV-encoded, as haproxy does: a description with a comma comes out
// quoted.
func AppendInfo(dst []byte, info *InfoRow) []byte {
	for i := range info {
		f := &info[i]
		if f.Kind == Empty {
			continue
		}
		dst = append(dst, InfoFields[i].Name...)
		dst = append(dst, ": "...)
		dst = appendCSVValue(dst, f)
		dst = append(dst, '\n')
	}
	return dst
}
