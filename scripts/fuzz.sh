#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# scripts/fuzz.sh - build (once) and run one fuzz target for a while.
#
#   scripts/fuzz.sh TARGET [SECONDS] [ENGINE]
#
#   TARGET    fuzz_ops, fuzz_api or fuzz_sched (the executables of
#             fuzz/meson.build)
#   SECONDS   how long to fuzz (default 60)
#   ENGINE    libfuzzer        clang + libFuzzer + ASan + UBSan (default)
#             libfuzzer-nosan  clang + libFuzzer, no sanitizer (for speed)
#             afl              afl-clang-fast + afl-fuzz, persistent mode
#             standalone       replay fuzz/corpus/TARGET/ only
#
# Each engine builds in its own directory, build-fuzz-<engine>/ (or under
# $HVOSIM_FUZZ_DIR), configured the first time and rebuilt incrementally
# after.  The run starts from fuzz/corpus/TARGET/ (read only) and keeps what
# it finds in build-fuzz-<engine>/work/TARGET/: corpus/ (new inputs) and
# findings/ (crash-*, leak-*, timeout-*: each one an input that replays with
# `build-fuzz-<engine>/fuzz/TARGET FILE`).  At the end it prints executions
# per second, coverage and the number of findings, and exits 1 if there
# was any; libFuzzer stops at its first finding, and the seconds it ran
# until then are printed as the time to the first finding.
#
# libFuzzer takes fuzz/TARGET.dict and the [libfuzzer] options of
# fuzz/TARGET.options (OSS-Fuzz's format: fuzz_ops sets its input length).
#
# Environment: HVOSIM_FUZZ_DIR (build directories' parent), FUZZ_SEED
# (libFuzzer -seed), FUZZ_ARGS (more engine arguments), FUZZ_JOBS is not
# supported: one fuzzer, one core.  The targets' own: HVOSIM_FUZZ_SCHED_BAD
# (fuzz_sched: known-bad variants' findings count, README "Fuzzing"; the
# run then works in work/TARGET-bad/, emptied first, from no seed at all).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${1:-}
SECONDS_=${2:-60}
ENGINE=${3:-libfuzzer}

usage() {
	sed -n '4,29p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}
[ -n "$TARGET" ] || usage
case "$TARGET" in fuzz_*) ;; *) echo "fuzz.sh: unknown target '$TARGET'" >&2; usage ;; esac
case "$SECONDS_" in ''|*[!0-9]*) echo "fuzz.sh: SECONDS must be a number" >&2; usage ;; esac

PARENT=${HVOSIM_FUZZ_DIR:-$ROOT}
BUILD=$PARENT/build-fuzz-$ENGINE
SEEDS=$ROOT/fuzz/corpus/$TARGET
WORK=$BUILD/work/$TARGET
# a known-bad hunt is a measurement of the search: it starts from nothing
# (one input of one zero byte, for AFL++, which wants one), in a directory
# of its own, emptied first (what other runs keep may hold the answer)
if [ -n "${HVOSIM_FUZZ_SCHED_BAD:-}" ]; then
	WORK=$BUILD/work/$TARGET-bad
	rm -rf "$WORK"
	SEEDS=$WORK/seed
	mkdir -p "$SEEDS"
	printf '\0' >"$SEEDS/zero"
fi
DICT=$ROOT/fuzz/$TARGET.dict

case "$ENGINE" in
libfuzzer)
	CCX=clang
	# UBSan reports are findings: not recoverable
	OPTS=(-Dfuzz_engine=libfuzzer -Db_sanitize=address,undefined -Db_lundef=false
	      "-Dc_args=-fno-omit-frame-pointer -fno-sanitize-recover=undefined")
	;;
libfuzzer-nosan)
	CCX=clang
	OPTS=(-Dfuzz_engine=libfuzzer)
	;;
afl)
	CCX=afl-clang-fast
	OPTS=(-Dfuzz_engine=afl)
	;;
standalone)
	CCX=${CC:-cc}
	OPTS=()
	;;
*)
	echo "fuzz.sh: unknown engine '$ENGINE'" >&2
	usage
	;;
esac
# release-like code, assertions on: fuzzing wants speed and the checks
OPTS+=(--buildtype=debugoptimized -Dtests=false -Dwerror=true)

