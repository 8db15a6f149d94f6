package ssl

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The crt-lists in service: `show ssl crt-list`, `add ssl crt-list`, `del
// ssl crt-list`, and a list file read again when it changed. A list is
// its file's path; every bind that loaded it serves its lines.

// Lists are the crt-list files of the binds in service, sorted.
func (st *Store) Lists() []string {
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []string
	for _, b := range st.binds {
		for _, l := range b.lists() {
			if !slices.Contains(out, l.Path) {
				out = append(out, l.Path)
			}
		}
	}
	sort.Strings(out)
	return out
}

// lists are the bind's crt-list sources.
func (s *Server) lists() []*ListSource {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.def.Lists
}

// source finds the bind's source of list, nil if it has none.
func (s *Server) source(list string) *ListSource {
	for _, l := range s.lists() {
		if l.Path == list {
			return l
		}
	}
	return nil
}

// ListLine is a line of a crt-list in service.
type ListLine struct {
	Cert    string
	Line    int
	Options []string
	Filters []string
}

// String is the line as `show ssl crt-list` prints it; with num, the
// certificate's line number after a colon.
func (l ListLine) String(num bool) string {
	var b strings.Builder
	b.WriteString(l.Cert)
	if num {
		b.WriteString(":" + strconv.Itoa(l.Line))
	}
	if len(l.Options) > 0 {
		b.WriteString(" [" + strings.Join(l.Options, " ") + "]")
	}
	for _, f := range l.Filters {
		b.WriteString(" " + f)
	}
	return b.String()
}

// ListLines are the lines of list in service, in order (false: no bind
// loaded it). A directory line counts once.
func (st *Store) ListLines(list string) ([]ListLine, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, b := range st.binds {
		if b.source(list) == nil {
			continue
		}
		var out []ListLine
		for _, e := range b.Entries() {
			if e.List != list {
				continue
			}
			if n := len(out); n > 0 && out[n-1].Line == e.Line {
				continue
			}
			out = append(out, ListLine{Cert: e.Cert.Path, Line: e.Line, Options: e.Options, Filters: e.Filters})
		}
		return out, true
	}
	return nil, false
}

// AddLine adds a line to list in every bind that serves it: a
// certificate the store knows (in service or made by `new ssl cert`),
// with options and SNI filters as a crt-list line writes them. It returns
// how many binds took it.
func (st *Store) AddLine(list string, line CrtListLine) (int, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	var users []*Server
	for _, b := range st.binds {
		if b.source(list) != nil {
			users = append(users, b)
		}
	}
	if len(users) == 0 {
		return 0, fmt.Errorf("crt-list '%s' does not exist!", list)
	}
	c, _, known := st.lookup(line.File)
	switch {
	case !known:
		return 0, fmt.Errorf("certificate '%s' does not exist!", line.File)
	case c == nil:
		return 0, fmt.Errorf("certificate '%s' is empty!", line.File)
	}
	// As haproxy, nothing is read from disk at run time: a CA or CRL
	// file must be in memory (read by the configuration, or made by
	// new ssl ca-file|crl-file).
	fs := st.filesLocked()
	for i, o := range line.Options {
		if (o == "ca-file" || o == "crl-file" || o == "ca-verify-file") && i+1 < len(line.Options) {
			fs.mu.Lock()
			ok := fs.has(ResolveCAPath(users[0].source(list).CABase, line.Options[i+1]))
			fs.mu.Unlock()
			if !ok {
				return 0, fmt.Errorf("'%s' : unable to load %s", o, line.Options[i+1])
			}
		}
	}
	// The line's number follows the list's last one, as haproxy counts.
	num := 0
	for _, e := range users[0].Entries() {
		if e.List == list {
			num = max(num, e.Line)
		}
	}
	num++
	// Every bind first, so that an error changes none.
	type change struct {
		b *Server
		e *Entry
	}
	var todo []change
	for _, b := range users {
		e := &Entry{Cert: c, Filters: line.Filters, List: list, Line: num, Options: line.Options}
		if len(line.Options) > 0 {
			conf, err := b.source(list).Opts(line.Options)
			if err != nil {
				return 0, err
			}
			e.Conf = conf
		}
		todo = append(todo, change{b, e})
	}
	for _, t := range todo {
		err := t.b.change(func(cur []*Entry) []*Entry {
			// After the list's last line, or at the end.
			at := len(cur)
			for i, e := range cur {
				if e.List == list {
					at = i + 1
				}
			}
			return slices.Insert(slices.Clone(cur), at, t.e)
		})
		if err != nil {
			return 0, err
		}
	}
	delete(st.spare, line.File)
	return len(todo), nil
}

