package sample

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Tokens are made here with Go's crypto, for every algorithm haproxy 2.6
// verifies, and checked through config-level expressions.

func b64u(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwtParts returns the signed part of a token with that header and claims.
func jwtParts(header, claims string) string {
	return b64u([]byte(header)) + "." + b64u([]byte(claims))
}

func hsSign(alg jwtAlg, secret, signed string) string {
	m := hmac.New(jwtHashFunc(alg), []byte(secret))
	m.Write([]byte(signed))
	return b64u(m.Sum(nil))
}

func rsSign(t testing.TB, alg jwtAlg, k *rsa.PrivateKey, signed string) string {
	d := jwtDigest(nil, alg.hash(), []byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, alg.hash(), d)
	if err != nil {
		t.Fatal(err)
	}
	return b64u(sig)
}

// esSign signs as JWS does: R||S, each the curve's size.
func esSign(t testing.TB, alg jwtAlg, k *ecdsa.PrivateKey, signed string) string {
	d := jwtDigest(nil, alg.hash(), []byte(signed))
	r, s, err := ecdsa.Sign(rand.Reader, k, d)
	if err != nil {
		t.Fatal(err)
	}
	n := (k.Curve.Params().BitSize + 7) / 8
	sig := make([]byte, 2*n)
	r.FillBytes(sig[:n])
	s.FillBytes(sig[n:])
	return b64u(sig)
}

func writePEM(t testing.TB, dir, name, typ string, der []byte) string {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func pubPEM(t testing.TB, dir, name string, pub crypto.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return writePEM(t, dir, name, "PUBLIC KEY", der)
}

// evalWith parses expr with env and evaluates it on c.
func evalWith(t *testing.T, env *Env, c *Ctx, expr string) string {
	t.Helper()
	e, err := ParseExpr(env, expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return text(e.Eval(c))
}

type jwtKeyFiles struct {
	rsa, ec256, ec384, ec521 string
	rk                       *rsa.PrivateKey
	ek                       map[jwtAlg]*ecdsa.PrivateKey
}

func makeJWTKeys(t testing.TB) jwtKeyFiles {
	dir := t.TempDir()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	kf := jwtKeyFiles{rk: rk, ek: map[jwtAlg]*ecdsa.PrivateKey{}}
	kf.rsa = pubPEM(t, dir, "rsa.pem", &rk.PublicKey)
	for alg, c := range map[jwtAlg]elliptic.Curve{jwtES256: elliptic.P256(), jwtES384: elliptic.P384(), jwtES512: elliptic.P521()} {
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		kf.ek[alg] = k
	}
	kf.ec256 = pubPEM(t, dir, "ec256.pem", &kf.ek[jwtES256].PublicKey)
	kf.ec384 = pubPEM(t, dir, "ec384.pem", &kf.ek[jwtES384].PublicKey)
	kf.ec521 = pubPEM(t, dir, "ec521.pem", &kf.ek[jwtES512].PublicKey)
	return kf
}

var jwtAlgNames = map[jwtAlg]string{jwtHS256: "HS256", jwtHS384: "HS384", jwtHS512: "HS512", jwtRS256: "RS256",
	jwtRS384: "RS384", jwtRS512: "RS512", jwtES256: "ES256", jwtES384: "ES384", jwtES512: "ES512"}

func TestJWTVerifyAlgorithms(t *testing.T) {
	kf := makeJWTKeys(t)
	ecFile := map[jwtAlg]string{jwtES256: kf.ec256, jwtES384: kf.ec384, jwtES512: kf.ec521}
	for alg, name := range jwtAlgNames {
		signed := jwtParts(`{"alg":"`+name+`","typ":"JWT"}`, `{"sub":"1","n":5}`)
		var sig, key, other string
		switch {
		case alg.isHMAC():
			sig, key, other = hsSign(alg, "s3cret", signed), "s3cret", "s3cret2"
		case alg.isRSA():
			sig, key, other = rsSign(t, alg, kf.rk, signed), kf.rsa, kf.ec256
		default:
			sig, key, other = esSign(t, alg, kf.ek[alg], signed), ecFile[alg], kf.rsa
		}
		tok := signed + "." + sig
		env := &Env{}
		c := ctxFor(req("GET / HTTP/1.1", "Authorization: Bearer "+tok))
		check := func(expr, want string) {
			t.Helper()
			if got := evalWith(t, env, c, expr); got != want {
				t.Errorf("%s %s = %s, want %s", name, expr, got, want)
			}
		}
		check("http_auth_bearer,jwt_verify("+name+","+key+")", "1")
		check("http_auth_bearer,jwt_verify("+name+","+other+")", "0")
		// A signature byte changed; a claim changed.
		raw, _ := base64.RawURLEncoding.DecodeString(sig)
		raw[len(raw)/3] ^= 1
		check("str("+signed+"."+b64u(raw)+"),jwt_verify("+name+","+key+")", "0")
		check("str("+jwtParts(`{"alg":"`+name+`"}`, `{"sub":"1","n":5}`)+"."+sig+"),jwt_verify("+name+","+key+")", "0")
		// The algorithm from a variable, as haproxy's regression test does.
		c.Vars.Set(VarRef{ScopeTxn, "alg"}, Str([]byte(name)))
		check("http_auth_bearer,jwt_verify(txn.alg,"+key+")", "1")
		check("http_auth_bearer,jwt_header_query('$.alg')", name)
		if !alg.isHMAC() {
			check("http_auth_bearer,jwt_verify("+name+",/nonexistent/key.pem)", "-5")
		}
	}
}

func TestJWTVerifyResults(t *testing.T) {
	kf := makeJWTKeys(t)
	signed := jwtParts(`{"alg":"HS256"}`, `{"a":1}`)
	tok := signed + "." + hsSign(jwtHS256, "k", signed)
	es := jwtParts(`{"alg":"ES256"}`, `{}`)
	esTok := es + "." + esSign(t, jwtES256, kf.ek[jwtES256], es)
	rsTok := signed + "." + rsSign(t, jwtRS256, kf.rk, signed)
	// A DER signature, as OpenSSL makes them, is no JWS one.
	d := jwtDigest(nil, crypto.SHA256, []byte(es))
	der, _ := ecdsa.SignASN1(rand.Reader, kf.ek[jwtES256], d)
	derTok := es + "." + b64u(der)
	derWant := "0" // R and S read from the DER bytes do not verify
	if len(der)%2 == 1 {
		derWant = "-3"
		der = append(der, 0)
	}
	derEven := es + "." + b64u(der)
	c := ctxFor(nil)
	c.Vars.Set(VarRef{ScopeTxn, "k"}, Str([]byte("k")))
	c.Vars.Set(VarRef{ScopeTxn, "pem"}, Str([]byte(kf.ec256)))
	c.Vars.Set(VarRef{ScopeTxn, "unloaded"}, Str([]byte(kf.ec384)))
	c.Vars.Set(VarRef{ScopeTxn, "ps"}, Str([]byte("PS256")))
	c.Vars.Set(VarRef{ScopeTxn, "bad"}, Str([]byte("hs256")))
	c.Vars.Set(VarRef{ScopeTxn, "none"}, Str([]byte("none")))
	c.Vars.Set(VarRef{ScopeTxn, "nul"}, Value{Kind: KindBin, Str: []byte("HS256\x00x")})
	env := &Env{}
	// Loading the key of ES256 here makes it known to txn.pem below.
	evalWith(t, env, c, "str(x),jwt_verify(ES256,"+kf.ec256+")")
	tests := []struct{ expr, want string }{
		{"str(" + tok + "),jwt_verify(HS256,k)", "1"},
		{"str(" + tok + "),jwt_verify(HS256,txn.k)", "1"},
		{"str(" + tok + "),jwt_verify(HS384,k)", "0"},
		{"str(" + tok + "),jwt_verify(HS256,K)", "0"},
		{"str(" + tok + "),jwt_verify(HS256,txn.missing)", "<none>"},
		{"str(" + tok + "),jwt_verify(txn.missing,k)", "<none>"},
		{"str(" + tok + "),jwt_verify(txn.bad,k)", "-1"},
		{"str(junk),jwt_verify(txn.bad,k)", "-1"},
		{"str(" + tok + "),jwt_verify(txn.ps,k)", "-2"},
		{"str(junk),jwt_verify(txn.ps,k)", "-3"},
		{"str(" + tok + "),jwt_verify(txn.nul,k)", "1"},
		{"str(" + tok + "),jwt_verify(txn.none,k)", "0"},
		// Malformed tokens.
		{"str(),jwt_verify(HS256,k)", "-3"},
		{"str(abc),jwt_verify(HS256,k)", "-3"},
		{"str(a.b),jwt_verify(HS256,k)", "-3"},
		{"str(a.b.),jwt_verify(HS256,k)", "-3"},
		{"str(" + tok + ".x),jwt_verify(HS256,k)", "-3"},
		{"str(" + tok + ".),jwt_verify(HS256,k)", "-3"},
		{"str(" + signed + ".A),jwt_verify(HS256,k)", "-3"},    // 4n+1 characters
		{"str(" + signed + ".AB+C),jwt_verify(HS256,k)", "-3"}, // not base64url
		{"str(" + signed + ".AB/C),jwt_verify(HS256,k)", "-3"},
		{"str(" + signed + ".AB=C),jwt_verify(HS256,k)", "0"}, // '=' is 63
		// Only the signature is decoded: the other parts may be anything.
		{"str(!.?." + hsSign(jwtHS256, "k", "!.?") + "),jwt_verify(HS256,k)", "1"},
		// alg none: no signature, and two parts are enough.
		{"str(a.b),jwt_verify(none,k)", "1"},
		{"str(a.b.),jwt_verify(none,k)", "1"},
		{"str(a.b.c),jwt_verify(none,k)", "0"},
		{"str(a),jwt_verify(none,k)", "-3"},
		// Public keys.
		{"str(" + esTok + "),jwt_verify(ES256," + kf.ec256 + ")", "1"},
		{"str(" + esTok + "),jwt_verify(ES256,txn.pem)", "1"},
		{"str(" + esTok + "),jwt_verify(ES256,txn.unloaded)", "-5"},
		{"str(" + esTok + "),jwt_verify(ES384," + kf.ec256 + ")", "0"},
		{"str(" + derTok + "),jwt_verify(ES256," + kf.ec256 + ")", derWant},
		{"str(" + derEven + "),jwt_verify(ES256," + kf.ec256 + ")", "0"},
		{"str(" + es + ".AAA),jwt_verify(ES256," + kf.ec256 + ")", "0"}, // two bytes: R=0, S=0
		{"str(" + es + ".AA),jwt_verify(ES256," + kf.ec256 + ")", "-3"}, // one byte
		{"str(" + esTok + "),jwt_verify(ES256," + kf.rsa + ")", "0"},
		{"str(" + rsTok + "),jwt_verify(RS256," + kf.ec256 + ")", "0"},
		{"str(" + rsTok + "),jwt_verify(RS256," + kf.rsa + ")", "1"},
		{"str(" + rsTok + "),jwt_verify(HS256," + kf.rsa + ")", "0"},
		{"str(" + tok + "),jwt_verify(RS256,k)", "-5"},
	}
	for _, tt := range tests {
		if got := evalWith(t, env, c, tt.expr); got != tt.want {
			t.Errorf("%s = %s, want %s", tt.expr, got, tt.want)
		}
	}
}

func TestJWTVerifyConfig(t *testing.T) {
	kf := makeJWTKeys(t)
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "bad.pem")
	os.WriteFile(notPEM, []byte("not a key\n"), 0o600)
	der, _ := x509.MarshalPKCS8PrivateKey(kf.rk)
	priv := writePEM(t, dir, "priv.pem", "PRIVATE KEY", der)
	// A certificate first, then the key: the key is found.
	mixed := filepath.Join(dir, "mixed.pem")
	pub, _ := os.ReadFile(kf.ec256)
	os.WriteFile(mixed, append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}), pub...), 0o600)

	errs := map[string]string{
		"jwt_verify(XX256,k)":           "invalid args in converter 'jwt_verify' : unknown JWT algorithm: XX256",
		"jwt_verify(hs256,k)":           "invalid args in converter 'jwt_verify' : unknown JWT algorithm: hs256",
		"jwt_verify(,k)":                "invalid args in converter 'jwt_verify' : unknown JWT algorithm: ",
		"jwt_verify(foo.a,k)":           "invalid args in converter 'jwt_verify' : unknown JWT algorithm: foo.a",
		"jwt_verify(PS256,k)":           "invalid args in converter 'jwt_verify' : RSASSA-PSS JWS signing not managed yet",
		"jwt_verify(HS256)":             "missing arguments",
		"jwt_header_query('$.a',str)":   "invalid args in converter 'jwt_header_query' : output_type only supports \"int\" as argument",
		"jwt_payload_query('$.a',bool)": "invalid args in converter 'jwt_payload_query' : output_type only supports \"int\" as argument",
	}
	for expr, want := range errs {
		_, err := ParseExpr(&Env{}, "str(x),"+expr)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", expr, err, want)
		}
	}
	for _, expr := range []string{"jwt_verify(none,k)", "jwt_verify(HS256,)", "jwt_verify(txn.a,txn.b)",
		"jwt_header_query", "jwt_header_query()", "jwt_header_query('')", "jwt_payload_query(,int)", "jwt_payload_query('$.a',int)"} {
		if _, err := ParseExpr(&Env{}, "str(x),"+expr); err != nil {
			t.Errorf("%s: %v", expr, err)
		}
	}
	// Loading: a missing file is silent, one without a public key warns,
	// and each file is read once.
	for key, warn := range map[string]string{"/nonexistent.pem": "", notPEM: "file not found (" + notPEM + ")",
		priv: "file not found (" + priv + ")", dir: "file not found (" + dir + ")", mixed: "", kf.rsa: ""} {
		var got []string
		env := &Env{Warn: func(m string) { got = append(got, m) }}
		for _, alg := range []string{"RS256", "txn.alg", "HS256"} {
			if _, err := ParseExpr(env, "str(x),jwt_verify("+alg+","+key+")"); err != nil {
				t.Fatal(err)
			}
		}
		want := 0
		if warn != "" {
			want = 3
		}
		if len(got) != want || (want > 0 && got[0] != warn) {
			t.Errorf("%s: warnings %q, want 3 × %q", key, got, warn)
		}
	}
	env := &Env{}
	ParseExpr(env, "str(x),jwt_verify(ES256,"+mixed+")")
	if env.jwt.get([]byte(mixed)) == nil {
		t.Errorf("the public key after a certificate was not loaded")
	}
	if _, err := ParseExpr(&Env{}, "str(x),jwt_verify(txn.a,/dev/null)"); err != nil {
		t.Error(err)
	}
}

