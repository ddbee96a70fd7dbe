#!/usr/bin/env python3
"""soak_plot.py SAMPLES_CSV OUT_PNG — the curves of a bench/soak.sh run
(python3-matplotlib): RSS, descriptors, fibers, timers, rooms and nicks
against time, one panel each, the second half (where the slopes are
checked) shaded."""

import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

rows = list(csv.DictReader(open(sys.argv[1])))
t = [float(r["t"]) for r in rows]
panels = [("rss_kib", "RSS (KiB)"), ("fds", "open descriptors"), ("fibers", "fibers"),
          ("timers", "timers"), ("rooms", "rooms"), ("connections", "connections")]
fig, axes = plt.subplots(len(panels), 1, figsize=(8, 2 * len(panels)), sharex=True)
for ax, (key, label) in zip(axes, panels):
    ax.plot(t, [float(r[key]) for r in rows], linewidth=1)
    ax.set_ylabel(label, fontsize=8)
    ax.axvspan(t[-1] / 2, t[-1], color="0.92")
    ax.set_ylim(bottom=0)
axes[-1].set_xlabel("seconds")
fig.suptitle("grove-chat soak (bench/soak.sh): second half shaded", fontsize=10)
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=90)
