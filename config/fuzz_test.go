package config

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// FuzzLex checks that Lex never panics and that what it returns is
// consistent with its input: positions exist in the file, lines come in
// order, words are never empty keywords.
func FuzzLex(f *testing.F) {
	for _, seed := range []string{
		"global\n  maxconn 100\n",
		"frontend fe\n  bind \"fd@${FD}\" # c\n  http-request return string 'a b'\\ c\n",
		".if defined(ONE) && !(streq(\"$WORDS\",a b) || version_before(2.4))\nx\n.elif 1\n.else\n.endif\n",
		"a \"${SPACED[*]}\" \"${NOPE-d}\" \\x41\\\n",
		"[scope]\n.notice \"${.LINE}${.SECTION}\"\n.alert x\n",
		"a \"\n\x00\r\n.endif\n.if",
	} {
		f.Add([]byte(seed))
	}
	opt := lexTestOptions()
	f.Fuzz(func(t *testing.T, src []byte) {
		lines, msgs, errs := Lex("f.cfg", src, opt)
		physical := bytes.Count(src, []byte{'\n'})
		if len(src) > 0 && src[len(src)-1] != '\n' {
			physical++
		}
		prev := 0
		for _, l := range lines {
			if l.Num <= prev || l.Num > physical {
				t.Fatalf("line number %d after %d, file has %d lines", l.Num, prev, physical)
			}
			prev = l.Num
			if len(l.Args) == 0 || l.Args[0] == "" || l.File != "f.cfg" {
				t.Fatalf("bad line %+v", l)
			}
			if strings.ContainsAny(l.Raw, "\n\x00") {
				t.Fatalf("raw text %q spans lines", l.Raw)
			}
			if slices.ContainsFunc(l.Args, func(a string) bool { return strings.Contains(a, "\x00") }) {
				t.Fatalf("word with NUL in %q", l.Args)
			}
		}
		for _, m := range msgs {
			if m.Line < 1 || m.Line > physical {
				t.Fatalf("message %v outside the file's %d lines", m, physical)
			}
		}
		for _, e := range errs {
			if e.Line < 1 || e.Line > physical || e.Msg == "" {
				t.Fatalf("error %v outside the file's %d lines", e, physical)
			}
		}
		// An input with no special character is split exactly on blanks.
		if !bytes.ContainsAny(src, "\"'\\#$[.\r\x00") && len(errs) == 0 {
			var want [][]string
			for _, text := range strings.Split(string(src), "\n") {
				if words := strings.Fields(text); len(words) > 0 {
					want = append(want, words)
				}
			}
			var got [][]string
			for _, l := range lines {
				got = append(got, l.Args)
			}
			if !slices.EqualFunc(got, want, slices.Equal) {
				t.Fatalf("plain input %q: got %q, want %q", src, got, want)
			}
		}
	})
}
