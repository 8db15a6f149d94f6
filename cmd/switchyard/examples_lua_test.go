package main

// Seed 000's token gateway with its Lua scripts
// (examples/000-token-gateway.cfg and examples/000-token-gateway/*.lua)
// runs as shipped but for the addresses and paths (environment variables),
// under switchyard and, as a check of the assertions, under haproxy with
// the same config and the same scripts. The test edits the token files as
// the seed's operators do (echo "Client-ID" >> token_value.txt) and sees
// each edit decide the very next request: the scripts read the files on
// every request, no reload.

import (
	"os"
	"path/filepath"
	"testing"
)

func TestExample000LuaTokenGateway(t *testing.T) {
	t.Parallel()
	for _, bin := range exBins {
		t.Run(bin, func(t *testing.T) {
			t.Parallel()
			testExample000LuaTokenGateway(t, bin)
		})
	}
}

func testExample000LuaTokenGateway(t *testing.T, bin string) {
	tokens := t.TempDir()
	luaDir, err := filepath.Abs(filepath.Join("..", "..", "examples", "000-token-gateway"))
	if err != nil {
		t.Fatal(err)
	}
	app, tokenAPI := origin(t, "app", nil), origin(t, "token-api", nil)
	// MAXCONN: the seed's 50000 needs more open files than this machine
	// allows; both proxies refuse to start with it.
	env := []string{"MAXCONN=1000", "LUA_DIR=" + luaDir, "TOKEN_DIR=" + tokens, "APP=" + app, "TOKEN_API=" + tokenAPI}
	p := exStart(t, bin, "000-token-gateway.cfg", env, "/health")

	tokenFile := func(token string) string { return filepath.Join(tokens, token+".txt") }
	// echo appends as the blog's operators do.
	echo := func(id, token string) {
		t.Helper()
		f, err := os.OpenFile(tokenFile(token), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(id + "\n"); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	const path = "/wcc/1234567890/message_templates"
	check := func(what string, wantStatus int, wantBody, path string, hdrs ...string) {
		t.Helper()
		status, body := gatewayGet(t, p.addr, path, hdrs...)
		if status != wantStatus || (wantBody != "" && body != wantBody) {
			t.Fatalf("%s: %s answered %d %q, want %d %q", what, bin, status, body, wantStatus, wantBody)
		}
	}
	pair := func(token, id string) []string { return []string{"Authorization", token, "Client-ID", id} }

	check("health probe, no token", 200, "OK", "/health")
	check("no token file yet", 503, "", path, pair("token-a", "client-1")...)
	check("no headers", 503, "", path)

	echo("client-1", "token-a")
	check("token file made: valid pair", 200, "app", path, pair("token-a", "client-1")...)
	check("valid pair, token API", 200, "token-api", "/api/token", pair("token-a", "client-1")...)
	check("valid token, ID not listed", 503, "", path, pair("token-a", "client-2")...)
	check("valid token, no Client-ID", 503, "", path, "Authorization", "token-a")
	check("ID in another case", 503, "", path, pair("token-a", "CLIENT-1")...)
	check("token in another case", 503, "", path, pair("TOKEN-A", "client-1")...)
	check("token API, ID not listed", 503, "", "/api/token", pair("token-a", "client-2")...)

	// A second ID appended: in service for the next request, the first
	// still allowed.
	echo("client-2", "token-a")
	check("second ID appended", 200, "app", path, pair("token-a", "client-2")...)
	check("first ID still allowed", 200, "app", path, pair("token-a", "client-1")...)

	// A second token with its own ID: IDs do not carry across tokens.
	echo("client-3", "token-b")
	check("second token", 200, "app", path, pair("token-b", "client-3")...)
	check("an ID of another token", 503, "", path, pair("token-b", "client-1")...)

	// An ID removed from the file (the file rewritten, as an editor does).
	writeFile(t, tokenFile("token-a"), "client-2\n")
	check("ID removed", 503, "", path, pair("token-a", "client-1")...)
	check("the other ID kept", 200, "app", path, pair("token-a", "client-2")...)

	// Windows line ends and blank lines, as files written from elsewhere
	// on a share may have them.
	writeFile(t, tokenFile("token-c"), "\r\nclient-4\r\n\r\n")
	check("CRLF file", 200, "app", path, pair("token-c", "client-4")...)

	// A token revoked: its file deleted.
	if err := os.Remove(tokenFile("token-b")); err != nil {
		t.Fatal(err)
	}
	check("token file deleted", 503, "", path, pair("token-b", "client-3")...)

	// A header value that would name a file outside the directory is no
	// token: a token "../x" must not reach tokens/../x.txt.
	outside := filepath.Join(filepath.Dir(tokens), filepath.Base(tokens)+"-outside")
	writeFile(t, outside+".txt", "client-5\n")
	t.Cleanup(func() { os.Remove(outside + ".txt") })
	check("path traversal", 503, "", path, pair("../"+filepath.Base(outside), "client-5")...)
	check("health probe at the end", 200, "OK", "/health")
}
