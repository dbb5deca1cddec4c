#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check_abi.py - the library's exported symbols, three ways, must agree.

  1. the names listed in the linker version script (src/libhvosim.map);
  2. the hvo_ symbols `nm -D --defined-only` finds in the shared library;
  3. the functions (and extern objects) declared in the public headers,
     every include/hvosim/*.h and *.h.in, found by reading them, so a
     header added or a function moved needs no edit here.

A name in one list and not in another fails, naming it and the lists.  So
does an exported symbol that does not start with hvo_ (only the version
node may be there), a name listed twice in the map, and an hvo_ name in a
header comment that names nothing the headers' code spells (a function,
a type, a member); a comment may use a glob, hvo_fault_log_*, which must
match at least one such name.  A header whose top comment documents its
concurrency ("Concurrency ...") must name there every call it declares.

Usage: check_abi.py --map MAP --lib LIB --nm NM --headers DIR
Exit 0 and one summary line if all agree, 1 and one line per problem if not.
"""
import argparse
import fnmatch
import glob
import os
import re
import subprocess
import sys

IDENT = r"[A-Za-z_]\w*"


def map_names(path):
    """Names in the global: part of every version node, in file order."""
    names, section = [], None
    with open(path, encoding="utf-8") as f:
        text = re.sub(r"/\*.*?\*/", " ", f.read(), flags=re.S)
        for raw in text.splitlines():
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if re.fullmatch(r"global\s*:", line):
                section = "global"
            elif re.fullmatch(r"local\s*:", line):
                section = "local"
            elif re.match(r"\}", line) or line.endswith("{"):
                section = None
            elif section == "global":
                names += [n.strip() for n in line.split(";") if n.strip()]
    return names


def nm_names(nm, lib):
    """Defined dynamic symbols: (hvo_ names, other names but version nodes)."""
    out = subprocess.run([nm, "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    hvo, other = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        kind, name = parts[-2], parts[-1].split("@", 1)[0]
        if kind == "A":		# the version node (HVOSIM_0.1)
            continue
        (hvo if name.startswith("hvo_") else other).add(name)
    return hvo, other


def strip_comments(text):
    """(code with comments blanked, the comments' text)."""
    comments = []

    def repl(m):
        comments.append(m.group(0))
        return " " * len(m.group(0)) if m.group(0).startswith("//") else \
            re.sub(r"[^\n]", " ", m.group(0))
    code = re.sub(r"/\*.*?\*/|//[^\n]*", repl, text, flags=re.S)
    return code, "\n".join(comments)


def strip_preprocessor(code):
    """Drop the #ifdef __cplusplus blocks (extern "C" braces) and every
    other directive, continuation lines included."""
    code = re.sub(r"^\s*#\s*ifdef\s+__cplusplus\b.*?^\s*#\s*endif[^\n]*", "",
                  code, flags=re.S | re.M)
    return re.sub(r"^\s*#(?:[^\n]*\\\n)*[^\n]*", "", code, flags=re.M)


def flatten_braces(code):
    """Struct, union and enum bodies out of the way: {...} -> {}."""
    out, depth = [], 0
    for ch in code:
        if ch == "{":
            if depth == 0:
                out.append("{")
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                out.append("}")
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def top_comment(path):
    """The header's first comment after the SPDX line: its description."""
    with open(path, encoding="utf-8") as f:
        blocks = re.findall(r"/\*.*?\*/", f.read(), flags=re.S)
    blocks = [b for b in blocks if "SPDX-License-Identifier" not in b]
    return blocks[0] if blocks else ""


def header_names(paths):
    """(declared functions/objects, every name the headers' code spells,
    comments)."""
    decls, defined, comments = {}, set(), []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            code, com = strip_comments(f.read())
        comments.append((path, com))
        code = strip_preprocessor(code)
        # a name exists if the headers' code spells it: functions, tags,
        # typedefs, members (kerneldoc's @member), enum constants
        defined.update(re.findall(IDENT, code))
        for stmt in flatten_braces(code).split(";"):
            stmt = " ".join(stmt.split())
            typedef = stmt.startswith("typedef")
            stmt = re.sub(r"^.*\}\s*", "", stmt)	# what follows a body
            if typedef or not stmt:
                continue
            if re.match(r"(static|inline)\b", stmt):
                continue
            m = re.match(r"(?:extern\s+)?[^(]*?\b(" + IDENT + r")\s*\(", stmt)
            if not m:
                m = re.match(r"extern\s+[^(]*?\b(" + IDENT + r")\s*(?:\[[^]]*\])?$", stmt)
            if m and m.group(1).startswith("hvo_"):
                decls.setdefault(m.group(1), os.path.basename(path))
    defined.update(decls)
    return decls, defined, comments


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--map", required=True)
    ap.add_argument("--lib", required=True)
    ap.add_argument("--nm", required=True)
    ap.add_argument("--headers", required=True)
    a = ap.parse_args()

    problems = []
    mapped = map_names(a.map)
    for n in sorted({n for n in mapped if mapped.count(n) > 1}):
        problems.append(f"{n}: listed {mapped.count(n)} times in {a.map}")
    for n in mapped:
        if "*" in n or "?" in n:
            problems.append(f"{n}: a glob in {a.map}; list every symbol by name")
    if mapped != sorted(mapped):
        problems.append(f"{a.map}: the names are not sorted")
    mapped = set(mapped)

    exported, other = nm_names(a.nm, a.lib)
    for n in sorted(other):
        problems.append(f"{n}: exported by {a.lib} but not an hvo_ symbol")

    paths = sorted(glob.glob(os.path.join(a.headers, "*.h")) +
                   glob.glob(os.path.join(a.headers, "*.h.in")))
    if not paths:
        problems.append(f"{a.headers}: no public headers")
    declared, defined, comments = header_names(paths)

    lists = {"the map": mapped, "nm -D": exported, "the headers": set(declared)}
    for name in sorted(mapped | exported | set(declared)):
        missing = [k for k, s in lists.items() if name not in s]
        if missing:
            where = [k for k, s in lists.items() if name in s]
            problems.append(f"{name}: in {' and '.join(where)}, "
                            f"not in {' nor '.join(missing)}")

    # a header that documents its concurrency names every call it declares
    for path in paths:
        top = top_comment(path)
        if "Concurrency" not in top:
            continue
        base = os.path.basename(path)
        for name in sorted(n for n, h in declared.items() if h == base):
            if not re.search(r"\b" + name + r"\b", top):
                problems.append(f"{base}: {name} is missing from its concurrency "
                                "table")

    for path, text in comments:
        for tok in sorted(set(re.findall(r"\bhvo_[A-Za-z0-9_*]*[A-Za-z0-9_*]", text))):
            if "*" in tok:
                if not fnmatch.filter(defined, tok):
                    problems.append(f"{os.path.basename(path)}: comment names {tok}, "
                                    "which matches nothing in the headers")
            elif tok not in defined:
                problems.append(f"{os.path.basename(path)}: comment names {tok}, "
                                "which does not exist in the headers")

    for p in problems:
        print(f"check_abi: {p}")
    if problems:
        print(f"check_abi: {len(problems)} problem(s)")
        return 1
    print(f"check_abi: {len(mapped)} symbols: map, nm -D and "
          f"{len(paths)} headers agree; header comments name only what exists")
    return 0


if __name__ == "__main__":
    sys.exit(main())
