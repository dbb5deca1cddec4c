#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""gen_seeds.py - write the seed corpora of fuzz/corpus/<target>/.

The byte layouts are the ones fuzz_ops.c, fuzz_api.c and fuzz_sched.c
document at their top; this file spells a few machines and programs in them, so the fuzzers
start from inputs that reach every operation and scheme.  Run it from
anywhere; it rewrites the seed-* files and leaves other files (minimised
findings, crash-* regressions) alone.

    fuzz/gen_seeds.py [--check]     --check: exit 1 if a seed would change
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# ---- fuzz_ops ---------------------------------------------------------------

OPS = ["grow", "shrink", "resize", "overcommit", "alloc", "put", "get", "demote",
       "dissolve", "optimize", "restore", "optimize_batch", "restore_batch",
       "fail_set", "fail_clear", "walk", "kpageflags", "frames_alloc",
       "frames_free", "sysctl", "grow_zone", "ref_drop"]
SITES = ["any", "generic", "pgtable", "vmemmap_populate", "vmemmap_head",
         "vmemmap_tail", "vmemmap_restore", "hugetlb_folio", "boot_hvo"]
STRIDES = [64, 64, 64, 64, 64, 64, 128, 128, 256, 40, 48, 56, 72, 96, 120, 200]


def u16(x):
    return bytes([x & 255, (x >> 8) & 255])


def folio(k):
    """fo_pick_pfn(): folio number k (in pfn order) of the model"""
    return u16(k << 3)


def tail(k):
    return u16(k << 3 | 6)


def config(page=4, nodes=1, cont=False, count_policy=False, stride=64,
           scheme="shared-tail", rcu=True, explicit_enc=False, scope=0, alloc=0,
           lifetime=0, mem=(1, 1, 1), movable=(0, 0, 0), boot=(0, 0, 0),
           boot_size=0, big=False, base=False, seed=1, boot_fail=None,
           hvo_off=False, movable_gigantic=False):
    b0 = {4: 0, 16: 1, 64: 2}[page] | (4 if cont else 0) | ((nodes - 1) << 3)
    b0 |= 0x20 if count_policy else 0
    b1 = STRIDES.index(stride) | {"none": 0, "fake-head": 1, "shared-tail": 2}[scheme] << 4
    b1 |= (0 if rcu else 0x40) | (0x80 if explicit_enc else 0)
    b2 = scope | alloc << 2 | lifetime << 4
    nb = bytes((m - 1) | mv << 2 | ((11 + b) << 4 if b else 0)
               for m, mv, b in zip(mem, movable, boot))
    b6 = boot_size
    b7 = (0x87 if big else 0) | (0x10 if base else 0) | (0x20 if hvo_off else 0)
    b7 |= 0x40 if movable_gigantic else 0
    b10 = 0 if boot_fail is None else 15 | (0x10 if boot_fail[0] == "tail" else 0) | \
        (boot_fail[1] - 1) << 5
    return bytes([b0, b1, b2]) + nb + bytes([b6, b7]) + u16(seed) + bytes([b10])


def op(name, *operands):
    out = bytes([OPS.index(name)])
    for o in operands:
        out += o if isinstance(o, bytes) else bytes([o])
    return out


def fail_set(site, nth=1, persistent=False, prob=None):
    b = (nth - 1) & 7 | (0x10 if persistent else 0)
    if prob is not None:
        b = 0x80 | (0x40 if prob == 1.0 else 0) | (0x10 if persistent else 0)
    return op("fail_set", b, SITES.index(site))


def walk(*walks):
    out = op("walk", len(walks) - 1)
    for mode, how, x in walks:
        out += bytes([mode, how]) + u16(x)
    return out


def prog_pool(h=0, h2=1):
    """grow, take and put folios, surplus, resize, shrink, dissolve"""
    return b"".join([
        op("grow", h, 0, 2), op("grow", h, 0, 1), op("alloc", h, 1), op("alloc", h, 0),
        op("get", 0), op("put", 0, 0), op("put", 0, 0),
        op("overcommit", h, 2), op("alloc", h, 0), op("alloc", h, 0), op("alloc", h, 0),
        op("alloc", h, 0), op("alloc", h, 0),
        walk((0, 0, 0), (1, 1, 8), (0, 2, 3)), op("kpageflags", 0, u16(0)),
        op("kpageflags", 1, u16(1)), op("put", 0, 1), op("put", 0, 0), op("put", 0, 0),
        op("resize", h, 0, 1), op("resize", h, 0, 4), op("shrink", h, 0, 2),
        op("dissolve", folio(0)), op("dissolve", tail(0)), op("grow", h2, 0, 1),
        op("demote", h2, h, 0, 0), op("demote", h, h2, 0, 0), op("alloc", h2, 0),
        op("dissolve", folio(1)), op("overcommit", h, 0), op("resize", h, 0, 0),
    ])


