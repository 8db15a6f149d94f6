package difftest

import (
	"encoding/base64"
	"strings"
	"testing"
)

// userlist sections, http_auth / http_auth_group and http-request auth,
// with each kind of password: crypt(3) SHA-512 and SHA-256 (made with
// `openssl passwd`), bcrypt, and clear text.

const userlistCfg = `userlist L
    group admins users alice
    group staff
    user alice password $6$k6y3o.eP$r9Sz9CmJmZ9d2I0iVUtMU97TAuPb.wxBMcQXnJYBdOXM8ke4KBoMm/av4oCeolTx/yufUnlpDOROuxGqD6sb41
    user bob password $5$rounds=2000$saltysalt$NvLqKUjcDFrS5m8bj98/4iM/8fmczHqzHoMn2SEea44 groups staff
    user carol password $2b$04$qV8Drsdsfus6/5splReKTOMhSFzyNSg7lOhM/N80zehXpQEA2N4nW groups staff
    user dave insecure-password davepw groups admins,staff

frontend fe
    bind "127.0.0.1:${FE_PORT}"
    acl ok http_auth(L)
    http-request auth realm Private unless ok
    http-request return status 200 content-type text/plain lf-string "admin %[http_auth_group(L)]" if { http_auth_group(L) admins }
    http-request return status 200 content-type text/plain string staff if { http_auth_group(L) staff }
    default_backend be

backend be
    server s1 "127.0.0.1:${S1_PORT}"
`

func basic(user, pass string) string {
	return "GET / HTTP/1.1\r\nhost: a\r\nauthorization: Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass)) + "\r\n\r\n"
}

func TestUserlistAuth(t *testing.T) {
	runCases(t, []tcase{
		{name: "no-credentials", cfg: userlistCfg, req: "GET / HTTP/1.1\r\nhost: a\r\n\r\n", exact: true},
		{name: "after-response-on-401", req: "GET / HTTP/1.1\r\nhost: a\r\n\r\n", exact: true,
			cfg: strings.Replace(userlistCfg, "    default_backend be\n", "    default_backend be\n    http-after-response set-header X-After %[status]\n", 1)},
		{name: "sha512-good", cfg: userlistCfg, req: basic("alice", "alicepw")},
		{name: "sha512-bad", cfg: userlistCfg, req: basic("alice", "alicepw2")},
		{name: "sha256-rounds-good", cfg: userlistCfg, req: basic("bob", "bobpw")},
		{name: "bcrypt-good", cfg: userlistCfg, req: basic("carol", "carolpw")},
		{name: "bcrypt-bad", cfg: userlistCfg, req: basic("carol", "bobpw")},
		{name: "insecure-good", cfg: userlistCfg, req: basic("dave", "davepw")},
		{name: "unknown-user", cfg: userlistCfg, req: basic("eve", "davepw")},
		{name: "not-basic", cfg: userlistCfg, req: "GET / HTTP/1.1\r\nhost: a\r\nauthorization: Bearer abc\r\n\r\n"},
		{name: "keep-alive-after-401", cfg: userlistCfg, n: 2, req: "GET / HTTP/1.1\r\nhost: a\r\n\r\n" + basic("dave", "davepw")},
		{name: "default-realm", cfg: `userlist L
    user u insecure-password p

frontend fe
    bind "127.0.0.1:${FE_PORT}"
    http-request auth unless { http_auth(L) }
    default_backend be

backend be
    server s1 "127.0.0.1:${S1_PORT}"
`, req: "GET / HTTP/1.0\r\n\r\n", exact: true},
		{name: "backend-realm", cfg: `userlist L
    user u insecure-password p

frontend fe
    bind "127.0.0.1:${FE_PORT}"
    default_backend be

backend be
    http-request auth unless { http_auth(L) }
    server s1 "127.0.0.1:${S1_PORT}"
`, req: "HEAD / HTTP/1.1\r\nhost: a\r\n\r\n", head: true, exact: true},
	})
}
