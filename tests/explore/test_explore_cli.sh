#!/bin/sh
# SPDX-License-Identifier: MIT
# test_explore_cli.sh HVOSIM - `hvosim explore`'s promises: exit 1 on a
# finding, 0 when clean, 2 on bad usage; a finding prints its seed first,
# then a schedule string that replays it.  POSIX sh, grep, sed.  TAP output.
set -u
H="$1"
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
bad() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

"$H" explore --list >/dev/null
check "--list exits 0" '[ $? -eq 0 ]'
L=$("$H" explore --list)
check "--list names the seven races and the known-bad walkers" 'for s in first-optimize last-user shrink-grow walker-optimize walker-restore demote-walker pmd-split dissolve-alloc walker-norcu-optimize walker-norecheck-demote walker-norecheck-dissolve; do echo "$L" | grep -q "^  $s " || exit 1; done'

O=$("$H" explore --scenario first-optimize --alloc none --strategy pct:3 --runs 1000)
check "a known-bad variant: exit 1" '[ $? -eq 1 ]'
check "the seed comes first" 'echo "$O" | sed -n 2p | grep -q "^seed: 0x"'
check "then the schedule" 'echo "$O" | sed -n 3p | grep -q "^schedule: [a-d][a-d0-9]*$"'
check "then the trace" 'echo "$O" | grep -q "what the step did"'
S=$(echo "$O" | sed -n 's/^schedule: //p')
R=$("$H" explore --scenario first-optimize --alloc none --strategy "replay:$S")
check "its replay finds it again: exit 1" '[ $? -eq 1 ]'
check "the same finding" '[ "$(echo "$O" | grep "^finding:" | sed "s/ of run [0-9]*//")" = "$(echo "$R" | grep "^finding:" | sed "s/ of run [0-9]*//")" ]'
seed=$(echo "$O" | sed -n 's/^seed: //p')
P=$("$H" explore --scenario first-optimize --alloc none --strategy pct:3 --seed "$seed" --runs 1)
check "its seed, alone, is the same run" '[ "$(echo "$P" | sed -n 3p)" = "schedule: $S" ]'

"$H" explore --scenario first-optimize --strategy dfs:2 >/dev/null
check "a correct variant, exhaustively: exit 0" '[ $? -eq 0 ]'
J=$("$H" explore --scenario first-optimize --strategy dfs:2 --json)
check "dfs --json: complete, no finding" 'echo "$J" | grep -q "\"complete\":true" && echo "$J" | grep -q "\"findings\":0"'
"$H" explore --scenario first-optimize --alloc cmpxchg --strategy "replay:$S" >/dev/null
check "a replay in another variant diverges: exit 1" '[ $? -eq 1 ]'

"$H" explore --scenario nope >/dev/null 2>&1
check "an unknown scenario: exit 2" '[ $? -eq 2 ]'
"$H" explore --scenario first-optimize --strategy bfs >/dev/null 2>&1
check "an unknown strategy: exit 2" '[ $? -eq 2 ]'
"$H" explore --scenario last-user --lifetime never >/dev/null 2>&1
check "a variant the scenario does not apply to: exit 2" '[ $? -eq 2 ]'
"$H" explore --scenario walker-optimize --threads 3 >/dev/null 2>&1
check "--threads for distinct threads: exit 2" '[ $? -eq 2 ]'

# the harness's rules (harness/opt.h): --help from the option table, JSON,
# nothing on stdout before a usage error, no progress lines in a log
"$H" explore --help >/dev/null
check "--help: exit 0" '[ $? -eq 0 ]'
check "--help after --scenario shows its machine" '"$H" explore --scenario last-user --help | grep -q "^  --lifetime .*\[last-user\]"'
check "--list --json names every scenario" '[ "$("$H" explore --list --json | grep -o "\"name\":" | wc -l)" -eq "$(echo "$L" | wc -l)" ]'
E=$("$H" explore --scenario first-optimize --mem 1M 2>/dev/null)
check "a machine that cannot be built: exit 2, nothing on stdout" '[ $? -eq 2 ] && [ -z "$E" ]'
"$H" explore --scenario first-optimize --runs 0 >/dev/null 2>&1
check "--runs 0: exit 2" '[ $? -eq 2 ]'
ERR=$("$H" explore --scenario first-optimize --runs 300 2>&1 >/dev/null)
check "no progress lines in a log" '! printf "%s" "$ERR" | grep -q "$(printf "\r")"'

"$H" explore --scenario shrink-grow --all-variants --strategy pct:3 --runs 300 >/dev/null
check "--all-variants: every known-bad found, the rest clean: exit 0" '[ $? -eq 0 ]'

echo "1..$n"
[ "$fails" -eq 0 ]
