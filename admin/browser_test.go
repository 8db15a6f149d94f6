//go:build linux

package admin

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"switchyard/stats"
)

// The stats page's admin form, driven in a real browser: headless
// Chromium (Debian's package, which scripts/deps.sh installs) loads the
// page, ticks a server, picks an action, presses Apply, follows the 303
// back to the page, and the server's row and the admin surface both say
// the new state. The browser is driven over the Chrome DevTools protocol
// with the few lines of websocket client below: the test needs a dozen
// commands, not a dependency.

const browserConfig = `
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
listen stats
    bind {FE}
    stats enable
    stats uri /stats
    stats auth admin:secret
    stats admin if TRUE
frontend web
    bind {WEB}
    default_backend app
backend app
    balance roundrobin
    server s1 {S1} check inter 100ms rise 1 fall 1
    server s2 {S2} check inter 100ms rise 1 fall 1
    server s3 127.0.0.1:1 check inter 100ms rise 1 fall 1
`

// The viewport, and so the screenshot's size.
const shotW, shotH = 1280, 900

// The rows' background colours in the page's (light) stylesheet.
var (
	colourMaint = color.RGBA{0xc0, 0x78, 0x20, 0xff}
	colourUp    = color.RGBA{0xc0, 0xff, 0xc0, 0xff}
	colourDown  = color.RGBA{0xff, 0x90, 0x90, 0xff}
	// and in the dark one
	colourDownDark = color.RGBA{0x76, 0x00, 0x00, 0xff}
)

