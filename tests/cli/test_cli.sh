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
check "dump mask compound_info of order 9" 'echo "$D" | grep -q "\"compound_info\":18446744073709518849"'

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

echo "1..$n"
[ "$fails" -eq 0 ]
