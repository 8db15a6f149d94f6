package promex

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"switchyard/stats"
)

// A small reader of haproxy's typed outputs, for the differential test:
// fields are matched by name, not position, so that the fields 2.6.12
// adds after the fixed ones (ssl_sess, h2_*…) and its own order of the
// info fields do not matter.

var (
	statByName = func() map[string]stats.Stat {
		m := make(map[string]stats.Stat)
		for i, f := range stats.StatFields {
			m[f.Name] = stats.Stat(i)
		}
		return m
	}()
	infoByName = func() map[string]stats.Info {
		m := make(map[string]stats.Info)
		for i, f := range stats.InfoFields {
			m[f.Name] = stats.Info(i)
		}
		return m
	}()
)

// typedField reads "ORIGIN-NATURE-SCOPE:type:value".
func typedField(s string) (stats.Field, error) {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) != 3 || len(parts[0]) != 3 {
		return stats.Field{}, fmt.Errorf("bad typed value %q", s)
	}
	tag, typ, v := parts[0], parts[1], parts[2]
	switch typ {
	case "u32", "u64":
		n, err := strconv.ParseUint(v, 10, 64)
		if typ == "u32" {
			return stats.MkU32(tag, n), err
		}
		return stats.MkU64(tag, n), err
	case "s32", "s64":
		n, err := strconv.ParseInt(v, 10, 64)
		if typ == "s32" {
			return stats.MkS32(tag, n), err
		}
		return stats.MkS64(tag, n), err
	case "flt":
		x, err := strconv.ParseFloat(v, 64)
		return stats.MkFlt(tag, x), err
	case "str":
		return stats.MkStr(tag, v), nil
	}
	return stats.Field{}, fmt.Errorf("bad type in %q", s)
}

// parseStatTyped reads `show stat typed`: lines
// "T.iid.sid.pos.name.proc:OTS:type:value", consecutive lines of one
// object making one row.
func parseStatTyped(out string) ([]stats.Row, error) {
	var rows []stats.Row
	last := ""
	for _, line := range strings.Split(out, "\n") {
		if line == "" {
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		k := strings.Split(key, ".")
		if !ok || len(k) != 6 {
			return nil, fmt.Errorf("bad line %q", line)
		}
		obj := k[0] + "." + k[1] + "." + k[2]
		if obj != last {
			last = obj
			r := stats.Row{}
			switch k[0] {
			case "F":
				r.Type = stats.TypeFrontend
			case "B":
				r.Type = stats.TypeBackend
			case "S":
				r.Type = stats.TypeServer
			case "L":
				r.Type = stats.TypeListener
			default:
				return nil, fmt.Errorf("bad object type in %q", line)
			}
			r.IID, _ = strconv.Atoi(k[1])
			r.SID, _ = strconv.Atoi(k[2])
			rows = append(rows, r)
		}
		f, err := typedField(val)
		if err != nil {
			return nil, err
		}
		if st, known := statByName[k[4]]; known {
			rows[len(rows)-1].Fields[st] = f
		}
	}
	return rows, nil
}

// parseInfoTyped reads `show info typed`: "pos.Name.proc:OTS:type:value"
// (names may hold spaces).
func parseInfoTyped(out string) (stats.InfoRow, error) {
	var info stats.InfoRow
	for _, line := range strings.Split(out, "\n") {
		if line == "" {
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		i, j := strings.IndexByte(key, '.'), strings.LastIndexByte(key, '.')
		if !ok || i < 0 || j <= i {
			return info, fmt.Errorf("bad line %q", line)
		}
		f, err := typedField(val)
		if err != nil {
			return info, err
		}
		if n, known := infoByName[key[i+1:j]]; known {
			info[n] = f
		}
	}
	return info, nil
}

// parseTables reads `show table`'s headers:
// "# table: fe, type: ip, size:100, used:0".
func parseTables(out string) ([]StickTable, error) {
	var ts []StickTable
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "# table: ") {
			continue
		}
		var t StickTable
		for _, kv := range strings.Split(strings.TrimPrefix(line, "# "), ", ") {
			k, v, _ := strings.Cut(kv, ":")
			v = strings.TrimSpace(v)
			switch k {
			case "table":
				t.Name = v
			case "type":
				t.Type = v
			case "size":
				t.Size, _ = strconv.ParseUint(v, 10, 64)
			case "used":
				t.Used, _ = strconv.ParseUint(v, 10, 64)
			}
		}
		ts = append(ts, t)
	}
	return ts, nil
}

// cli runs one command on a stats socket and returns its answer.
func cli(sock, cmd string) (string, error) {
	c, err := net.DialTimeout("unix", sock, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(cmd + "\n")); err != nil {
		return "", err
	}
	var b strings.Builder
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		b.WriteString(line)
		if err != nil {
			break
		}
	}
	return b.String(), nil
}

// cliSource is a Source read from a real haproxy's stats socket.
type cliSource struct {
	rows   []stats.Row
	info   stats.InfoRow
	tables []StickTable
}

func readCLI(sock string) (*cliSource, error) {
	s := &cliSource{}
	out, err := cli(sock, "show stat typed")
	if err == nil {
		s.rows, err = parseStatTyped(out)
	}
	if err == nil {
		out, err = cli(sock, "show info typed")
	}
	if err == nil {
		s.info, err = parseInfoTyped(out)
	}
	if err == nil {
		out, err = cli(sock, "show table")
	}
	if err == nil {
		s.tables, err = parseTables(out)
	}
	return s, err
}

func (s *cliSource) Info() stats.InfoRow         { return s.info }
func (s *cliSource) Rows(Scope) []stats.Row      { return s.rows }
func (s *cliSource) StickTables() []StickTable   { return s.tables }
func (s *cliSource) Extras() Extras              { return Extras{} }
func (s *cliSource) Certificates() []Certificate { return nil }
