package config

import (
	"bytes"
	"os"
	"strconv"
	"strings"
)

// The lexer follows HAProxy 2.6 (doc/configuration.txt §2.2–2.4; the
// behaviour of parse_line and readcfgfile, checked against the haproxy 2.6
// binary). Where HAProxy stops reading a file at an error, the lexer
// reports the error and goes on, so that one run lists every problem.

// LexOptions configures Lex and EvalCond.
type LexOptions struct {
	// Env looks a variable up; nil means os.LookupEnv.
	Env func(string) (string, bool)
	// Features lists the build features that feature() reports as present.
	Features []string
	// Version is the HAProxy-compatible version that version_atleast and
	// version_before compare with; empty means condDefaultVersion.
	Version string
}

// Line is one logical configuration line after quoting, escaping,
// environment expansion and conditional blocks.
type Line struct {
	File string
	Num  int
	// Args are the words; Args[0] is the keyword and is never empty.
	// A quoted empty string ("") is kept as an empty word.
	Args []string
	// Raw is the original text of the line, for messages.
	Raw string
	// Scope is the name set by the last "[name]" line of the file, which
	// HAProxy only gives a meaning to in SPOE configuration files.
	Scope string
}

// lexMaxWords mirrors HAProxy's MAX_LINE_ARGS.
const lexMaxWords = 64

// lexMaxNesting mirrors HAProxy's MAXNESTEDCONDS: an .if that would open
// level 100 is an error.
const lexMaxNesting = 100

// lexEmptyFirstWord is the diagnostic for a line HAProxy silently ignores.
const lexEmptyFirstWord = "line ignored because its first word is empty"

// lexSections are the section keywords of HAProxy 2.6 (its
// REGISTER_CONFIG_SECTION calls). The lexer only needs them to resolve the
// .SECTION pseudo-variable.
var lexSections = map[string]bool{
	"global": true, "defaults": true, "frontend": true, "backend": true,
	"listen": true, "userlist": true, "peers": true, "mailers": true,
	"resolvers": true, "program": true, "http-errors": true, "ring": true,
	"cache": true, "fcgi-app": true, "log-forward": true,
	"namespace_list": true,
}

// lexCondState is where a conditional block stands.
type lexCondState int

const (
	// lexCondTake: the current branch is taken.
	lexCondTake lexCondState = iota
	// lexCondDrop: no branch taken yet; a later .elif or .else may be.
	lexCondDrop
	// lexCondSkip: a branch was taken already, the enclosing block is
	// masked, or the condition could not be evaluated; nothing more of
	// this block is taken.
	lexCondSkip
)

type lexCond struct {
	line    int // where the .if is, for the unterminated-block error
	state   lexCondState
	sawElse bool
}

// lexError is a problem found while cutting a line into words.
type lexError struct {
	pos int // 0-based byte offset in the physical line, -1 if none
	msg string
}

type lexer struct {
	file    string
	opt     LexOptions
	num     int
	section string // for .SECTION: the name of the section being read
	scope   string
	conds   []lexCond
	lines   []Line
	msgs    []Message
	errs    ErrorList
}

// Lex splits one file into lines. It returns every error it finds, not just
// the first: unterminated quotes, bad escapes, bad variable references,
// conditional-block nesting errors, unknown '.' directives, and .alert
// (after which, like HAProxy, it reads no further).
func Lex(file string, src []byte, opt LexOptions) ([]Line, []Message, ErrorList) {
	lx := &lexer{file: file, opt: opt}
	for len(src) > 0 {
		lx.num++
		text, rest, hasLF := bytes.Cut(src, []byte{'\n'})
		src = rest
		if nul := bytes.IndexByte(text, 0); nul >= 0 {
			// HAProxy reads lines as C strings: the NUL ends the line.
			lx.errorf("stray NUL character at position %d", nul+1)
			text = text[:nul]
		}
		if stop := lx.line(string(text)); stop {
			return lx.lines, lx.msgs, lx.errs
		}
		if !hasLF {
			lx.errorf("missing LF on last line, file might have been truncated at position %d", len(text)+1)
		}
	}
	for _, c := range lx.conds {
		lx.errorf("unterminated .if block started at line %d", c.line)
	}
	return lx.lines, lx.msgs, lx.errs
}

func (lx *lexer) errorf(format string, args ...any) {
	lx.errs.Add(lx.file, lx.num, format, args...)
}

func (lx *lexer) masked() bool {
	return len(lx.conds) > 0 && lx.conds[len(lx.conds)-1].state != lexCondTake
}

