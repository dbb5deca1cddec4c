#!/bin/sh
# SPDX-License-Identifier: MIT
# test_cli.sh HVOSIM - the CLI's promises, checked on its JSON output with
# nothing but POSIX sh, grep and sed.  TAP output.
set -u
H="$1"
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
bad() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

# savings at 4K/64B: 2M -> 8 vmemmap pages, 7 freed; 1G -> 4096, 4095 freed
S=$("$H" savings --json)
check "savings 2M row" 'echo "$S" | grep -q "\"hugepage_bytes\":2097152,\"vmemmap_pages\":8,\"vmemmap_frames\":8,\"freed_pages\":7,\"optimizable\":true"'
check "savings 1G row" 'echo "$S" | grep -q "\"hugepage_bytes\":1073741824,\"vmemmap_pages\":4096,\"vmemmap_frames\":4096,\"freed_pages\":4095,\"optimizable\":true"'
check "savings 64K row not optimizable" 'echo "$S" | grep -q "\"hugepage_bytes\":65536,\"vmemmap_pages\":0.25,\"vmemmap_frames\":1,\"freed_pages\":0,\"optimizable\":false"'
S=$("$H" savings --page-shift 16 --json)
check "savings 64K pages: 512M 8/7, 16G 256/255" 'echo "$S" | grep -q "\"hugepage_bytes\":536870912,\"vmemmap_pages\":8,\"vmemmap_frames\":8,\"freed_pages\":7" && echo "$S" | grep -q "\"hugepage_bytes\":17179869184,\"vmemmap_pages\":256,\"vmemmap_frames\":256,\"freed_pages\":255"'
S=$("$H" savings --page-shift 14 --json)
check "savings 16K pages: 32M 8/7, 1G 256/255" 'echo "$S" | grep -q "\"hugepage_bytes\":33554432,\"vmemmap_pages\":8,\"vmemmap_frames\":8,\"freed_pages\":7" && echo "$S" | grep -q "\"hugepage_bytes\":1073741824,\"vmemmap_pages\":256,\"vmemmap_frames\":256,\"freed_pages\":255"'
S=$("$H" savings --struct-page-size 56 --json)
check "savings 56-byte struct page: nothing optimizable" '! echo "$S" | grep -q "\"optimizable\":true"'
# and it runs the scheme it was given, as the kernel would: nothing freed
S=$("$H" savings --struct-page-size 72 --json 2>&1)
check "savings 72-byte struct page (scheme shared-tail): nothing freed" 'echo "$S" | grep -q "\"struct_page_size\":72" && ! echo "$S" | grep -q "\"optimizable\":true" && ! echo "$S" | grep -q "\"freed_pages\":[1-9]"'

# dump decodes one compound page in both encodings: every tail names the head
for enc in "--scheme none" "--scheme shared-tail"; do
	D=$("$H" dump --json --compound 9 $enc)
	first=$(echo "$D" | sed -n 's/.*"first_pfn":\([0-9]*\).*/\1/p')
	heads=$(echo "$D" | grep -o '"kind":"tail","head":[0-9]*' | sed 's/.*://' | sort -u)
	tails=$(echo "$D" | grep -o '"kind":"tail"' | wc -l)
	check "dump $enc: 511 tails decode to head $first" '[ "$heads" = "$first" ] && [ "$tails" -eq 511 ]'
	check "dump $enc: one head of order 9" 'echo "$D" | grep -q "\"pfn\":$first,\"kind\":\"head\",\"order\":9"'
done
D=$("$H" dump --json --compound 9 --scheme none)
check "dump pointer encoding" 'echo "$D" | grep -q "\"encoding\":\"pointer\""'
D=$("$H" dump --json --hugepages 2M:1)
check "dump mask encoding, tails RO after HVO" 'echo "$D" | grep -q "\"encoding\":\"mask\"" && echo "$D" | grep -q "\"writable\":false"'
# issue 8.9: addresses and encodings are hex strings, not numbers a JSON
# reader rounds (a double holds integers up to 2^53 exactly)
check "dump mask compound_info of order 9, as a hex string" 'echo "$D" | grep -q "\"compound_info\":\"0xffffffffffff8001\""'
check "dump vmemmap addresses as hex strings" 'echo "$D" | grep -q "\"vmemmap_base\":\"0xffffea0000000000\"" && echo "$D" | grep -q "\"vaddr\":\"0xffffea"'

