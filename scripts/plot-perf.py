#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Plot bench_pipeline output as one SVG (python3 standard library only).

Left: cycles per received packet by workload on one core (software checksums,
checksums offloaded, and the parse-and-swap baseline). Right: wall-clock Mpps with
one and two worker cores, and the scaling factor.

usage: plot-perf.py [--before BEFORE.txt] BENCH_OUTPUT.txt OUT.svg
       (BENCH_OUTPUT.txt: what `bench_pipeline` printed; '-' reads stdin.
        --before: an earlier build's output, drawn as a first bar per workload)
"""
import sys
from xml.sax.saxutils import escape

W, H = 960, 420
PAD_L, PAD_B, PAD_T = 60, 90, 50
COLORS = ["#3465a4", "#73d216", "#888a85", "#f57900"]
BEFORE_COLORS = ["#f57900", "#3465a4", "#73d216", "#888a85"]


def fields(line):
    """key=value words of one output line."""
    out = {}
    for word in line.split():
        if "=" in word:
            k, v = word.split("=", 1)
            out[k] = v
    return out


def parse(lines):
    cyc, off, swap, scale = {}, {}, {}, {}
    order = []
    for line in lines:
        f = fields(line)
        wl = f.get("workload")
        if wl is None:
            continue
        if line.startswith("baseline "):
            swap[wl] = float(f["parse_swap_cycles_per_pkt"])
        elif line.startswith("pipeline ") and f.get("checksums") == "offloaded":
            off[wl] = float(f["cycles_per_pkt"])
        elif line.startswith("pipeline "):
            cyc[wl] = float(f["cycles_per_pkt"])
            order.append(wl)
        elif line.startswith("scaling "):
            scale[wl] = (float(f["wall_mpps_1core"]), float(f["wall_mpps"]),
                         float(f["scaling"]))
    return order, cyc, off, swap, scale


def bars(x0, width, title, ylabel, groups, series, legend, colors=COLORS):
    """Grouped bar chart: groups = names, series = list of {group: value}."""
    out = []
    plot_h = H - PAD_T - PAD_B
    vmax = max([v for s in series for v in s.values()] + [1e-9]) * 1.15
    out.append('<text x="%d" y="24" font-size="15" font-weight="bold">%s</text>'
               % (x0 + PAD_L, escape(title)))
    out.append('<text x="%d" y="%d" font-size="11" transform="rotate(-90 %d %d)">%s</text>'
               % (x0 + 14, PAD_T + plot_h // 2 + 40, x0 + 14, PAD_T + plot_h // 2 + 40,
                  escape(ylabel)))
    base_y = PAD_T + plot_h
    out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>'
               % (x0 + PAD_L, base_y, x0 + width - 10, base_y))
    for i in range(5):
        v = vmax * i / 4
        y = base_y - plot_h * i / 4
        out.append('<text x="%d" y="%.0f" font-size="10" text-anchor="end">%.3g</text>'
                   % (x0 + PAD_L - 4, y + 3, v))
        out.append('<line x1="%d" y1="%.0f" x2="%d" y2="%.0f" stroke="#ddd"/>'
                   % (x0 + PAD_L, y, x0 + width - 10, y))
    gw = (width - PAD_L - 20) / max(len(groups), 1)
    bw = gw * 0.8 / max(len(series), 1)
    for gi, g in enumerate(groups):
        gx = x0 + PAD_L + gi * gw + gw * 0.1
        for si, s in enumerate(series):
            if g not in s:
                continue
            v = s[g]
            h = plot_h * v / vmax
            out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>'
                       % (gx + si * bw, base_y - h, bw - 2, h, colors[si % len(colors)]))
            out.append('<text x="%.1f" y="%.1f" font-size="9" text-anchor="middle">%.3g</text>'
                       % (gx + si * bw + bw / 2, base_y - h - 3, v))
        out.append('<text x="%.1f" y="%d" font-size="10" text-anchor="middle">%s</text>'
                   % (gx + gw * 0.4, base_y + 14, escape(g)))
    for si, name in enumerate(legend):
        y = H - 40 + 14 * (si // 2)
        x = x0 + PAD_L + (si % 2) * 200
        out.append('<rect x="%d" y="%d" width="10" height="10" fill="%s"/>'
                   % (x, y - 9, colors[si % len(colors)]))
        out.append('<text x="%d" y="%d" font-size="11">%s</text>' % (x + 14, y, escape(name)))
    return out


def main(argv):
    before = None
    if len(argv) == 5 and argv[1] == "--before":
        with open(argv[2], encoding="utf-8") as f:
            before = parse(f.readlines())[1]
        argv = argv[:1] + argv[3:]
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    src = sys.stdin if argv[1] == "-" else open(argv[1], encoding="utf-8")
    order, cyc, off, swap, scale = parse(src.readlines())
    if not order:
        sys.stderr.write("plot-perf.py: no 'pipeline workload=' line in the input\n")
        return 1
    half = W // 2
    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif">' % (W, H),
           '<rect width="100%" height="100%" fill="white"/>']
    series = [cyc, off, swap]
    legend = ["sipcancel, software checksums", "sipcancel, checksums offloaded",
              "baseline: parse + swap"]
    colors = COLORS
    if before:
        series = [before] + series
        legend = ["before (same run conditions)"] + legend
        colors = BEFORE_COLORS
    svg += bars(0, half, "Cycles per received packet, 1 worker core", "cycles / packet",
                order, series, legend, colors)
    one = {k: v[0] for k, v in scale.items()}
    two = {k: v[1] for k, v in scale.items()}
    svg += bars(half, half, "Wall-clock Mpps, 1 vs 2 worker cores", "Mpps",
                [k for k in order if k in scale], [one, two],
                ["1 worker", "2 workers (feeder shares a CPU)"])
    svg.append("</svg>")
    with open(argv[2], "w", encoding="utf-8") as f:
        f.write("\n".join(svg) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
