package ssl

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// CrtListLine is one line of a crt-list file:
//
//	<crtfile> [\[<sslbindconf> ...\]] [[!]<snifilter> ...]
type CrtListLine struct {
	Line    int
	File    string   // as written
	Options []string // the words between brackets
	Filters []string
}

// ParseCrtList reads a crt-list file's lines. Blank lines and lines
// starting with '#' are skipped.
func ParseCrtList(data []byte) ([]CrtListLine, error) {
	var out []CrtListLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		words, err := splitCrtListLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		l := CrtListLine{Line: n, File: words[0]}
		rest := words[1:]
		if len(rest) > 0 && strings.HasPrefix(rest[0], "[") {
			// Options run to the closing bracket, which may be glued to
			// the last option or stand alone.
			rest[0] = rest[0][1:]
			closed := false
			for len(rest) > 0 && !closed {
				w := rest[0]
				rest = rest[1:]
				if strings.HasSuffix(w, "]") {
					w, closed = w[:len(w)-1], true
				}
				if w != "" {
					l.Options = append(l.Options, w)
				}
			}
			if !closed {
				return nil, fmt.Errorf("line %d: missing ']' after the options", n)
			}
		}
		for _, f := range rest {
			if strings.ContainsAny(f, "[]") {
				return nil, fmt.Errorf("line %d: unexpected '%s' (options go in brackets right after the certificate)", n, f)
			}
			l.Filters = append(l.Filters, strings.ToLower(f))
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// splitCrtListLine splits on blanks, honouring double quotes and
// backslash escapes as HAProxy's crt-list reader does.
func splitCrtListLine(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	in, quoted := false, false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			in = true
		case ch == '"':
			quoted = !quoted
			in = true
		case (ch == ' ' || ch == '\t') && !quoted:
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(ch)
			in = true
		}
	}
	if quoted {
		return nil, errors.New("unterminated quote")
	}
	if in {
		words = append(words, cur.String())
	}
	if len(words) == 0 {
		return nil, errors.New("empty line")
	}
	return words, nil
}

// ResolvePath applies crt-base (or ca-base) to a relative file name.
func ResolvePath(base, name string) string {
	if base == "" || filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(base, name)
}

// ResolveCAPath is ResolvePath for ca-file, ca-verify-file and crl-file,
// where a name starting with '@' (@system-ca) is not a path.
func ResolveCAPath(base, name string) string {
	if strings.HasPrefix(name, "@") {
		return name
	}
	return ResolvePath(base, name)
}

// LoadCrtList reads a crt-list file into entries: each line's certificate
// (a file, or every file of a directory), options parsed by opts, and SNI
// filters.
func LoadCrtList(path, crtBase string, extra ExtraFiles, opts func(words []string) (*Conf, error)) ([]*Entry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("unable to load crt-list file '%s': %v", path, errors.Unwrap(err))
	}
	lines, err := ParseCrtList(data)
	if err != nil {
		return nil, fmt.Errorf("crt-list '%s': %v", path, err)
	}
	var out []*Entry
	for _, l := range lines {
		where := fmt.Sprintf("%s:%d", path, l.Line)
		var conf *Conf
		if len(l.Options) > 0 {
			if conf, err = opts(l.Options); err != nil {
				return nil, fmt.Errorf("%s: %v", where, err)
			}
		}
		certs, err := LoadPath(ResolvePath(crtBase, l.File), extra)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", where, err)
		}
		for _, c := range certs {
			out = append(out, &Entry{Cert: c, Conf: conf, Filters: l.Filters, List: path, Line: l.Line, Options: l.Options})
		}
	}
	return out, nil
}

// LoadPath loads a `crt` argument: a file, or every certificate of a
// directory.
func LoadPath(path string, extra ExtraFiles) ([]*Cert, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("unable to stat SSL certificate from file '%s' : %v", path, errors.Unwrap(err))
	}
	if st.IsDir() {
		return loadDir(path, extra)
	}
	c, err := LoadCert(path, extra)
	if err != nil {
		return nil, err
	}
	return []*Cert{c}, nil
}
