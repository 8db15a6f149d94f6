// Package difftest holds the differential end-to-end tests: the same
// haproxy.cfg is run through the reference haproxy 2.6 and through
// switchyard, the same bytes are sent to both, and what the client and the
// origin servers observe must be the same.
//
// The package has no code of its own; everything lives in _test.go files.
// A case is one tcase value in a table (see harness_test.go): a config with
// ${FE_PORT}, ${S1_PORT}... placeholders, the raw bytes to send, and how the
// origins answer. Everything observed is rendered as lines of text and the
// two proxies' lines are diffed, so a failure reads as "- haproxy did this,
// + switchyard did that". A client connection may speak TLS (step.tls,
// tcase.tls, see tlsclient_test.go): its handshake is one line of the
// transcript, then the same steps run over it.
//
// Run it with `go test ./difftest/`. Environment knobs:
//
//	DIFFTEST_REF_ONLY=1      run haproxy on both sides (to debug the harness)
//	DIFFTEST_SHOW=1          log haproxy's observation for every case (-v)
//	SWITCHYARD_NO_HAPROXY=1  skip (rather than fail) when haproxy is missing
//	DIFFTEST_KNOWN_BUGS=1    also run the cases of switchyard bugs found and
//	                         not fixed yet (TestTLSKnownBugs), which fail
package difftest