// line handles one physical line; it reports whether lexing must stop.
func (lx *lexer) line(text string) bool {
	start := 0
	for start < len(text) && lexIsSpace(text[start]) {
		start++
	}
	if start < len(text) && text[start] == '[' {
		// Scopes are read before anything else, even in masked blocks.
		lx.scopeLine(text, start)
		return false
	}
	raw, lerr := lx.split(text, start)
	words := lexCutNUL(raw)
	switch {
	case lerr != nil && lerr.pos >= 0:
		lx.errorf("%s at position %d", lerr.msg, lerr.pos+1)
	case lerr != nil:
		lx.errorf("%s", lerr.msg)
	}
	if len(words) == 0 {
		return false
	}
	// Block structure is kept even for a line with an error, so that one
	// bad .if does not turn every later .else and .endif into an error.
	if lx.condDirective(words, raw, lerr != nil) {
		return false
	}
	if lerr != nil || lx.masked() {
		return false
	}
	if words[0] == "" {
		// HAProxy takes a line whose first word is empty for a blank one.
		lx.message(LevelDiag, lexEmptyFirstWord)
		return false
	}
	if words[0][0] == '.' {
		return lx.directive(words)
	}
	if lexSections[words[0]] {
		lx.section = words[0]
		if name := lexArg(words, 1); name != "" {
			lx.section = name
		}
	}
	lx.lines = append(lx.lines, Line{
		File:  lx.file,
		Num:   lx.num,
		Args:  words,
		Raw:   strings.TrimSuffix(text, "\r"),
		Scope: lx.scope,
	})
	return false
}

func (lx *lexer) message(level Level, msg string) {
	lx.msgs = append(lx.msgs, Message{File: lx.file, Line: lx.num, Level: level, Msg: msg})
}

// scopeLine reads a "[name]" line starting at text[start].
func (lx *lexer) scopeLine(text string, start int) {
	body := text[start+1:]
	end := strings.IndexByte(body, ']')
	switch {
	case end < 0:
		lx.errorf("missing ']' in scope declaration")
		return
	case end == 0:
		lx.errorf("empty scope name is forbidden")
		return
	}
	name := body[:end]
	for i := 0; i < len(name); i++ {
		if c := name[i]; !lexIsAlnum(c) && c != '.' && c != ':' && c != '_' && c != '-' {
			lx.errorf("character '%c' is not permitted in a scope name", c)
			return
		}
	}
	rest := strings.TrimLeft(body[end+1:], " \t\n\v\f\r")
	if rest != "" && rest[0] != '#' {
		lx.errorf("character '%c' is not permitted after scope declaration", rest[0])
		return
	}
	lx.scope = name
}

// condDirective applies .if/.elif/.else/.endif; it reports whether words
// was one of them. raw are the words before lexCutNUL, which conditions
// are made of. broken means the line had a lexing error already reported:
// its condition is not evaluated and its block is skipped.
func (lx *lexer) condDirective(words, raw []string, broken bool) bool {
	switch words[0] {
	case ".if":
		state := lexCondSkip
		switch {
		case len(lx.conds)+1 >= lexMaxNesting:
			lx.errorf("too many nested '.if', max is %d", lexMaxNesting-1)
		case !lx.masked() && !broken:
			state = lx.eval(".if", raw[1:])
		}
		lx.conds = append(lx.conds, lexCond{line: lx.num, state: state})
	case ".elif":
		c := lx.current(".elif")
		switch {
		case c == nil:
		case c.sawElse:
			lx.errorf("'.elif' after '.else' is not permitted")
		case c.state != lexCondDrop || broken:
			c.state = lexCondSkip
		default:
			c.state = lx.eval(".elif", raw[1:])
		}
	case ".else":
		lx.noArgs(words, broken)
		c := lx.current(".else")
		switch {
		case c == nil:
		case c.sawElse:
			lx.errorf("'.else' after '.else' is not permitted")
		case c.state == lexCondDrop:
			c.state, c.sawElse = lexCondTake, true
		default:
			c.state, c.sawElse = lexCondSkip, true
		}
	case ".endif":
		lx.noArgs(words, broken)
		if lx.current(".endif") != nil {
			lx.conds = lx.conds[:len(lx.conds)-1]
		}
	default:
		return false
	}
	return true
}

// current returns the innermost open block, or reports that the directive
// has none.
func (lx *lexer) current(directive string) *lexCond {
	if len(lx.conds) == 0 {
		lx.errorf("lone '%s' with no matching '.if'", directive)
		return nil
	}
	return &lx.conds[len(lx.conds)-1]
}

