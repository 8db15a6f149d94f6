#!/usr/bin/env bash
# test.sh is THE test command of the project (CI runs it through .ci/run).
# It installs the system tools the tests need, then vets, checks formatting
# and runs every test with the race detector under one global timeout.
set -euo pipefail

# Work from any cwd: everything below is relative to the repository root.
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export PATH="${PATH}:/usr/local/go/bin:/usr/local/sbin:/usr/sbin:/sbin"
# The race detector needs cgo; make sure an environment default cannot
# silently turn it off.
export CGO_ENABLED=1

echo "== deps"
./scripts/deps.sh

echo "== go vet"
go vet ./...

echo "== gofmt"
# testdata may hold deliberately malformed Go (fuzz inputs), so skip it.
unformatted=$(find . -name '*.go' -not -path './.git/*' -not -path '*/testdata/*' -print0 |
	xargs -0 -r gofmt -l)
if [[ -n "${unformatted}" ]]; then
	echo "gofmt: these files need formatting (run gofmt -w):" >&2
	echo "${unformatted}" >&2
	exit 1
fi

echo "== go test -race"
# The proxy, backend and config packages are concurrent by nature, and on two
# cores racing the whole tree costs little more than racing those three, so
# race everything. The timeout bounds a hung test, which would otherwise eat
# CI's 90 minutes; go test prints the stuck goroutines when it fires.
# -count=1: difftest and cmd/switchyard build the binary themselves, which
# the test cache cannot see, so cached results could be stale.
go test -race -count=1 -timeout 10m ./...
