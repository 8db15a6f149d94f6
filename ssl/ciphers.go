// Package ssl is TLS as HAProxy configures it, on Go's crypto/tls: the
// cipher, curve and version names of OpenSSL, certificate files as HAProxy
// loads them (PEM bundles, crt-list files, the files beside them), SNI
// selection, and the tls.Config of binds and servers built from them.
package ssl

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"
)

// cipher is one TLS 1.2 (and below) cipher suite Go implements, with the
// OpenSSL name HAProxy configurations use, the attributes OpenSSL's
// cipher-string aliases select on (by their canonical names, see
// aliasSynonyms), and its key sizes (ssl_fc_use_keysize, alg_keysize).
type cipher struct {
	id        uint16
	openssl   string
	attrs     []string
	bits, alg int
}

// ciphers are Go's TLS ≤ 1.2 suites in OpenSSL's default order of
// preference (strongest first).
var ciphers = []cipher{
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE-ECDSA-AES256-GCM-SHA384", []string{"kECDHE", "aECDSA", "AESGCM", "AES", "AES256", "SHA384", "HIGH", "TLSv1.2"}, 256, 256},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384", []string{"kECDHE", "aRSA", "AESGCM", "AES", "AES256", "SHA384", "HIGH", "TLSv1.2"}, 256, 256},
	{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-ECDSA-CHACHA20-POLY1305", []string{"kECDHE", "aECDSA", "CHACHA20", "HIGH", "TLSv1.2"}, 256, 256},
	{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-RSA-CHACHA20-POLY1305", []string{"kECDHE", "aRSA", "CHACHA20", "HIGH", "TLSv1.2"}, 256, 256},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256", []string{"kECDHE", "aECDSA", "AESGCM", "AES", "AES128", "SHA256", "HIGH", "TLSv1.2"}, 128, 128},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256", []string{"kECDHE", "aRSA", "AESGCM", "AES", "AES128", "SHA256", "HIGH", "TLSv1.2"}, 128, 128},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, "ECDHE-ECDSA-AES128-SHA256", []string{"kECDHE", "aECDSA", "AES", "AES128", "SHA256", "HIGH", "TLSv1.2"}, 128, 128},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, "ECDHE-RSA-AES128-SHA256", []string{"kECDHE", "aRSA", "AES", "AES128", "SHA256", "HIGH", "TLSv1.2"}, 128, 128},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, "ECDHE-ECDSA-AES256-SHA", []string{"kECDHE", "aECDSA", "AES", "AES256", "SHA1", "HIGH", "TLSv1"}, 256, 256},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "ECDHE-RSA-AES256-SHA", []string{"kECDHE", "aRSA", "AES", "AES256", "SHA1", "HIGH", "TLSv1"}, 256, 256},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "ECDHE-ECDSA-AES128-SHA", []string{"kECDHE", "aECDSA", "AES", "AES128", "SHA1", "HIGH", "TLSv1"}, 128, 128},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "ECDHE-RSA-AES128-SHA", []string{"kECDHE", "aRSA", "AES", "AES128", "SHA1", "HIGH", "TLSv1"}, 128, 128},
	{tls.TLS_RSA_WITH_AES_256_GCM_SHA384, "AES256-GCM-SHA384", []string{"kRSA", "aRSA", "AESGCM", "AES", "AES256", "SHA384", "HIGH", "TLSv1.2"}, 256, 256},
	{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, "AES128-GCM-SHA256", []string{"kRSA", "aRSA", "AESGCM", "AES", "AES128", "SHA256", "HIGH", "TLSv1.2"}, 128, 128},
	{tls.TLS_RSA_WITH_AES_128_CBC_SHA256, "AES128-SHA256", []string{"kRSA", "aRSA", "AES", "AES128", "SHA256", "HIGH", "TLSv1.2"}, 128, 128},
	{tls.TLS_RSA_WITH_AES_256_CBC_SHA, "AES256-SHA", []string{"kRSA", "aRSA", "AES", "AES256", "SHA1", "HIGH", "TLSv1"}, 256, 256},
	{tls.TLS_RSA_WITH_AES_128_CBC_SHA, "AES128-SHA", []string{"kRSA", "aRSA", "AES", "AES128", "SHA1", "HIGH", "TLSv1"}, 128, 128},
	{tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, "ECDHE-RSA-DES-CBC3-SHA", []string{"kECDHE", "aRSA", "3DES", "SHA1", "MEDIUM", "TLSv1"}, 112, 168},
	{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA, "DES-CBC3-SHA", []string{"kRSA", "aRSA", "3DES", "SHA1", "MEDIUM", "TLSv1"}, 112, 168},
	{tls.TLS_ECDHE_ECDSA_WITH_RC4_128_SHA, "ECDHE-ECDSA-RC4-SHA", []string{"kECDHE", "aECDSA", "RC4", "SHA1", "LOW", "TLSv1"}, 128, 128},
	{tls.TLS_ECDHE_RSA_WITH_RC4_128_SHA, "ECDHE-RSA-RC4-SHA", []string{"kECDHE", "aRSA", "RC4", "SHA1", "LOW", "TLSv1"}, 128, 128},
	{tls.TLS_RSA_WITH_RC4_128_SHA, "RC4-SHA", []string{"kRSA", "aRSA", "RC4", "SHA1", "LOW", "TLSv1"}, 128, 128},
}

