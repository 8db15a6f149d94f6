// Package http1 is switchyard's HTTP/1.x codec. It parses message heads in
// place (header names and values are slices of the caller's buffer), keeps
// haproxy 2.6's verdicts on malformed input, serialises heads the way
// haproxy forwards them, and frames bodies (content-length, chunked,
// until-close) without copying.
//
// A proxy owns its framing decisions, so this package decides nothing on its
// own about the network: the caller reads, the codec tells it what the bytes
// mean and what haproxy would have answered.
package http1
