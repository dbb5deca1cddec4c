#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# scripts/test.sh - hvosim's whole test suite, fail-fast.
#
#   (a) gcc, -Dwerror=true                meson test (every suite)
#   (b) clang, -Dwerror=true              meson test (every suite)
#   (c) ASan + UBSan (gcc)                meson test [--setup=asan]
#   (d) TSan (clang)                      meson test --suite stress --suite unit
#                                         --suite regression --suite explore
#                                         --suite fuzz [--setup=tsan]
#       (c), (d) and (g) run side by side, each with its log in build-ci/
#   (e) install into a temporary prefix, build examples/ (harness.c,
#       explore_scenario.c) with nothing but pkg-config, run them
#   (f) smoke: hvosim --version, hvosim demo
#   (g) fuzz: each fuzz target (fuzz/corpus/*/) for HVOSIM_FUZZ_SECONDS (30) under
#       libFuzzer + ASan + UBSan (scripts/fuzz.sh); any finding fails
#
# Build directories live in build-ci/ and are reused, so a rerun only
# rebuilds what changed.  The last line is "ALL: N passed, 0 failed"; the
# first failing pass stops the run with "FAILED: ..." and a non-zero exit.
#
# Environment: HVOSIM_CI_DIR overrides build-ci/; HVOSIM_FUZZ_SECONDS the
# time per fuzz target (0 skips pass (g)).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CI_DIR=${HVOSIM_CI_DIR:-$ROOT/build-ci}
mkdir -p "$CI_DIR"

PASSED=0
CURRENT=""
START=$(date +%s)
TMPDIRS=()

on_exit() {
	local rc=$?
	local d
	for d in "${TMPDIRS[@]+"${TMPDIRS[@]}"}"; do
		rm -rf "$d"
	done
	if [ "$rc" -ne 0 ]; then
		echo
		echo "FAILED: pass $CURRENT (exit $rc)"
		echo "ALL: $PASSED passed, 1 failed"
	fi
	exit "$rc"
}
trap on_exit EXIT

PASS_START=0
banner() {
	CURRENT=$1
	PASS_START=$(date +%s)
	echo
	echo "======================================================================"
	echo "== pass $1"
	echo "======================================================================"
}

pass_done() {
	PASSED=$((PASSED + 1))
	echo "== pass $CURRENT: OK ($(( $(date +%s) - PASS_START ))s)"
}

# setup_dir DIR CC [meson options...]
# Configure DIR with compiler CC and the options, unless it already is:
# the options are remembered in DIR/.hvosim-ci-options; a directory with the
# same ones is reused as it is (ninja regenerates it when a meson.build
# changes), one with other options, or one this meson cannot read, is wiped.
setup_dir() {
	local dir=$1 compiler=$2
	shift 2
	local want="CC=$compiler $*"
	local stamp="$dir/.hvosim-ci-options"

	if [ -f "$dir/build.ninja" ] && [ -f "$stamp" ] &&
	   [ "$(cat "$stamp")" = "$want" ] &&
	   meson introspect "$dir" --projectinfo >/dev/null 2>&1; then
		echo "reusing $dir ($want)"
		return 0
	fi
	if [ -f "$dir/meson-private/coredata.dat" ]; then
		echo "reconfiguring $dir from scratch ($want)"
		CC=$compiler meson setup --wipe "$dir" "$@"
	else
		rm -rf "$dir"
		echo "configuring $dir ($want)"
		CC=$compiler meson setup "$dir" "$@"
	fi
	printf '%s\n' "$want" >"$stamp"
}

# has_setup DIR NAME: the project defines add_test_setup(NAME).
has_setup() {
	meson test -C "$1" --no-rebuild --list --setup="$2" >/dev/null 2>&1
}

# ---------------------------------------------------------------------------
banner "(a) gcc -Dwerror=true: build + meson test"
setup_dir "$CI_DIR/gcc" gcc -Dwerror=true -Dcmocka=enabled
meson compile -C "$CI_DIR/gcc"
meson test -C "$CI_DIR/gcc" --print-errorlogs
pass_done

# ---------------------------------------------------------------------------
banner "(b) clang -Dwerror=true: build + meson test"
setup_dir "$CI_DIR/clang" clang -Dwerror=true -Dcmocka=enabled
meson compile -C "$CI_DIR/clang"
meson test -C "$CI_DIR/clang" --print-errorlogs
pass_done