func TestBrowserStatsAdmin(t *testing.T) {
	bin := findChromium()
	if bin == "" {
		t.Skip("no chromium binary on PATH (scripts/deps.sh installs Debian's chromium package)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	web := ports.Addr(t)
	a, fe := start(t, browserConfig, "WEB", web, "S1", origin(t, "one"), "S2", origin(t, "two"))
	// Let the checks settle: s1 and s2 up, s3 (nothing listens) down.
	waitStatus(ctx, t, a, map[string]string{"s1": "UP", "s2": "UP", "s3": "DOWN"})
	for range 6 {
		if code, _ := get(t, web, "/"); code != 200 {
			t.Fatalf("GET / through the frontend: %d", code)
		}
	}
	if code, _ := get(t, fe, "/stats"); code != 401 {
		t.Fatalf("the stats page without credentials answers %d, want 401", code)
	}

	b := launchChromium(ctx, t, bin)
	page := b.newPage(ctx, t)
	auth := base64.StdEncoding.EncodeToString([]byte("admin:secret"))
	page.must(ctx, t, "Network.enable", nil, nil)
	page.must(ctx, t, "Network.setExtraHTTPHeaders", map[string]any{"headers": map[string]string{"Authorization": "Basic " + auth}}, nil)
	page.must(ctx, t, "Emulation.setDeviceMetricsOverride", map[string]any{"width": shotW, "height": shotH, "deviceScaleFactor": 1, "mobile": false}, nil)
	page.must(ctx, t, "Emulation.setEmulatedMedia", map[string]any{"features": []map[string]string{{"name": "prefers-color-scheme", "value": "light"}}}, nil)

	pageURL := "http://" + fe + "/stats"
	page.load(ctx, t, func() {
		var nav struct{ ErrorText string }
		page.must(ctx, t, "Page.navigate", map[string]any{"url": pageURL}, &nav)
		if nav.ErrorText != "" {
			t.Fatalf("navigate to %s: %s", pageURL, nav.ErrorText)
		}
	})
	if title := page.evalString(ctx, t, `document.title`); !strings.HasPrefix(title, "Statistics Report") {
		t.Fatalf("page title %q", title)
	}
	for sv, class := range map[string]string{"s1": "active_up", "s2": "active_up", "s3": "active_down"} {
		if got := page.rowClass(ctx, t, sv); got != class {
			t.Errorf("%s's row has class %q, want %q", sv, got, class)
		}
	}

	// MAINT, through the form.
	page.act(ctx, t, "s1", "Set state to MAINT")
	page.checkRedirect(t, pageURL, pageURL)
	if got := page.evalString(ctx, t, `location.href`); got != pageURL+";st=DONE" {
		t.Errorf("after Apply the browser is at %q, want %q", got, pageURL+";st=DONE")
	}
	if msg := page.evalString(ctx, t, `(document.querySelector("div.active_up") || {}).textContent || ""`); !strings.Contains(msg, "Action processed successfully.") {
		t.Errorf("the page's outcome message is %q", msg)
	}
	if got := page.rowClass(ctx, t, "s1"); got != "maintain" {
		t.Errorf("after MAINT, s1's row has class %q, want maintain", got)
	}
	if cells := page.evalString(ctx, t, `[...`+rowJS("s1")+`.cells].map(c => c.textContent).join("|")`); !strings.Contains(cells, " MAINT|") {
		t.Errorf("after MAINT, s1's row reads %q", cells)
	}
	if st := row(t, a.Stats(AllStats), "app", "s1").Fields[stats.FStatus].Str; st != "MAINT" {
		t.Errorf("after MAINT the surface says s1 is %q", st)
	}
	if st := row(t, a.Stats(AllStats), "app", "s2").Fields[stats.FStatus].Str; st != "UP" {
		t.Errorf("the action on s1 changed s2: %q", st)
	}

	// The page as it is now, with a server of each colour, whose rows
	// must show in their colours where the page says they are.
	page.must(ctx, t, "Runtime.evaluate", map[string]any{"expression": "window.scrollTo(0, 0)"}, nil)
	rects := map[string]image.Rectangle{}
	for _, sv := range []string{"s1", "s2", "s3"} {
		rects[sv] = page.rowRect(ctx, t, sv)
	}
	shot := page.screenshot(ctx, t)
	img := checkScreenshot(t, shot)
	for sv, want := range map[string]color.RGBA{"s1": colourMaint, "s2": colourUp, "s3": colourDown} {
		r := rects[sv]
		if share := colourShare(img, r, want); share < 0.3 {
			t.Errorf("%s's row %v in the screenshot: %.0f%% of its pixels are %v, want most", sv, r, 100*share, want)
		}
	}
	saveScreenshot(t, shot, "stats-page.png")

	// And READY again. The form has no action: it posts to the page's
	// own URI, here the one that reported the last outcome.
	page.act(ctx, t, "s1", "Set state to READY")
	page.checkRedirect(t, pageURL+";st=DONE", pageURL)
	if got := page.rowClass(ctx, t, "s1"); got != "active_up" {
		t.Errorf("after READY, s1's row has class %q, want active_up", got)
	}
	if st := row(t, a.Stats(AllStats), "app", "s1").Fields[stats.FStatus].Str; st != "UP" {
		t.Errorf("after READY the surface says s1 is %q", st)
	}

	// The page's dark scheme, for people whose desktop asks for one.
	page.must(ctx, t, "Emulation.setEmulatedMedia", map[string]any{"features": []map[string]string{{"name": "prefers-color-scheme", "value": "dark"}}}, nil)
	page.must(ctx, t, "Runtime.evaluate", map[string]any{"expression": "window.scrollTo(0, 0)"}, nil)
	r := page.rowRect(ctx, t, "s3")
	shot = page.screenshot(ctx, t)
	img = checkScreenshot(t, shot)
	if share := colourShare(img, r, colourDownDark); share < 0.3 {
		t.Errorf("s3's row %v in the dark screenshot: %.0f%% of its pixels are %v, want most", r, 100*share, colourDownDark)
	}
	saveScreenshot(t, shot, "stats-page-dark.png")
}

// findChromium is the first browser binary on PATH.
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// waitStatus waits until the backend app's servers have the given status.
func waitStatus(ctx context.Context, t *testing.T, a *Surface, want map[string]string) {
	t.Helper()
	for {
		rows := a.Stats(AllStats)
		have := map[string]string{}
		ok := true
		for sv, st := range want {
			have[sv] = row(t, rows, "app", sv).Fields[stats.FStatus].Str
			ok = ok && have[sv] == st
		}
		if ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("servers are %v, want %v", have, want)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// rowJS is a JavaScript expression for a server's row in app's table.
func rowJS(sv string) string {
	return `document.querySelector('input.app-checkbox[value="` + sv + `"]').closest("tr")`
}

func (p *cdpPage) rowClass(ctx context.Context, t *testing.T, sv string) string {
	t.Helper()
	return p.evalString(ctx, t, rowJS(sv)+`.className`)
}

// rowRect is where a server's row is in the viewport.
func (p *cdpPage) rowRect(ctx context.Context, t *testing.T, sv string) image.Rectangle {
	t.Helper()
	return p.rect(ctx, t, rowJS(sv))
}

// act does what an operator does: ticks the server's checkbox, chooses the
// action, presses Apply, and waits for the page the 303 leads back to.
func (p *cdpPage) act(ctx context.Context, t *testing.T, sv, label string) {
	t.Helper()
	box := `document.querySelector('input.app-checkbox[value="` + sv + `"]')`
	p.click(ctx, t, box)
	if p.evalString(ctx, t, `String(`+box+`.checked)`) != "true" {
		t.Fatalf("clicking %s's checkbox did not tick it", sv)
	}
	// A select's list is drawn by the browser outside the page, where
	// headless mode has nothing to click: choose the option as the
	// keyboard would, by setting it and firing the change event.
	chosen := p.evalString(ctx, t, `(() => {
		const s = `+box+`.form.querySelector("select[name=action]");
		const o = [...s.options].find(o => o.textContent === `+strconv.Quote(label)+`);
		if (!o) return "";
		s.value = o.value;
		s.dispatchEvent(new Event("change", {bubbles: true}));
		return s.value;
	})()`)
	if chosen == "" {
		t.Fatalf("the admin form has no action %q", label)
	}
	p.clearRequests()
	p.load(ctx, t, func() { p.click(ctx, t, box+`.form.querySelector('input[type=submit][value="Apply"]')`) })
}

// checkRedirect checks that the last load was the form's POST to postURL
// answered by a 303 to the page with haproxy's ;st=DONE, which the
// browser followed with a GET.
func (p *cdpPage) checkRedirect(t *testing.T, postURL, pageURL string) {
	t.Helper()
	var post, redirect bool
	for _, r := range p.requests() {
		if r.Request.Method == "POST" && r.Request.URL == postURL && r.RedirectResponse == nil {
			post = true
		}
		if r.RedirectResponse != nil && r.RedirectResponse.Status == 303 && r.RedirectResponse.URL == postURL && r.Request.URL == pageURL+";st=DONE" && r.Request.Method == "GET" {
			redirect = true
		}
	}
	if !post || !redirect {
		t.Errorf("the browser's requests (POST seen %v, 303 to ;st=DONE followed %v): %+v", post, redirect, p.requests())
	}
}

// checkScreenshot decodes the PNG and checks that it is a picture of the
// viewport with something on it.
func checkScreenshot(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the screenshot is no PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != shotW || b.Dy() != shotH {
		t.Fatalf("the screenshot is %dx%d, want %dx%d", b.Dx(), b.Dy(), shotW, shotH)
	}
	colours := map[color.RGBA]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			colours[rgba(img.At(x, y))] = true
		}
	}
	// Text is anti-aliased and the rows are coloured: a rendered page has
	// many colours, a blank or failed one a handful.
	if len(colours) < 20 {
		t.Fatalf("the screenshot has %d colours: a blank page?", len(colours))
	}
	return img
}

func rgba(c color.Color) color.RGBA {
	r, g, b, a := c.RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
}

// colourShare is the share of r's pixels that are exactly c.
func colourShare(img image.Image, r image.Rectangle, c color.RGBA) float64 {
	r = r.Intersect(img.Bounds())
	if r.Empty() {
		return 0
	}
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if rgba(img.At(x, y)) == c {
				n++
			}
		}
	}
	return float64(n) / float64(r.Dx()*r.Dy())
}