func (lx *lexer) noArgs(words []string, broken bool) {
	// Like HAProxy, an empty word does not count as an argument.
	if arg := lexArg(words, 1); arg != "" && !broken {
		lx.errorf("unexpected argument '%s' for '%s'", arg, words[0])
	}
}

func (lx *lexer) eval(directive string, raw []string) lexCondState {
	// HAProxy re-merges the words of the line by turning every NUL in its
	// buffer into a space, the NULs of \x00 escapes included.
	expr := strings.ReplaceAll(strings.Join(raw, " "), "\x00", " ")
	ok, err := EvalCond([]string{expr}, lx.opt)
	switch {
	case err != nil:
		lx.errorf("%s: %v", directive, err)
		return lexCondSkip
	case ok:
		return lexCondTake
	}
	return lexCondDrop
}

// directive handles the reporting directives; it reports whether lexing
// must stop.
func (lx *lexer) directive(words []string) bool {
	var level Level
	switch words[0] {
	case ".diag":
		level = LevelDiag
	case ".notice":
		level = LevelNotice
	case ".warning":
		level = LevelWarning
	case ".alert":
		level = LevelAlert
	default:
		lx.errorf("unknown directive '%s'", words[0])
		return false
	}
	if extra := lexArg(words, 2); extra != "" {
		lx.errorf("unexpected argument '%s' for '%s'; use quotes if the message should contain spaces", extra, words[0])
		return false
	}
	msg := lexArg(words, 1)
	if level == LevelAlert {
		// HAProxy stops reading the configuration at an alert.
		lx.errorf(".alert: %s", msg)
		return true
	}
	lx.message(level, msg)
	return false
}

// lexArg returns words[i], or "" past the end, the way HAProxy's argument
// arrays read.
func lexArg(words []string, i int) string {
	if i < len(words) {
		return words[i]
	}
	return ""
}

// split cuts text[start:] into words. On error it returns the words
// completed before the error, so that a directive keyword can still be
// recognised.
func (lx *lexer) split(text string, start int) ([]string, *lexError) {
	w := lexWords{}
	squote, dquote := false, false
	quote := 0 // where the open quote is
	i := start
scan:
	for i < len(text) {
		c := text[i]
		switch {
		case c == '\r':
			// HAProxy ends a line at a CR wherever it is, even in quotes.
			break scan
		case c == '#' && !squote && !dquote:
			break scan
		case c == '"' && !squote:
			// Opening quotes make a word even if nothing follows; closing
			// ones do not, so that a ${X[*]} split at a trailing blank of
			// the value leaves no empty word behind.
			dquote = !dquote
			w.started = w.started || dquote
			quote = i
			i++
		case c == '\'' && !dquote:
			squote = !squote
			w.started = w.started || squote
			quote = i
			i++
		case c == '\\' && !squote:
			n, err := w.escape(text, i, dquote)
			if err != nil {
				return w.words, err
			}
			i += n
		case lexIsSpace(c) && !squote && !dquote:
			for i < len(text) && lexIsSpace(text[i]) {
				i++
			}
			w.finish()
		case c == '$' && dquote:
			n, err := lx.expand(&w, text, i)
			if err != nil {
				return w.words, err
			}
			i += n
		default:
			w.add(c)
			i++
		}
	}
	if squote || dquote {
		return w.words, &lexError{pos: quote, msg: "unmatched quote"}
	}
	if w.seps >= lexMaxWords {
		// HAProxy counts separators, so blanks after the 64th word count.
		return w.words, &lexError{pos: -1, msg: "too many words, the limit is " + strconv.Itoa(lexMaxWords)}
	}
	if w.started {
		w.words = append(w.words, string(w.cur))
	}
	return w.words, nil
}

// lexCutNUL ends each word at its first NUL (from a \x00 escape), as the
// NUL ends the C string in HAProxy.
func lexCutNUL(raw []string) []string {
	words := make([]string, len(raw))
	for i, w := range raw {
		words[i], _, _ = strings.Cut(w, "\x00")
	}
	return words
}

// lexWords accumulates the words of a line.
type lexWords struct {
	words   []string
	cur     []byte
	started bool // the current word exists even if empty (quotes seen)
	seps    int  // word separators seen, as HAProxy counts them
}

func (w *lexWords) add(c byte) {
	w.cur = append(w.cur, c)
	w.started = true
}

