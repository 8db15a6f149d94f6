package backend

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchyard/internal/haproxytest"
)

func TestParseBalance(t *testing.T) {
	tests := []struct {
		args string
		want Algorithm
		err  string // substring of the error; "" means success
	}{
		{"", Algorithm{Kind: RoundRobin}, ""},
		{"roundrobin", Algorithm{Kind: RoundRobin}, ""},
		{"static-rr", Algorithm{Kind: StaticRR}, ""},
		{"leastconn", Algorithm{Kind: LeastConn}, ""},
		{"first", Algorithm{Kind: First}, ""},
		{"source", Algorithm{Kind: Source}, ""},
		{"random", Algorithm{Kind: Random, Draws: 2}, ""},
		{"random()", Algorithm{Kind: Random, Draws: 2}, ""},
		{"random(5)", Algorithm{Kind: Random, Draws: 5}, ""},
		{"random(0x3)", Algorithm{Kind: Random, Draws: 3}, ""},
		{"random(0)", Algorithm{}, "at least 1"},
		{"random(3", Algorithm{}, "missing closing parenthesis"},
		{"random(x)", Algorithm{}, "invalid number of draws"},
		{"randomfoo", Algorithm{}, "unknown balance algorithm"},
		{"uri", Algorithm{Kind: URI}, ""},
		{"uri whole", Algorithm{Kind: URI, URIWhole: true}, ""},
		{"uri len 5 depth 2 path-only", Algorithm{Kind: URI, URILen: 5, URIDepth: 2, URIPathOnly: true}, ""},
		{"uri len", Algorithm{}, "expects a positive integer"},
		{"uri len 0", Algorithm{}, "expects a positive integer (got '0')"},
		{"uri depth -1", Algorithm{}, "expects a positive integer"},
		{"uri len 5x", Algorithm{}, "expects a positive integer"},
		{"uri foo", Algorithm{}, "only accepts parameters"},
		{"url_param id", Algorithm{Kind: URLParam, Param: "id"}, ""},
		{"url_param", Algorithm{}, "requires an URL parameter name"},
		{"url_param id check_post", Algorithm{}, "'check_post' is not supported yet"},
		{"url_param id foo", Algorithm{}, "only accepts 'check_post'"},
		{"hdr(Host)", Algorithm{Kind: Header, Header: "Host"}, ""},
		{"hdr(host) use_domain_only", Algorithm{Kind: Header, Header: "host", UseDomainOnly: true}, ""},
		{"hdr()", Algorithm{}, "requires an http header field name"},
		{"hdr(host", Algorithm{}, "requires an http header field name"},
		{"hdr(host)x", Algorithm{}, "requires an http header field name"},
		{"hdr(host) foo", Algorithm{}, "only accepts 'use_domain_only'"},
		{"roundrobin foo", Algorithm{}, "takes no argument (got 'foo')"},
		{"source 1", Algorithm{}, "takes no argument"},
		{"hash", Algorithm{}, "hash requires a sample expression"},
		{"hash req.hdr(host) lower", Algorithm{}, "hash takes no other argument (got 'lower')"},
		{"hash foo", Algorithm{}, "failed to parse 'balance hash' expression 'foo' in : unknown fetch method 'foo'"},
		{"hash req.hdr(host),foo", Algorithm{}, "failed to parse 'balance hash' expression 'req.hdr(host),foo' in : unknown converter 'foo'"},
		{"hash res.hdr(host)", Algorithm{}, "error detected while parsing 'balance hash' expression 'res.hdr(host)'"},
		{"hash res.hdr(host)", Algorithm{}, "not available here"},
		{"rdp-cookie", Algorithm{Kind: RDPCookie, Cookie: "mstshash"}, ""},
		{"rdp-cookie(msts)", Algorithm{Kind: RDPCookie, Cookie: "msts"}, ""},
		{"rdp-cookie()", Algorithm{}, "rdp-cookie : missing cookie name"},
		{"rdp-cookie(msts", Algorithm{}, "rdp-cookie : missing cookie name"},
		{"rdp-cookiex", Algorithm{}, "rdp-cookie : missing cookie name"},
		{"rdp-cookie(a)b)", Algorithm{}, "rdp-cookie : unexpected 'b)' after the cookie name"},
		{"rdp-cookie msts", Algorithm{}, "takes no argument (got 'msts')"},
		{"bogus", Algorithm{}, "unknown balance algorithm 'bogus'"},
	}
	for _, tc := range tests {
		t.Run(tc.args, func(t *testing.T) {
			// Start from hash-type and hash-balance-factor settings,
			// which balance must keep.
			a := Algorithm{HashType: Consistent, HashFunc: CRC32, Avalanche: true, BalanceFactor: 150, Kind: URI, URILen: 9}
			before := a
			err := ParseBalance(strings.Fields(tc.args), &a)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				if a != before {
					t.Errorf("a failed parse changed the algorithm to %+v", a)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			want.HashType, want.HashFunc, want.Avalanche, want.BalanceFactor = Consistent, CRC32, true, 150
			if a != want {
				t.Errorf("got %+v, want %+v", a, want)
			}
		})
	}
}

func TestParseHashType(t *testing.T) {
	tests := []struct {
		args string
		typ  HashType
		fn   HashFunc
		aval bool
		err  string
	}{
		{"map-based", MapBased, SDBM, false, ""},
		{"consistent", Consistent, SDBM, true, ""},
		{"consistent sdbm", Consistent, SDBM, false, ""},
		{"consistent djb2 avalanche", Consistent, DJB2, true, ""},
		{"map-based wt6", MapBased, WT6, false, ""},
		{"map-based crc32 avalanche", MapBased, CRC32, true, ""},
		{"", 0, 0, false, "expects 'map-based' or 'consistent'"},
		{"avalanche", 0, 0, false, "not supported anymore"},
		{"ring", 0, 0, false, "only supports 'consistent' and 'map-based'"},
		{"consistent md5", 0, 0, false, "only supports 'sdbm', 'djb2', 'crc32', or 'wt6'"},
		{"consistent none", 0, 0, false, "'none' is not supported"},
		{"consistent sdbm fast", 0, 0, false, "only supports 'avalanche'"},
		{"consistent sdbm avalanche x", 0, 0, false, "only supports 'avalanche'"},
	}
	for _, tc := range tests {
		t.Run(tc.args, func(t *testing.T) {
			a := Algorithm{Kind: URLParam, Param: "id", HashFunc: WT6}
			err := ParseHashType(strings.Fields(tc.args), &a)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Algorithm{Kind: URLParam, Param: "id", HashType: tc.typ, HashFunc: tc.fn, Avalanche: tc.aval}
			if a != want {
				t.Errorf("got %+v, want %+v", a, want)
			}
		})
	}
}

// TestParseBalanceHash checks what `balance hash` keeps: the compiled
// expression (compared by its text, Expr being a pointer) and the settings
// of hash-type and hash-balance-factor.
func TestParseBalanceHash(t *testing.T) {
	for _, e := range []string{"req.hdr(host)", "req.hdr(host),lower", "src", "src,ipmask(24)", "var(txn.k)", "int(5)", "url_param(id),crc32"} {
		a := Algorithm{HashType: Consistent, HashFunc: DJB2, BalanceFactor: 125, Kind: URI, URIDepth: 2}
		if err := ParseBalance([]string{"hash", e}, &a); err != nil {
			t.Errorf("hash %s: %v", e, err)
			continue
		}
		if a.Expr == nil || a.Expr.String() != e {
			t.Errorf("hash %s: expression %v", e, a.Expr)
		}
		a.Expr = nil
		if want := (Algorithm{Kind: Hash, HashType: Consistent, HashFunc: DJB2, BalanceFactor: 125}); a != want {
			t.Errorf("hash %s: got %+v, want %+v", e, a, want)
		}
	}
	// The two directives commute.
	var a, b Algorithm
	if ParseBalance([]string{"hash", "src"}, &a) != nil || ParseHashType([]string{"consistent"}, &a) != nil || ParseHashBalanceFactor([]string{"150"}, &a) != nil {
		t.Fatal("parse failed")
	}
	if ParseHashBalanceFactor([]string{"150"}, &b) != nil || ParseHashType([]string{"consistent"}, &b) != nil || ParseBalance([]string{"hash", "src"}, &b) != nil {
		t.Fatal("parse failed")
	}
	b.Expr = a.Expr
	if a != b {
		t.Errorf("order matters: %+v vs %+v", a, b)
	}
}

func TestParseHashBalanceFactor(t *testing.T) {
	tests := []struct {
		args string
		want int
		err  string
	}{
		{"0", 0, ""},
		{"101", 101, ""},
		{"150", 150, ""},
		{"2147483647", 2147483647, ""},
		{"", 0, "expects an integer argument"},
		{"100", 0, "must be 0 or greater than 100"},
		{"1", 0, "must be 0 or greater than 100"},
		{"-5", 0, "must be 0 or greater than 100"},
		{"-99999999999999999999", 0, "must be 0 or greater than 100"},
		{"2147483648", 0, "must be at most 2147483647"},
		{"99999999999999999999", 0, "must be at most 2147483647"},
		// haproxy's atol() would read these as 0 and 150.
		{"abc", 0, "expects an integer argument (got 'abc')"},
		{"150x", 0, "expects an integer argument (got '150x')"},
		{"150 foo", 0, "takes only one argument (got 'foo')"},
	}
	for _, tc := range tests {
		t.Run(tc.args, func(t *testing.T) {
			a := Algorithm{Kind: Source, BalanceFactor: 7}
			err := ParseHashBalanceFactor(strings.Fields(tc.args), &a)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				if a.BalanceFactor != 7 {
					t.Errorf("a failed parse changed the factor to %d", a.BalanceFactor)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a != (Algorithm{Kind: Source, BalanceFactor: tc.want}) {
				t.Errorf("got %+v, want factor %d", a, tc.want)
			}
		})
	}
}

func TestParsePersist(t *testing.T) {
	tests := []struct {
		args, want, err string
	}{
		{"rdp-cookie", "msts", ""},
		{"rdp-cookie(mstshash)", "mstshash", ""},
		{"", "", "missing persist method"},
		{"cookie", "", "unknown persist method"},
		{"rdp-cookie()", "", "requires an rdp cookie name"},
		{"rdp-cookie(x", "", "requires an rdp cookie name"},
		{"rdp-cookiex", "", "requires an rdp cookie name"},
		{"rdp-cookie(x) y", "", "cannot handle unexpected argument 'y'"},
		{"rdp-cookie y", "", "cannot handle unexpected argument 'y'"},
	}
	for _, tc := range tests {
		got, err := ParsePersist(strings.Fields(tc.args))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("persist %s: error %v, want one containing %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("persist %s: got %q, %v; want %q", tc.args, got, err, tc.want)
		}
	}
}

func TestNeedsHTTP(t *testing.T) {
	for k := RoundRobin; k <= RDPCookie; k++ {
		want := k == URI || k == URLParam || k == Header
		if got := (Algorithm{Kind: k}).NeedsHTTP(); got != want {
			t.Errorf("%v: NeedsHTTP %v, want %v", k, got, want)
		}
	}
}

// TestParseMatchesHAProxy runs the directives of this change through
// `haproxy -c`: we must accept what haproxy accepts and refuse what it
// refuses, except where we are stricter on purpose (a word haproxy
// ignores, or reads as 0), and where haproxy's message is the same, say
// it in its words.
func TestParseMatchesHAProxy(t *testing.T) {
	haproxytest.Need(t)
	tests := []struct {
		line string
		// stricter: haproxy accepts, we refuse on purpose.
		stricter bool
		// same: haproxy's message contains ours.
		same bool
	}{
		{line: "balance hash req.hdr(host)"},
		{line: "balance hash req.hdr(host),lower"},
		{line: "balance hash src,ipmask(24)"},
		{line: "balance hash var(txn.k)"},
		{line: "balance hash int(5)"},
		{line: "balance hash", same: true},
		{line: `balance hash ""`, same: true},
		{line: "balance hash req.hdr(host) lower", same: true},
		{line: "balance hash foo", same: true},
		{line: "balance hash req.hdr(host),foo", same: true},
		{line: `balance hash "req.hdr(host) lower"`, same: true},
		{line: "balance hash res.hdr(host)"},
		{line: "balance rdp-cookie"},
		{line: "balance rdp-cookie(msts)"},
		{line: "balance rdp-cookie()", same: true},
		{line: "balance rdp-cookie(msts", same: true},
		{line: "balance rdp-cookiex", same: true},
		{line: "balance rdp-cookie(a)b)", stricter: true},
		{line: "balance rdp-cookie msts", stricter: true},
		{line: "hash-balance-factor 0"},
		{line: "hash-balance-factor 101"},
		{line: "hash-balance-factor 150"},
		{line: "hash-balance-factor", same: true},
		{line: "hash-balance-factor 100", same: true},
		{line: "hash-balance-factor -5", same: true},
		{line: "hash-balance-factor abc", stricter: true},
		{line: "hash-balance-factor 150x", stricter: true},
		{line: "hash-balance-factor 150 foo", stricter: true},
		{line: "hash-balance-factor 5000000000", stricter: true},
		{line: "persist rdp-cookie"},
		{line: "persist rdp-cookie(mstshash)"},
		{line: "persist", same: true},
		{line: "persist foo", same: true},
		{line: "persist rdp-cookie()"},
		{line: "persist rdp-cookiex"},
		{line: "persist rdp-cookie(x) y", same: true},
		{line: "persist rdp-cookie y", stricter: true},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			t.Parallel()
			words := splitQuoted(tc.line)
			var a Algorithm
			var err error
			switch words[0] {
			case "balance":
				err = ParseBalance(words[1:], &a)
			case "hash-balance-factor":
				err = ParseHashBalanceFactor(words[1:], &a)
			case "persist":
				_, err = ParsePersist(words[1:])
			}
			refused, out := haproxyRefuses(t, tc.line)
			switch {
			case tc.stricter:
				if refused || err == nil {
					t.Fatalf("want haproxy to accept and us to refuse; haproxy refused: %v, we: %v\n%s", refused, err, out)
				}
			case refused != (err != nil):
				t.Fatalf("haproxy refused: %v, we: %v\n%s", refused, err, out)
			case tc.same && !strings.Contains(out, err.Error()):
				t.Errorf("haproxy's message does not contain ours %q:\n%s", err, out)
			}
		})
	}
}