def prog_hvo(h=0):
    """explicit and batch optimize/restore, walks on heads, tails, fake heads"""
    return b"".join([
        op("grow", h, 0, 3), op("restore", folio(0)), op("restore", folio(0)),
        op("optimize", folio(0)), op("optimize", folio(0)), op("optimize", tail(1)),
        op("restore_batch", 3, folio(0), folio(1), folio(2)),
        op("optimize_batch", 2, folio(0), folio(1)),
        op("optimize_batch", 2, folio(2), folio(2)),
        op("alloc", h, 1), op("optimize", folio(0)), op("restore", folio(0)),
        walk((0, 1, 0), (0, 5, 0), (1, 9, 0), (0, 2, 77)),
        walk((0, 0, 1), (1, 3, 500), (0, 1, 2), (1, 1, 2)),
        op("kpageflags", 1, u16(0)), op("kpageflags", 2, u16(2)), op("kpageflags", 3, u16(9)),
        op("restore_batch", 2, folio(1), folio(2)), op("optimize_batch", 0),
        op("put", 0, 0), op("dissolve", folio(0)), op("dissolve", folio(1)),
    ])


def prog_faults(h=0, h2=1):
    """every allocation site failing under pool and HVO operations"""
    parts = []
    for site in ("vmemmap_head", "vmemmap_tail", "pgtable", "vmemmap_restore",
                 "hugetlb_folio", "any"):
        parts += [fail_set(site, nth=1), op("grow", h, 0, 2), op("optimize", folio(0)),
                  op("restore", folio(0)), op("dissolve", folio(1)),
                  op("fail_clear")]
    parts += [op("grow", h, 0, 3), fail_set("vmemmap_restore", nth=2),
              op("restore_batch", 3, folio(0), folio(1), folio(2)),
              op("shrink", h, 0, 3), op("fail_clear"), op("overcommit", h, 1),
              op("alloc", h, 0), op("alloc", h, 0),
              fail_set("vmemmap_restore", prob=1.0, persistent=True),
              op("put", 0, 0), op("put", 0, 0), op("dissolve", folio(0)),
              op("fail_clear"), op("grow", h2, 0, 1),
              fail_set("vmemmap_restore", nth=1), op("demote", h2, h, 0, 0),
              fail_set("vmemmap_head", prob=0.5), op("demote", h2, h, 0, 1),
              op("fail_clear"), op("frames_alloc", 0, 9), op("frames_alloc", 0, 0x13),
              op("frames_free", 0), op("resize", h, 0, 0)]
    return b"".join(parts)


def prog_pressure(h=0):
    """fill the machine, then optimize and restore with little memory left"""
    return b"".join([op("frames_alloc", 0, 9)] * 6 + [op("grow", h, 0, 3)] * 12 + [
        op("frames_alloc", 0, 0), op("frames_alloc", 0, 0),
        op("restore_batch", 4, folio(0), folio(1), folio(2), folio(3)),
        op("optimize_batch", 4, folio(0), folio(1), folio(2), folio(3)),
        op("frames_free", 0), op("frames_free", 0), op("shrink", h, 0, 5),
        op("dissolve", folio(2)), op("resize", h, 0, 0),
    ])


def sysctl(write=None):
    """read vm.hugetlb_optimize_vmemmap, or write it (True/False)"""
    return op("sysctl", 0 if write is None else 1 | (2 if write else 0))


def prog_switch(h=0):
    """the runtime switch: folios made while it is off stay unoptimized,
    optimized ones keep their state"""
    return b"".join([
        sysctl(), op("grow", h, 0, 1), sysctl(False), sysctl(), op("grow", h, 0, 1),
        op("optimize", folio(2)), op("optimize_batch", 2, folio(2), folio(3)),
        op("alloc", h, 0), op("restore", folio(0)), op("optimize", folio(0)),
        op("overcommit", h, 1), op("alloc", h, 0), op("alloc", h, 0), op("put", 0, 0),
        sysctl(True), op("optimize", folio(0)), op("optimize", folio(2)),
        op("grow", h, 0, 0), op("put", 0, 0), op("put", 0, 0), op("shrink", h, 0, 5),
    ])


