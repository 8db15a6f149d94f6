package main

// The seeds' configurations (testdata/seeds, extracted from
// /work/shared/seeds/*.txt; each file says what was substituted or added)
// are checked as `switchyard -c` checks them. Issue 6: no line of theirs
// about logs, httplog, log-format, rules or maps is an error any more. The
// lines that later issues cover are refused as "not supported yet" and are
// listed below: when one starts working, the test fails so that its entry
// is removed (or its message updated when the next unsupported option of
// the same line shows).

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"switchyard/config"
)

// seedRefusal is a line expected to be refused: msg is a part of the
// error, area the later work that lifts it.
type seedRefusal struct {
	line int
	msg  string
	area string
}

const areaGone = "refused by haproxy 2.6 as well"

var seedRefusals = map[string][]seedRefusal{
	"000-token-gateway.cfg":     nil,
	"001-ingress-configmap.cfg": nil,
	"004-1-minimal.cfg":         nil,
	"004-2-algorithms.cfg":      nil,
	"004-3-health-checks.cfg":   nil,
	"004-4-stats.cfg":           nil,
	"004-5-logging.cfg":         nil,
	"004-6-tls-hardening.cfg":   nil,
	"004-7-tuning.cfg": {
		// haproxy 2.6 refuses nbproc too.
		{5, "nbproc is not supported any more since HAProxy 2.5", areaGone},
	},
}

func TestSeedConfigs(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "seeds", "*.cfg"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no seed configurations: %v", err)
	}
	seen := map[string]bool{}
	for _, file := range files {
		name := filepath.Base(file)
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			want, ok := seedRefusals[name]
			if !ok {
				t.Fatalf("%s has no entry in seedRefusals", name)
			}
			_, res, errs := config.Load([]string{file}, config.LoadOptions{
				Features: features,
				Resolve: func(host string) (string, error) {
					return "", errors.New("the seed tests do not resolve names")
				},
			})
			for _, m := range res.Warnings() {
				t.Logf("%s", formatMessage(m))
			}
			checkSeedRefusals(t, file, want, errs)
		})
	}
	for name := range seedRefusals {
		if !seen[name] {
			t.Errorf("seedRefusals names %s, which is not in testdata/seeds", name)
		}
	}
}

func checkSeedRefusals(t *testing.T, file string, want []seedRefusal, errs config.ErrorList) {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	text := func(n int) string {
		if n >= 1 && n <= len(lines) {
			return strings.TrimSpace(lines[n-1])
		}
		return ""
	}
	used := make([]bool, len(want))
	var unexpected []string
	for _, e := range errs {
		found := false
		for i, w := range want {
			if !used[i] && e.File == file && e.Line == w.line && strings.Contains(e.Msg, w.msg) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			unexpected = append(unexpected, fmt.Sprintf("%s\n\t\t(line: %s)", e.Error(), text(e.Line)))
		}
	}
	var lifted []string
	for i, w := range want {
		if !used[i] {
			lifted = append(lifted, fmt.Sprintf("%s:%d: no longer refused with %q (%s): update seedRefusals\n\t\t(line: %s)",
				file, w.line, w.msg, w.area, text(w.line)))
		}
	}
	sort.Strings(unexpected)
	for _, u := range unexpected {
		t.Errorf("refused, and not a line a later issue covers:\n\t%s", u)
	}
	for _, l := range lifted {
		t.Errorf("%s", l)
	}
}