func TestJWTQuery(t *testing.T) {
	h := `{"alg":"HS256","typ":"JWT","n":12,"f":1.5,"t":true,"x":false,"o":{"a":"b"},"s":"a\"b","big":1e300}`
	p := `{"sub":"éa","n":-7,"arr":[1,"two"],"nul":null}`
	tok := jwtParts(h, p) + ".sig"
	c := ctxFor(req("GET / HTTP/1.1", "Authorization: Bearer "+tok))
	c.Vars.Set(VarRef{ScopeTxn, "tok"}, Value{Kind: KindBin, Str: []byte(tok)})
	tests := []struct{ expr, want string }{
		{"http_auth_bearer,jwt_header_query('$.alg')", "HS256"},
		{"http_auth_bearer,jwt_header_query('$.alg',int)", "HS256"},
		{"http_auth_bearer,jwt_header_query('$.n')", "12"},
		{"http_auth_bearer,jwt_header_query('$.n',int),add(1)", "13"},
		{"http_auth_bearer,jwt_header_query('$.f')", "1.5"},
		{"http_auth_bearer,jwt_header_query('$.f',int)", "1"},
		{"http_auth_bearer,jwt_header_query('$.big')", "1e+300"},
		{"http_auth_bearer,jwt_header_query('$.big',int)", "1"}, // as json_query: strtoll's digits
		{"http_auth_bearer,jwt_header_query('$.t')", "1"},
		{"http_auth_bearer,jwt_header_query('$.x')", "0"},
		{"http_auth_bearer,jwt_header_query('$.o')", "<none>"},
		{"http_auth_bearer,jwt_header_query('$.o.a')", "b"},
		{"http_auth_bearer,jwt_header_query('$.s')", `a"b`},
		{"http_auth_bearer,jwt_header_query('$.nope')", "<none>"},
		{"http_auth_bearer,jwt_payload_query('$.sub')", "éa"},
		{"http_auth_bearer,jwt_payload_query('$.n',int)", "-7"},
		{"http_auth_bearer,jwt_payload_query('$.arr[1]')", "two"},
		{"http_auth_bearer,jwt_payload_query('$.nul')", "<none>"},
		{"http_auth_bearer,jwt_payload_query('$.alg')", "<none>"},
		{"var(txn.tok),jwt_payload_query('$.n')", "-7"},
		// No path: haproxy 2.6 decodes but reports no sample.
		{"http_auth_bearer,jwt_header_query", "<none>"},
		{"http_auth_bearer,jwt_payload_query()", "<none>"},
		{"http_auth_bearer,jwt_payload_query('')", "<none>"},
		{"http_auth_bearer,jwt_payload_query(,int)", "<none>"},
		// Only the parts up to the one read matter.
		{"str(" + b64u([]byte(h)) + "),jwt_header_query('$.typ')", "JWT"},
		{"str(" + b64u([]byte(h)) + "),jwt_payload_query('$.typ')", "<none>"},
		{"str(" + jwtParts(h, p) + "),jwt_payload_query('$.n')", "-7"},
		{"str(" + jwtParts(h, p) + ".a.b.c),jwt_payload_query('$.n')", "-7"},
		{"str(" + b64u([]byte(h)) + ".!!),jwt_header_query('$.typ')", "JWT"},
		{"str(" + b64u([]byte(h)) + ".!!),jwt_payload_query('$.typ')", "<none>"},
		{"str(" + b64u([]byte(h)) + "=),jwt_header_query('$.typ')", "JWT"}, // '=' decodes as a byte after the JSON
		{"str(e30),jwt_header_query('$.a')", "<none>"},
		{"str(.e30),jwt_payload_query('$')", "<none>"},
	}
	for _, tt := range tests {
		if got := evalWith(t, nil, c, tt.expr); got != tt.want {
			t.Errorf("%s = %s, want %s", tt.expr, got, tt.want)
		}
	}
}

