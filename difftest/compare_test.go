package difftest

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
)

// runCases runs every case as a parallel subtest through both proxies.
func runCases(t *testing.T, cases []tcase) {
	needHAProxy(t)
	names := map[string]bool{}
	for i := range cases {
		tc := &cases[i]
		if names[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		names[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			compare(t, tc)
		})
	}
}

// compare runs tc through haproxy and the candidate at the same time (each
// with its own origins and ports) and reports any difference.
func compare(t *testing.T, tc *tcase) {
	t.Helper()
	if buildErr != nil {
		t.Fatalf("switchyard did not build: %v", buildErr)
	}
	type result struct {
		lines []string
		out   string
		err   error
	}
	var ref, cand result
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ref.lines, ref.out, ref.err = runCase(t, haproxyBin, tc)
	}()
	cand.lines, cand.out, cand.err = runCase(t, candidate, tc)
	wg.Wait()
	if ref.err != nil {
		// haproxy is the oracle: if it cannot run the case, the case is wrong.
		t.Fatalf("haproxy could not run the case: %v", ref.err)
	}
	if w := warnings(ref.out); w != "" && !tc.warns {
		// A warning means the config does not say what the case meant (a
		// keyword in a section where it is ignored, say), so the case would
		// silently test something else.
		t.Errorf("haproxy warns about the case's config (set warns if intended):\n%s", indent(w))
	}
	if os.Getenv("DIFFTEST_SHOW") == "1" {
		t.Logf("haproxy observed:\n  %s", strings.Join(ref.lines, "\n  "))
	}
	if tc.notYet != "" && candidateName == "switchyard" {
		if cand.err == nil || !strings.Contains(cand.err.Error(), "not supported yet") ||
			!strings.Contains(cand.err.Error(), tc.notYet) {
			t.Fatalf("case marked notYet %q: want switchyard to refuse the config as not supported yet, got err=%v", tc.notYet, cand.err)
		}
		return
	}
	if cand.err != nil {
		t.Fatalf("%s could not run the case: %v", candidateName, cand.err)
	}
	if tc.deviation != "" && candidateName == "switchyard" {
		t.Logf("documented deviation, not compared: %s", tc.deviation)
		return
	}
	if d := diffLines(ref.lines, cand.lines); d != "" {
		msg := fmt.Sprintf("%s differs from haproxy (- haproxy, + %s):\n%s", candidateName, candidateName, d)
		if s := strings.TrimSpace(cand.out); s != "" {
			msg += fmt.Sprintf("\n%s output:\n%s", candidateName, indent(s))
		}
		t.Error(msg)
	}
}

// warnings extracts haproxy's [WARNING] and [ALERT] lines.
func warnings(out string) string {
	var ws []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "[WARNING]") || strings.Contains(l, "[ALERT]") {
			ws = append(ws, l)
		}
	}
	return strings.Join(ws, "\n")
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// diffLines is a line diff (longest common subsequence) showing changed
// lines with one line of context; "" when a and b are equal.
func diffLines(a, b []string) string {
	n, m := len(a), len(b)
	// lcs[i][j] is the LCS length of a[i:] and b[j:]; cases produce at most
	// a few hundred lines, so the quadratic table is fine.
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type op struct {
		kind byte
		s    string
	}
	var ops []op
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, op{' ', a[i]})
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			ops = append(ops, op{'+', b[j]})
			j++
		default:
			ops = append(ops, op{'-', a[i]})
			i++
		}
	}
	changed := false
	show := make([]bool, len(ops))
	for k, o := range ops {
		if o.kind != ' ' {
			changed = true
			for c := max(0, k-1); c <= min(len(ops)-1, k+1); c++ {
				show[c] = true
			}
		}
	}
	if !changed {
		return ""
	}
	var sb strings.Builder
	skipped := false
	for k, o := range ops {
		if !show[k] {
			skipped = true
			continue
		}
		if skipped {
			sb.WriteString("    ...\n")
			skipped = false
		}
		fmt.Fprintf(&sb, "  %c %s\n", o.kind, o.s)
	}
	return sb.String()
}
