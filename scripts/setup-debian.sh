#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# scripts/setup-debian.sh - install what hvosim's build and test suite need on
# Debian 12 (bookworm).  Idempotent: when every package is already installed
# it only says so (a dpkg query, no network, well under a second).
#
#   as root:            installs the missing packages (apt-get update once,
#                       then apt-get install -y --no-install-recommends)
#   not root, sudo:     does the same through sudo
#   not root, no sudo:  prints the apt-get line to run as root, exits 1
#
# What each package is for:
#   build-essential     gcc, libc6-dev, make (gcc also brings libasan/libubsan)
#   clang               the clang build and the TSan build
#   meson, ninja-build  the build system (meson >= 1.0; bookworm has 1.0.1)
#   pkg-config          consumers of the installed library (examples/)
#   libcmocka-dev       the unit tests
#   libclang-rt-14-dev  clang's sanitizer runtimes (TSan, ASan, UBSan) and
#                       libFuzzer
#   afl++               afl-clang-fast and afl-fuzz (scripts/fuzz.sh ... afl)
#   valgrind, gdb       bench/profile.sh: callgrind instruction counts of each
#                       benchmark row, host memory per mapping under gdb
#   linux-perf          bench/profile.sh: time samples (cpu-clock) of the
#                       lookup benchmark and of the slowest tests
set -euo pipefail

PKGS=(
	build-essential
	clang
	meson
	ninja-build
	pkg-config
	libcmocka-dev
	libclang-rt-14-dev
	afl++
	valgrind
	gdb
	linux-perf
)

installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	echo "setup-debian.sh: this script is for Debian 12 (no dpkg/apt-get here)." >&2
	echo "setup-debian.sh: install the equivalents of: ${PKGS[*]}" >&2
	exit 1
fi

missing=()
for p in "${PKGS[@]}"; do
	installed "$p" || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
	echo "setup-debian.sh: all ${#PKGS[@]} packages already installed (${PKGS[*]})"
	exit 0
fi

install_line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"

if [ "$(id -u)" -eq 0 ]; then
	SUDO=()
elif command -v sudo >/dev/null 2>&1; then
	SUDO=(sudo)
else
	echo "setup-debian.sh: missing packages: ${missing[*]}" >&2
	echo "setup-debian.sh: not root and no sudo; run this as root, then rerun:" >&2
	echo "$install_line"
	exit 1
fi

echo "setup-debian.sh: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update

# Every name must have an installation candidate (catches a non-bookworm
# release or a sources.list without 'main' with a clear message).
nocand=()
for p in "${missing[@]}"; do
	cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ { print $2 }')
	if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
		nocand+=("$p")
	fi
done
if [ "${#nocand[@]}" -ne 0 ]; then
	echo "setup-debian.sh: no installation candidate for: ${nocand[*]}" >&2
	echo "setup-debian.sh: is this Debian 12 with the 'main' component enabled?" >&2
	exit 1
fi

"${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"

still=()
for p in "${PKGS[@]}"; do
	installed "$p" || still+=("$p")
done
if [ "${#still[@]}" -ne 0 ]; then
	echo "setup-debian.sh: still not installed: ${still[*]}" >&2
	exit 1
fi
echo "setup-debian.sh: done"