func (w *lexWords) finish() {
	w.words = append(w.words, string(w.cur))
	w.cur = w.cur[:0]
	w.started = false
	w.seps++
}

// escape handles the backslash at text[i] (outside single quotes) and
// returns how many bytes it used. Sequences that mean nothing keep their
// backslash, as in HAProxy ("\1" stays "\1").
func (w *lexWords) escape(text string, i int, dquote bool) (int, *lexError) {
	var next byte
	if i+1 < len(text) {
		next = text[i+1]
	}
	switch next {
	case ' ', '\\', '#', '\'', '"':
		w.add(next)
	case 't':
		w.add('\t')
	case 'n':
		w.add('\n')
	case 'r':
		w.add('\r')
	case '$':
		// Outside double quotes '$' is not special, so neither is "\$".
		if !dquote {
			w.add('\\')
			return 1, nil
		}
		w.add('$')
	case 'x':
		if i+3 >= len(text) || !lexIsHex(text[i+2]) || !lexIsHex(text[i+3]) {
			return 0, &lexError{pos: i, msg: "truncated or invalid hexadecimal sequence"}
		}
		v, _ := strconv.ParseUint(text[i+2:i+4], 16, 8)
		w.add(byte(v))
		return 4, nil
	default:
		w.add('\\')
		return 1, nil
	}
	return 2, nil
}

// expand substitutes the variable reference at text[i] ('$', inside
// double quotes) and returns how many bytes it used. Forms: $NAME,
// ${NAME}, ${NAME-default} (default used only when NAME is unset) and
// ${NAME[*]}, which splits the value into words at blanks.
func (lx *lexer) expand(w *lexWords, text string, i int) (int, *lexError) {
	j := i + 1
	brace := -1
	if j < len(text) && text[j] == '{' {
		brace = j
		j++
	}
	if j >= len(text) || !(lexIsAlpha(text[j]) || text[j] == '_' || text[j] == '.') {
		return 0, &lexError{pos: j, msg: "forbidden first character in environment variable name"}
	}
	nameStart := j
	if text[j] == '.' {
		j++
	}
	for j < len(text) && (lexIsAlnum(text[j]) || text[j] == '_') {
		j++
	}
	name := text[nameStart:j]
	value, set, known := lx.lookup(name)
	if !known {
		return 0, &lexError{pos: nameStart, msg: "unknown pseudo-variable '" + name + "'"}
	}
	split := false
	if brace >= 0 && j < len(text) && text[j] == '[' {
		if !strings.HasPrefix(text[j:], "[*]") {
			return 0, &lexError{pos: j, msg: "truncated or invalid word expansion sequence"}
		}
		split = true
		j += 3
	}
	if brace >= 0 {
		if j < len(text) && text[j] == '-' {
			// The default is raw text: no quoting or escaping inside.
			end := strings.IndexByte(text[j:], '}')
			if end < 0 {
				return 0, &lexError{pos: brace, msg: "unmatched brace in environment variable name"}
			}
			if !set {
				value = text[j+1 : j+end]
			}
			j += end
		}
		if j >= len(text) || text[j] != '}' {
			return 0, &lexError{pos: brace, msg: "unmatched brace in environment variable name"}
		}
		j++
	}
	for k := 0; k < len(value); k++ {
		if split && lexIsSpace(value[k]) {
			for k+1 < len(value) && lexIsSpace(value[k+1]) {
				k++
			}
			w.finish()
			continue
		}
		w.add(value[k])
	}
	return j - i, nil
}

// lookup resolves a variable name. known is false for a pseudo-variable
// (leading '.') that does not exist; set is false for an unset variable.
func (lx *lexer) lookup(name string) (value string, set, known bool) {
	switch name {
	case ".LINE":
		return strconv.Itoa(lx.num), true, true
	case ".FILE":
		return lx.file, true, true
	case ".SECTION":
		return lx.section, lx.section != "", true
	}
	if name[0] == '.' {
		return "", false, false
	}
	value, set = lx.opt.lexGetenv(name)
	return value, set, true
}

func (o LexOptions) lexGetenv(name string) (string, bool) {
	if o.Env == nil {
		return os.LookupEnv(name)
	}
	return o.Env(name)
}

// lexIsSpace is C's isspace in the C locale.
func lexIsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func lexIsAlpha(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func lexIsDigit(c byte) bool {
	return '0' <= c && c <= '9'
}

func lexIsAlnum(c byte) bool {
	return lexIsAlpha(c) || lexIsDigit(c)
}

func lexIsHex(c byte) bool {
	return lexIsDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