// saveScreenshot writes the picture to the test's directory and, when
// SWITCHYARD_SCREENSHOT_DIR is set, there too, for a person to look at.
func saveScreenshot(t *testing.T, data []byte, name string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("SWITCHYARD_SCREENSHOT_DIR"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		p = filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshot: %s", p)
}

// launchChromium starts headless Chromium with a profile of its own, on
// loopback only, and connects to its DevTools websocket. It is killed at
// the end of the test, with every process it started.
func launchChromium(ctx context.Context, t *testing.T, bin string) *cdpConn {
	t.Helper()
	profile := t.TempDir()
	cmd := exec.Command(bin,
		"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
		"--user-data-dir="+profile,
		// Nothing but the page: no proxy, no name resolution (the page is
		// at a loopback address), no background traffic.
		"--no-proxy-server", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-default-apps", "--disable-extensions", "--disable-client-side-phishing-detection",
		"--disable-domain-reliability", "--no-pings", "--no-first-run", "--no-default-browser-check",
		"--hide-scrollbars", "--mute-audio",
		"--window-size="+strconv.Itoa(shotW)+","+strconv.Itoa(shotH),
		"about:blank")
	var stderr tailBuffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	// Its own process group, so that the cleanup kills its helpers too;
	// and killed with the test binary if that dies first (a timeout).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	// Registered after t.TempDir, so it runs before the profile is removed.
	t.Cleanup(func() {
		pgid := cmd.Process.Pid
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-exited
		// The renderers and helpers are in the same group: wait (a little)
		// until they are gone too, so that none writes into the profile
		// while it is being removed.
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if syscall.Kill(-pgid, 0) != nil {
				break
			}
		}
	})

	// Chromium writes the port it chose, then the browser's websocket path.
	var port, path string
	for {
		data, err := os.ReadFile(filepath.Join(profile, "DevToolsActivePort"))
		if lines := strings.Split(string(data), "\n"); err == nil && len(lines) >= 2 && lines[1] != "" {
			port, path = lines[0], strings.TrimSpace(lines[1])
			break
		}
		select {
		case <-exited:
			t.Fatalf("chromium exited before it listened: %s", stderr.String())
		case <-ctx.Done():
			t.Fatalf("chromium did not write DevToolsActivePort: %s", stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	c, err := dialCDP(ctx, "ws://127.0.0.1:"+port+path)
	if err != nil {
		t.Fatalf("DevTools websocket: %v (chromium: %s)", err, stderr.String())
	}
	t.Cleanup(c.close)
	return c
}

// tailBuffer keeps the last 4 kB written to it: chromium's stderr, for
// failure messages.
type tailBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (w *tailBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b = append(w.b, p...)
	if len(w.b) > 4096 {
		w.b = append(w.b[:0], w.b[len(w.b)-4096:]...)
	}
	return len(p), nil
}

func (w *tailBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.b)
}

// cdpConn is a connection to the browser's DevTools endpoint. Pages are
// reached through it in flat mode: a command for a page carries the
// page's session id.
type cdpConn struct {
	conn net.Conn
	br   *bufio.Reader
	wmu  sync.Mutex // one frame at a time

	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan cdpMessage
	reqs    map[string][]cdpRequest // Network.requestWillBeSent, by session
	err     error                   // why the reader stopped
	done    chan struct{}
}

type cdpMessage struct {
	ID        int64           `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// cdpRequest is what a Network.requestWillBeSent event says.
type cdpRequest struct {
	Request struct {
		URL    string `json:"url"`
		Method string `json:"method"`
	} `json:"request"`
	RedirectResponse *struct {
		URL    string `json:"url"`
		Status int    `json:"status"`
	} `json:"redirectResponse"`
}

// call sends a command and decodes its result into out (when not nil).
func (c *cdpConn) call(ctx context.Context, session, method string, params, out any) error {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return c.err
	}
	c.nextID++
	id := c.nextID
	ch := make(chan cdpMessage, 1)
	c.pending[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok {
		c.conn.SetWriteDeadline(dl)
	}
	c.wmu.Lock()
	err = wsWrite(c.conn, data)
	c.wmu.Unlock()
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case r := <-ch:
		if r.Error != nil {
			return fmt.Errorf("%s: %s (%d)", method, r.Error.Message, r.Error.Code)
		}
		if out != nil {
			return json.Unmarshal(r.Result, out)
		}
		return nil
	case <-c.done:
		return fmt.Errorf("%s: %w", method, c.err)
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// readLoop delivers the answers to their callers and keeps the network
// events, until the connection ends.
func (c *cdpConn) readLoop() {
	var err error
	for {
		var data []byte
		if data, err = wsRead(c.conn, c.br, &c.wmu); err != nil {
			break
		}
		var m cdpMessage
		if err = json.Unmarshal(data, &m); err != nil {
			break
		}
		c.mu.Lock()
		switch {
		case m.ID != 0:
			if ch := c.pending[m.ID]; ch != nil {
				ch <- m
			}
		case m.Method == "Network.requestWillBeSent":
			var r cdpRequest
			if json.Unmarshal(m.Params, &r) == nil {
				c.reqs[m.SessionID] = append(c.reqs[m.SessionID], r)
			}
		}
		c.mu.Unlock()
	}
	c.mu.Lock()
	c.err = fmt.Errorf("devtools connection: %w", err)
	c.mu.Unlock()
	close(c.done)
}

func (c *cdpConn) close() {
	c.conn.Close()
	<-c.done
}

// cdpPage is one tab, attached in flat mode.
type cdpPage struct {
	c       *cdpConn
	session string
}

func (c *cdpConn) newPage(ctx context.Context, t *testing.T) *cdpPage {
	t.Helper()
	var target struct{ TargetID string }
	if err := c.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		t.Fatal(err)
	}
	var att struct{ SessionID string }
	if err := c.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &att); err != nil {
		t.Fatal(err)
	}
	return &cdpPage{c: c, session: att.SessionID}
}

func (p *cdpPage) must(ctx context.Context, t *testing.T, method string, params, out any) {
	t.Helper()
	if err := p.c.call(ctx, p.session, method, params, out); err != nil {
		t.Fatal(err)
	}
}

func (p *cdpPage) requests() []cdpRequest {
	p.c.mu.Lock()
	defer p.c.mu.Unlock()
	return append([]cdpRequest(nil), p.c.reqs[p.session]...)
}

func (p *cdpPage) clearRequests() {
	p.c.mu.Lock()
	defer p.c.mu.Unlock()
	delete(p.c.reqs, p.session)
}

// eval evaluates a JavaScript expression in the page and decodes its value.
func (p *cdpPage) eval(ctx context.Context, expr string, out any) error {
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := p.c.call(ctx, p.session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &r); err != nil {
		return err
	}
	if e := r.ExceptionDetails; e != nil {
		return fmt.Errorf("%s: %s %s", expr, e.Text, e.Exception.Description)
	}
	if len(r.Result.Value) == 0 {
		return fmt.Errorf("%s: no value", expr)
	}
	return json.Unmarshal(r.Result.Value, out)
}

func (p *cdpPage) evalString(ctx context.Context, t *testing.T, expr string) string {
	t.Helper()
	var s string
	if err := p.eval(ctx, expr, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// load runs what starts a navigation (a navigate command, a click on a
// submit button) and waits until a new document has loaded: the old one
// is marked first, so that its own "complete" does not count.
func (p *cdpPage) load(ctx context.Context, t *testing.T, navigate func()) {
	t.Helper()
	var s string
	if err := p.eval(ctx, `window.__switchyardOld = true; "marked"`, &s); err != nil {
		t.Fatal(err)
	}
	navigate()
	for {
		// While the page changes, the evaluation may fail (its context
		// is destroyed): that is a "not yet".
		var state string
		if p.eval(ctx, `window.__switchyardOld ? "old" : document.readyState`, &state) == nil && state == "complete" {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no new page loaded (%q): %v", state, ctx.Err())
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// rect is the viewport rectangle of the element an expression names,
// scrolled into view first.
func (p *cdpPage) rect(ctx context.Context, t *testing.T, elem string) image.Rectangle {
	t.Helper()
	var r struct{ X, Y, W, H float64 }
	if err := p.eval(ctx, `(() => {
		const e = `+elem+`;
		e.scrollIntoView({block: "nearest"});
		const r = e.getBoundingClientRect();
		return {x: r.left, y: r.top, w: r.width, h: r.height};
	})()`, &r); err != nil {
		t.Fatal(err)
	}
	if r.W <= 0 || r.H <= 0 {
		t.Fatalf("%s is not displayed (%+v)", elem, r)
	}
	// The pixels wholly inside the box.
	return image.Rect(int(r.X+0.999), int(r.Y+0.999), int(r.X+r.W), int(r.Y+r.H))
}

// click presses and releases the left mouse button at the middle of an
// element, as a person would.
func (p *cdpPage) click(ctx context.Context, t *testing.T, elem string) {
	t.Helper()
	r := p.rect(ctx, t, elem)
	x, y := float64(r.Min.X+r.Max.X)/2, float64(r.Min.Y+r.Max.Y)/2
	for _, ev := range []map[string]any{
		{"type": "mouseMoved", "x": x, "y": y},
		{"type": "mousePressed", "x": x, "y": y, "button": "left", "clickCount": 1},
		{"type": "mouseReleased", "x": x, "y": y, "button": "left", "clickCount": 1},
	} {
		p.must(ctx, t, "Input.dispatchMouseEvent", ev, nil)
	}
}

// screenshot is a PNG of the viewport.
func (p *cdpPage) screenshot(ctx context.Context, t *testing.T) []byte {
	t.Helper()
	var r struct{ Data string }
	p.must(ctx, t, "Page.captureScreenshot", map[string]any{"format": "png"}, &r)
	data, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return data
}

// dialCDP opens the DevTools websocket (RFC 6455, client side).
func dialCDP(ctx context.Context, wsURL string) (*cdpConn, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	var nonce [16]byte
	rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", u.RequestURI(), u.Host, key)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	resp.Body.Close()
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		conn.Close()
		return nil, fmt.Errorf("websocket handshake: %s", resp.Status)
	}
	// The test's context bounds the calls; the reader waits for as long
	// as the connection lives.
	conn.SetDeadline(time.Time{})
	c := &cdpConn{conn: conn, br: br, pending: map[int64]chan cdpMessage{}, reqs: map[string][]cdpRequest{}, done: make(chan struct{})}
	go c.readLoop()
	return c, nil
}

// wsWrite sends one masked text frame, as a client must.
func wsWrite(w io.Writer, payload []byte) error {
	return wsFrame(w, 0x1, payload)
}

func wsFrame(w io.Writer, opcode byte, payload []byte) error {
	hdr := []byte{0x80 | opcode}
	switch n := len(payload); {
	case n < 126:
		hdr = append(hdr, 0x80|byte(n))
	case n <= 0xffff:
		hdr = append(hdr, 0x80|126)
		hdr = binary.BigEndian.AppendUint16(hdr, uint16(n))
	default:
		hdr = append(hdr, 0x80|127)
		hdr = binary.BigEndian.AppendUint64(hdr, uint64(n))
	}
	var mask [4]byte
	rand.Read(mask[:])
	hdr = append(hdr, mask[:]...)
	buf := make([]byte, 0, len(hdr)+len(payload))
	buf = append(buf, hdr...)
	for i, b := range payload {
		buf = append(buf, b^mask[i%4])
	}
	_, err := w.Write(buf)
	return err
}

// wsRead reads one whole message, answering pings on the way.
func wsRead(conn net.Conn, r *bufio.Reader, wmu *sync.Mutex) ([]byte, error) {
	const maxMessage = 64 << 20 // a screenshot is well under this
	var msg []byte
	for {
		var h [2]byte
		if _, err := io.ReadFull(r, h[:]); err != nil {
			return nil, err
		}
		fin, opcode, masked := h[0]&0x80 != 0, h[0]&0x0f, h[1]&0x80 != 0
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var b [2]byte
			if _, err := io.ReadFull(r, b[:]); err != nil {
				return nil, err
			}
			n = uint64(binary.BigEndian.Uint16(b[:]))
		case 127:
			var b [8]byte
			if _, err := io.ReadFull(r, b[:]); err != nil {
				return nil, err
			}
			n = binary.BigEndian.Uint64(b[:])
		}
		if n > maxMessage || uint64(len(msg))+n > maxMessage {
			return nil, errors.New("websocket message too large")
		}
		var mask [4]byte
		if masked {
			if _, err := io.ReadFull(r, mask[:]); err != nil {
				return nil, err
			}
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(r, payload); err != nil {
			return nil, err
		}
		if masked {
			for i := range payload {
				payload[i] ^= mask[i%4]
			}
		}
		switch opcode {
		case 0x8: // close
			return nil, io.EOF
		case 0x9: // ping
			wmu.Lock()
			err := wsFrame(conn, 0xa, payload)
			wmu.Unlock()
			if err != nil {
				return nil, err
			}
			continue
		case 0xa: // pong
			continue
		}
		msg = append(msg, payload...)
		if fin {
			return msg, nil
		}
	}
}