func TestHTTPAuthBearer(t *testing.T) {
	tests := []struct {
		hdrs       []string
		def, named string // http_auth_bearer and http_auth_bearer(X-Tok)
	}{
		{nil, "<none>", ""},
		{[]string{"Authorization: Bearer abc"}, "abc", ""},
		{[]string{"Authorization: bearer abc"}, "abc", ""},
		{[]string{"Authorization: BEARER   abc"}, "abc", ""},
		{[]string{"Authorization: Bear abc"}, "abc", ""},
		{[]string{"Authorization: Be abc"}, "abc", ""},
		{[]string{"Authorization: B abc"}, "<none>", ""},
		{[]string{"Authorization: BearerX abc"}, "<none>", ""},
		{[]string{"Authorization: Basic abc"}, "<none>", ""},
		{[]string{"Authorization: Bearer"}, "<none>", ""},
		{[]string{"Authorization: Bearer\tabc"}, "<none>", ""},
		{[]string{"Authorization: Bearer abc def"}, "abc def", ""},
		{[]string{"Authorization: Bearer abc, def"}, "abc", ""},
		{[]string{"Authorization: Bearer x", "Authorization: Bearer y"}, "x", ""},
		{[]string{"Authorization: Basic x", "Authorization: Bearer y"}, "<none>", ""},
		{[]string{"X-Tok: Bearer abc"}, "<none>", "abc"},
		{[]string{"X-Tok: bEaReR   abc"}, "<none>", "abc"},
		{[]string{"X-Tok: Bear abc"}, "<none>", ""},
		{[]string{"X-Tok: Bearer"}, "<none>", ""},
		{[]string{"X-Tok: Bearer a,b", "X-Tok: Bearer c"}, "<none>", "a"},
		{[]string{"X-Tok: Basic abc"}, "<none>", ""},
	}
	for _, tt := range tests {
		c := ctxFor(req("GET / HTTP/1.1", tt.hdrs...))
		if got := evalWith(t, nil, c, "http_auth_bearer"); got != tt.def {
			t.Errorf("%q: http_auth_bearer = %s, want %s", tt.hdrs, got, tt.def)
		}
		if got := evalWith(t, nil, c, "http_auth_bearer(X-Tok)"); got != tt.named {
			t.Errorf("%q: http_auth_bearer(X-Tok) = %s, want %s", tt.hdrs, got, tt.named)
		}
	}
	// With "()" the name is empty: the first header of all.
	c := ctxFor(req("GET / HTTP/1.1", "Authorization: Bearer t", "Host: h"))
	if got := evalWith(t, nil, c, "http_auth_bearer()"); got != "t" {
		t.Errorf("http_auth_bearer() = %s", got)
	}
	if got := evalWith(t, nil, ctxFor(nil), "http_auth_bearer(X-Tok)"); got != "<none>" {
		t.Errorf("without a request: %s", got)
	}
}

