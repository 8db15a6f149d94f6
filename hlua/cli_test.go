package hlua

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadScript makes a program from one lua-load script.
func loadScript(t testing.TB, src string) *Program {
	t.Helper()
	p := filepath.Join(t.TempDir(), "t.lua")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	prog := NewProgram(nil)
	prog.Settings.LogStderr = "off"
	if err := prog.Load(p, nil, false); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prog.Stop)
	return prog
}

func TestCLICommands(t *testing.T) {
	prog := loadScript(t, `
core.register_cli({"show", "x"}, "show x : short", function(applet, ...)
    applet:send("short:" .. table.concat({...}, ",") .. "\n")
end)
core.register_cli({"show", "x", "long"}, "show x long : long", function(applet, ...)
    local line = applet:getline()
    applet:send("long:" .. table.concat({...}, ",") .. " read=" .. line)
end)
core.register_cli({"fail"}, "fails", function(applet)
    applet:send("partial\n")
    error("oops")
end)
`)
	prog.Start(nil)
	for _, c := range []struct {
		args []string
		name string
		ok   bool
	}{
		{[]string{"show", "x"}, "show x", true},
		{[]string{"show", "x", "long", "arg"}, "show x long", true},
		{[]string{"show", "x", "other"}, "show x", true},
		{[]string{"show"}, "", false},
		{[]string{"hide", "x"}, "", false},
	} {
		if name, ok := prog.CLICommand(c.args); name != c.name || ok != c.ok {
			t.Errorf("%v: %q %v, want %q %v", c.args, name, ok, c.name, c.ok)
		}
	}
	if got := prog.RunCLI("show x", []string{"show", "x", "a"}, nil); got != "short:show,x,a\n" {
		t.Errorf("short: %q", got)
	}
	if got := prog.RunCLI("show x long", []string{"show", "x", "long"}, strings.NewReader("input\nmore")); got != "long:show,x,long read=input\n" {
		t.Errorf("long: %q", got)
	}
	// An error keeps what was sent before it.
	if got := prog.RunCLI("fail", []string{"fail"}, nil); got != "partial\n" {
		t.Errorf("fail: %q", got)
	}
	u := prog.CLIUsage()
	if len(u) != 3 || u[0] != [2]string{"fail", "fails"} || u[2] != [2]string{"show x long", "show x long : long"} {
		t.Errorf("usage: %q", u)
	}
	var none *Program
	if _, ok := none.CLICommand([]string{"x"}); ok || none.CLIUsage() != nil {
		t.Error("a nil program has commands")
	}
}
