#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""archcheck.py - the shape of the tree: which src/ files call which, the
cycles among them, and functions longer than a limit.

  scripts/archcheck.py BUILDDIR [--max-lines 60] [--json]

The call graph comes from the object files of libhvosim's static library in
BUILDDIR (nm: a file that has symbol S undefined calls the file that defines
it), so it sees exactly what the compiler linked, macros and inlines
excluded.  Function lengths come from the sources in src/, harness/, tools/ and
bench/: a definition starts at a line in column 0 that opens a parameter
list and ends at the next "}" in column 0 (kernel style); a comment
"archcheck: long" in the 3 lines before the definition marks a function
allowed to be longer (the comment must say why).
"""
import json, os, re, subprocess, sys
from collections import defaultdict

def objects(builddir):
    # both_libraries() may build the objects once, in either target's dir
    out = {}
    for root, _, files in os.walk(os.path.join(builddir, "src")):
        if not os.path.basename(root).startswith("libhvosim"):
            continue
        for f in files:
            if f.endswith(".o"):
                out.setdefault(f, os.path.join(root, f))
    return sorted(out.values())

def srcname(obj):
    b = os.path.basename(obj)
    b = re.sub(r"\.o$", "", b)
    return b

def graph(builddir):
    defs, undef = {}, defaultdict(set)
    for o in objects(builddir):
        name = srcname(o)
        r = subprocess.run(["nm", o], capture_output=True, text=True, check=True)
        for line in r.stdout.splitlines():
            p = line.split()
            if len(p) == 3 and p[1] in "TDBR":
                defs[p[2]] = name
            elif len(p) == 2 and p[0] == "U":
                undef[name].add(p[1])
    edges = defaultdict(dict)
    for f, syms in undef.items():
        for s in syms:
            d = defs.get(s)
            if d and d != f:
                edges[f].setdefault(d, []).append(s)
    files = sorted(set(defs.values()) | set(undef))
    return files, edges

def sccs(files, edges):
    idx, low, st, on, out, n = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)
    def visit(v):
        idx[v] = low[v] = n[0]; n[0] += 1; st.append(v); on.add(v)
        for w in edges.get(v, {}):
            if w not in idx:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], idx[w])
        if low[v] == idx[v]:
            c = []
            while True:
                w = st.pop(); on.discard(w); c.append(w)
                if w == v: break
            out.append(sorted(c))
    for v in files:
        if v not in idx: visit(v)
    return out

DEF = re.compile(r"^(?!static_assert|typedef|struct\s+\w+\s*\{)[A-Za-z_].*\b(\w+)\s*\(")

def long_functions(root, dirs, limit):
    res = []
    for d in dirs:
        p = os.path.join(root, d)
        if not os.path.isdir(p):
            continue
        for f in sorted(os.listdir(p)):
            if not f.endswith(".c"):
                continue
            lines = open(os.path.join(p, f), encoding="utf-8").read().split("\n")
            i = 0
            while i < len(lines):
                m = DEF.match(lines[i])
                if m and not lines[i].rstrip().endswith(";"):
                    # the body starts at the first "{" in column 0 before a ";"
                    j = i
                    while j < len(lines) and not lines[j].startswith("{"):
                        if lines[j].rstrip().endswith(";") or lines[j].startswith("}"):
                            j = -1
                            break
                        j += 1
                    if j > 0 and j < len(lines):
                        k = j
                        while k < len(lines) and not lines[k].startswith("}"):
                            k += 1
                        n = k - j - 1
                        allowed = any("archcheck: long" in lines[x]
                                      for x in range(max(0, i - 3), i))
                        if n > limit:
                            res.append({"file": f"{d}/{f}", "line": i + 1,
                                        "function": m.group(1), "lines": n,
                                        "allowed": allowed})
                        i = k
                i += 1
    return res

def main():
    args = sys.argv[1:]
    js = "--json" in args
    limit = 60
    if "--max-lines" in args:
        limit = int(args[args.index("--max-lines") + 1])
    bd = [a for a in args if not a.startswith("--") and not a.isdigit()]
    if not bd:
        print(__doc__, file=sys.stderr)
        return 2
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    files, edges = graph(bd[0])
    comps = [c for c in sccs(files, edges) if len(c) > 1]
    longf = long_functions(root, ["src", "harness", "bench", "tools"], limit)
    if js:
        print(json.dumps({"cycles": comps,
                          "edges": {f: {d: sorted(s) for d, s in e.items()}
                                    for f, e in edges.items()},
                          "long_functions": longf}, indent=1))
        return 0
    print(f"files: {len(files)}")
    print(f"cycles (strongly connected groups of more than one file): {len(comps)}")
    for c in comps:
        print("  " + " <-> ".join(c))
        for f in c:
            for d, syms in sorted(edges.get(f, {}).items()):
                if d in c:
                    print(f"    {f} -> {d}: {', '.join(sorted(syms))}")
    print(f"functions over {limit} lines: {len(longf)}"
          f" ({sum(1 for x in longf if x['allowed'])} marked 'archcheck: long')")
    for x in longf:
        print(f"  {x['file']}:{x['line']} {x['function']} {x['lines']}"
              f"{'  (allowed)' if x['allowed'] else ''}")
    return 0

sys.exit(main())