# configure once; reconfigure from scratch if the options changed
want="CC=$CCX ${OPTS[*]}"
stamp=$BUILD/.hvosim-fuzz-options
if ! [ -f "$BUILD/build.ninja" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	rm -rf "$BUILD"
	echo "fuzz.sh: configuring $BUILD ($want)"
	CC=$CCX meson setup "$BUILD" "$ROOT" "${OPTS[@]}" >/dev/null
	printf '%s\n' "$want" >"$stamp"
fi
meson compile -C "$BUILD" "fuzz/$TARGET" >/dev/null
EXE=$BUILD/fuzz/$TARGET
mkdir -p "$WORK/corpus" "$WORK/findings"
# findings of earlier runs move aside, so this run counts its own
if [ -n "$(find "$WORK/findings" -type f)" ]; then
	mkdir -p "$WORK/findings.old"
	find "$WORK/findings" -type f -exec mv {} "$WORK/findings.old/" \;
fi

if [ "$ENGINE" = standalone ]; then
	exec "$EXE" "$SEEDS"
fi

report() {
	local execs=$1 rate=$2 cov=$3 n ops
	n=$(find "$WORK/findings" -type f | wc -l)
	# what the target says its inputs held at exit (fuzz_ops)
	ops=$(grep -Eho '[0-9.]+ operations per input' "$WORK"/*.log 2>/dev/null | tail -1 || true)
	echo "fuzz.sh: $TARGET ($ENGINE, ${SECONDS_}s): $execs executions, $rate exec/s${ops:+ ($ops)}, coverage: $cov, findings: $n"
	if [ "$n" -ne 0 ]; then
		find "$WORK/findings" -type f | sed 's/^/fuzz.sh:   /'
		return 1
	fi
	return 0
}

if [ "$ENGINE" = afl ]; then
	out=$WORK/afl
	rm -rf "$out"
	# no UI, no CPU binding or governor checks on a shared machine, exit
	# after the time given
	set +e
	AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
	AFL_SKIP_CRASHES=1 AFL_EXIT_WHEN_DONE=0 \
		afl-fuzz -i "$SEEDS" -o "$out" -V "$SECONDS_" -t 10000 \
			${DICT:+$( [ -f "$DICT" ] && echo "-x $DICT")} ${FUZZ_ARGS:-} -- "$EXE" \
			>"$WORK/afl.log" 2>&1
	rc=$?
	set -e
	stats=$out/default/fuzzer_stats
	if [ ! -f "$stats" ]; then
		tail -20 "$WORK/afl.log" >&2
		echo "fuzz.sh: afl-fuzz did not start (exit $rc)" >&2
		exit 1
	fi
	field() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
	find "$out/default/crashes" -type f -name 'id:*' -exec cp {} "$WORK/findings/" \; 2>/dev/null || true
	report "$(field execs_done)" "$(field execs_per_sec)" \
		"$(field bitmap_cvg) of the map, $(field edges_found) edges"
	exit $?
fi

# libFuzzer: new inputs go to the first directory, the seeds are only read
args=(-max_total_time="$SECONDS_" -print_final_stats=1 -timeout=30 -rss_limit_mb=2560
      -max_len=512 -artifact_prefix="$WORK/findings/" -print_pcs=0)
[ -f "$DICT" ] && args+=(-dict="$DICT")
# fuzz/TARGET.options ([libfuzzer] key = value, as OSS-Fuzz reads it) last:
# it overrides the defaults above
if [ -f "$ROOT/fuzz/$TARGET.options" ]; then
	mapfile -t opts < <(awk -F' *= *' '/^\[/ { f = ($0 == "[libfuzzer]"); next }
		f && NF == 2 && $1 !~ /^#/ { print "-" $1 "=" $2 }' "$ROOT/fuzz/$TARGET.options")
	args+=("${opts[@]}")
fi
[ -n "${FUZZ_SEED:-}" ] && args+=(-seed="$FUZZ_SEED")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
set +e
t0=$(date +%s.%N)
# shellcheck disable=SC2086
"$EXE" "${args[@]}" ${FUZZ_ARGS:-} "$WORK/corpus" "$SEEDS" >"$WORK/libfuzzer.log" 2>&1
rc=$?
t1=$(date +%s.%N)
set -e
execs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$WORK/libfuzzer.log")
rate=$(awk '/stat::average_exec_per_sec/ { print $2 }' "$WORK/libfuzzer.log")
cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$WORK/libfuzzer.log" | tail -1)
if [ "$rc" -ne 0 ] && [ -z "$(find "$WORK/findings" -type f)" ]; then
	tail -30 "$WORK/libfuzzer.log" >&2
	echo "fuzz.sh: the fuzzer failed (exit $rc) without a finding" >&2
	exit 1
fi
if [ "$rc" -ne 0 ]; then
	grep -E '^(fuzz_ops|fuzz_api|fuzz_sched|==[0-9]+==ERROR|SUMMARY)' "$WORK/libfuzzer.log" | head -20 >&2 || true
	# from the start, the seeds' replay included
	echo "fuzz.sh: time to the first finding: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')s" >&2
fi
report "${execs:-?}" "${rate:-?}" "${cov:-?} (edges, features)"
