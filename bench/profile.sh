#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/profile.sh - where the time of each benchmark row goes.
#
#   bench/profile.sh [OUTDIR]        (from the top of the source tree)
#
# Builds build-prof (a release build with debug info, tests off) if it is
# missing, then writes OUTDIR (default profile-out/):
#
#   *.cg           callgrind instruction counts of exactly the timed code
#                  of a row: the benchmark's BENCH_TIMED function or the
#                  library call it times (--toggle-collect), so setup and
#                  the floor are not in it.  Instruction counts do not
#                  depend on the load of the machine; they miss cache
#                  misses, which is what perf's time samples are for.
#   lookup.perf    perf cpu-clock samples of bench lookup (software event:
#                  works without hardware counters), if perf works here.
#   scale-rss.txt  the host memory of bench scale (1 TiB) per mapping, read
#                  from /proc/PID/smaps under gdb when hvo_sim_destroy()
#                  is reached, named by struct hvo_sim's pointers.
#   profile.txt    the summary of all of the above: the top functions of
#                  each row, self and inclusive, in percent.
#
# Needs valgrind (callgrind, callgrind_annotate), gdb, and optionally
# linux-perf; scripts/setup-debian.sh installs them.  Slow: callgrind runs
# the code about 50 times slower; the whole script takes a few minutes.
set -euo pipefail

OUT=${1:-profile-out}
B=build-prof
HV=$B/tools/hvosim
TOP=${PROFILE_TOP:-12}
# PROFILE_ONLY="touch scale ...": only these parts (names as in the summary)
ONLY=${PROFILE_ONLY:-}

want() {
	[ -z "$ONLY" ] || [[ " $ONLY " == *" $1 "* ]]
}

if [ ! -f "$B/build.ninja" ]; then
	meson setup "$B" --buildtype=release -Ddebug=true -Dtests=false >/dev/null
fi
meson compile -C "$B" >/dev/null
mkdir -p "$OUT"
SUM=$OUT/profile.txt
: >"$SUM"