// TestHTTPAuthBearerRemembersFailure: as haproxy, once the transaction's
// Authorization gave nothing usable, later reads find nothing either,
// until the next transaction; valid Basic credentials are no failure.
func TestHTTPAuthBearerRemembersFailure(t *testing.T) {
	e, err := ParseExpr(nil, "http_auth_bearer")
	if err != nil {
		t.Fatal(err)
	}
	bearer := req("GET / HTTP/1.1", "Authorization: Bearer late")
	for _, first := range []struct {
		hdr  string
		want string // what the second read, of a Bearer header, gives
	}{{"", "<none>"}, {"Authorization: Digest x", "<none>"}, {"Authorization: Basic YTpi", "late"},
		{"Authorization: Basic YWI=", "<none>"}, {"Authorization: Basic !!", "<none>"}, {"Authorization: Bearer t", "late"}} {
		var hdrs []string
		if first.hdr != "" {
			hdrs = append(hdrs, first.hdr)
		}
		c := ctxFor(req("GET / HTTP/1.1", hdrs...))
		e.Eval(c)
		c.Req = bearer
		if got := text(e.Eval(c)); got != first.want {
			t.Errorf("after %q: %s, want %s", first.hdr, got, first.want)
		}
		// The next transaction reads afresh; a named header is never
		// remembered.
		if got := evalWith(t, nil, c, "http_auth_bearer(authorization)"); got != "late" {
			t.Errorf("after %q: named header: %s", first.hdr, got)
		}
		c.Reset()
		c.Req = bearer
		if got := text(e.Eval(c)); got != "late" {
			t.Errorf("after %q and a reset: %s", first.hdr, got)
		}
	}
}