def grow_zone(h, zone, nr=0, node=0):
    """hvo_pool_grow_zone(): zone None for HVO_ZONE_ANY"""
    return op("grow_zone", h, node, nr, 0 if zone is None else
              1 + ["dma32", "normal", "movable"].index(zone))


def prog_zones(h=0, hg=2):
    """zone placement of a movable hstate (h) and a gigantic one (hg)"""
    return b"".join([
        grow_zone(h, None, 1), grow_zone(h, "movable"), grow_zone(h, "normal"),
        grow_zone(h, "dma32"), grow_zone(hg, "movable"), grow_zone(hg, None),
        grow_zone(hg, "normal"), op("grow", hg, 0, 0), op("overcommit", hg, 1),
        op("alloc", hg, 0), op("put", 0, 0), op("shrink", hg, 0, 5),
        op("shrink", h, 0, 5),
    ])


def prog_refs(h=0):
    """page_ref_sub() down to 1, and at 1 the underflows (ref_drop)"""
    return b"".join([
        op("grow", h, 0, 1), op("alloc", h, 0), op("ref_drop", 0), op("ref_drop", 0),
        op("get", 0), op("get", 0), op("ref_drop", 0), op("put", 0, 0),
        op("alloc", h, 0), op("ref_drop", 0), op("dissolve", folio(0)),
    ])


OPS_SEEDS = {
    "4k-shared-tail-pool": (config(), prog_pool()),
    "4k-shared-tail-hvo": (config(), prog_hvo()),
    "4k-shared-tail-faults": (config(mem=(2, 1, 1)), prog_faults()),
    "4k-shared-tail-pressure": (config(), prog_pressure()),
    "4k-cont-demote": (config(cont=True, mem=(2, 1, 1)), prog_pool(h=1, h2=2)),
    "4k-cont-hvo-64k": (config(cont=True), prog_hvo(h=0) + prog_hvo(h=2)),
    "4k-fake-head": (config(scheme="fake-head"), prog_hvo()),
    "4k-fake-head-pool": (config(scheme="fake-head", count_policy=True), prog_pool()),
    "4k-fake-head-norcu": (config(scheme="fake-head", rcu=False), prog_hvo()),
    "4k-fake-head-faults": (config(scheme="fake-head", mem=(2, 1, 1)), prog_faults()),
    "4k-none": (config(scheme="none"), prog_pool() + prog_hvo()),
    "4k-stride40-none": (config(scheme="none", stride=40, nodes=2), prog_pool()),
    "4k-stride128": (config(stride=128), prog_hvo()),
    "4k-stride256-2nodes": (config(stride=256, nodes=2, mem=(1, 2, 1)), prog_pool()),
    "4k-node-scope": (config(nodes=2, scope=1, movable=(1, 2, 0)), prog_hvo()),
    "4k-hstate-scope-lock": (config(scope=2, alloc=1), prog_hvo()),
    "4k-last-user": (config(lifetime=1, alloc=1), prog_hvo() + prog_faults()),
    "4k-last-user-none": (config(lifetime=1, alloc=2), prog_hvo()),
    "4k-movable": (config(movable=(1, 0, 0), mem=(2, 1, 1)), prog_pool()),
    "4k-movable-odd": (config(movable=(2, 0, 0), mem=(2, 1, 1), nodes=2), prog_hvo()),
    "4k-3nodes": (config(nodes=3), prog_pool()),
    "4k-boot-2m": (config(boot=(2, 0, 0), boot_size=2), prog_hvo() + prog_pool()),
    "4k-boot-32m-cont": (config(cont=True, boot=(1, 0, 0), boot_size=5, mem=(2, 1, 1)),
                         prog_pool(h=1, h2=2)),
    "4k-boot-fail-head": (config(scheme="fake-head", boot=(2, 0, 0), boot_size=2,
                                 boot_fail=("head", 2)), prog_hvo()),
    "4k-boot-fail-tail": (config(boot=(3, 0, 0), boot_size=2, boot_fail=("tail", 1)),
                          prog_hvo()),
    "4k-base": (config(base=True), prog_hvo()),
    "16k-shared-tail": (config(page=16), prog_pool() + prog_hvo()),
    "16k-boot-32m": (config(page=16, boot=(1, 0, 0), boot_size=4, mem=(2, 1, 1)),
                     prog_hvo()),
    "16k-fake-head-cont": (config(page=16, cont=True, scheme="fake-head"),
                           prog_pool(h=0, h2=1)),
    "64k-shared-tail": (config(page=64, mem=(2, 1, 1)), prog_hvo()),
    "64k-cont-demote": (config(page=64, cont=True, mem=(2, 1, 1)), prog_pool(h=0, h2=1)),
    "64k-boot-512m": (config(page=64, boot=(1, 0, 0), boot_size=4, mem=(3, 1, 1)),
                      prog_hvo()),
    "invalid-stride": (bytes([0xf0, 0x21, 0, 0, 0, 0, 0, 0, 0, 0, 0]), b""),
    "invalid-knobs": (config(scheme="fake-head", scope=1) + op("grow", 0, 0, 1), b""),
    "invalid-boot": (config(boot=(4, 0, 0), boot_size=3), b""),
    "big-normal-zone": (config(big=True, boot=(1, 0, 0)), prog_pool(h=0, h2=1)),
    "4k-hvo-switch": (config(), prog_switch()),
    "4k-fake-head-switch": (config(scheme="fake-head"), prog_switch()),
    "4k-hvo-off-boot": (config(hvo_off=True, boot=(2, 0, 0), boot_size=2),
                        prog_switch() + prog_hvo()),
    "4k-stride72-shared-tail": (config(stride=72), prog_switch() + prog_pool()),
    "4k-zones": (config(cont=True, movable=(1, 0, 0), mem=(2, 1, 1)), prog_zones()),
    "4k-zones-movable-gigantic": (config(cont=True, movable=(2, 0, 0), mem=(2, 1, 1),
                                         movable_gigantic=True), prog_zones()),
    "4k-zones-big-normal": (config(cont=True, big=True, movable=(1, 0, 0)),
                            prog_zones(h=1, hg=2)),
    "4k-refs": (config(), prog_refs()),
    "4k-refs-record": (config(scheme="fake-head"), prog_refs() + prog_pool()),
}