# ---------------------------------------------------------------------------
# (c) and (d) run side by side: each spends most of its time in a few long
# single-process tests, so together they keep both cores busy.  Each writes
# its own log, printed whole when it ends, so the output stays readable.
pass_asan() {
	echo "== pass (c) ASan+UBSan (gcc): build + meson test"
	setup_dir "$CI_DIR/asan" gcc -Db_sanitize=address,undefined -Db_lundef=false -Dcmocka=enabled \
		-Dc_args=-fno-omit-frame-pointer
	meson compile -C "$CI_DIR/asan"
	asan_args=(--print-errorlogs)
	if has_setup "$CI_DIR/asan" asan; then
		asan_args+=(--setup=asan)
	else
		asan_args+=(--timeout-multiplier=3)
	fi
	echo "meson test ${asan_args[*]}"
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:print_summary=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:print_summary=1} \
		meson test -C "$CI_DIR/asan" "${asan_args[@]}"
}

pass_tsan() {
	echo "== pass (d) TSan (clang): build + meson test --suite stress --suite unit --suite regression --suite explore --suite fuzz"
	# Some kernels (large vm.mmap_rnd_bits) place mappings where clang 14's TSan
	# does not expect them: "FATAL: ThreadSanitizer: unexpected memory mapping".
	# Probe with a trivial program and, if so, run without ASLR.
	# (a subshell: the parent's TMPDIRS cleanup does not see this one, and
	# its EXIT trap records the pass's end: the probe dir goes on every path)
	tsan_probe=$(mktemp -d)
	trap 'rm -rf "$tsan_probe"; date +%s >"$CI_DIR/pass_tsan.end"' EXIT
	cat >"$tsan_probe/probe.c" <<-'EOF'
	#include <pthread.h>
	static int x;
	static void *run(void *arg) { __atomic_fetch_add(&x, 1, __ATOMIC_RELAXED); return arg; }
	int main(void)
	{
		pthread_t t;
		if (pthread_create(&t, 0, run, 0))
			return 2;
		__atomic_fetch_add(&x, 1, __ATOMIC_RELAXED);
		pthread_join(t, 0);
		return 0;
	}
	EOF
	clang -fsanitize=thread -g -O1 -pthread "$tsan_probe/probe.c" -o "$tsan_probe/probe"
	TSAN_WRAP=()
	if ! "$tsan_probe/probe" >"$tsan_probe/out" 2>&1; then
		if grep -q "unexpected memory mapping" "$tsan_probe/out"; then
			TSAN_WRAP=(setarch "$(uname -m)" -R)
			echo "TSan: 'unexpected memory mapping' on this kernel; running under ${TSAN_WRAP[*]}"
			if ! "${TSAN_WRAP[@]}" "$tsan_probe/probe"; then
				echo "TSan: the probe fails even without ASLR:" >&2
				cat "$tsan_probe/out" >&2
				exit 1
			fi
		else
			echo "TSan: a trivial TSan program fails:" >&2
			cat "$tsan_probe/out" >&2
			exit 1
		fi
	fi
	setup_dir "$CI_DIR/tsan" clang -Db_sanitize=thread -Db_lundef=false -Dcmocka=enabled
	"${TSAN_WRAP[@]+"${TSAN_WRAP[@]}"}" meson compile -C "$CI_DIR/tsan"
	tsan_args=(--print-errorlogs --suite stress --suite unit --suite regression --suite explore
		   --suite fuzz)
	if has_setup "$CI_DIR/tsan" tsan; then
		tsan_args+=(--setup=tsan)
	else
		tsan_args+=(--timeout-multiplier=4)
	fi
	echo "meson test ${tsan_args[*]}"
	TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1} \
		"${TSAN_WRAP[@]+"${TSAN_WRAP[@]}"}" meson test -C "$CI_DIR/tsan" "${tsan_args[@]}"
}

