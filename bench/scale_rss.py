# SPDX-License-Identifier: MIT
#
# bench/scale_rss.py - sourced by gdb (bench/profile.sh) at hvo_sim_destroy()
# of a bench scale run: where the process's resident memory is, per mapping
# of struct hvo_sim (the frame arena, the per-pfn metadata, the flat view of
# the vmemmap's leaf entries) and the rest, from /proc/PID/pagemap.
#
# A page counts when it is present and not the shared zero page (reads of
# never-written metadata map the zero page, which is no memory and not in
# RSS).  Without the right to read page frame numbers (not root), pagemap
# hides them and zero-page mappings count as resident: the script says so.
# Arena pages are split by content: poison (free frames, HVO_PAGE_POISON),
# all zero, or data (struct pages, page tables).
import collections
import gdb

pid = gdb.selected_inferior().pid
sim = gdb.parse_and_eval("sim")
mem, mem_len = int(sim["mem"]), int(sim["mem_len"])
meta, meta_len = int(sim["meta"]), int(sim["meta_len"])
flat, flat_len = int(sim["flat"]), int(sim["flat_n"]) * 8
pm = open("/proc/%d/pagemap" % pid, "rb")
mf = open("/proc/%d/mem" % pid, "rb")
PFN = (1 << 55) - 1


def entries(a, n):
    """(page index, pagemap entry) of every present page of [a, a + n)"""
    pages, off = (n + 4095) // 4096, 0
    while off < pages:
        k = min(65536, pages - off)
        pm.seek((a // 4096 + off) * 8)
        buf = pm.read(k * 8)
        for i in range(k):
            v = int.from_bytes(buf[i * 8:i * 8 + 8], "little")
            if v >> 63:
                yield off + i, v
        off += k


# the zero page: the one frame many metadata pages map
freq = collections.Counter(v & PFN for _, v in entries(meta, meta_len))
zero_pfn, hits = freq.most_common(1)[0] if freq else (None, 0)
hidden = zero_pfn == 0
if hits < 2 or hidden:
    zero_pfn = None
if hidden:
    print("note: page frame numbers hidden (not root): zero-page mappings count")


def resident(a, n):
    return [p for p, v in entries(a, n) if zero_pfn is None or (v & PFN) != zero_pfn]


kinds = collections.Counter()
for p in resident(mem, mem_len):
    mf.seek(mem + p * 4096)
    b = mf.read(4096)
    kinds["poison (free frames)" if b == b"\xaa" * 4096 else
          "zero" if b == b"\0" * 4096 else "data (struct pages, page tables)"] += 1
rows = [(sum(kinds.values()), "arena: frames with host bytes")]
rows += [(v, "  arena: " + k) for k, v in kinds.most_common()]
rows.append((len(resident(meta, meta_len)), "per-pfn metadata (%.1f GiB reserved)" %
             (meta_len / 2**30)))
rows.append((len(resident(flat, flat_len)), "flat view of the vmemmap leaf entries"))
status = dict(l.split(":", 1) for l in open("/proc/%d/status" % pid) if ":" in l)
rss = int(status["VmRSS"].split()[0]) // 4
top = sum(r[0] for r in rows if not r[1].startswith("  "))
print("RSS total %.1f MiB (peak %.1f MiB)" % (rss * 4 / 1024,
                                            int(status["VmHWM"].split()[0]) / 1024))
for n, name in rows:
    print("%10.1f MiB  %s" % (n * 4 / 1024, name))
print("%10.1f MiB  the rest (libc, heap, stacks)" % ((rss - top) * 4 / 1024))