// splitQuoted splits a config line into words as haproxy does for the
// lines above: blanks separate words, except inside double quotes.
func splitQuoted(line string) []string {
	var words []string
	var w strings.Builder
	inWord, quoted := false, false
	for _, c := range line {
		switch {
		case c == '"':
			quoted, inWord = !quoted, true
		case c == ' ' && !quoted:
			if inWord {
				words = append(words, w.String())
				w.Reset()
			}
			inWord = false
		default:
			w.WriteRune(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// haproxyRefuses runs `haproxy -c` on a backend holding line (and a
// server) and reports whether haproxy refused it, with its output.
func haproxyRefuses(t *testing.T, line string) (bool, string) {
	t.Helper()
	cfg := "global\n  nbthread 1\ndefaults\n  mode tcp\n  timeout connect 1s\n  timeout client 1s\n  timeout server 1s\n" +
		"backend be\n  " + line + "\n  server s1 127.0.0.1:1\n"
	path := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, haproxytest.Bin, "-c", "-f", path).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return false, string(out)
	case errors.As(err, &ee) && ee.ExitCode() == 2:
		// "no error but will not start (no listener)"
		return false, string(out)
	case errors.As(err, &ee) && ee.ExitCode() == 1:
		return true, string(out)
	}
	t.Fatalf("haproxy -c: %v\n%s", err, out)
	return false, ""
}
