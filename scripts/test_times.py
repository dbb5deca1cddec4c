#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""test_times.py - per-test wall times of a scripts/test.sh run, by pass.

    scripts/test_times.py [CI_DIR] [--before DIR] [--save DIR] [--top N]

CI_DIR is test.sh's build directory parent (build-ci/ by default).  Each
pass (gcc, clang, asan, tsan) has its meson test log there; this prints one
row per test with its seconds in every pass, slowest first (by the slowest
pass), and each pass's sum.  --save DIR copies the four logs to DIR as
gcc.json ... tsan.json; --before DIR (such a copy from an earlier run) adds
the earlier figure beside each one, so a change's effect on the suite is a
table, not an impression.  No test asserts a time: this only reports.
"""
import argparse
import json
import os
import shutil
import sys

PASSES = ("gcc", "clang", "asan", "tsan")


def log_of(ci_dir, p):
    d = os.path.join(ci_dir, p, "meson-logs")
    for name in ("testlog-%s.json" % p, "testlog.json"):
        f = os.path.join(d, name)
        if os.path.exists(f):
            return f
    f = os.path.join(ci_dir, p + ".json")	# a --save copy
    return f if os.path.exists(f) else None


def times(path):
    out = {}
    if not path:
        return out
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            d = json.loads(line)
            name = d["name"].split(" / ")[-1]
            # a test run twice in one pass (it should not be) keeps the sum
            out[name] = out.get(name, 0.0) + float(d["duration"])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ci_dir", nargs="?", default="build-ci")
    ap.add_argument("--before", help="an earlier run's logs (a --save copy or CI_DIR)")
    ap.add_argument("--save", help="copy this run's logs here")
    ap.add_argument("--top", type=int, default=0, help="only the N slowest tests")
    a = ap.parse_args()

    now = {p: times(log_of(a.ci_dir, p)) for p in PASSES}
    if not any(now.values()):
        print("test_times.py: no test logs under %s" % a.ci_dir, file=sys.stderr)
        return 2
    if a.save:
        os.makedirs(a.save, exist_ok=True)
        for p in PASSES:
            src = log_of(a.ci_dir, p)
            if src:
                shutil.copy(src, os.path.join(a.save, p + ".json"))
    before = {p: times(log_of(a.before, p)) for p in PASSES} if a.before else None

    names = sorted(set().union(*[set(t) for t in now.values()]),
                   key=lambda n: -max(now[p].get(n, 0.0) for p in PASSES))
    if a.top:
        names = names[:a.top]

    def cell(p, n):
        v = now[p].get(n)
        s = "-" if v is None else "%.1f" % v
        if before is not None:
            b = before[p].get(n)
            s = ("-" if b is None else "%.1f" % b) + " -> " + s
        return s

    w = 16 if before is not None else 7
    head = "%-34s" % "test (seconds)" + "".join("%*s" % (w, p) for p in PASSES)
    print(head)
    print("-" * len(head))
    for n in names:
        print("%-34s" % n + "".join("%*s" % (w, cell(p, n)) for p in PASSES))
    print("-" * len(head))
    tot = []
    for p in PASSES:
        s = "%.1f" % sum(now[p].values())
        if before is not None:
            s = "%.1f -> %s" % (sum(before[p].values()), s)
        tot.append(s)
    print("%-34s" % "sum of test times" + "".join("%*s" % (w, t) for t in tot))
    return 0


if __name__ == "__main__":
    sys.exit(main())