func TestB64URL(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 4, 5, 31, 64} {
		b := make([]byte, n)
		rand.Read(b)
		got, ok := appendB64URL(nil, []byte(b64u(b)))
		if !ok || string(got) != string(b) {
			t.Errorf("%x: %x %v", b, got, ok)
		}
	}
	for _, bad := range []string{"A", "AAAAA", "AB+C", "AB/C", "A B", "AB\nCD"} {
		if _, ok := appendB64URL(nil, []byte(bad)); ok {
			t.Errorf("%q decoded", bad)
		}
	}
	// Trailing bits are ignored; '=' is worth 63.
	a, _ := appendB64URL(nil, []byte("QR"))
	b, _ := appendB64URL(nil, []byte("Q_=="))
	if string(a) != "A" || string(b) != "C\xff\xff" {
		t.Errorf("QR=%x Q_==%x", a, b)
	}
}

func TestJWTVerifyAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	signed := jwtParts(`{"alg":"HS256"}`, `{"a":1}`)
	tok := signed + "." + hsSign(jwtHS256, "k", signed)
	e, err := ParseExpr(&Env{}, "str("+tok+"),jwt_verify(HS256,k)")
	if err != nil {
		t.Fatal(err)
	}
	c := ctxFor(nil)
	c.Scratch = make([]byte, 0, 4096)
	e.Eval(c)
	if n := testing.AllocsPerRun(100, func() {
		c.Scratch = c.Scratch[:0]
		if v, ok := e.Eval(c); !ok || v.Int != 1 {
			t.Fatal("not verified")
		}
	}); n > 0 {
		t.Errorf("%v allocations per HS256 verification", n)
	}
}

