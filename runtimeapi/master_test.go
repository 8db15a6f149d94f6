package runtimeapi

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchyard/config"
)

// showProc asks `show proc` of a master CLI whose process started `up`
// ago and runs progs.
func showProc(t *testing.T, up time.Duration, progs []Program) string {
	t.Helper()
	e := newEnv(t, testCfg)
	path := filepath.Join(e.dir, "master.sock")
	socks, err := config.ParseMasterSocket(path)
	if err != nil {
		t.Fatal(err)
	}
	// Half a second more, so that the seconds shown do not depend on when
	// the command runs.
	started := time.Now().Add(-up - 500*time.Millisecond)
	err = e.srv.ServeMaster(socks, MasterInfo{
		Reload:   func() {},
		Reloads:  func() int { return 2 },
		Failed:   func() int { return 1 },
		Started:  started,
		Programs: func() []Program { return progs },
	})
	if err != nil {
		t.Fatal(err)
	}
	return askShut(t, path, "show proc\n", true)
}

// `show proc` in haproxy 2.6's layout: columns 15 characters wide, padded
// to the end of the line; the programs' heading always, the old ones'
// only above some, the old workers' never (reloads happen in place).
func TestShowProcPrograms(t *testing.T) {
	pid := strconv.Itoa(os.Getpid())
	pad := func(s string) string { return s + strings.Repeat(" ", 16-len(s)) }
	head := "#<PID>          <type>          <reloads>       <uptime>        <version>      \n" +
		pad(pid) + "master          2 [failed: 1]   1d01h01m01s     test-version   \n" +
		"# workers\n" +
		pad(pid) + "worker          2               1d01h01m01s     test-version   \n" +
		"# programs\n"
	up := 25*time.Hour + time.Minute + time.Second
	now := time.Now().Add(-500 * time.Millisecond)

	if got, want := showProc(t, up, nil), head+"\n"; got != want {
		t.Errorf("without programs:\n%q\nwant\n%q", got, want)
	}

	progs := []Program{
		{Name: "foo", PID: 101, Reloads: 1, Started: now.Add(-time.Hour), Old: true},
		{Name: "foo", PID: 102, Reloads: 0, Started: now.Add(-5 * time.Second)},
		{Name: "a-rather-long-name", PID: 103, Reloads: 0, Started: now.Add(-5 * time.Second)},
		{Name: "bar", PID: 100, Reloads: 3, Started: now.Add(-2 * time.Hour), Old: true},
	}
	want := head +
		"102             foo             0               0d00h00m05s     -              \n" +
		"103             a-rather-long-name 0               0d00h00m05s     -              \n" +
		"# old programs\n" +
		"101             foo             1               0d01h00m00s     -              \n" +
		"100             bar             3               0d02h00m00s     -              \n" +
		"\n"
	if got := showProc(t, up, progs); got != want {
		t.Errorf("with programs:\n%s\nwant\n%s", got, want)
	}
}
