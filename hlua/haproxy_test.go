package hlua

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"switchyard/internal/haproxytest"
)

// runHaproxyLua runs the test script as a task of the reference haproxy
// and returns what its out() calls wrote, once it wrote "done".
func runHaproxyLua(t *testing.T, body string) []string {
	t.Helper()
	haproxytest.Need(t)
	dir := t.TempDir()
	outFile := filepath.Join(dir, "out.txt")
	file := writeLuaTest(t, dir, outFile, body, "core.register_task(test)\n")
	haproxytest.Start(t, haproxytest.Options{Config: fmt.Sprintf(`global
    lua-load %s
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend fe
    bind unix@%s
    http-request return status 200
`, file, filepath.Join(dir, "fe.sock"))})
	deadline := time.Now().Add(20 * time.Second)
	for {
		data, _ := os.ReadFile(outFile)
		if strings.HasSuffix(string(data), "done ()\n") {
			return strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		}
		if time.Now().After(deadline) {
			t.Fatalf("haproxy's task did not finish; it wrote:\n%s", data)
		}
		time.Sleep(20 * time.Millisecond) // polling a file another process writes
	}
}

// The reference outputs in testdata, which the unit tests hold hlua to,
// are what haproxy answers: the same scripts, against the same servers,
// run as haproxy tasks.
var reqMu sync.Mutex

func TestHaproxyReference(t *testing.T) {
	lines := listen(t, linesServer)
	var reqs []string
	httpGlobals, _ := httpclientServers(t, &reqs, &reqMu)
	mapDir, _ := filepath.Abs("testdata/maps")
	for _, c := range []struct{ name, globals string }{
		{"socket_receive", "LINES = " + lines},
		{"httpclient", httpGlobals},
		{"map_regex", "MAPDIR = " + quoteLua(mapDir)},
		{"compat", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			body, err := os.ReadFile("testdata/" + c.name + ".lua")
			if err != nil {
				t.Fatal(err)
			}
			got := runHaproxyLua(t, c.globals+"\n"+string(body))
			want, err := os.ReadFile("testdata/" + c.name + ".out")
			if err != nil {
				t.Fatal(err)
			}
			expectLines(t, got, strings.ReplaceAll(string(want), "/tmp/sockref/maps", mapDir))
		})
	}
}