// aliasSynonyms are OpenSSL's other names of the attributes above.
var aliasSynonyms = map[string]string{
	"kEECDH": "kECDHE", "EECDH": "kECDHE", "ECDHE": "kECDHE",
	"ECDSA": "aECDSA", "RSA": "kRSA", "SHA": "SHA1",
	"SSLv3": "TLSv1", "TLSv1.0": "TLSv1", // OpenSSL 1.1 and later: the same ciphers
}

// classAliases are OpenSSL aliases for classes Go implements nothing of
// (DHE key exchange, anonymous or null ciphers, PSK, export…): a list may
// name them, to exclude them most often, and they select no cipher.
var classAliases = map[string]bool{
	"aNULL": true, "eNULL": true, "NULL": true, "COMPLEMENTOFDEFAULT": true, "COMPLEMENTOFALL": true,
	"EXP": true, "EXPORT": true, "MD5": true, "DES": true, "IDEA": true, "SEED": true,
	"CAMELLIA": true, "CAMELLIA128": true, "CAMELLIA256": true, "ARIA": true, "ARIA128": true, "ARIA256": true,
	"PSK": true, "kPSK": true, "aPSK": true, "ECDHEPSK": true, "DHEPSK": true, "RSAPSK": true, "kECDHEPSK": true,
	"kDHEPSK": true, "kRSAPSK": true, "SRP": true, "kSRP": true, "aSRP": true, "DSS": true, "aDSS": true,
	"DHE": true, "EDH": true, "kDHE": true, "kEDH": true, "DH": true, "kDH": true, "ADH": true, "AECDH": true,
	"aGOST": true, "kGOST": true, "GOST94": true, "GOST89MAC": true, "CCM": true, "CCM8": true, "AESCCM": true,
	"AESCCM8": true, "RC2": true, "aECDH": true, "kECDH": true, "kECDHr": true, "kECDHe": true, "ECDH": true,
}