func FuzzJWT(f *testing.F) {
	signed := jwtParts(`{"alg":"HS256"}`, `{"a":"b"}`)
	for _, s := range []string{signed + "." + hsSign(jwtHS256, "k", signed), "", ".", "..", "...", "a.b.c",
		"e30.e30.", "A.A.A", "=.=.=", signed + ".AB=C"} {
		f.Add(s, "HS256")
		f.Add(s, "ES256")
	}
	f.Add("x.y", "none")
	kf := makeJWTKeys(f)
	env := &Env{}
	ParseExpr(env, "str(x),jwt_verify(RS256,"+kf.rsa+")")
	ParseExpr(env, "str(x),jwt_verify(ES256,"+kf.ec256+")")
	exprs := []string{"var(txn.t),jwt_verify(txn.alg,k)", "var(txn.t),jwt_verify(txn.alg," + kf.rsa + ")",
		"var(txn.t),jwt_verify(txn.alg," + kf.ec256 + ")", "var(txn.t),jwt_header_query('$.alg')",
		"var(txn.t),jwt_payload_query('$.a',int)"}
	var compiled []*Expr
	for _, s := range exprs {
		e, err := ParseExpr(env, s)
		if err != nil {
			f.Fatal(err)
		}
		compiled = append(compiled, e)
	}
	f.Fuzz(func(t *testing.T, tok, alg string) {
		c := ctxFor(nil)
		c.Vars.Set(VarRef{ScopeTxn, "t"}, Str([]byte(tok)))
		c.Vars.Set(VarRef{ScopeTxn, "alg"}, Str([]byte(alg)))
		for _, e := range compiled {
			v, ok := e.Eval(c)
			if ok && v.Kind == KindInt && (v.Int < -5 || v.Int > 1) {
				t.Fatalf("%q %q: result %d", tok, alg, v.Int)
			}
		}
		// The decoder agrees with Go's for canonical input (which Go
		// takes with line breaks in it too).
		parts, _, _ := jwtSplit([]byte(tok), 3)
		for _, p := range parts {
			if strings.ContainsAny(string(p), "\r\n") {
				continue
			}
			want, err := base64.RawURLEncoding.Strict().DecodeString(string(p))
			if err != nil {
				continue
			}
			got, ok := appendB64URL(nil, p)
			if !ok || string(got) != string(want) {
				t.Fatalf("%q decoded as %x, want %x", p, got, want)
			}
		}
	})
}
