#!/usr/bin/env bash
# Runs haproxy's own regression tests (v2.6.0 reg-tests, driven by VTest)
# against a freshly built switchyard and compares the outcome with
# conformance/expected-pass.txt: the run fails when a test listed there
# fails (after one retry alone, for tests that are timing-sensitive under
# -j 2 for haproxy too), and it prints the tests that pass without being
# listed, so that the list only grows.
#
# The tests come from the conformance folder: $SWITCHYARD_CONFORMANCE, or
# ../shared/conformance beside the project. It holds `run` (which builds
# VTest once and runs haproxy's runner); without it this step is skipped
# with a line that says so.
#
#   scripts/regtests.sh                  # the whole suite, compared with the list
#   scripts/regtests.sh reg-tests/balance  # some tests, reported only
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
conf=${SWITCHYARD_CONFORMANCE:-$root/../shared/conformance}
expected=$root/conformance/expected-pass.txt
if [ ! -x "$conf/run" ]; then
  echo "regtests: no conformance tree at $conf (set SWITCHYARD_CONFORMANCE): haproxy's reg-tests are skipped"
  exit 0
fi
work=$(mktemp -d /tmp/switchyard-regtests-run.XXXXXX)
trap 'rm -rf "$work"' EXIT
bin=$work/switchyard
(cd "$root" && go build -o "$bin" ./cmd/switchyard) || exit 1

# The shared tree has lost some of haproxy's symlinks: reg-tests/*/common.pem
# are text files naming ../ssl/common.pem, which no TLS test (haproxy's
# included) can load. A copy with the links made again is run instead.
cp -r "$conf" "$work/conformance"
conf=$work/conformance
for f in "$conf"/haproxy-2.6.0/reg-tests/*/common.pem; do
  if [ -f "$f" ] && [ ! -L "$f" ] && [ "$(wc -c <"$f")" -lt 64 ] && grep -q '^\.\./ssl/common\.pem$' "$f"; then
    ln -sf ../ssl/common.pem "$f"
  fi
done

# results FILE: "test outcome" lines from VTest's verbose output.
results() {
  grep -aoE 'TEST reg-tests/[^ ]+\.vtc (passed|FAILED|skipped|TIMED OUT)' "$1" |
    sed -E 's/^TEST //; s/TIMED OUT/FAILED/' | sort -u
}

# VTest's whole output (each failed test's log) stays for reading.
out=${REGTESTS_LOG:-${TMPDIR:-/tmp}/switchyard-regtests.log}
echo "regtests: running haproxy's reg-tests against $bin (about 4 minutes); output in $out"
"$conf/run" "$bin" --j 2 --v "$@" >"$out" 2>&1
results "$out" >"$work/results"
if [ ! -s "$work/results" ]; then
  echo "regtests: FAIL: no test ran (VTest could not be built, or the runner failed):"
  tail -n 20 "$out"
  exit 1
fi
grep ' passed$' "$work/results" | cut -d' ' -f1 | sort -u >"$work/passed"
if [ $# -gt 0 ]; then
  cat "$work/results"
  echo "regtests: $(wc -l <"$work/passed") passed of $(wc -l <"$work/results") run"
  exit 0
fi

grep -vE '^\s*(#|$)' "$expected" | awk '{print $1}' | sort -u >"$work/expected"
missing=$(comm -23 "$work/expected" "$work/passed")
# A listed test that failed gets one more try, alone.
still=()
for t in $missing; do
  echo "regtests: $t failed; retrying it alone"
  "$conf/run" "$bin" --v "$t" >"$work/retry" 2>&1 # --v: the "TEST … passed" line results reads
  if results "$work/retry" | grep -qx "$t passed"; then
    echo "$t" >>"$work/passed"
  else
    still+=("$t")
    sed -n '/###### Test case: '"${t//\//\\/}"'/,/^######/p' "$out" | head -40
  fi
done
sort -u -o "$work/passed" "$work/passed"

# Per category: passed by switchyard, of the tests run.
echo "regtests: passed per category"
awk '{split($1, p, "/"); c[p[2]]++; if ($2 == "passed") ok[p[2]]++}
     END {for (k in c) printf "  %-16s %3d of %3d\n", k, ok[k], c[k]}' "$work/results" | sort
new=$(comm -13 "$work/expected" "$work/passed")
if [ -n "$new" ]; then
  echo "regtests: passing but not in conformance/expected-pass.txt (add them):"
  printf '  %s\n' $new
fi
echo "regtests: $(wc -l <"$work/passed") passed; $(wc -l <"$work/expected") expected"
if [ ${#still[@]} -gt 0 ]; then
  echo "regtests: FAIL: expected to pass but failed:"
  printf '  %s\n' "${still[@]}"
  exit 1
fi
echo "regtests: ok"
