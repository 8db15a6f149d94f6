package backend

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"switchyard/sample"
)

// ParseBalance is ParseBalanceEnv without a configuration environment:
// `balance hash` expressions then read map and pattern files from the
// working directory, each into a reference of its own.
func ParseBalance(args []string, a *Algorithm) error {
	return ParseBalanceEnv(nil, args, a)
}

// ParseBalanceEnv applies the arguments that follow `balance` to a, leaving
// the hash-type and hash-balance-factor fields alone. No argument means
// roundrobin, as in haproxy. The expression of `balance hash` is compiled
// here, in env, so that nothing is parsed per request and a bad expression
// is reported at the `balance` line (haproxy reports it at the end of the
// section, naming the section's line).
// haproxy silently ignores some trailing words (`balance roundrobin foo`,
// `randomfoo`, `rdp-cookie(x)y`); we reject them, since an ignored word is
// usually a typo.
func ParseBalanceEnv(env *sample.Env, args []string, a *Algorithm) error {
	b := Algorithm{HashType: a.HashType, HashFunc: a.HashFunc, Avalanche: a.Avalanche, BalanceFactor: a.BalanceFactor}
	if len(args) == 0 {
		*a = b
		return nil
	}
	name, opts := args[0], args[1:]
	var err error
	switch {
	case name == "roundrobin":
		b.Kind = RoundRobin
	case name == "static-rr":
		b.Kind = StaticRR
	case name == "leastconn":
		b.Kind = LeastConn
	case name == "first":
		b.Kind = First
	case name == "source":
		b.Kind = Source
	case name == "random" || strings.HasPrefix(name, "random("):
		b.Kind = Random
		b.Draws, err = parseDraws(name)
	case name == "uri":
		b.Kind = URI
		err = parseURIOptions(opts, &b)
		opts = nil
	case name == "url_param":
		b.Kind = URLParam
		err = parseURLParam(opts, &b)
		opts = nil
	case strings.HasPrefix(name, "hdr("):
		b.Kind = Header
		err = parseHeader(name, opts, &b)
		opts = nil
	case name == "hash":
		b.Kind = Hash
		b.Expr, err = parseHashExpr(env, opts)
		opts = nil
	case strings.HasPrefix(name, "rdp-cookie"):
		// haproxy matches the prefix, so "rdp-cookiex" is a malformed
		// name rather than an unknown algorithm.
		b.Kind = RDPCookie
		b.Cookie, err = parseCookieName(name, "rdp-cookie", "mstshash")
		if err != nil {
			err = fmt.Errorf("rdp-cookie : %v", err)
		}
	default:
		return fmt.Errorf("unknown balance algorithm '%s': supported are 'roundrobin', 'static-rr', 'leastconn', 'first', 'random', 'source', 'uri', 'url_param', 'hdr(name)', 'rdp-cookie' and 'hash'", name)
	}
	if err != nil {
		return err
	}
	if len(opts) > 0 {
		return fmt.Errorf("balance %s takes no argument (got '%s')", name, opts[0])
	}
	*a = b
	return nil
}

// parseDraws reads "random" or "random(N)"; haproxy's default is 2 draws.
func parseDraws(name string) (int, error) {
	if name == "random" || name == "random()" {
		return 2, nil
	}
	arg, ok := strings.CutSuffix(strings.TrimPrefix(name, "random("), ")")
	if !ok {
		return 0, errors.New("random : missing closing parenthesis")
	}
	// base 0 like haproxy's strtol(…, 0): "0x3" is accepted.
	n, err := strconv.ParseInt(arg, 0, 32)
	if err != nil {
		return 0, fmt.Errorf("random : invalid number of draws '%s'", arg)
	}
	if n < 1 {
		return 0, errors.New("random : number of draws must be at least 1")
	}
	return int(n), nil
}

