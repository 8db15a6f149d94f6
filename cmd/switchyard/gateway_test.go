package main

// The token gateway example (examples/gateway.cfg, seed 000) run end to end:
// the real binary on the example file as shipped, its token map copied to a
// temporary directory, two origins on 127.0.0.1.

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// gatewayGet makes one request with the given headers (name, value pairs)
// on a new connection and returns the status and body.
func gatewayGet(t *testing.T, addr, path string, hdrs ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdrs); i += 2 {
		req.Header.Set(hdrs[i], hdrs[i+1])
	}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s %v: %v", path, hdrs, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s %v: reading the body: %v", path, hdrs, err)
	}
	return resp.StatusCode, string(b)
}

func TestGatewayExample(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join("..", "..", "examples", "gateway", "tokens.map"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens.map")
	writeFile(t, tokens, string(src))
	app, tokenAPI := origin(t, "app", nil), origin(t, "token-api", nil)
	fe := freeAddr(t)
	env := []string{"LISTEN=" + fe, "APP=" + app, "TOKEN_API=" + tokenAPI, "TOKENS=" + tokens}
	p := startCLI(t, env, nil, "-db", "-f", filepath.Join("..", "..", "examples", "gateway.cfg"))
	if body := p.serving(fe, "/health"); body != "OK" {
		t.Fatalf("/health answered %q, want the proxy's own OK", body)
	}
	p.started()

	const tok1, id1, id2 = "example-token-1", "example-client-1", "example-client-2"
	check := func(what string, wantStatus int, wantBody, path string, hdrs ...string) {
		t.Helper()
		status, body := gatewayGet(t, fe, path, hdrs...)
		if status != wantStatus || (wantBody != "" && body != wantBody) {
			t.Fatalf("%s: got %d %q, want %d %q; stderr:\n%s", what, status, body, wantStatus, wantBody, p.stderr.String())
		}
	}
	check("health probe, no token", 200, "OK", "/health")
	check("health probe, sub-path (path_beg, as the seed)", 200, "OK", "/health/ready")
	check("no token", 401, "", "/wcc/1/message_templates")
	check("unknown token", 401, "", "/wcc/1/message_templates", "Authorization", "nope", "Client-ID", id1)
	check("known token, no Client-ID", 403, "", "/wcc/1/message_templates", "Authorization", tok1)
	check("known token, another token's Client-ID", 403, "", "/wcc/1/message_templates", "Authorization", tok1, "Client-ID", id2)
	check("known token, Client-ID in another case", 403, "", "/wcc/1/message_templates", "Authorization", tok1, "Client-ID", strings.ToUpper(id1))
	check("valid pair", 200, "app", "/wcc/1/message_templates", "Authorization", tok1, "Client-ID", id1)
	check("valid pair, token API", 200, "token-api", "/api/token", "Authorization", tok1, "Client-ID", id1)
	check("token API without a valid pair", 401, "", "/api/token")

	// A new token appended to the file, as the seed's operators do
	// (echo ... >> file): in service without a reload.
	const tok3, id3 = "fresh-token-3", "fresh-client-3"
	f, err := os.OpenFile(tokens, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(f, tok3+" "+id3+"\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	accepted := func() bool {
		status, _ := gatewayGet(t, fe, "/x", "Authorization", tok3, "Client-ID", id3)
		return status == 200
	}
	poll(t, 15*time.Second, "the added token to be accepted", accepted)
	check("added token, valid pair", 200, "app", "/x", "Authorization", tok3, "Client-ID", id3)
	check("added token, wrong Client-ID", 403, "", "/x", "Authorization", tok3, "Client-ID", id1)
	check("old token still valid", 200, "app", "/x", "Authorization", tok1, "Client-ID", id1)

	// The token removed again, this time by replacing the file (an
	// editor's or a ConfigMap's atomic rename).
	tmp := filepath.Join(dir, "tokens.map.new")
	writeFile(t, tmp, string(src))
	if err := os.Rename(tmp, tokens); err != nil {
		t.Fatal(err)
	}
	poll(t, 15*time.Second, "the removed token to be refused", func() bool {
		status, _ := gatewayGet(t, fe, "/x", "Authorization", tok3, "Client-ID", id3)
		return status == 401
	})
	check("old token still valid after the removal", 200, "app", "/x", "Authorization", tok1, "Client-ID", id1)

	// Neither change went through a configuration reload.
	logs := p.stderr.String()
	if strings.Contains(logs, "reloading configuration") || !strings.Contains(logs, "pattern file reloaded") {
		t.Fatalf("want pattern file reloads only; stderr:\n%s", logs)
	}
	select {
	case <-p.done:
		t.Fatalf("switchyard exited (%d); stderr:\n%s", p.code, logs)
	default:
	}
}
