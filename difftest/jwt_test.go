package difftest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"hash"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"
)

// JWT: http_auth_bearer, jwt_header_query, jwt_payload_query and
// jwt_verify. Keys and tokens are made here, with Go's crypto, for every
// algorithm haproxy 2.6 verifies; each response prints what every
// verifier of the config says of the request's token.

type jwtKit struct {
	files  map[string]string
	rsa    *rsa.PrivateKey
	ec     map[string]*ecdsa.PrivateKey // by algorithm
	secret string
}

var jwtKitOnce = sync.OnceValue(func() *jwtKit {
	k := &jwtKit{files: map[string]string{}, ec: map[string]*ecdsa.PrivateKey{}, secret: "s3cret"}
	var err error
	if k.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	k.files["rsa.pem"] = pubKeyPEM(&k.rsa.PublicKey)
	for alg, c := range map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()} {
		if k.ec[alg], err = ecdsa.GenerateKey(c, rand.Reader); err != nil {
			panic(err)
		}
		k.files[strings.ToLower(alg)+".pem"] = pubKeyPEM(&k.ec[alg].PublicKey)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k.rsa)
	k.files["private.pem"] = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	k.files["junk.pem"] = "not a key\n"
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "jwt"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.rsa.PublicKey, k.rsa)
	if err != nil {
		panic(err)
	}
	k.files["cert.pem"] = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert}))
	k.files["cert-then-key.pem"] = k.files["cert.pem"] + k.files["rsa.pem"]
	return k
})