func parseURIOptions(opts []string, b *Algorithm) error {
	for i := 0; i < len(opts); i++ {
		switch opts[i] {
		case "len", "depth":
			if i+1 == len(opts) {
				return fmt.Errorf("uri : '%s' expects a positive integer", opts[i])
			}
			n, err := strconv.Atoi(opts[i+1])
			if err != nil || n <= 0 {
				return fmt.Errorf("uri : '%s' expects a positive integer (got '%s')", opts[i], opts[i+1])
			}
			if opts[i] == "len" {
				b.URILen = n
			} else {
				b.URIDepth = n
			}
			i++
		case "whole":
			b.URIWhole = true
		case "path-only":
			b.URIPathOnly = true
		default:
			return fmt.Errorf("uri only accepts parameters 'len', 'depth', 'path-only', and 'whole' (got '%s')", opts[i])
		}
	}
	return nil
}

func parseURLParam(opts []string, b *Algorithm) error {
	if len(opts) == 0 || opts[0] == "" {
		return errors.New("url_param requires an URL parameter name")
	}
	b.Param = opts[0]
	if len(opts) > 1 {
		if opts[1] == "check_post" {
			return errors.New("url_param: 'check_post' is not supported yet")
		}
		return fmt.Errorf("url_param only accepts 'check_post' modifier (got '%s')", opts[1])
	}
	return nil
}

// setSrvSources is what a `balance hash` expression may read: haproxy
// evaluates it when it assigns a server (SMP_VAL_BE_SET_SRV), when the
// connection, the request and the backend are known, the server and the
// response not yet.
const setSrvSources = sample.SrcL4 | sample.SrcL6Req | sample.SrcHTTPReq | sample.SrcBackend

// parseHashExpr compiles the expression of `balance hash`. haproxy takes
// exactly one word: converters must be joined with commas, and a word
// after the expression is an error, not a converter.
func parseHashExpr(env *sample.Env, opts []string) (*sample.Expr, error) {
	if len(opts) == 0 || opts[0] == "" {
		return nil, errors.New("hash requires a sample expression")
	}
	if len(opts) > 1 {
		return nil, fmt.Errorf("hash takes no other argument (got '%s')", opts[1])
	}
	e, err := sample.ParseExpr(env, opts[0])
	if err != nil {
		return nil, fmt.Errorf("failed to parse 'balance hash' expression '%s' in : %v", opts[0], err)
	}
	if err := e.Check(setSrvSources); err != nil {
		return nil, fmt.Errorf("error detected while parsing 'balance hash' expression '%s' : %v", opts[0], err)
	}
	return e, nil
}

// parseCookieName reads the RDP cookie name of "rdp-cookie" or
// "rdp-cookie(NAME)" (word starts with kw); def is the name when none is
// given.
func parseCookieName(word, kw, def string) (string, error) {
	rest := word[len(kw):]
	if rest == "" {
		return def, nil
	}
	end := strings.IndexByte(rest, ')')
	if rest[0] != '(' || end < 0 || end == 1 {
		return "", errors.New("missing cookie name")
	}
	if end != len(rest)-1 {
		return "", fmt.Errorf("unexpected '%s' after the cookie name", rest[end+1:])
	}
	return rest[1:end], nil
}

func parseHeader(name string, opts []string, b *Algorithm) error {
	h, ok := strings.CutSuffix(strings.TrimPrefix(name, "hdr("), ")")
	if !ok || h == "" || strings.ContainsAny(h, "()") {
		return fmt.Errorf("hdr requires an http header field name, as in 'hdr(Host)' (got '%s')", name)
	}
	b.Header = h
	switch {
	case len(opts) == 0:
	case len(opts) == 1 && opts[0] == "use_domain_only":
		b.UseDomainOnly = true
	default:
		return fmt.Errorf("%s only accepts 'use_domain_only' modifier (got '%s')", name, strings.Join(opts, " "))
	}
	return nil
}