def fix_invalid_knobs():
    # a fake-head config with a shared-tail knob set: refused (-EINVAL)
    cfg = bytearray(config(scheme="fake-head"))
    cfg[0] |= 0xf0      # raw mode keeps the knob
    cfg[2] = 1
    return bytes(cfg)


OPS_SEEDS["invalid-knobs"] = (fix_invalid_knobs(), b"")


def ops_seeds():
    return {name: cfg + prog for name, (cfg, prog) in OPS_SEEDS.items()}


# ---- fuzz_api ---------------------------------------------------------------

def api_calls():
    """the names of fuzz_api's calls, in opcode order (FA_CALLS in fuzz_api.h)"""
    import re
    with open(os.path.join(HERE, "fuzz_api.h")) as f:
        text = f.read()
    body = text[text.index("#define FA_CALLS(M, R)"):]
    body = body[:body.index("\n\n")]
    return re.findall(r"\b[MR]\((\w+)\)", body)


def api_seeds():
    """fuzz_api: one byte picks the machine, then calls; see fuzz_api.c"""
    calls = api_calls()
    out = {}
    for m in range(4):
        for k in range(4):
            body = bytes((i * 37 + k * 11 + 5) & 255 for i in range(200 + 40 * k))
            out["seed-m%d-%d" % (m, k)] = bytes([m]) + body
    # every call once with small arguments
    out["seed-every-call"] = bytes([0]) + b"".join(bytes([c, 1, 0, 0, 0])
                                                   for c in range(len(calls)))
    # NULL where each function takes a machine or a required pointer, on
    # every machine; k = 0xff also checks the calls that return no errno
    null = calls.index("null_args")
    for m in range(4):
        out["seed-null-args-m%d" % m] = bytes([m]) + b"".join(
            bytes([null, k, 0, 2, k]) for k in range(256))  # x: fa_pfn() case 2
    return out


# ---- fuzz_sched -------------------------------------------------------------

