#!/usr/bin/env python3
"""summarize.py RESULTS.jsonl — medians per (workload, peer, config) and the
ratios behind grove's benchmark goals, as markdown on stdout."""
import json
import statistics
import sys
from collections import defaultdict

runs = defaultdict(list)
for line in open(sys.argv[1]):
    line = line.strip()
    if not line.startswith("{"):
        continue
    r = json.loads(line)
    if "error" in r:
        continue
    runs[(r["workload"], r["peer"], r["config"])].append(r)


def median(key, field):
    vals = [r[field] for r in runs.get(key, []) if field in r]
    return statistics.median(vals) if vals else None


def find(workload, peer, config_part=""):
    for (w, p, c) in runs:
        if w == workload and p == peer and config_part in c:
            return (w, p, c)
    return None


print("| workload | peer | config | runs | ns/op (median) | ops/s | total_ms | bytes/fiber | hwm MiB |")
print("|---|---|---|---|---|---|---|---|---|")
for key in sorted(runs):
    w, p, c = key
    ns = median(key, "ns_per_op")
    ops = median(key, "ops_per_s")
    tot = median(key, "total_ms")
    bpt = median(key, "bytes_per_thread")
    hwm = median(key, "hwm_kb")
    fmt = lambda v, f="{:.1f}": f.format(v) if v is not None else "—"
    print(f"| {w} | {p} | {c} | {len(runs[key])} | {fmt(ns, '{:.2f}')} | {fmt(ops, '{:.0f}')} | "
          f"{fmt(tot)} | {fmt(bpt, '{:.0f}')} | {fmt(hwm / 1024 if hwm else None)} |")



def per_rep(key, field):
    """{rep: value} of one configuration's runs."""
    return {r.get("rep", 0): r[field] for r in runs.get(key, []) if field in r}


def spread(gkey, gfield, pkeys, pfield, invert):
    """Per-repetition ratios grove/peer (peer/grove when invert), the peer
    being the best of pkeys in that same repetition; (min, max) or None."""
    g = per_rep(gkey, gfield) if gkey else {}
    ratios = []
    for rep, gv in g.items():
        pv = [per_rep(k, pfield).get(rep) for k in pkeys if k]
        pv = [v for v in pv if v is not None]
        if not pv or not gv:
            continue
        best = max(pv) if invert else min(pv)
        ratios.append(gv / best)
    return (min(ratios), max(ratios), len(ratios)) if ratios else None


def fmt_spread(sp, digits):
    return f"{sp[0]:.{digits}f}–{sp[1]:.{digits}f} ({sp[2]} reps)" if sp else "—"


print()
print("| goal | grove (median) | peer (median) | ratio of medians | per-rep ratios | met |")
print("|---|---|---|---|---|---|")


def goal(name, gkey, gfield, pkey, pfield, limit):
    """grove's time must be <= limit x the peer's."""
    g = median(gkey, gfield) if gkey else None
    p = median(pkey, pfield) if pkey else None
    if g is None or p is None:
        print(f"| {name} | — | — | — | — | not measured |")
        return
    ratio = g / p
    sp = spread(gkey, gfield, [pkey], pfield, False)
    print(f"| {name} | {g:.2f} | {p:.2f} | {ratio:.4f}× | {fmt_spread(sp, 4)} | "
          f"{'yes' if ratio <= limit else 'NO'} (≤ {limit}×) |")


def goal_faster(name, workload, gconf, peers, factor):
    """grove's ops/s must be >= factor x the best of the listed peers."""
    g = find(workload, "grove", gconf)
    best = None
    keys = []
    for peer, conf in peers:
        k = find(workload, peer, conf)
        keys.append(k)
        v = median(k, "ops_per_s") if k else None
        if v is not None and (best is None or v > best[1]):
            best = (f"{peer} {k[2]}", v)
    gv = median(g, "ops_per_s") if g else None
    if gv is None or best is None:
        print(f"| {name} | — | — | — | — | not measured |")
        return
    ratio = gv / best[1]
    sp = spread(g, "ops_per_s", keys, "ops_per_s", True)
    print(f"| {name} | {gv / 1e6:.2f} M/s | {best[0]}: {best[1] / 1e6:.2f} M/s | {ratio:.3f}× | "
          f"{fmt_spread(sp, 3)} | {'yes' if ratio >= factor else 'NO'} (≥ {factor}×) |")


GO = [("go", "GOMAXPROCS=1"), ("go", "GOMAXPROCS=2")]
ALL = GO + [("boost.fiber", ""), ("erlang", ""), ("caf", "")]
goal("W1 yield ≤ 4× raw Boost.Context switch (ns)", find("W1", "grove"), "ns_per_op",
     find("W1", "boost.context-raw"), "ns_per_op", 4.0)
goal("W1 yield ≤ 0.25× Boost.Fiber yield (ns)", find("W1", "grove"), "ns_per_op",
     find("W1", "boost.fiber"), "ns_per_op", 0.25)
goal("W2 spawn+join ≤ 0.15× Go GOMAXPROCS=1 (ns) [issue 11]", find("W2", "grove"), "ns_per_op",
     find("W2", "go", "GOMAXPROCS=1"), "ns_per_op", 0.15)
goal("W3 skynet FIFO (post) ≤ 0.4× Go GOMAXPROCS=1 (ms) [issue 11]", find("W3", "grove", "post"), "total_ms",
     find("W3", "go", "GOMAXPROCS=1"), "total_ms", 0.4)
goal("W3 skynet (dispatch) ≤ 0.5× Go GOMAXPROCS=1 (ms)", find("W3", "grove", "dispatch"), "total_ms",
     find("W3", "go", "GOMAXPROCS=1"), "total_ms", 0.5)
goal_faster("W4 ping-pong ≥ 5× the best peer (msg/s) [issue 11]", "W4", "", ALL, 5.0)
goal_faster("W5 fan-in ≥ 1.5× Boost.Fiber buffered_channel (items/s)", "W5", "", [("boost.fiber", "")], 1.5)
goal_faster("W6 fan-out, mailboxes start empty, ≥ 2× the best Go (deliveries/s) [issue 11]", "W6", "grow", GO, 2.0)

gp = find("W3", "grove", "post")
if gp:
    hwm = median(gp, "hwm_kb")
    vals = sorted(per_rep(gp, "hwm_kb").values())
    print(f"| W3 FIFO peak RSS ≤ 700 MiB [issue 11] | {hwm / 1024:.1f} MiB | — | — | "
          f"{vals[0] / 1024:.1f}–{vals[-1] / 1024:.1f} MiB | {'yes' if max(vals) <= 700 * 1024 else 'NO'} |")
g8 = find("W8", "grove")
if g8:
    b = median(g8, "bytes_per_thread")
    print(f"| W8 ≤ 5 KiB RSS per blocked fiber | {b:.0f} B | — | — | — | {'yes' if b <= 5120 else 'NO'} |")