# run: counters and a clean checker, also with boot pages and two nodes
R=$("$H" run --json --nodes 2 --mem 3G --boot-gigantic 1 --hugepages 2M:64,1G:1)
check "run --json violations 0" 'echo "$R" | grep -q "\"violations\":0"'
check "run --json faults 0" 'echo "$R" | grep -q "\"faults\":0"'
# folios whose struct pages fill less than a page share vmemmap frames
R=$("$H" run --json --page-shift 16 --cont-hstates on --mem 2G --hugepages 2M:64,512M:1)
check "run at 64K: 2M folios sharing vmemmap pages are not a violation" 'echo "$R" | grep -q "\"violations\":0"'
R=$("$H" run --json --cont-hstates on --mem 2G --hugepages 64K:128,32M:2)
check "run at 4K: 64K and 32M contiguous hstates" 'echo "$R" | grep -q "\"violations\":0"'
R=$("$H" run --json --mem 2G --hugepages 2M:32 --threads 1 --walkers 1 --ops 20)
check "run with threads: violations 0" 'echo "$R" | grep -q "\"violations\":0" && echo "$R" | grep -q "\"stress\":"'
# vm.hugetlb_optimize_vmemmap off at boot: the pool fills, nothing is optimized
R=$("$H" run --json --mem 1G --hugepages 2M:16 --optimize-vmemmap off)
check "run --optimize-vmemmap off: 16 folios, none optimized, clean" 'echo "$R" | grep -q "\"nr_huge_pages\":16,\"free_huge_pages\":16,\"surplus_huge_pages\":0,\"optimized\":0" && echo "$R" | grep -q "\"violations\":0"'
R=$("$H" run --json --mem 1G --hugepages 2M:16 --optimize-vmemmap on)
check "run --optimize-vmemmap on: 16 folios optimized" 'echo "$R" | grep -q "\"nr_huge_pages\":16,\"free_huge_pages\":16,\"surplus_huge_pages\":0,\"optimized\":16"'
R=$("$H" run --json --mem 1G --race first-optimize --race-rounds 5 --alloc none)
check "run --race catches the v1 lazy-allocation race" 'echo "$R" | grep -q "\"rounds_with_violations\":[1-9]"'

# kpageflags: the selftest rule
K=$("$H" kpageflags --json --hugepages 2M:2)
check "kpageflags selftest rule" 'echo "$K" | grep -q "\"selftest_violations\":0"'

# bad input: a clear message and status 2
"$H" run --scheme bogus >/dev/null 2>/tmp/hvosim-cli-err.$$
st=$?
check "bad option value: status 2 and names it" '[ $st -eq 2 ] && grep -q "scheme" /tmp/hvosim-cli-err.$$'
rm -f /tmp/hvosim-cli-err.$$
check "version" '"$H" --version | grep -q "^hvosim [0-9]"'


# ---- issue 8, CLI points 9-15 ----
T=${TMPDIR:-/tmp}/hvosim-cli.$$
mkdir -p "$T"
# run CMD...: stdout in $T/out, stderr in $T/err, status in $st
run() { "$H" "$@" >"$T/out" 2>"$T/err"; st=$?; }
big_numbers() { grep -Eq '[:,[][0-9]{17,}' "$1"; }

# 9: no JSON number a reader would round, in any command's output
run kpageflags --json --hugepages 2M:1
check "kpageflags flags as hex strings" 'grep -q "\"flags\":\"0x" "$T/out"'
for c in "dump --json --hugepages 2M:1" "kpageflags --json" "run --json" "savings --json" "demo --json"; do
	run $c
	check "$c: no integer above 2^53 as a number" '[ $st -eq 0 ] && ! big_numbers "$T/out"'
done

# 10: the default pools fit every geometry
for ps in 14 16; do
	for c in run dump kpageflags; do
		run $c --page-shift $ps
		check "$c --page-shift $ps with default pools" '[ $st -eq 0 ]'
	done
done

# 11: progress only on a terminal; nothing printed before a config error;
# the demo says what it is doing, a whole line per variant, in a log
run savings
check "savings: no progress lines in a log" '[ $st -eq 0 ] && ! grep -q "$(printf "\r")" "$T/err"'
run run --mem 1M
check "config error: status 2, nothing on stdout" '[ $st -eq 2 ] && [ ! -s "$T/out" ] && grep -q "mem" "$T/err"'
run dump --mem 1M
check "dump config error: status 2, nothing on stdout" '[ $st -eq 2 ] && [ ! -s "$T/out" ]'
run demo
check "demo in a log: one line per variant, no carriage returns" '[ $st -eq 0 ] && [ "$(grep -c "shared-tail\|fake-head\|none" "$T/err")" -eq 6 ] && ! grep -q "$(printf "\r")" "$T/err" "$T/out"'
run demo --mem 1M
check "demo config error: status 2, nothing on stdout" '[ $st -eq 2 ] && [ ! -s "$T/out" ]'