def scenarios():
    """the built-in scenarios in hvo_scenario_get() order, read from the
    scenarios[] table of src/explore_scenarios.c: (name, whether their threads
    are alike, so --threads applies)"""
    import re
    with open(os.path.join(HERE, "..", "src", "explore_scenarios.c")) as f:
        text = f.read()
    table = text[text.index("scenarios[] = {"):]
    table = table[:table.index("\n};")]
    out = []
    for m in re.finditer(r'\.name = "([^"]+)"(.*?)(?=\.name = "|$)', table, re.S):
        threads = re.search(r"\.thread = \{([^}]*)\}", m.group(2)).group(1)
        bodies = [t.strip() for t in threads.split(",") if t.strip()]
        out.append((m.group(1), len(bodies) == 4 and len(set(bodies)) == 1))
    return out


def run(thread, keep=0):
    """a decision byte: the thread-th runnable thread, for keep more decisions"""
    return bytes([thread | keep << 2])


def sched_seeds():
    """fuzz_sched: scenario, variant, threads, then decisions; see fuzz_sched.c.

    Schedules with no preemption, or one right at the start, on the first
    variants of every scenario (the variant byte is taken modulo their
    number, so each seed is valid whatever the scenario's variants are)."""
    out = {}
    for si, (name, alike) in enumerate(scenarios()):
        for v in range(3):
            out["%s-v%d-serial" % (name, v)] = bytes([si, v, 0])
        # b first, 63 decisions, then as they come
        out["%s-v1-b-first" % name] = bytes([si, 1, 0]) + run(1, 63)
        # one step of a, b to its end, then a
        out["%s-v0-a1-b" % name] = bytes([si, 0, 0]) + run(0) + run(1, 63)
        if alike:
            out["%s-v0-4-threads" % name] = bytes([si, 0, 2]) + run(3, 63) + run(2, 63)
    return out


def dict_entry(name, data):
    return '%s="%s"' % (name, "".join("\\x%02x" % b for b in data))


def ops_dict():
    """machine headers (the first 11 bytes) and a few operation snippets"""
    lines = ["# fuzz_ops: machine headers and operations (written by gen_seeds.py)"]
    for name, (cfg, _) in sorted(OPS_SEEDS.items()):
        if not name.startswith("invalid"):
            lines.append(dict_entry("cfg_" + name.replace("-", "_"), cfg[:11]))
    snippets = {
        "grow2": op("grow", 0, 0, 1), "surplus": op("overcommit", 0, 2) + op("alloc", 0, 1),
        "fail_restore": fail_set("vmemmap_restore", nth=1),
        "fail_tail": fail_set("vmemmap_tail", nth=1), "fail_clear": op("fail_clear"),
        "opt_batch": op("optimize_batch", 2, folio(0), folio(1)),
        "restore_batch": op("restore_batch", 2, folio(0), folio(1)),
    }
    for name, data in sorted(snippets.items()):
        lines.append(dict_entry("op_" + name, data))
    return "\n".join(lines) + "\n"


def api_dict():
    words = ["scheme", "scope", "lifetime", "page-shift", "struct-page-size", "mem",
             "boot-gigantic", "movable", "vmemmap_tail", "vmemmap_restore", "2M", "1G",
             "16G", "0x", "shared-tail", "fake-head", "last-user"]
    lines = ["# fuzz_api: strings for the config and site parsers (gen_seeds.py)"]
    lines += ['"%s"' % w for w in words]
    return "\n".join(lines) + "\n"


def write_file(path, data, check, changed):
    old = open(path, "rb").read() if os.path.exists(path) else None
    if old != data:
        changed.append(path)
        if not check:
            with open(path, "wb") as f:
                f.write(data)


def write(target, seeds, check):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    changed = []
    for name, data in sorted(seeds.items()):
        p = os.path.join(d, name if name.startswith("seed-") else "seed-" + name)
        old = open(p, "rb").read() if os.path.exists(p) else None
        if old != data:
            changed.append(p)
            if not check:
                with open(p, "wb") as f:
                    f.write(data)
    return changed


def main():
    check = "--check" in sys.argv[1:]
    changed = write("fuzz_ops", ops_seeds(), check) + write("fuzz_api", api_seeds(), check)
    changed += write("fuzz_sched", sched_seeds(), check)
    write_file(os.path.join(HERE, "fuzz_ops.dict"), ops_dict().encode(), check, changed)
    write_file(os.path.join(HERE, "fuzz_api.dict"), api_dict().encode(), check, changed)
    for p in changed:
        print(("would change " if check else "wrote ") + os.path.relpath(p))
    return 1 if check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
