package config

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// program sections. Messages are haproxy 2.6.12's (checked with `haproxy
// -c -W`) inside switchyard's "'keyword': message" frame.

func init() { moreKeywordCases = append(moreKeywordCases, programKeywordCases) }

// inProgram runs a case in a program section, with master-worker mode on:
// the section's first keyword line is t.cfg:4.
var inProgram = []Section{secProgram}

const programPre = "global\n master-worker\n"

// programChk returns the program section named "chk".
func programChk(t *testing.T, c *Config) *Program {
	t.Helper()
	for _, p := range Programs(&c.Global) {
		if p.Name == "chk" {
			return p
		}
	}
	t.Fatal("no program 'chk'")
	return nil
}

// rootIDs are the ids of the user and group named root, which the cases
// use as accounts every system has.
func rootIDs(t *testing.T) (uid, gid int) {
	u, err := user.Lookup("root")
	if err != nil {
		t.Skip("no user 'root' on this system")
	}
	g, err := user.LookupGroup("root")
	if err != nil {
		t.Skip("no group 'root' on this system")
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(g.Gid)
	return uid, gid
}

func programKeywordCases() []kwCase {
	prog := func(check func(t *testing.T, p *Program)) kwCheck {
		return func(t *testing.T, c *Config, _ *Proxy) { check(t, programChk(t, c)) }
	}
	command := func(want ...string) kwCheck {
		return prog(func(t *testing.T, p *Program) {
			if !reflect.DeepEqual(p.Command, want) {
				t.Errorf("Command = %q, want %q", p.Command, want)
			}
		})
	}
	ids := func(wantUser, wantGroup bool) kwCheck {
		return prog(func(t *testing.T, p *Program) {
			uid, gid := rootIDs(t)
			eq(t, "HasUID", p.HasUID, wantUser)
			eq(t, "HasGID", p.HasGID, wantGroup)
			if wantUser {
				eq(t, "UID", p.UID, uid)
			}
			if wantGroup {
				eq(t, "GID", p.GID, gid)
			}
		})
	}
	onReload := func(want bool) kwCheck {
		return prog(func(t *testing.T, p *Program) { eq(t, "StartOnReload", p.StartOnReload, want) })
	}
	return []kwCase{
		{kw: "command", in: inProgram, pre: programPre, src: "command sleep 30", check: command("sleep", "30")},
		{kw: "command", in: inProgram, pre: programPre, src: `command sh -c "exit 3"`, check: command("sh", "-c", "exit 3")},
		{kw: "command", in: inProgram, pre: programPre, name: "the last line wins", src: "command sleep 1\ncommand sleep 2", check: command("sleep", "2")},
		{kw: "command", in: inProgram, pre: programPre, src: "command", err: "t.cfg:4: 'command': expects a command with optional arguments separated in words."},
		{kw: "command", in: inProgram, pre: programPre, src: `command ""`, err: "t.cfg:4: 'command': expects a command with optional arguments separated in words."},

		{kw: "user", in: inProgram, pre: programPre, src: "command true\nuser root", check: ids(true, false)},
		{kw: "user", in: inProgram, pre: programPre, name: "twice: the first wins", src: "command true\nuser root\nuser nobody",
			warn: "t.cfg:6: user/uid already specified. Continuing.", check: ids(true, false)},
		{kw: "user", in: inProgram, pre: programPre, src: "command true\nuser no-such-user-here", err: "t.cfg:5: 'user': cannot find user id for 'no-such-user-here'"},
		{kw: "user", in: inProgram, pre: programPre, src: "command true\nuser", err: "t.cfg:5: 'user': expects a user name."},
		{kw: "user", in: inProgram, pre: programPre, src: "command true\nuser root x", err: "t.cfg:5: 'user': cannot handle unexpected argument 'x'."},

		{kw: "group", in: inProgram, pre: programPre, src: "command true\ngroup root", check: ids(false, true)},
		{kw: "group", in: inProgram, pre: programPre, src: "command true\nuser root\ngroup root", check: ids(true, true)},
		{kw: "group", in: inProgram, pre: programPre, name: "twice: the first wins", src: "command true\ngroup root\ngroup nogroup",
			warn: "t.cfg:6: group/gid already specified. Continuing.", check: ids(false, true)},
		{kw: "group", in: inProgram, pre: programPre, src: "command true\ngroup no-such-group-here", err: "t.cfg:5: 'group': cannot find group id for 'no-such-group-here'"},
		{kw: "group", in: inProgram, pre: programPre, src: "command true\ngroup", err: "t.cfg:5: 'group': expects a group name."},
		{kw: "group", in: inProgram, pre: programPre, src: "command true\ngroup root x", err: "t.cfg:5: 'group': cannot handle unexpected argument 'x'."},

		{kw: "option start-on-reload", in: inProgram, pre: programPre, name: "default", src: "command true", check: onReload(true)},
		{kw: "option start-on-reload", in: inProgram, pre: programPre, src: "command true\noption start-on-reload", check: onReload(true)},
		{kw: "option start-on-reload", in: inProgram, pre: programPre, src: "command true\nno option start-on-reload", check: onReload(false)},
		{kw: "option start-on-reload", in: inProgram, pre: programPre, src: "command true\nno option start-on-reload\noption start-on-reload", check: onReload(true)},
		{kw: "option start-on-reload", in: inProgram, pre: programPre, src: "command true\noption start-on-reload x",
			err: "t.cfg:5: 'option start-on-reload': cannot handle unexpected argument 'x'."},
		{kw: "option start-on-reload", in: inProgram, pre: programPre, src: "command true\nno option start-on-reload x",
			err: "t.cfg:5: 'option start-on-reload': cannot handle unexpected argument 'x'."},
	}
}

// The section as a whole: its header, the checks made once everything is
// read, and what it lists.
func TestProgramSection(t *testing.T) {
	for text, want := range map[string]string{
		"program a\n command true\n":                             "t.cfg:1: Can't use a 'program' section without master worker mode.",
		"program a\n command true\nprogram b\n command true\n":   "t.cfg:1: Can't use a 'program' section without master worker mode.",
		programPre + "program\n command true\n":                  "t.cfg:3: 'program': expects an <id> argument",
		programPre + "program a b\n command true\n":              "t.cfg:3: 'program': cannot handle unexpected argument 'b'.",
		programPre + "program a\n command true\nprogram a\n":     "t.cfg:5: 'program': 'a' program section already exists in the configuration (declared at t.cfg:3).",
		programPre + "program a\nprogram b\n command true\n":     "t.cfg:3: The program section 'a' lacks a command to launch.",
		programPre + "program a\nlisten l\n bind :8080\n":        "t.cfg:3: The program section 'a' lacks a command to launch.",
		programPre + "program a\n":                               "t.cfg:3: The program section 'a' lacks a command to launch.",
		programPre + "program a\n command true\n bind :80\n":     "t.cfg:5: 'bind' not allowed in 'program' section",
		programPre + "program a\n command true\n option foo\n":   "t.cfg:5: unknown keyword 'option foo' in 'program' section",
		programPre + "program a\n command true\n no command x\n": "t.cfg:5: unknown keyword 'no' in 'program' section",
		programPre + "program a\n command true\n uid 0\n":        "t.cfg:5: 'uid' not allowed in 'program' section",
	} {
		_, _, errs := load(t, text)
		if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), want) {
			t.Errorf("%q: got %v, want %q", text, errs, want)
		}
	}

	// The lines of a section whose header failed are skipped: the header
	// said what was wrong.
	if _, _, errs := load(t, programPre+"program\n command true\n user no-such-user-here\n"); len(errs) != 1 {
		t.Errorf("lines after a bad header: %v", errs)
	}

	// master-worker mode from the command line (-W), or in a global
	// section after the programs.
	if _, _, errs := LoadBytes("t.cfg", []byte("program a\n command true\n"), LoadOptions{MasterWorker: true}); len(errs) > 0 {
		t.Errorf("with -W: %v", errs)
	}
	cfg, _, errs := load(t, "program b\n command sleep 30\nprogram a\n command true\n no option start-on-reload\nglobal\n master-worker\n")
	if len(errs) > 0 {
		t.Fatalf("master-worker after the programs: %v", errs)
	}
	got := Programs(&cfg.Global)
	want := []*Program{
		{Name: "b", Pos: Pos{"t.cfg", 1}, Command: []string{"sleep", "30"}, StartOnReload: true},
		{Name: "a", Pos: Pos{"t.cfg", 3}, Command: []string{"true"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Programs = %+v, want %+v", got, want)
	}

	// None at all.
	cfg, _, errs = load(t, "global\n master-worker\n")
	if len(errs) > 0 || Programs(&cfg.Global) != nil {
		t.Errorf("no program section: %v %v", Programs(&cfg.Global), errs)
	}
}

// A program section ends with its file: a keyword at the top of the next
// file belongs to no section.
func TestProgramSectionEndsWithFile(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.cfg"), filepath.Join(dir, "b.cfg")
	for path, text := range map[string]string{a: programPre + "program a\n command true\n", b: "user root\n"} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, _, errs := Load([]string{a, b}, LoadOptions{})
	if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), b+":1: unknown keyword 'user' out of section") {
		t.Errorf("got %v", errs)
	}
}

// Every keyword of another section is refused in a program section, naming
// itself (TestKeywordWrongSection does the same for the other sections).
func TestProgramSectionRefusesOtherKeywords(t *testing.T) {
	for n, rows := range registry {
		allowed, core := false, false
		for _, row := range rows {
			allowed = allowed || row.where&secProgram != 0
			core = core || row.where < secFirstFree
		}
		if allowed {
			continue
		}
		text := programPre + "program chk\n command true\n " + n + " x\n"
		_, _, errs := load(t, text)
		want := fmt.Sprintf("t.cfg:5: unknown keyword '%s' in 'program' section", n)
		if core {
			want = fmt.Sprintf("t.cfg:5: '%s' not allowed in 'program' section", n)
		}
		if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), want) {
			t.Errorf("%q: got %v, want %q", text, errs, want)
		}
	}
}
