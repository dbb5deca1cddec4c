#!/bin/bash -eu
# SPDX-License-Identifier: MIT
#
# .clusterfuzzlite/build.sh - build hvosim's fuzz targets the way OSS-Fuzz
# and ClusterFuzzLite call a project's build script: the compiler in $CC,
# sanitizer and coverage flags in $CFLAGS, the fuzzing engine to link in
# $LIB_FUZZING_ENGINE (-fsanitize=fuzzer, or a libFuzzingEngine.a for AFL++
# and honggfuzz), targets, seed corpora and dictionaries into $OUT.  The
# sources are at $SRC/hvosim (the Dockerfile's COPY), or next to this
# script when run from a checkout.
#
# Locally, as those services set it:
#   CC=clang CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only \
#     -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link" \
#   LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/out WORK=/tmp/work SRC=/tmp \
#   .clusterfuzzlite/build.sh

HVOSIM=${HVOSIM_SRC:-${SRC:-}/hvosim}
if [ ! -f "$HVOSIM/meson.build" ]; then
	HVOSIM=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fi
WORK=${WORK:-$(mktemp -d)}
BUILD=$WORK/hvosim-build
# every target with a corpus: fuzz/corpus/<target>/
TARGETS=$(cd "$HVOSIM/fuzz/corpus" && ls -d */ | tr -d /)

# meson takes $CFLAGS for compiling; the sanitizer runtimes must be linked
# too, so the same flags go to the link (as $CC $CFLAGS ... does for others)
export LDFLAGS="${LDFLAGS:-} $CFLAGS"
rm -rf "$BUILD"
meson setup "$BUILD" "$HVOSIM" \
	--buildtype=plain \
	-Dfuzz_engine=libfuzzer \
	-Dfuzz_ldflags="$LIB_FUZZING_ENGINE" \
	-Dtests=false \
	-Db_lundef=false
# only the targets: the library and CLI of a normal build are not needed
for t in $TARGETS; do
	meson compile -C "$BUILD" "fuzz/$t"
	cp "$BUILD/fuzz/$t" "$OUT/"
	# <target>_seed_corpus.zip, <target>.dict and <target>.options next to
	# the target
	python3 - "$HVOSIM/fuzz/corpus/$t" "$OUT/${t}_seed_corpus.zip" <<'PY'
import os, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(dst, "w") as z:
    for name in sorted(os.listdir(src)):
        z.write(os.path.join(src, name), name)
PY
	if [ -f "$HVOSIM/fuzz/$t.dict" ]; then
		cp "$HVOSIM/fuzz/$t.dict" "$OUT/$t.dict"
	fi
	if [ -f "$HVOSIM/fuzz/$t.options" ]; then
		cp "$HVOSIM/fuzz/$t.options" "$OUT/$t.options"
	fi
done
