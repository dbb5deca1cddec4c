#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check_pc.py - the generated hvosim.pc fits the library it describes.

A consumer of a library built with -Db_sanitize=X must be compiled and
linked with -fsanitize=X too: the library needs the sanitizer runtime
(libasan wants to come first in the link, "ASan runtime does not come
first in initial library list" otherwise) and is instrumented against it.
So the .pc of a sanitized build carries -fsanitize=X in Cflags and Libs,
and the .pc of a plain build carries no -fsanitize at all.

Usage: check_pc.py PC SANITIZE   (SANITIZE: meson's b_sanitize, e.g. none,
address,undefined).  Exit 0 and one line if it fits, 1 and the problems if
not.
"""
import sys


def fields(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if ":" in line and "=" not in line.split(":", 1)[0]:
                k, v = line.split(":", 1)
                out[k.strip()] = v.split()
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__.split("\n\n")[-1], file=sys.stderr)
        return 2
    pc, sanitize = sys.argv[1], sys.argv[2]
    f = fields(pc)
    problems = []
    if "-lhvosim" not in f.get("Libs", []):
        problems.append("Libs has no -lhvosim")
    flag = "-fsanitize=" + sanitize
    for key in ("Cflags", "Libs"):
        have = [a for a in f.get(key, []) if a.startswith("-fsanitize")]
        if sanitize == "none" and have:
            problems.append(f"{key}: {' '.join(have)} in a build without sanitizers")
        if sanitize != "none" and flag not in have:
            problems.append(f"{key}: no {flag}, but the library was built with it")
    for p in problems:
        print(f"{pc}: {p}")
    if not problems:
        print(f"{pc}: fits b_sanitize={sanitize}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