func pubKeyPEM(pub crypto.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func jwtHash(alg string) (crypto.Hash, func() hash.Hash) {
	switch alg[2:] {
	case "256":
		return crypto.SHA256, sha256.New
	case "384":
		return crypto.SHA384, sha512.New384
	}
	return crypto.SHA512, sha512.New
}

// sign returns the token of header and claims signed with alg; der makes
// an ECDSA signature DER-encoded as OpenSSL's, not JWS's R||S.
func (k *jwtKit) sign(alg, header, claims string, der bool) string {
	signed := b64url([]byte(header)) + "." + b64url([]byte(claims))
	h, newHash := jwtHash(alg)
	var sig []byte
	switch alg[0] {
	case 'H':
		m := hmac.New(newHash, []byte(k.secret))
		m.Write([]byte(signed))
		sig = m.Sum(nil)
	case 'R':
		d := newHash()
		d.Write([]byte(signed))
		sig, _ = rsa.SignPKCS1v15(rand.Reader, k.rsa, h, d.Sum(nil))
	case 'E':
		d := newHash()
		d.Write([]byte(signed))
		key := k.ec[alg]
		if der {
			sig, _ = ecdsa.SignASN1(rand.Reader, key, d.Sum(nil))
			break
		}
		r, s, _ := ecdsa.Sign(rand.Reader, key, d.Sum(nil))
		n := (key.Curve.Params().BitSize + 7) / 8
		sig = make([]byte, 2*n)
		r.FillBytes(sig[:n])
		s.FillBytes(sig[n:])
	}
	return signed + "." + b64url(sig)
}

func (k *jwtKit) token(alg string) string {
	return k.sign(alg, `{"alg":"`+alg+`","typ":"JWT"}`, `{"sub":"42","n":7,"admin":true}`, false)
}

// jwtVerifyCfg prints, for the request's token, every algorithm's verdict
// with its key, then the algorithm and the key taken from variables. When
// both are variables the token is http_auth_bearer's, not a variable's:
// haproxy 2.6 then reads the key into the buffer that holds a token read
// from a variable, and verifies a corrupted token (see the deviation
// case below).
const jwtVerifyCfg = `frontend fe
    bind "127.0.0.1:${FE_PORT}"
    http-request set-var(txn.alg) req.hdr(x-alg)
    http-request set-var(txn.key) req.hdr(x-key)
    http-request set-var(txn.kf) req.hdr(x-keyfile)
    http-request set-var(txn.key) str(${DIR}/),concat(,txn.kf,) if { req.hdr(x-keyfile) -m found }
    http-request set-var(txn.bearer) http_auth_bearer
    http-request return status 200 content-type text/plain lf-string "hs=%[var(txn.bearer),jwt_verify(HS256,s3cret)],%[var(txn.bearer),jwt_verify(HS384,s3cret)],%[var(txn.bearer),jwt_verify(HS512,s3cret)] rs=%[var(txn.bearer),jwt_verify(RS256,${DIR}/rsa.pem)],%[var(txn.bearer),jwt_verify(RS384,${DIR}/rsa.pem)],%[var(txn.bearer),jwt_verify(RS512,${DIR}/rsa.pem)] es=%[var(txn.bearer),jwt_verify(ES256,${DIR}/es256.pem)],%[var(txn.bearer),jwt_verify(ES384,${DIR}/es384.pem)],%[var(txn.bearer),jwt_verify(ES512,${DIR}/es512.pem)] none=%[var(txn.bearer),jwt_verify(none,x)] var=%[var(txn.bearer),jwt_verify(txn.alg,s3cret)],%[var(txn.bearer),jwt_verify(txn.alg,${DIR}/rsa.pem)],%[http_auth_bearer,jwt_verify(txn.alg,txn.key)] missing=%[var(txn.bearer),jwt_verify(RS256,${DIR}/nope.pem)]\n"
`

func jwtReq(hdrs ...string) string {
	r := "GET / HTTP/1.1\r\nhost: a\r\n"
	for _, h := range hdrs {
		r += h + "\r\n"
	}
	return r + "\r\n"
}

func bearerReq(tok string, hdrs ...string) string {
	return jwtReq(append([]string{"authorization: Bearer " + tok}, hdrs...)...)
}

func TestJWTVerify(t *testing.T) {
	k := jwtKitOnce()
	var cases []tcase
	for _, alg := range []string{"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512"} {
		tok := k.token(alg)
		key := "x-key: s3cret"
		if alg[0] != 'H' {
			// The key of the variable must be a file some literal
			// jwt_verify of the configuration named.
			key = "x-keyfile: " + strings.ToLower(alg) + ".pem"
			if alg[0] == 'R' {
				key = "x-keyfile: rsa.pem"
			}
		}
		cases = append(cases, tcase{name: "valid-" + alg, files: k.files, cfg: jwtVerifyCfg, n: 3,
			req: bearerReq(tok, "x-alg: "+alg, key) + bearerReq(tok, "x-alg: "+alg, "x-key: s3cret") +
				bearerReq(tok)})
		// The claims changed after signing; the signature of another key.
		parts := strings.Split(tok, ".")
		forged := parts[0] + "." + b64url([]byte(`{"sub":"42","n":7,"admin":false}`)) + "." + parts[2]
		sig := []byte(parts[2])
		if sig[5] == 'A' {
			sig[5] = 'B'
		} else {
			sig[5] = 'A'
		}
		cases = append(cases, tcase{name: "bad-signature-" + alg, files: k.files, cfg: jwtVerifyCfg, n: 2,
			req: bearerReq(forged, "x-alg: "+alg) + bearerReq(parts[0]+"."+parts[1]+"."+string(sig), "x-alg: "+alg)})
	}
	es := k.sign("ES256", `{"alg":"ES256"}`, `{}`, true)
	hs := k.token("HS256")
	p := strings.Split(hs, ".")
	cases = append(cases,
		tcase{name: "ecdsa-der-signature", files: k.files, cfg: jwtVerifyCfg, req: bearerReq(es)},
		tcase{name: "wrong-alg-var", files: k.files, cfg: jwtVerifyCfg, n: 6,
			req: bearerReq(hs, "x-alg: HS384") + bearerReq(hs, "x-alg: hs256") + bearerReq(hs, "x-alg: PS256") +
				bearerReq(hs, "x-alg: none") + bearerReq(hs, "x-alg: RS256", "x-key: s3cret") + bearerReq(k.token("ES256"), "x-alg: ES256", "x-keyfile: nope.pem")},
		tcase{name: "malformed", files: k.files, cfg: jwtVerifyCfg, n: 10,
			req: bearerReq("abc", "x-alg: HS256") + bearerReq(p[0]+"."+p[1], "x-alg: none") +
				bearerReq(p[0]+"."+p[1]+".", "x-alg: HS256") + bearerReq(hs+".x", "x-alg: HS256") +
				bearerReq(p[0]+"."+p[1]+".A", "x-alg: HS256") + bearerReq(p[0]+"."+p[1]+".AB+C", "x-alg: HS256") +
				bearerReq(p[0]+"."+p[1]+"."+p[2]+"=", "x-alg: HS256") + bearerReq(p[0]+"."+p[1]+".AB=C", "x-alg: PS256") +
				bearerReq("!.?."+p[2], "x-alg: HS256") + bearerReq(p[0]+"."+p[1]+".AA", "x-alg: ES256")},
		tcase{name: "both-args-variables-overwrite-token", files: k.files, cfg: strings.Replace(jwtVerifyCfg,
			"%[http_auth_bearer,jwt_verify(txn.alg,txn.key)]", "%[var(txn.bearer),jwt_verify(txn.alg,txn.key)]", 1),
			req:       bearerReq(k.token("HS256"), "x-alg: HS256", "x-key: s3cret"),
			deviation: "haproxy 2.6 copies the key variable over the token read from a variable (docs/configuration.md, jwt_verify)"},
		tcase{name: "no-token", files: k.files, cfg: jwtVerifyCfg, n: 2,
			req: jwtReq("x-alg: HS256") + jwtReq("authorization: Basic YTpi", "x-alg: HS256")},
	)
	runCases(t, cases)
}

// TestJWTKeyFiles: a key file that is no public key is a warning, a
// missing one is not; a HMAC secret is tried as a file too.
func TestJWTKeyFiles(t *testing.T) {
	k := jwtKitOnce()
	tok := k.token("RS256")
	cfg := func(keys ...string) string {
		s := "frontend fe\n    bind \"127.0.0.1:${FE_PORT}\"\n    http-request set-var(txn.alg) req.hdr(x-alg)\n"
		s += "    http-request return status 200 content-type text/plain lf-string \""
		for _, key := range keys {
			s += "%[http_auth_bearer,jwt_verify(txn.alg," + key + ")] "
		}
		return s + "\"\n"
	}
	runCases(t, []tcase{
		{name: "private-key", files: k.files, warns: true, cfg: cfg("${DIR}/private.pem"), n: 2,
			req: bearerReq(tok, "x-alg: RS256") + bearerReq(k.token("HS256"), "x-alg: HS256")},
		{name: "junk-and-missing", files: k.files, warns: true, cfg: cfg("${DIR}/junk.pem", "${DIR}/nope.pem", "${DIR}/rsa.pem"),
			req: bearerReq(tok, "x-alg: RS256")},
		{name: "directory", files: k.files, warns: true, cfg: cfg("${DIR}", "${DIR}/rsa.pem"),
			req: bearerReq(tok, "x-alg: RS256")},
		{name: "certificate", files: k.files, warns: true, cfg: cfg("${DIR}/cert.pem", "${DIR}/cert-then-key.pem"),
			req: bearerReq(tok, "x-alg: RS256")},
		{name: "mismatched-key-types", files: k.files, cfg: cfg("${DIR}/es256.pem", "${DIR}/rsa.pem"), n: 2,
			req: bearerReq(tok, "x-alg: ES256") + bearerReq(k.token("ES256"), "x-alg: RS256")},
	})
}

// jwtQueryCfg prints the JOSE header and claims queries with each output
// type.
const jwtQueryCfg = `frontend fe
    bind "127.0.0.1:${FE_PORT}"
    http-request set-var(txn.t) http_auth_bearer
    http-request return status 200 content-type text/plain string found if { path /found } { var(txn.t),jwt_header_query -m found }
    http-request return status 200 content-type text/plain lf-string "alg=%[var(txn.t),jwt_header_query(\$.alg)] typ=%[var(txn.t),jwt_header_query(\$.typ,int)] kid=%[var(txn.t),jwt_header_query(\$.kid,int)] sub=%[var(txn.t),jwt_payload_query(\$.sub)] n=%[var(txn.t),jwt_payload_query(\$.n)] ni=%[var(txn.t),jwt_payload_query(\$.n,int)] f=%[var(txn.t),jwt_payload_query(\$.f)] fi=%[var(txn.t),jwt_payload_query(\$.f,int)] b=%[var(txn.t),jwt_payload_query(\$.admin)] o=%[var(txn.t),jwt_payload_query(\$.o)] oa=%[var(txn.t),jwt_payload_query(\$.o.a[1])] nul=%[var(txn.t),jwt_payload_query(\$.nul)] esc=%[var(txn.t),jwt_payload_query(\$.esc)] none=%[var(txn.t),jwt_payload_query(\$.none)] whole=%[var(txn.t),jwt_header_query] empty=%[var(txn.t),jwt_payload_query('')] emptyint=%[var(txn.t),jwt_payload_query(,int)]\n"
`

func TestJWTQuery(t *testing.T) {
	h := b64url([]byte(`{"alg":"RS512","typ":"JWT","kid":12}`))
	c := b64url([]byte(`{"sub":"user \"x\" é","n":-15,"f":2.75e3,"admin":true,"o":{"a":[1,"two"]},"nul":null,"esc":"a\u0041\n"}`))
	c2 := b64url([]byte(`{"admin":false,"n":007,"f":1e400}`))
	runCases(t, []tcase{
		{name: "query-types", cfg: jwtQueryCfg, n: 3, req: bearerReq(h+"."+c+".sig") + bearerReq(h+"."+c2) +
			bearerReq(h+"."+c+".a.b")},
		{name: "query-malformed", cfg: jwtQueryCfg, n: 6, req: bearerReq(h) + bearerReq(h+"=."+c) + bearerReq("!!."+c) +
			bearerReq(h+".!!") + bearerReq(h+"."+c+"A") + bearerReq("")},
		{name: "query-no-path", cfg: jwtQueryCfg, req: "GET /found HTTP/1.1\r\nhost: a\r\nauthorization: Bearer " + h + "." + c + "\r\n\r\n"},
	})
}

// jwtBearerCfg shows http_auth_bearer with and without a header name,
// and whether it found something at all.
const jwtBearerCfg = `frontend fe
    bind "127.0.0.1:${FE_PORT}"
    http-request set-var(txn.d) http_auth_bearer
    http-request set-var(txn.c) http_auth_bearer(x-tok)
    http-request set-var(txn.e) http_auth_bearer()
    http-request return status 200 content-type text/plain lf-string "d=[%[var(txn.d)]] dset=%[var(txn.d),length] c=[%[var(txn.c)]] cset=%[var(txn.c),length] e=[%[var(txn.e)]]\n"
`

func TestJWTBearer(t *testing.T) {
	var reqs []string
	for _, h := range []string{
		"authorization: Bearer abc", "authorization: bearer abc", "authorization: BEARER    abc",
		"authorization: Bear abc", "authorization: Be abc", "authorization: B abc", "authorization: BearerX abc",
		"authorization: Basic YTpi", "authorization: Digest abc", "authorization: Bearer",
		"authorization: Bearer abc def", "authorization: Bearer abc, def",
		"authorization: Bearer x\r\nauthorization: Bearer y", "authorization: Basic YTpi\r\nauthorization: Bearer y",
		"x-tok: Bearer abc", "x-tok: bEaReR   abc  ", "x-tok: Bear abc", "x-tok: Bearer", "x-tok: Bearer a,b",
		"x-tok: Basic abc", "x-tok: Bearer one\r\nx-tok: Bearer two", "x-other: 1",
	} {
		reqs = append(reqs, "GET / HTTP/1.1\r\n"+h+"\r\nhost: a\r\n\r\n")
	}
	// A failure is remembered for the transaction, even once a rule set
	// the header; valid Basic credentials are no failure.
	late := `frontend fe
    bind "127.0.0.1:${FE_PORT}"
    http-request set-var(txn.a) http_auth_bearer
    http-request set-header authorization "Bearer late"
    http-request return status 200 content-type text/plain lf-string "[%[http_auth_bearer]] [%[http_auth_bearer(authorization)]]\n"
`
	runCases(t, []tcase{
		{name: "bearer-failure-remembered", cfg: late, n: 5, req: jwtReq() + jwtReq("authorization: Basic YTpi") +
			jwtReq("authorization: Basic YWI=") + jwtReq("authorization: Other x") + jwtReq("authorization: Bearer early")},
		{name: "bearer-schemes", cfg: jwtBearerCfg, n: len(reqs), req: strings.Join(reqs, "")},
		{name: "bearer-first-header", cfg: jwtBearerCfg, req: "GET / HTTP/1.1\r\nauthorization: Bearer first\r\nhost: a\r\n\r\n"},
	})
}
