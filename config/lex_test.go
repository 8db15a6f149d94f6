package config

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// lexTestEnv is the whole environment the tests give both Lex and haproxy.
var lexTestEnv = map[string]string{
	"ONE":    "1",
	"ZERO":   "0",
	"EMPTY":  "",
	"WORDS":  "a b",
	"SPACED": " a  b ",
	"YES":    "yes",
	"FD":     "3",
}

func lexTestOptions() LexOptions {
	return LexOptions{
		Env: func(name string) (string, bool) {
			v, ok := lexTestEnv[name]
			return v, ok
		},
		Features: []string{"OPENSSL", "LUA"},
		Version:  "2.6.12-1+deb12u4",
	}
}

func TestLexWords(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // nil: no line
	}{
		{"blanks", "  bind\t:80   ssl ", []string{"bind", ":80", "ssl"}},
		{"vertical tab and form feed separate", "a\vb\fc", []string{"a", "b", "c"}},
		{"comment", "mode http # a comment", []string{"mode", "http"}},
		{"comment glued to a word", "mode http#x", []string{"mode", "http"}},
		{"comment only", "   # nothing", nil},
		{"blank", " \t ", nil},
		{"escaped space", `log-format %t\ %s`, []string{"log-format", "%t %s"}},
		{"escaped hash", `a \#b`, []string{"a", "#b"}},
		{"escaped backslash", `a \\b`, []string{"a", `\b`}},
		{"escaped quotes", `a \'\"`, []string{"a", `'"`}},
		{"control escapes", `a \r\n\t`, []string{"a", "\r\n\t"}},
		{"hex escape", `a \x41\x7a`, []string{"a", "Az"}},
		{"hex escape in double quotes", `a "\x20"`, []string{"a", " "}},
		{"other escapes keep the backslash", `a \1\q`, []string{"a", `\1\q`}},
		{"backslash at end of line is literal", `a b\`, []string{"a", `b\`}},
		{"backslash dollar outside quotes", `a \$X`, []string{"a", `\$X`}},
		{"backslash dollar inside quotes", `a "\$X"`, []string{"a", "$X"}},
		{"NUL from hex ends the word", `a b\x00c d`, []string{"a", "b", "d"}},
		{"double quotes", `a "b c  d"`, []string{"a", "b c  d"}},
		{"double quotes protect hash and single quote", `a "b#'c"`, []string{"a", "b#'c"}},
		{"escapes inside double quotes", `a "b\"c\\d\#e"`, []string{"a", `b"c\d#e`}},
		{"single quotes are strong", `a '\x41 $ONE "${ONE}" \'`, []string{"a", `\x41 $ONE "${ONE}" \`}},
		{"concatenation", `a "b"c'd'e`, []string{"a", "bcde"}},
		{"empty double quotes", `a "" b`, []string{"a", "", "b"}},
		{"empty single quotes at end", `a ''`, []string{"a", ""}},
		{"empty quotes then blanks", `a ""  `, []string{"a", ""}},
		{"dollar outside quotes is literal", `a $ONE ${ONE}`, []string{"a", "$ONE", "${ONE}"}},
		{"variable", `a "$ONE"`, []string{"a", "1"}},
		{"variable name ends at non-alnum", `a "$ONE.x"`, []string{"a", "1.x"}},
		{"braced variable", `a "${ONE}x"`, []string{"a", "1x"}},
		{"inside a larger word", `bind "fd@${FD}"`, []string{"bind", "fd@3"}},
		{"unset variable is empty", `a "[$NOPE]" "${NOPE}"`, []string{"a", "[]", ""}},
		{"default for unset", `a "${NOPE-127.0.0.1}:514"`, []string{"a", "127.0.0.1:514"}},
		{"default is raw text", `a "${NOPE-x"y\z}"`, []string{"a", `x"y\z`}},
		{"default not used when empty", `a "${EMPTY-x}"`, []string{"a", ""}},
		{"default not used when set", `a "${ONE-x}"`, []string{"a", "1"}},
		{"value is not split without [*]", `a "${WORDS}"`, []string{"a", "a b"}},
		{"value with blanks unquoted by $", `a "$WORDS"`, []string{"a", "a b"}},
		{"word expansion", `a "${WORDS[*]}" z`, []string{"a", "a", "b", "z"}},
		{"word expansion glued", `a "x${WORDS[*]}y"`, []string{"a", "xa", "by"}},
		{"word expansion keeps empty words at blanks", `a "${SPACED[*]}"`, []string{"a", "", "a", "b"}},
		{"word expansion of default", `a "${NOPE[*]-p q}"`, []string{"a", "p", "q"}},
		{"[*] without braces is literal", `a "$WORDS[*]"`, []string{"a", "a b[*]"}},
		{"pseudo-variable .LINE", `a "${.LINE}" "$.LINE"`, []string{"a", "1", "1"}},
		{"pseudo-variable .FILE", `a "${.FILE}"`, []string{"a", "test.cfg"}},
		{"no section yet", `a "[${.SECTION}]" "${.SECTION-none}"`, []string{"a", "[]", "none"}},
		{"CR ends the line", "a b\rc d", []string{"a", "b"}},
		{"CR in a blank run is a blank", "a \rb", []string{"a", "b"}},
		{"CR ends the line even in quotes", "a \"b\r\"", nil},
		{"empty first word drops the line", `"" b c`, nil},
		{"quoted keyword", `"mode" http`, []string{"mode", "http"}},
		{"64 words", strings.Repeat("w ", 63) + "w", slices.Repeat([]string{"w"}, 64)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, _, errs := Lex("test.cfg", []byte(tt.in+"\n"), lexTestOptions())
			var got []string
			if len(lines) > 0 {
				got = lines[0].Args
			}
			if tt.want != nil && len(errs) > 0 || !reflect.DeepEqual(got, tt.want) || len(lines) > 1 {
				t.Errorf("Lex(%q) = %q, errors %v; want %q", tt.in, got, errs, tt.want)
			}
		})
	}
}

func TestLexErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // the errors, each "line: message"
	}{
		{"unmatched double quote", "a \"b\n", []string{`1: unmatched quote at position 3`}},
		{"unmatched single quote", "  a 'b\n", []string{`1: unmatched quote at position 5`}},
		{"bad hex", "a \\xZZ\n", []string{`1: truncated or invalid hexadecimal sequence at position 3`}},
		{"short hex", "a \"\\x4\"\n", []string{`1: truncated or invalid hexadecimal sequence at position 4`}},
		{"digit starts variable", "a \"$1\"\n", []string{`1: forbidden first character in environment variable name at position 5`}},
		{"dollar at end of quotes", "a \"b$\"\n", []string{`1: forbidden first character in environment variable name at position 6`}},
		{"empty braces", "a \"${}\"\n", []string{`1: forbidden first character in environment variable name at position 6`}},
		{"unmatched brace", "a \"${X\"\n", []string{`1: unmatched brace in environment variable name at position 5`}},
		{"unmatched brace with default", "a \"${X-abc\"\n", []string{`1: unmatched brace in environment variable name at position 5`}},
		{"bad word expansion", "a \"${X[x]}\"\n", []string{`1: truncated or invalid word expansion sequence at position 7`}},
		{"unknown pseudo-variable", "a \"${.FOO}\"\n", []string{`1: unknown pseudo-variable '.FOO' at position 6`}},
		{"65 words", strings.Repeat("w ", 64) + "w\n", []string{`1: too many words, the limit is 64`}},
		// HAProxy counts separators: a blank after the 64th word is one too many.
		{"64 words and a blank", strings.Repeat("w ", 64) + "\n", []string{`1: too many words, the limit is 64`}},
		{"unknown directive", ".foo x\n", []string{`1: unknown directive '.foo'`}},
		{"message with two words", ".notice a b\n", []string{`1: unexpected argument 'b' for '.notice'; use quotes if the message should contain spaces`}},
		{"alert", ".alert \"no SSL\"\n", []string{`1: .alert: no SSL`}},
		{"alert with two words is not fatal", ".alert a b\na \"\n", []string{`1: unexpected argument 'b' for '.alert'; use quotes if the message should contain spaces`, `2: unmatched quote at position 3`}},
		{"alert stops lexing", ".alert stop\na \"\n.if 1\n", []string{`1: .alert: stop`}},
		{"missing LF", "a\nb c", []string{`2: missing LF on last line, file might have been truncated at position 4`}},
		{"stray NUL", "a\x00b\nc\n", []string{`1: stray NUL character at position 2`}},
		{"every error is reported", "a \"\nb '\nc \\x\n", []string{`1: unmatched quote at position 3`, `2: unmatched quote at position 3`, `3: truncated or invalid hexadecimal sequence at position 3`}},
		{"errors in a false block are still reported", ".if 0\na \"\n.endif\n", []string{`2: unmatched quote at position 3`}},
		{"empty scope", "[]\n", []string{`1: empty scope name is forbidden`}},
		{"unterminated scope", "[abc\n", []string{`1: missing ']' in scope declaration`}},
		{"bad scope name", "[a b]\n", []string{`1: character ' ' is not permitted in a scope name`}},
		{"text after scope", "[ab] c\n", []string{`1: character 'c' is not permitted after scope declaration`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, errs := Lex("test.cfg", []byte(tt.in), lexTestOptions())
			var got []string
			for _, e := range errs {
				if e.File != "test.cfg" {
					t.Errorf("error %v names file %q", e, e.File)
				}
				got = append(got, fmt.Sprintf("%d: %s", e.Line, e.Msg))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Lex(%q) errors:\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// lexSummary renders what Lex kept, one "num:arg arg" per line and one
// "num:LEVEL:msg" per message, and its errors, for compact expectations.
func lexSummary(lines []Line, msgs []Message, errs ErrorList) []string {
	var out []string
	for _, l := range lines {
		out = append(out, strconv.Itoa(l.Num)+":"+strings.Join(l.Args, " "))
	}
	for _, m := range msgs {
		out = append(out, fmt.Sprintf("%d:%s:%s", m.Line, m.Level, m.Msg))
	}
	for _, e := range errs {
		out = append(out, fmt.Sprintf("%d:error:%s", e.Line, e.Msg))
	}
	return out
}

func TestLexConditionals(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"true", ".if 1\na\n.endif\nb\n", []string{"2:a", "4:b"}},
		{"false", ".if 0\na\n.endif\nb\n", []string{"4:b"}},
		{"empty condition is false", ".if\na\n.endif\n", nil},
		{"else", ".if 0\na\n.else\nb\n.endif\n", []string{"4:b"}},
		{"elif chain takes the first true branch", ".if 0\na\n.elif 1\nb\n.elif 1\nc\n.else\nd\n.endif\n", []string{"4:b"}},
		{"else after a taken branch", ".if 1\na\n.else\nb\n.endif\n", []string{"2:a"}},
		{"nested in a false block", ".if 0\n.if 1\na\n.else\nb\n.endif\n.else\nc\n.endif\n", []string{"8:c"}},
		{"nested in a true block", ".if 1\n.if 0\na\n.else\nb\n.endif\n.endif\n", []string{"5:b"}},
		{"condition from the environment", ".if \"$ONE\"\na\n.endif\n.if \"${NOPE}\"\nb\n.endif\n", []string{"2:a"}},
		{"words are joined", ".if streq(\"$WORDS\",a b)\na\n.endif\n", []string{"2:a"}},
		{"comment after a condition", ".if 1 # yes\na\n.endif # end\n", []string{"2:a"}},
		{"conditions in masked blocks are not evaluated", ".if 0\n.if yes\n.endif\n.elif 1\na\n.endif\n", []string{"5:a"}},
		{"elif after a taken branch is not evaluated", ".if 1\n.elif yes\n.endif\n", nil},
		{"directives in a false block are ignored", ".if 0\n.alert x\n.foo\n.notice n\n.endif\n", nil},
		{"messages", ".diag d\n.notice \"n 1\"\n.warning w\n.notice\n", []string{"1:DIAG:d", "2:NOTICE:n 1", "3:WARNING:w", "4:NOTICE:"}},
		{"empty first word", "\"\" b\n", []string{"1:DIAG:line ignored because its first word is empty"}},
		{"unterminated if", "a\n.if 1\n.if 0\nb\n", []string{"1:a", "4:error:unterminated .if block started at line 2", "4:error:unterminated .if block started at line 3"}},
		{"lone else", ".else\na\n", []string{"2:a", "1:error:lone '.else' with no matching '.if'"}},
		{"lone elif", ".elif 1\n", []string{"1:error:lone '.elif' with no matching '.if'"}},
		{"lone endif", "a\n.endif\n", []string{"1:a", "2:error:lone '.endif' with no matching '.if'"}},
		{"elif after else", ".if 0\n.else\n.elif 1\na\n.endif\n", []string{"4:a", "3:error:'.elif' after '.else' is not permitted"}},
		{"else after else", ".if 1\n.else\n.else\na\n.endif\n", []string{"3:error:'.else' after '.else' is not permitted"}},
		{"argument to else", ".if 0\n.else x\na\n.endif\n", []string{"3:a", "2:error:unexpected argument 'x' for '.else'"}},
		{"argument to endif", ".if 1\n.endif x\na\n", []string{"3:a", "2:error:unexpected argument 'x' for '.endif'"}},
		{"bad condition skips the block", ".if yes\na\n.else\nb\n.endif\nc\n", []string{"6:c", "1:error:.if: unparsable conditional expression 'yes'"}},
		{"bad elif condition", ".if 0\n.elif (1\na\n.else\nb\n.endif\n", []string{"2:error:.elif: expected ')' after conditional expression '(1'"}},
		{"lexing error in .if keeps the structure", ".if \"\na\n.else\nb\n.endif\nc\n", []string{"6:c", "1:error:unmatched quote at position 5"}},
		{"evaluation error", ".if openssl_version_atleast(1.1)\na\n.endif\n", []string{"1:error:.if: predicate 'openssl_version_atleast': not supported, switchyard does not use OpenSSL"}},
		{"99 levels", strings.Repeat(".if 1\n", 99) + "a\n" + strings.Repeat(".endif\n", 99), []string{"100:a"}},
		{"100 levels", strings.Repeat(".if 1\n", 100) + strings.Repeat(".endif\n", 100), []string{"100:error:too many nested '.if', max is 99"}},
		{"alert inside a true block", ".if 1\n.alert \"need SSL\"\n.endif\n", []string{"2:error:.alert: need SSL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := lexSummary(Lex("test.cfg", []byte(tt.in), lexTestOptions()))
			if !slices.Equal(got, tt.want) {
				t.Errorf("Lex(%q):\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLexLineFields(t *testing.T) {
	src := "# header\r\n\r\nglobal\r\n  maxconn \"${.LINE}\"\r\n.if 0\r\nx\r\n.endif\r\n[engine]\r\nfrontend fe # c\r\n  bind \"${.SECTION}\"\r\n"
	lines, msgs, errs := Lex("dir/a.cfg", []byte(src), lexTestOptions())
	if len(msgs) > 0 || len(errs) > 0 {
		t.Fatalf("unexpected messages %v or errors %v", msgs, errs)
	}
	want := []Line{
		{File: "dir/a.cfg", Num: 3, Args: []string{"global"}, Raw: "global"},
		{File: "dir/a.cfg", Num: 4, Args: []string{"maxconn", "4"}, Raw: `  maxconn "${.LINE}"`},
		{File: "dir/a.cfg", Num: 9, Args: []string{"frontend", "fe"}, Raw: "frontend fe # c", Scope: "engine"},
		{File: "dir/a.cfg", Num: 10, Args: []string{"bind", "fe"}, Raw: `  bind "${.SECTION}"`, Scope: "engine"},
	}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("Lex:\n got %+v\nwant %+v", lines, want)
	}
}

// The section keyword line itself still sees the previous section, and a
// section without a name is named after its keyword.
func TestLexSectionVariable(t *testing.T) {
	src := "global\nx \"${.SECTION}\"\nbackend \"${.SECTION}-b\"\ny \"${.SECTION}\"\n"
	got := lexSummary(Lex("s.cfg", []byte(src), lexTestOptions()))
	want := []string{"1:global", "2:x global", "3:backend global-b", "4:y global-b"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestLexDefaultEnv(t *testing.T) {
	t.Setenv("SWITCHYARD_LEX_TEST", "from-env")
	lines, _, errs := Lex("e.cfg", []byte(".if defined(SWITCHYARD_LEX_TEST)\na \"$SWITCHYARD_LEX_TEST\"\n.endif\n"), LexOptions{})
	if len(errs) > 0 || len(lines) != 1 || lines[0].Args[1] != "from-env" {
		t.Errorf("got %+v, errors %v", lines, errs)
	}
}

func TestErrorFormat(t *testing.T) {
	var l ErrorList
	if l.Err() != nil {
		t.Error("empty list: Err() != nil")
	}
	l.Add("a.cfg", 3, "bad %s", "thing")
	l.Add("a.cfg", 0, "unreadable")
	l.Add("", 0, "no file given")
	want := "a.cfg:3: bad thing\na.cfg: unreadable\nno file given"
	if err := l.Err(); err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	m := Message{File: "a.cfg", Line: 2, Level: LevelWarning, Msg: "hm"}
	if got := m.String() + " " + m.Level.String(); got != "a.cfg:2: hm WARNING" {
		t.Errorf("message renders as %q", got)
	}
}

// lexHAProxy returns the reference haproxy binary. Tests that need it fail
// without it, unless SWITCHYARD_NO_HAPROXY=1 says to skip them.
func lexHAProxy(t *testing.T) string {
	t.Helper()
	const path = "/usr/sbin/haproxy"
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("SWITCHYARD_NO_HAPROXY") == "1" {
			t.Skip("haproxy not installed and SWITCHYARD_NO_HAPROXY=1")
		}
		t.Fatalf("reference haproxy missing (set SWITCHYARD_NO_HAPROXY=1 to skip): %v", err)
	}
	return path
}

// lexHAProxyVersion returns the version of the reference haproxy, as
// version_atleast sees it there.
func lexHAProxyVersion(t *testing.T) string {
	t.Helper()
	out, _ := lexHAProxyRun(t, "-v")
	// "HAProxy version 2.6.12-1+deb12u4 2026/10/17 - https://haproxy.org/"
	f := strings.Fields(out)
	if len(f) < 3 || f[1] != "version" {
		t.Fatalf("cannot read the version of haproxy from %q", out)
	}
	return f[2]
}

// lexHAProxyRun runs haproxy with the test environment and returns its
// combined output and whether it found errors (exit status 1; 0 and 2 mean
// the file is valid).
func lexHAProxyRun(t *testing.T, args ...string) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, lexHAProxy(t), args...)
	for k, v := range lexTestEnv {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("haproxy %q timed out", args)
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("haproxy %q: %v", args, err)
	}
	return string(out), code == 1
}

// lexHAProxyLine matches what haproxy prints for a config line, e.g.
// "[NOTICE]   (12) : config : parsing [x.cfg:3]: 'msg'."
var lexHAProxyLine = regexp.MustCompile(`^\[(\w+)\] +\(\d+\) : config : parsing \[.*:(\d+)\]: (.*)$`)

// lexHAProxyReport lexes src with haproxy -c -dD and returns, in our
// summary format, the messages it printed before its first error, and the
// line of its first error (0 if none).
func lexHAProxyReport(t *testing.T, path string) (msgs []string, firstErr int) {
	t.Helper()
	out, failed := lexHAProxyRun(t, "-dD", "-c", "-f", path)
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		m := lexHAProxyLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		num, _ := strconv.Atoi(m[2])
		if m[1] == "ALERT" {
			if firstErr == 0 {
				firstErr = num
			}
			continue
		}
		if firstErr == 0 {
			text := strings.TrimSuffix(strings.TrimPrefix(m[3], "'"), "'.")
			msgs = append(msgs, fmt.Sprintf("%d:%s:%s", num, m[1], text))
		}
	}
	if failed != (firstErr != 0) {
		t.Fatalf("haproxy failed=%v but first error line %d; output:\n%s", failed, firstErr, out)
	}
	return msgs, firstErr
}

// TestLexAgainstHAProxy feeds the same files to haproxy and to Lex. The
// inputs hold only directives, so everything haproxy reports comes from its
// lexer: the messages must be the same, and so must the line of the first
// error (haproxy stops at some errors where Lex goes on).
func TestLexAgainstHAProxy(t *testing.T) {
	lexHAProxy(t)
	inputs := []string{
		".notice \"a b\"\n.notice a\\ b\n.notice 'x  y'\n.notice \"a\"b'c'\n.notice \"a\\#b\"\n.notice a#b\n.notice '\\\\'\n.notice \"\\\\\"\n",
		".notice \"\\$X\"\n.notice \\$X\n.notice \"$ONE\"\n.notice \"${ONE}x\"\n.notice \"${NOPE-def}\"\n.notice \"${EMPTY-def}\"\n.notice \"fd@${FD}\"\n.notice ${ONE}\n",
		".notice \"[$NOPE]\"\n.notice \"\"\n.notice\n.notice \"${.LINE}\"\n.notice \"${.FILE}\"\n.notice a\\x41\\q\n.notice \"$WORDS[*]\"\n.notice \"${NOPE[*]-p}\"\n",
		".diag d\n.warning w\n.notice \"a\"\"\"'b'\n.notice x\\x00y\n.notice \"${NOPE-a\"b}\"\n.notice a\\\n",
		"global\n.notice \"[${.SECTION}]\"\n[scope]\n.notice \"${.SECTION}\"\n",
		".notice \"${WORDS[*]}\"\n", ".notice \"${SPACED[*]}\"\n", ".notice a b\n", ".notice \"abc\n", ".notice 'abc\n",
		".notice \"${ONE\"\n", ".notice \"$1\"\n", ".notice \\xZZ\n", ".notice \"${X[x]}\"\n", ".notice \"${.FOO}\"\n",
		".notice ok\n.foo\n", ".alert \"boom\"\n", ".notice x\n.alert a b\n", ".notice x", ".notice a\x00b\n",
		".notice " + strings.Repeat("w ", 62) + "w\n", ".notice " + strings.Repeat("w ", 63) + "w\n", ".notice " + strings.Repeat("w ", 62) + "w \n",
		".if 1\n.notice a\n.else\n.notice b\n.endif\n", ".if 0\n.notice a\n.elif 1\n.notice b\n.else\n.notice c\n.endif\n",
		".if 0\n.if 1\n.notice a\n.endif\n.else\n.notice b\n.endif\n", ".if 0\n.notice \"unterminated\n.endif\n",
		".if 0\n.foo\n.alert x\n.endif\n.notice after\n", ".if 1\n.else\n.elif 1\n.endif\n", ".elif 1\n", ".endif\n", ".else\n",
		".if 1\n.else\n.else\n.endif\n", ".if 0\n.else x\n.endif\n", ".if 1\n.endif x\n", ".if 1\n.notice a\n", ".notice a\n.if yes\n.endif\n",
		strings.Repeat(".if 1\n", 99) + ".notice deep\n" + strings.Repeat(".endif\n", 99), strings.Repeat(".if 1\n", 100) + strings.Repeat(".endif\n", 100),
		".if \"$ONE\"\n.notice one\n.endif\n.if \"$ZERO\"\n.notice zero\n.endif\n.if \"$NOPE\"\n.notice nope\n.endif\n.if streq(\"$WORDS\",a b)\n.notice words\n.endif\n",
		".if \"$YES\"\n.notice yes\n.endif\n", ".if streq('a b',\"a b\") && !strneq(1,1) || 0\n.notice t\n.endif\n",
		"\"\" .notice x\n.notice y\n", "  .notice \"in\\tdented\"   # comment\n", ".notice a\rb\n", ".notice \"a\\x20b\"\n",
	}
	dir := t.TempDir()
	for i, in := range inputs {
		path := filepath.Join(dir, fmt.Sprintf("case%d.cfg", i))
		if err := os.WriteFile(path, []byte(in), 0o600); err != nil {
			t.Fatal(err)
		}
		wantMsgs, wantErr := lexHAProxyReport(t, path)
		_, msgs, errs := Lex(path, []byte(in), lexTestOptions())
		gotErr := 0
		if len(errs) > 0 {
			gotErr = errs[0].Line
		}
		var gotMsgs []string
		for _, m := range msgs {
			if (gotErr == 0 || m.Line <= gotErr) && m.Msg != lexEmptyFirstWord {
				gotMsgs = append(gotMsgs, fmt.Sprintf("%d:%s:%s", m.Line, m.Level, m.Msg))
			}
		}
		if gotErr != wantErr || !slices.Equal(gotMsgs, wantMsgs) {
			t.Errorf("input %q:\nhaproxy: messages %q, first error at line %d\nLex:     messages %q, errors %v",
				in, wantMsgs, wantErr, gotMsgs, errs)
		}
	}
}