# 12: messages and one exit-status rule
run savings --page-shift
check "missing value: says so, status 2" '[ $st -eq 2 ] && grep -q -- "--page-shift needs a value" "$T/err"'
run run --threads -1
check "negative count: must be >= 0, status 2" '[ $st -eq 2 ] && grep -q "must be >= 0" "$T/err"'
run run --nodes -1
check "negative machine count: must be >= 0, status 2" '[ $st -eq 2 ] && grep -q "must be >= 0" "$T/err"'
run dump --pfn 5-1
check "dump --pfn 5-1: status 2" '[ $st -eq 2 ]'
run kpageflags --pfn 0-99999999
check "kpageflags --pfn beyond the machine: status 2" '[ $st -eq 2 ]'
run dump --hugepages 3M:1
check "no such huge page size: status 2" '[ $st -eq 2 ]'
run kpageflags --hugepages 2M:-1
check "negative pool count: must be >= 0, status 2" '[ $st -eq 2 ] && grep -q "must be >= 0" "$T/err"'
run run --frobnicate
check "unknown option: status 2" '[ $st -eq 2 ] && grep -q "unknown option" "$T/err"'
run run --json --mem 1G --race first-optimize --race-rounds 5 --alloc none
check "a caught race: status 1" '[ $st -eq 1 ]'
run --help
check "hvosim --help documents the exit status" 'grep -q "^exit status: 0 success, 1 a finding" "$T/out"'

# 13: help generated from the option tables: no option twice, every one
# described, the usage line complete
for c in demo dump savings run kpageflags explore "bench lookup" "bench cycle" "bench init" \
	"bench scale" "bench stress" "bench explore"; do
	run $c --help
	check "$c --help: status 0, no option listed twice" '[ $st -eq 0 ] && [ -z "$(grep -o "^  --[a-z-]*" "$T/out" | sort | uniq -d)" ]'
	check "$c --help: every option in the usage line is described" 'for o in $(sed -n "/^usage/,/^\$/p" "$T/out" | grep -o "\[--[a-z-]*" | tr -d "["); do grep -q "^  $o" "$T/out" || exit 1; done'
done
run bench cycle --help
check "bench cycle --help: --mem default is 8G" 'grep -q "^  --mem .*\[8G\]" "$T/out"'
run bench init --mem 256M --pfns 4096 --folios 2 --rounds 1 --repeat 2 --json
check "bench init --repeat 2: the runs in the JSON, a ratio per run for every row" '[ $st -eq 0 ] && grep -q "\"rounds\":1,\"repeat\":2," "$T/out" && [ "$(grep -o "\"run_ratios\":\[[0-9.e+-]*,[0-9.e+-]*\]" "$T/out" | wc -l)" -eq 3 ] && [ "$(grep -o "\"ratio_spread\":{[^}]*\"n\":2," "$T/out" | wc -l)" -eq 3 ]'
run bench scale --help
check "bench scale --help: --nodes default is 2" '[ "$(grep -c "^  --nodes" "$T/out")" -eq 1 ] && grep -q "^  --nodes .*\[2\]" "$T/out"'
run run --help
check "run usage names --race, --ops, --hold" 'sed -n "/^usage/,/^\$/p" "$T/out" | grep -q -- "--race " && sed -n "/^usage/,/^\$/p" "$T/out" | grep -q -- "--ops" && sed -n "/^usage/,/^\$/p" "$T/out" | grep -q -- "--hold"'

