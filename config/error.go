package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Error is one configuration problem at a position. Line 0 means the
// problem concerns the whole file, and File "" the whole configuration.
type Error struct {
	File string
	Line int
	Msg  string
}

// Error renders "file:line: message", the format every front end prints.
func (e *Error) Error() string {
	if e.File == "" {
		return e.Msg
	}
	if e.Line <= 0 {
		return e.File + ": " + e.Msg
	}
	return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Msg
}

// ErrorList collects every error of a run, so that a user fixes a config in
// one pass instead of one error per restart.
type ErrorList []*Error

// Add appends an error built from a printf-style format.
func (l *ErrorList) Add(file string, line int, format string, args ...any) {
	*l = append(*l, &Error{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// Error joins the errors one per line.
func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Err returns nil for an empty list. Returning the list itself would wrap a
// nil slice in a non-nil error interface.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Level of a .diag/.notice/.warning/.alert directive or a lexer warning,
// from least to most severe.
type Level int

// The levels mirror HAProxy's: diag messages are shown only in diagnostic
// mode (-dD), an alert is fatal.
const (
	LevelDiag Level = iota
	LevelNotice
	LevelWarning
	LevelAlert
)

// String names the level as HAProxy prints it.
func (l Level) String() string {
	switch l {
	case LevelDiag:
		return "DIAG"
	case LevelNotice:
		return "NOTICE"
	case LevelWarning:
		return "WARNING"
	case LevelAlert:
		return "ALERT"
	}
	return "Level(" + strconv.Itoa(int(l)) + ")"
}

// Message is a diagnostic the lexer produced that is not an error (an
// .alert is fatal, so it is reported as an Error instead).
type Message struct {
	File  string
	Line  int
	Level Level
	Msg   string
	// Dated says the message is about the date, not about the
	// configuration (a certificate near its expiry): the same files
	// that pass today would fail next week, so zero-warning and -dW do
	// not make it fatal (see Result.Strict).
	Dated bool
}

// String renders "file:line: message" like Error does.
func (m Message) String() string {
	return (&Error{File: m.File, Line: m.Line, Msg: m.Msg}).Error()
}
