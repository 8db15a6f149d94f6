package hlua

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"switchyard/sample"
)

// Map and Regex give what haproxy 2.6.12 gives on the same script and
// files (testdata/map_regex.out), but for the texts of regex compile
// errors and of a wrong argument type, which come from other libraries.
func TestMapAndRegex(t *testing.T) {
	dir, err := filepath.Abs("testdata/maps")
	if err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile("testdata/map_regex.lua")
	if err != nil {
		t.Fatal(err)
	}
	env := &sample.Env{Patterns: sample.NewPatternRefs()}
	got := runLuaTest(t, env, "MAPDIR = "+quoteLua(dir)+"\n"+string(body))
	wantData, err := os.ReadFile("testdata/map_regex.out")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.ReplaceAll(string(wantData), "/tmp/sockref/maps", dir)
	lines := strings.Split(strings.TrimSpace(want), "\n")
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "new-bad ("):
			lines[i] = `new-bad (false, "regex '(' is invalid (error=missing closing ) at '(')")`
		case strings.HasPrefix(l, "new-nobool ("):
			lines[i] = `new-nobool ("ERROR", "bad argument #2 to (anonymous) (boolean expected)")`
		}
	}
	expectLines(t, got, strings.Join(lines, "\n"))
	// The map is the configuration's reference: an edit through it (the
	// runtime API, core.set_map) is what lookups see.
	ref := env.Patterns.Lookup(filepath.Join(dir, "m.map"))
	if ref == nil {
		t.Fatal("Map.new's file is not among the configuration's references")
	}
}