# run_side_by_side NAME FUNCTION [NAME FUNCTION ...]: start each FUNCTION in
# the background with its output in $CI_DIR/FUNCTION.log, wait for all, print
# each log, and fail if any failed.
run_side_by_side() {
	local names=() funcs=() pids=() starts=() i rc failed=""
	while [ "$#" -ge 2 ]; do
		names+=("$1")
		funcs+=("$2")
		starts+=("$(date +%s)")
		echo "== pass $1: started (log: $CI_DIR/$2.log)"
		rm -f "$CI_DIR/$2.end"
		# the trap may run inside the pass's function, whose $2 is not
		# ours: the file name is fixed before
		( set -euo pipefail; endf="$CI_DIR/$2.end"; trap 'date +%s >"$endf"' EXIT; "$2" ) \
			>"$CI_DIR/$2.log" 2>&1 &
		pids+=("$!")
		shift 2
	done
	for i in "${!pids[@]}"; do
		rc=0
		wait "${pids[$i]}" || rc=$?
		CURRENT=${names[$i]}
		echo
		echo "======================================================================"
		echo "== pass ${names[$i]} (exit $rc, $(( $(cat "$CI_DIR/${funcs[$i]}.end" 2>/dev/null ||
			date +%s) - ${starts[$i]} ))s)"
		echo "======================================================================"
		cat "$CI_DIR/${funcs[$i]}.log"
		if [ "$rc" -ne 0 ]; then
			failed="$failed ${names[$i]}"
		else
			PASSED=$((PASSED + 1))
		fi
	done
	if [ -n "$failed" ]; then
		CURRENT=${failed# }
		return 1
	fi
}

# (g): each fuzz target (every fuzz/corpus/<target>/) for FUZZ_SECONDS under
# libFuzzer + ASan + UBSan, in its own build directory; any finding fails.
FUZZ_SECONDS=${HVOSIM_FUZZ_SECONDS:-30}
pass_fuzz() {
	local d
	echo "== pass (g) fuzz: libFuzzer + ASan + UBSan, ${FUZZ_SECONDS}s per target"
	[ "$FUZZ_SECONDS" -gt 0 ] || return 0
	for d in fuzz/corpus/*/; do
		HVOSIM_FUZZ_DIR=$CI_DIR ./scripts/fuzz.sh "$(basename "$d")" "$FUZZ_SECONDS" libfuzzer
	done
}

# (g) joins (c) and (d): its fuzzing is bounded by time, not work, so beside
# them it only costs them the one core it uses for that time, where run
# after them it would add its build and every target's seconds to the wall
# time (over the 10 minutes .ci/run has on a 2-core machine).
run_side_by_side "(c)" pass_asan "(d)" pass_tsan "(g)" pass_fuzz

# ---------------------------------------------------------------------------
banner "(e) install to a temporary prefix + examples/ via pkg-config"
prefix=$(mktemp -d)
TMPDIRS+=("$prefix")
# A build of its own (library and CLI only) so the prefix can change every
# run without touching the other build directories; changing only the
# prefix regenerates build.ninja but recompiles and relinks nothing.
setup_dir "$CI_DIR/install" cc -Dtests=false
meson configure "$CI_DIR/install" --prefix="$prefix"
meson compile -C "$CI_DIR/install"
meson install -C "$CI_DIR/install" --quiet
pc=$(find "$prefix" -name hvosim.pc -print -quit)
if [ -z "$pc" ]; then
	echo "no hvosim.pc under $prefix" >&2
	exit 1
fi
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")
echo "PKG_CONFIG_PATH=$PKG_CONFIG_PATH"
echo "pkg-config --cflags --libs hvosim: $(pkg-config --cflags --libs hvosim)"
exdir=$(mktemp -d)
TMPDIRS+=("$exdir")
cp examples/harness.c examples/explore_scenario.c examples/Makefile "$exdir/"
make -C "$exdir" CFLAGS="-O2 -g -Wall -Wextra -Werror"
set +e
# no LD_LIBRARY_PATH: the Makefile's rpath must find the library in the prefix
"$exdir/harness"
harness_rc=$?
set -e
echo "examples/harness exit code: $harness_rc"
if [ "$harness_rc" -ne 0 ]; then
	exit "$harness_rc"
fi
"$exdir/explore_scenario"
unset PKG_CONFIG_PATH
pass_done

# ---------------------------------------------------------------------------
banner "(f) smoke: hvosim --version, hvosim demo"
HVOSIM=$CI_DIR/gcc/tools/hvosim
if [ ! -x "$HVOSIM" ]; then
	echo "$HVOSIM was not built" >&2
	exit 1
fi
"$HVOSIM" --version
"$HVOSIM" demo
pass_done

echo
# where the suite's time goes: the 12 slowest tests in each pass (a report,
# never a verdict); scripts/test_times.py --before compares two runs
python3 scripts/test_times.py "$CI_DIR" --top 12 || true
echo
echo "total $(( $(date +%s) - START ))s"
echo "ALL: $PASSED passed, 0 failed"