// ParseHashType applies the arguments that follow `hash-type` to a:
// `map-based|consistent [sdbm|djb2|wt6|crc32 [avalanche]]`. As in haproxy,
// `consistent` alone means sdbm with avalanche, while naming a function
// turns avalanche off unless it is given too.
func ParseHashType(args []string, a *Algorithm) error {
	if len(args) == 0 {
		return errors.New("hash-type expects 'map-based' or 'consistent'")
	}
	var t HashType
	switch args[0] {
	case "map-based":
		t = MapBased
	case "consistent":
		t = Consistent
	case "avalanche":
		return errors.New("hash-type avalanche is not supported anymore, use 'hash-type map-based sdbm avalanche' instead")
	default:
		return fmt.Errorf("hash-type only supports 'consistent' and 'map-based' (got '%s')", args[0])
	}
	if len(args) == 1 {
		a.HashType, a.HashFunc, a.Avalanche = t, SDBM, t == Consistent
		return nil
	}
	var f HashFunc
	switch args[1] {
	case "sdbm":
		f = SDBM
	case "djb2":
		f = DJB2
	case "wt6":
		f = WT6
	case "crc32":
		f = CRC32
	case "none":
		// haproxy 2.7 added "none" (the key of `balance hash` taken as
		// the hash); 2.6 rejects it, even with `balance hash`.
		return errors.New("hash-type: hash function 'none' is not supported (it is haproxy 2.7's)")
	default:
		return fmt.Errorf("hash-type only supports 'sdbm', 'djb2', 'crc32', or 'wt6' hash functions (got '%s')", args[1])
	}
	aval := false
	switch {
	case len(args) == 2:
	case len(args) == 3 && args[2] == "avalanche":
		aval = true
	default:
		return fmt.Errorf("hash-type only supports 'avalanche' as a modifier for hash functions (got '%s')", strings.Join(args[2:], " "))
	}
	a.HashType, a.HashFunc, a.Avalanche = t, f, aval
	return nil
}

// maxBalanceFactor bounds hash-balance-factor: haproxy keeps it in an int,
// and a larger value would not mean what was written.
const maxBalanceFactor = 1<<31 - 1

// ParseHashBalanceFactor applies the argument of `hash-balance-factor` to a:
// 0 (off) or a percentage above 100. haproxy reads it with atol(), so that
// "abc" or "150x" are silently 0 or 150; we reject them as typos.
func ParseHashBalanceFactor(args []string, a *Algorithm) error {
	if len(args) == 0 || args[0] == "" {
		return errors.New("expects an integer argument")
	}
	if len(args) > 1 {
		return fmt.Errorf("takes only one argument (got '%s')", args[1])
	}
	n, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return fmt.Errorf("expects an integer argument (got '%s')", args[0])
	}
	if err != nil && strings.HasPrefix(args[0], "-") {
		n, err = -1, nil // below 101 as well
	}
	if err != nil || n > maxBalanceFactor {
		return fmt.Errorf("must be at most %d (got '%s')", maxBalanceFactor, args[0])
	}
	if n != 0 && n <= 100 {
		return errors.New("must be 0 or greater than 100")
	}
	a.BalanceFactor = int(n)
	return nil
}

// ParsePersist reads the arguments of `persist`, whose only method is
// rdp-cookie[(NAME)], and returns the cookie name: "msts" when not given
// (haproxy's default, unlike balance rdp-cookie's "mstshash").
func ParsePersist(args []string) (string, error) {
	if len(args) == 0 || args[0] == "" {
		return "", errors.New("missing persist method")
	}
	if !strings.HasPrefix(args[0], "rdp-cookie") {
		return "", errors.New("unknown persist method")
	}
	if len(args) > 1 {
		// haproxy ignores the extra word after a bare rdp-cookie, and
		// rejects it after rdp-cookie(NAME).
		return "", fmt.Errorf("'persist' cannot handle unexpected argument '%s'", args[1])
	}
	name, err := parseCookieName(args[0], "rdp-cookie", "msts")
	if err != nil {
		return "", fmt.Errorf("persist rdp-cookie(name) requires an rdp cookie name (%v)", err)
	}
	return name, nil
}
