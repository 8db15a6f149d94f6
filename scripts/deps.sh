#!/usr/bin/env bash
# deps.sh installs the system tools that the tests and the benchmark use
# (haproxy as the reference implementation, wrk as the load generator,
# openssl and curl for TLS fixtures and smoke checks, taskset for pinning,
# gcc for the race detector, chromium for the stats page's browser test).
# A fresh CI machine has only Go, so the project installs these itself.
# It is idempotent and silent when everything is already present.
set -euo pipefail

# haproxy lives in /usr/sbin, which is not on every user's PATH.
export PATH="${PATH}:/usr/local/sbin:/usr/sbin:/sbin"

# pebble, Let's Encrypt's test CA, is a Go tool of the module (go.mod's
# tool line): the ACME tests run it with `go tool -n pebble`, which builds
# it on first use. Building it here keeps that minute out of the tests'
# time; the go command caches it, so this is quick once done.
if command -v go >/dev/null 2>&1; then
	(cd "$(dirname "${BASH_SOURCE[0]}")/.." && go tool -n pebble >/dev/null) ||
		echo "deps.sh: could not build pebble (the ACME tests will try again)" >&2
fi

# command:package pairs; a command found on PATH means its package is present.
want=(
	haproxy:haproxy
	wrk:wrk
	openssl:openssl
	curl:curl
	taskset:util-linux
	prlimit:util-linux
	# go test -race needs cgo, hence a C compiler.
	gcc:gcc
	# admin's browser test drives the stats page in headless Chromium.
	chromium:chromium
)

missing=()
for pair in "${want[@]}"; do
	cmd="${pair%%:*}"
	pkg="${pair#*:}"
	if ! command -v "${cmd}" >/dev/null 2>&1; then
		# util-linux appears twice; install each package once.
		case " ${missing[*]-} " in
		*" ${pkg} "*) ;;
		*) missing+=("${pkg}") ;;
		esac
	fi
done

# The time zone database, which no command stands for: the ltime
# differential tests run both proxies under named zones (TZ=Europe/Paris).
if [[ ! -e /usr/share/zoneinfo/Europe/Paris ]]; then
	missing+=(tzdata)
fi

if [[ ${#missing[@]} -eq 0 ]]; then
	exit 0
fi

# We normally run as root (CI does); fall back to sudo only when it exists.
as_root=()
if [[ $(id -u) -ne 0 ]]; then
	if command -v sudo >/dev/null 2>&1; then
		as_root=(sudo)
	else
		echo "deps.sh: need root (or sudo) to install: ${missing[*]}" >&2
		exit 1
	fi
fi

echo "deps.sh: installing ${missing[*]}" >&2
# apt is chatty (debconf notes on stderr); keep its output for failures only.
log=$(mktemp)
trap 'rm -f "${log}"' EXIT
# One update per invocation, and only because something is missing.
if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get update -qq >"${log}" 2>&1 ||
	! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"${log}" 2>&1; then
	cat "${log}" >&2
	echo "deps.sh: apt-get failed" >&2
	exit 1
fi

# Fail loudly if a package did not provide the command we rely on.
for pair in "${want[@]}"; do
	cmd="${pair%%:*}"
	if ! command -v "${cmd}" >/dev/null 2>&1; then
		echo "deps.sh: ${cmd} still missing after install" >&2
		exit 1
	fi
done