// DelLine removes the line of list that serves cert ("file" or
// "file:line") from every bind serving the list. A bind's default
// certificate (its first, without strict-sni) cannot be removed.
func (st *Store) DelLine(list, cert string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	path, num := cert, 0
	if i := strings.LastIndexByte(cert, ':'); i > 0 {
		n, err := strconv.Atoi(cert[i+1:])
		if err != nil {
			return fmt.Errorf("wrong line number after colons in '%s'!", cert)
		}
		path, num = cert[:i], n
	}
	var users []*Server
	for _, b := range st.binds {
		if b.source(list) != nil {
			users = append(users, b)
		}
	}
	if len(users) == 0 {
		return fmt.Errorf("crt-list '%s' does not exist!", list)
	}
	c, _, known := st.lookup(path)
	switch {
	case !known:
		return fmt.Errorf("certificate '%s' does not exist!", path)
	case c == nil:
		return fmt.Errorf("certificate '%s' is empty!", path)
	}
	var lines []int
	for _, e := range users[0].Entries() {
		if e.List == list && e.Cert.Path == path && !slices.Contains(lines, e.Line) {
			lines = append(lines, e.Line)
		}
	}
	nums := make([]string, len(lines))
	for i, n := range lines {
		nums[i] = strconv.Itoa(n)
	}
	switch {
	case len(lines) == 0:
		return fmt.Errorf("certificate '%s' can't be found in crt-list '%s'!", path, list)
	case num != 0 && !slices.Contains(lines, num):
		return fmt.Errorf("found a certificate '%s' but the line number is incorrect, please specify a correct line number preceded by colons (%s)!", path, strings.Join(nums, ", "))
	case num == 0 && len(lines) > 1:
		return fmt.Errorf("found the certificate '%s' in several entries, please specify a line number preceded by colons (%s)!", path, strings.Join(nums, ", "))
	case num == 0:
		num = lines[0]
	}
	match := func(e *Entry) bool { return e.List == list && e.Cert.Path == path && e.Line == num }
	var dflt []string
	for _, b := range users {
		b.mu.Lock()
		strict, first := b.def.StrictSNI, len(b.def.Entries) > 0 && match(b.def.Entries[0])
		where := b.def.Where
		b.mu.Unlock()
		if first && !strict {
			dflt = append(dflt, "\t- "+where+"\n")
		}
	}
	if len(dflt) > 0 {
		return fmt.Errorf("certificate '%s' cannot be deleted, it is used as default certificate by the following frontends:\n%s", path, strings.Join(dflt, ""))
	}
	for _, b := range users {
		err := b.change(func(cur []*Entry) []*Entry {
			return slices.DeleteFunc(slices.Clone(cur), match)
		})
		if err != nil {
			return err
		}
	}
	if !st.inUse(path) {
		st.setSpare(path, c) // for del ssl cert, or another line
	}
	return nil
}

// reloadList puts a crt-list's new entries in service in every bind that
// loaded it, where its old lines were.
func (st *Store) reloadList(list string, load func(*ListSource) ([]*Entry, error)) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	type change struct {
		b       *Server
		entries []*Entry
	}
	var todo []change
	for _, b := range st.binds {
		src := b.source(list)
		if src == nil {
			continue
		}
		entries, err := load(src)
		if err != nil {
			return err
		}
		todo = append(todo, change{b, entries})
	}
	for _, t := range todo {
		err := t.b.change(func(cur []*Entry) []*Entry {
			at := -1
			out := make([]*Entry, 0, len(cur)+len(t.entries))
			for _, e := range cur {
				if e.List == list {
					if at < 0 {
						at = len(out)
					}
					continue
				}
				out = append(out, e)
			}
			if at < 0 {
				at = len(out)
			}
			return slices.Insert(out, at, t.entries...)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