# 14: the demo tells the story
run demo
check "demo: a legend for the columns" 'grep -q "^  walk RO " "$T/out" && grep -q "^  selftest " "$T/out" && grep -q "^  checker .*BAD" "$T/out"'
check "demo: fake-head without RCU reads as a failure" 'grep "^fake-head, no RCU sync" "$T/out" | grep -q "FAIL" && grep "^fake-head, no RCU sync" "$T/out" | grep -q "[1-9][0-9]* RO writes"'
check "demo: the correct variants pass" 'grep "^shared-tail v7" "$T/out" | grep -q " ok\$" && grep "^fake-head  " "$T/out" | grep -q " ok\$"'
check "demo: per folio, 2M: 8 vmemmap pages, 1 kept, 7 freed" 'grep -q "2M: 8 vmemmap pages -> 1 kept, 7 freed" "$T/out"'
check "demo: per folio, 1G: 4,096 vmemmap pages, 1 kept, 4,095 freed" 'grep -q "1G: 4,096 vmemmap pages -> 1 kept, 4,095 freed" "$T/out"'
check "demo --json: a verdict per row" '"$H" demo --json | grep -q "\"variant\":\"fake-head, no RCU sync\".*\"verdict\":\"fail\""'

# 15: kpageflags, run's stress and fault lines, run's JSON names
run kpageflags --pfn 0-20
check "kpageflags: zero flags as 0x0000000000000000" 'grep -q " 0x0000000000000000  -" "$T/out"'
run run --mem 2G --hugepages 2M:32,1G:1 --threads 1 --ops 100
check "run: says when the stress demoted the pool" '[ $st -eq 0 ] && grep -q "demoted" "$T/out"'
run run --mem 1G --scheme fake-head --rcu-sync off --walkers 1 --ops 200 --hold 64 --fault-log-size 1
check "run: a fault from a log that dropped records is the oldest kept" '[ $st -eq 1 ] && grep -q "^  oldest kept" "$T/out" && ! grep -q "^  first" "$T/out"'
run run --mem 1G --scheme fake-head --rcu-sync off --walkers 1 --ops 200 --hold 64
check "run: the first fault is the first" '[ $st -eq 1 ] && grep -q "^  first" "$T/out"'
run run --json
check "run --json: the two vmemmap_pages_freed fields have distinct names" '[ "$(grep -o "\"vmemmap_pages_freed\"" "$T/out" | wc -l)" -eq 1 ] && grep -q "\"vmemmap_pages_saved\"" "$T/out"'
# the config's test hooks and sysctls are machine options like the rest
run run --scheme shared-tail --nodes 2 --mem 3G --boot-gigantic 1 --boot-tails-late on
check "run --boot-tails-late on: gather's read of the zeroed tail is a VM_BUG_ON finding" '[ $st -eq 1 ] && grep -q "vm-bug op=init_migratetype" "$T/out"'
run run --scheme shared-tail --nodes 2 --mem 3G --boot-gigantic 1 --boot-tails-late off
check "run --boot-tails-late off: clean" '[ $st -eq 0 ] && grep -q "^faults logged: 0" "$T/out"'
run run --json --mem 3G --movable 2G --hugepages 1G:2 --movable-gigantic-pages on
check "run --movable-gigantic-pages on: two 1G folios, one from ZONE_MOVABLE" '[ $st -eq 0 ] && grep -q "\"hugepages-1048576kB\",\"nr_huge_pages\":2," "$T/out"'
run run --mem 3G --movable 2G --hugepages 1G:2 --movable-gigantic-pages off
check "run --movable-gigantic-pages off: only the 1G below ZONE_MOVABLE" '[ $st -eq 0 ] && grep -q "got 1 of 2" "$T/err"'
run run --json --tail-publish-relaxed on --scheme shared-tail
check "run --tail-publish-relaxed on: accepted (a TSan build sees it), count_underflows in JSON" '[ $st -eq 0 ] && grep -q "\"count_underflows\":0" "$T/out"'
# bench explore runs end to end: every known-bad variant found by dfs:2 and
# by pct:3 on every seed, the exhaustive dfs:2 of first-optimize complete and
# clean (counts only; no time is asserted)
run bench explore --quick --seeds 1 --json
check "bench explore: every known-bad variant found, dfs:2 complete with no finding, no leak reported at destroy" '[ $st -eq 0 ] && ! grep -q "at destroy" "$T/err" && grep -q "\"dfs2_first_optimize\":{[^}]*\"complete\":true,\"findings\":0" "$T/out" && [ "$(grep -o "\"pct3\":{\"found\":1,\"seeds\":1" "$T/out" | wc -l)" -eq "$(grep -o "\"pct3\":{" "$T/out" | wc -l)" ] && ! grep -q "\"dfs2\":{\"found\":false" "$T/out" && grep -q "\"pct3\":{" "$T/out"'
rm -rf "$T"

echo "1..$n"
[ "$fails" -eq 0 ]