// ParseCiphers reads an OpenSSL cipher list (the `ciphers` option: TLS 1.2
// and below) into Go cipher suite ids, in order. Explicit names may be
// OpenSSL's or IANA's; a suite Go does not implement is an error naming
// it. Aliases (HIGH, ECDHE, aRSA, AESGCM, DEFAULT, ALL…), "+" combinations
// and the "!", "-" and "+" prefixes follow OpenSSL's rules over Go's suites.
func ParseCiphers(list string) ([]uint16, error) {
	var out []uint16
	banned := map[uint16]bool{}
	for _, tok := range strings.FieldsFunc(list, func(r rune) bool { return r == ':' || r == ',' || r == ' ' }) {
		if strings.HasPrefix(tok, "@") {
			continue // @STRENGTH, @SECLEVEL=n: ordering and policy hints
		}
		op := byte(0)
		if strings.ContainsRune("!-+", rune(tok[0])) {
			op, tok = tok[0], tok[1:]
		}
		sel, err := selectCiphers(tok)
		if err != nil {
			return nil, err
		}
		switch op {
		case '!':
			for _, id := range sel {
				banned[id] = true
			}
			out = slices.DeleteFunc(out, func(id uint16) bool { return banned[id] })
		case '-':
			out = slices.DeleteFunc(out, func(id uint16) bool { return slices.Contains(sel, id) })
		case '+':
			// Move the selected ones already listed to the end.
			var moved []uint16
			out = slices.DeleteFunc(out, func(id uint16) bool {
				if slices.Contains(sel, id) {
					moved = append(moved, id)
					return true
				}
				return false
			})
			out = append(out, moved...)
		default:
			for _, id := range sel {
				if !banned[id] && !slices.Contains(out, id) {
					out = append(out, id)
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no cipher Go implements is left in '%s'", list)
	}
	return out, nil
}

// selectCiphers returns the suites one element of a list names: a name,
// an alias, or aliases joined by "+" (all must hold).
func selectCiphers(tok string) ([]uint16, error) {
	if tok == "ALL" || tok == "DEFAULT" {
		var all []uint16
		for _, c := range ciphers {
			// DEFAULT leaves out what OpenSSL 1.1+ leaves out of it.
			if tok == "DEFAULT" && (slices.Contains(c.attrs, "RC4") || slices.Contains(c.attrs, "3DES")) {
				continue
			}
			all = append(all, c.id)
		}
		return all, nil
	}
	for _, c := range ciphers {
		if c.openssl == tok || tls.CipherSuiteName(c.id) == tok {
			return []uint16{c.id}, nil
		}
	}
	parts := strings.Split(tok, "+")
	for i, p := range parts {
		if canon, ok := aliasSynonyms[p]; ok {
			parts[i], p = canon, canon
		}
		if !isAlias(p) {
			if looksLikeName(p) {
				return nil, fmt.Errorf("cipher '%s' is not implemented by Go's TLS stack", p)
			}
			return nil, fmt.Errorf("unknown cipher or alias '%s'", p)
		}
	}
	var sel []uint16
	for _, c := range ciphers {
		all := true
		for _, p := range parts {
			if !slices.Contains(c.attrs, p) {
				all = false
				break
			}
		}
		if all {
			sel = append(sel, c.id)
		}
	}
	return sel, nil
}

func isAlias(s string) bool {
	if classAliases[s] {
		return true
	}
	for _, c := range ciphers {
		if slices.Contains(c.attrs, s) {
			return true
		}
	}
	return false
}

// looksLikeName tells an explicit suite name (with dashes or IANA's
// underscores) from a misspelt alias, for the error message.
func looksLikeName(s string) bool {
	return strings.Contains(s, "-") || strings.HasPrefix(s, "TLS_")
}

// tls13Names are the TLS 1.3 suites Go implements, tls13Suites them by
// name, and tls13Bits their key sizes.
var tls13Names = []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}

var tls13Bits = map[uint16]int{tls.TLS_AES_128_GCM_SHA256: 128, tls.TLS_AES_256_GCM_SHA384: 256, tls.TLS_CHACHA20_POLY1305_SHA256: 256}

var tls13Suites = map[string]uint16{
	"TLS_AES_128_GCM_SHA256":       tls.TLS_AES_128_GCM_SHA256,
	"TLS_AES_256_GCM_SHA384":       tls.TLS_AES_256_GCM_SHA384,
	"TLS_CHACHA20_POLY1305_SHA256": tls.TLS_CHACHA20_POLY1305_SHA256,
}

// ParseCipherSuites reads a `ciphersuites` list (TLS 1.3). Go chooses
// among its TLS 1.3 suites itself, in an order of its own: a list it could
// not honour (one that leaves a suite out) is refused rather than
// enforced by refusing clients that offered a listed suite.
func ParseCipherSuites(list string) ([]uint16, error) {
	var out []uint16
	for _, name := range strings.Split(list, ":") {
		if name == "" {
			continue
		}
		id, ok := tls13Suites[name]
		if !ok {
			if strings.HasPrefix(name, "TLS_") {
				return nil, fmt.Errorf("TLS 1.3 cipher suite '%s' is not implemented by Go's TLS stack", name)
			}
			return nil, fmt.Errorf("unknown TLS 1.3 cipher suite '%s'", name)
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty TLS 1.3 cipher suite list")
	}
	for _, name := range tls13Names {
		if !slices.Contains(out, tls13Suites[name]) {
			return nil, fmt.Errorf("'%s' leaves out %s: Go's TLS stack chooses among %s itself, so a list must name all of them", list, name, strings.Join(tls13Names, ", "))
		}
	}
	return out, nil
}

// curveNames are the groups by the names OpenSSL and HAProxy use.
var curveNames = map[string]tls.CurveID{
	"X25519": tls.X25519, "x25519": tls.X25519,
	"P-256": tls.CurveP256, "prime256v1": tls.CurveP256, "secp256r1": tls.CurveP256,
	"P-384": tls.CurveP384, "secp384r1": tls.CurveP384,
	"P-521": tls.CurveP521, "secp521r1": tls.CurveP521,
	"X25519MLKEM768": tls.X25519MLKEM768,
}

// ParseCurves reads a `curves` list ("X25519:P-256") or an `ecdhe` curve.
func ParseCurves(list string) ([]tls.CurveID, error) {
	var out []tls.CurveID
	for _, name := range strings.Split(list, ":") {
		if name == "" {
			continue
		}
		id, ok := curveNames[name]
		if !ok {
			return nil, fmt.Errorf("curve '%s' is not implemented by Go's TLS stack", name)
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty curve list")
	}
	return out, nil
}
