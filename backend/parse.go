package backend

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ParseBalance applies the arguments that follow `balance` to a, leaving the
// hash-type fields alone. No argument means roundrobin, as in haproxy.
// haproxy silently ignores some trailing words (`balance roundrobin foo`,
// `randomfoo`); we reject them, since an ignored word is usually a typo.
func ParseBalance(args []string, a *Algorithm) error {
	b := Algorithm{HashType: a.HashType, HashFunc: a.HashFunc, Avalanche: a.Avalanche}
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
	case name == "hash" || strings.HasPrefix(name, "rdp-cookie"):
		return fmt.Errorf("balance %s is not supported yet", name)
	default:
		return fmt.Errorf("unknown balance algorithm '%s': supported are 'roundrobin', 'static-rr', 'leastconn', 'first', 'random', 'source', 'uri', 'url_param' and 'hdr(name)'", name)
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
		// haproxy 2.7 added "none" for `balance hash`; 2.6 rejects it.
		return errors.New("hash-type: hash function 'none' is not supported (it needs 'balance hash')")
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
