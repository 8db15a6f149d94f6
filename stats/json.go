package stats

import "strconv"

// The JSON outputs, laid out as haproxy 2.6 prints them: no spaces, the
// keys in its order, one array per object in `show stat json`, a single
// array for `show info json`, and a final "\n".
//
// Two deliberate differences, both where haproxy's output is not JSON at
// all: a string holding a quote, a backslash or a control character is
// escaped (haproxy prints it raw), and an integer beyond ±(2^53-1) is
// printed (haproxy replaces the whole object with an errorStr).

var objTypeNames = [...]string{TypeFrontend: "Frontend", TypeBackend: "Backend", TypeServer: "Server", TypeListener: "Listener"}

func (t ObjType) jsonName() string {
	if int(t) < len(objTypeNames) {
		return objTypeNames[t]
	}
	return "Unknown"
}

// The JSON outputs spell the tag letters out.
var (
	originNames = [256]string{'M': "Metric", 'S': "Status", 'K': "Key", 'C': "Config", 'P': "Product"}
	natureNames = [256]string{'G': "Gauge", 'L': "Limit", 'm': "Min", 'M': "Max", 'R': "Rate", 'C': "Counter",
		'D': "Duration", 'A': "Age", 'T': "Time", 'N': "Name", 'O': "Output", 'a': "Avg"}
	scopeNames = [256]string{'P': "Process", 'S': "Service", 's': "System", 'C': "Cluster"}
)

// tagName names one tag letter, "Unknown" when it has no name.
func tagName(letter byte, names *[256]string) string {
	if n := names[letter]; n != "" {
		return n
	}
	return "Unknown"
}

// appendJSONField appends the "tags" and "value" members of one field.
func appendJSONField(dst []byte, f *Field) []byte {
	dst = append(dst, `"tags":{"origin":"`...)
	dst = append(dst, tagName(f.Tag[0], &originNames)...)
	dst = append(dst, `","nature":"`...)
	dst = append(dst, tagName(f.Tag[1], &natureNames)...)
	dst = append(dst, `","scope":"`...)
	dst = append(dst, tagName(f.Tag[2], &scopeNames)...)
	dst = append(dst, `"},"value":{"type":"`...)
	dst = append(dst, f.Kind.String()...)
	dst = append(dst, `","value":`...)
	if f.Kind == Str {
		dst = appendJSONString(dst, f.Str)
	} else {
		dst = appendNum(dst, f)
	}
	return append(dst, "}}"...)
}

// appendJSONString quotes s, escaping only what JSON requires; other bytes,
// UTF-8 or not, go out as they are, as haproxy's do.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// AppendJSON appends `show stat json`: an array holding one array per row,
// each of the row's non-empty fields as an object.
func AppendJSON(dst []byte, rows []Row) []byte {
	dst = append(dst, '[')
	for i := range rows {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendJSONRow(dst, &rows[i])
	}
	return append(dst, "]\n"...)
}

// AppendJSONRow appends one row's array of `show stat json`.
func AppendJSONRow(dst []byte, r *Row) []byte {
	p := pid(&r.Fields[FPid])
	dst = append(dst, '[')
	first := true
	for i := range int(NumStat) + len(r.Mods) {
		var f *Field
		var name string
		if i < int(NumStat) {
			f, name = &r.Fields[i], StatFields[i].Name
		} else {
			f, name = &r.Mods[i-int(NumStat)], moduleColumns[i-int(NumStat)]
		}
		if f.Kind == Empty {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, `{"objType":"`...)
		dst = append(dst, r.Type.jsonName()...)
		dst = append(dst, `","proxyId":`...)
		dst = strconv.AppendUint(dst, uint64(uint32(r.IID)), 10)
		dst = append(dst, `,"id":`...)
		dst = strconv.AppendUint(dst, uint64(uint32(r.SID)), 10)
		dst = appendJSONPos(dst, i, name, p)
		dst = appendJSONField(dst, f)
	}
	return append(dst, ']')
}

// appendJSONPos appends the "field" and "processNum" members; a stat
// object has the members before them, hence the leading comma there.
func appendJSONPos(dst []byte, pos int, name string, p uint64) []byte {
	if dst[len(dst)-1] != '{' {
		dst = append(dst, ',')
	}
	dst = append(dst, `"field":{"pos":`...)
	dst = strconv.AppendInt(dst, int64(pos), 10)
	dst = append(dst, `,"name":"`...)
	dst = append(dst, name...)
	dst = append(dst, `"},"processNum":`...)
	dst = strconv.AppendUint(dst, p, 10)
	return append(dst, ',')
}

// AppendInfoJSON appends `show info json`: one array of the non-empty
// fields.
func AppendInfoJSON(dst []byte, info *InfoRow) []byte {
	p := pid(&info[IProcessNum])
	dst = append(dst, '[')
	first := true
	for i := range info {
		f := &info[i]
		if f.Kind == Empty {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, '{')
		dst = appendJSONPos(dst, i, InfoFields[i].Name, p)
		dst = appendJSONField(dst, f)
	}
	return append(dst, "]\n"...)
}