# the function table of a callgrind file, top $TOP lines with a cost;
# $2: yes/no inclusive; $3: only functions whose file matches this
# (the annotation goes to a file first: awk stops reading early)
table() {
	callgrind_annotate --inclusive="$2" --threshold=100 "$1" >"$1.$2.txt" 2>/dev/null || true
	awk -v top="$TOP" -v only="${3:-}" '/file:function/ { on = 1; n = 0; next }
			on && /^-+$/ { next }
			on && NF == 0 && n { exit }
			on && NF && $1 != "." && (only == "" || index($0, only)) {
				sub(/ \[.*\]$/, ""); sub(/[^ ]*\.\.\//, ""); print
				if (++n >= top) exit }' "$1.$2.txt"
}

# cg NAME TOGGLE ARGS...: callgrind of hvosim ARGS collecting inside TOGGLE
# (comma-separated function patterns)
cg() {
	local name=$1 toggle=$2 t opts=()
	shift 2
	want "$name" || return 0
	IFS=, read -ra t <<<"$toggle"
	for f in "${t[@]}"; do
		opts+=("--toggle-collect=$f")
	done
	valgrind --tool=callgrind --callgrind-out-file="$OUT/$name.cg" "${opts[@]}" \
		"$HV" "$@" >/dev/null 2>"$OUT/$name.log"
	{
		echo "== $name: hvosim $* (collected in: $toggle)"
		grep -o 'Collected : [0-9]*' "$OUT/$name.log" | sed 's/Collected :/instructions:/'
		echo "-- self"
		table "$OUT/$name.cg" no
		echo "-- inclusive (library functions)"
		table "$OUT/$name.cg" yes src/
		echo
	} >>"$SUM"
	echo "profile.sh: $name done" >&2
}

cg touch 'touch_first*' bench init --rounds 1 --folios 1
cg touch-floor 'touch_again*' bench init --rounds 1 --folios 1
cg grow 'grow_fresh*' bench init --rounds 1 --pfns 1 --folios 256
cg grow-floor 'cycle_all*' bench init --rounds 1 --pfns 1 --folios 256
cg regrow 'grow_again*' bench init --rounds 1 --pfns 1 --folios 256
cg create-256M 'hvo_sim_create,hvo_sim_destroy' bench init --rounds 1 --pfns 1 --folios 1 --mem 256M
cg create-4G 'hvo_sim_create,hvo_sim_destroy' bench init --rounds 1 --pfns 1 --folios 1 --mem 4G
cg cycle-2M 'cyc_sim*' bench cycle --size 2M --cycles 200 --rounds 1
cg cycle-2M-floor 'cyc_floor*' bench cycle --size 2M --cycles 200 --rounds 1
cg cycle-1G 'cyc_sim*' bench cycle --size 1G --cycles 50 --rounds 1
cg cycle-1G-floor 'cyc_floor*' bench cycle --size 1G --cycles 50 --rounds 1
cg lookup 'run_sim*' bench lookup --rounds 1 --lookups 500000
cg lookup-floor 'run_flat*' bench lookup --rounds 1 --lookups 500000

# time samples of the lookup (cache misses included); perf without hardware
# counters still samples cpu-clock
if want lookup-perf && command -v perf >/dev/null 2>&1 &&
   perf record -q -e cpu-clock -o "$OUT/lookup.perf" -- \
	"$HV" bench lookup --rounds 10 >/dev/null 2>&1; then
	{
		echo "== lookup-perf (perf cpu-clock samples of the whole run, self)"
		perf report -i "$OUT/lookup.perf" --no-children --percent-limit 1 --stdio \
			2>/dev/null | grep -v '^#' | grep -v '^$' | head -n "$TOP"
		echo
	} >>"$SUM"
fi

# scale: the host memory per mapping when the 1 TiB run is built and filled
want scale && gdb -q -batch -ex 'set pagination off' -ex 'break hvo_sim_destroy' \
	-ex 'run bench scale >/dev/null 2>&1' \
	-ex 'python
import gdb, re
pid = gdb.selected_inferior().pid
sim = gdb.parse_and_eval("sim")
maps = [(int(sim["mem"]), int(sim["mem_len"]), 0,
	 "arena (frames: struct pages, page tables)"),
	(int(sim["meta"]), int(sim["meta_len"]), 0,
	 "per-pfn metadata (struct hvo_frame_meta)"),
	(int(sim["flat"]), int(sim["flat_n"]) * 8, 0,
	 "flat view of the vmemmap leaf entries")]
# the three reservations are adjacent anonymous mappings the kernel may
# merge into one VMA: count the resident pages of each from pagemap (bit
# 63: present); the arena, the largest, is what the merged VMA holds besides
pm = open("/proc/%d/pagemap" % pid, "rb")
def resident(a, n):
	pages, cnt, off = (n + 4095) // 4096, 0, 0
	while off < pages:
		k = min(65536, pages - off)
		pm.seek((a // 4096 + off) * 8)
		buf = pm.read(k * 8)
		cnt += sum(1 for i in range(7, len(buf), 8) if buf[i] & 0x80)
		off += k
	return cnt * 4
own = {}
for a, n, _, name in maps[1:]:
	own[a] = resident(a, n)
names = dict((a, name) for a, _, _, name in maps)
rows, cur = [], None
for line in open("/proc/%d/smaps" % pid):
	m = re.match(r"([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)", line)
	if m:
		cur = [int(m.group(1), 16), int(m.group(2), 16), m.group(3) or "[anon]", 0]
		rows.append(cur)
	elif line.startswith("Rss:"):
		cur[3] = int(line.split()[1])
total = sum(r[3] for r in rows)
print("RSS total %.1f MiB" % (total / 1024))
# split the VMAs that hold a reservation into their parts
out = []
for s, e, n, rss in rows:
	inside = [(a, own[a]) for a in own if s <= a < e]
	for a, r in inside:
		out.append((r, names[a]))
		rss -= r
	arena = maps[0][0]
	if rss or not inside:
		out.append((rss, maps[0][3] if s <= arena < e else n))
for rss, n in sorted(out, key=lambda r: -r[0])[:8]:
	print("%10.1f MiB  %s" % (rss / 1024, n))' "$HV" >"$OUT/scale-rss.txt" 2>&1 || true
want scale && {
	echo "== scale: host memory per mapping at hvo_sim_destroy() (bench scale defaults)"
	grep -E 'RSS total| MiB  ' "$OUT/scale-rss.txt" || echo "(gdb failed: see $OUT/scale-rss.txt)"
	echo
} >>"$SUM"
# the test suite: per-test times of the last `meson test` in TESTBUILD
# (default build), and perf samples of the three slowest tests
TB=${TESTBUILD:-build}
if want tests && [ -f "$TB/meson-logs/testlog.json" ]; then
	{
		echo "== tests: per-test times of the last meson test in $TB"
		python3 - "$TB/meson-logs/testlog.json" <<-'PY'
		import json, sys
		rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
		for r in sorted(rows, key=lambda r: -r["duration"]):
		    print("%8.2f s  %s" % (r["duration"], r["name"]))
		PY
		echo
	} >>"$SUM"
	if command -v perf >/dev/null 2>&1; then
		python3 - "$TB/meson-logs/testlog.json" <<-'PY' >"$OUT/slow-tests.txt"
		import json, shlex, sys
		rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
		for r in sorted(rows, key=lambda r: -r["duration"])[:3]:
		    if r["command"][0].endswith(".sh") or r["command"][0].endswith(".py"):
		        continue
		    print(r["name"].split()[-1] + "\t" + shlex.join(r["command"]))
		PY
		while IFS=$'\t' read -r tname tcmd; do
			perf record -q -e cpu-clock -o "$OUT/$tname.perf" -- sh -c "$tcmd" \
				>/dev/null 2>&1 || true
			{
				echo "== tests: $tname (perf cpu-clock samples, self)"
				perf report -i "$OUT/$tname.perf" --no-children --percent-limit 2 --stdio \
					2>/dev/null | grep -v '^#' | grep -v '^$' | head -n "$TOP"
				echo
			} >>"$SUM"
		done <"$OUT/slow-tests.txt"
	fi
fi
echo "profile.sh: summary in $SUM" >&2
