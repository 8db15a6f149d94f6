package http1

import (
	"errors"
	"strconv"
)

// ErrIncomplete means the buffer ends before the message head (or the chunk
// line, or the trailers) does: read more and call again.
var ErrIncomplete = errors.New("http1: incomplete message")

// ParseError is a message haproxy would refuse. Status is what haproxy
// answers the client: 400, 413 or 422 for a request, 502 for a response.
type ParseError struct {
	Status int
	Offset int    // byte offset in the buffer where the fault was found
	Reason string // short, constant description for logs
}

func (e *ParseError) Error() string {
	return "http1: " + e.Reason + " (status " + strconv.Itoa(e.Status) + ", offset " + strconv.Itoa(e.Offset) + ")"
}

// fail fills the error that a message keeps for itself so that rejecting a
// request does not allocate; the pointer stays valid until the next Parse.
func (e *ParseError) fail(status, off int, reason string) *ParseError {
	*e = ParseError{Status: status, Offset: off, Reason: reason}
	return e
}
