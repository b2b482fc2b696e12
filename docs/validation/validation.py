#!/usr/bin/env python3
"""Reproduces docs/validation.md: runs xpresso on the shared real sequence, compares with the
paper's own numbers and draws the pictures (plain SVG, standard library only).

    python3 docs/validation/validation.py [--xpresso target/release/xpresso]
        [--shared ../shared] [--out docs/validation]

Writes OUT/fig5_gstm1.svg, OUT/expression_scatter.svg and OUT/figures.tsv (one line per
figure: name, value, n), and prints the figures. tests/validation.rs runs it into a
temporary directory, so CI checks that it still runs and still gives the stated figures.
"""

import argparse
import gzip
import math
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def gz_lines(path):
    with gzip.open(path, "rt") as f:
        return f.read().splitlines()


def pearson(x, y):
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sx = math.sqrt(sum((a - mx) ** 2 for a in x))
    sy = math.sqrt(sum((b - my) ** 2 for b in y))
    return sxy / (sx * sy)


def read_piece(path):
    with open(path) as f:
        return "".join(line.strip() for line in f if not line.startswith(">"))


def place(path, name, length, offset, piece):
    """A plain FASTA of `length` bases: N, `piece` at 0-based `offset`, N (60 per line)."""
    end = offset + len(piece)
    n_line = "N" * 60 + "\n"
    with open(path, "w") as f:
        f.write(f">{name}\n")
        for start in range(0, length, 60):
            stop = min(start + 60, length)
            if stop <= offset or start >= end:
                f.write(n_line if stop - start == 60 else "N" * (stop - start) + "\n")
            else:
                f.write("".join(piece[i - offset] if offset <= i < end else "N" for i in range(start, stop)) + "\n")


def run(cmd):
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr}")
    return done.stdout


def tsv(text):
    return [line.split("\t") for line in text.splitlines() if not line.startswith("##")]


# ---- SVG ---------------------------------------------------------------------------------

class Svg:
    def __init__(self, width, height):
        self.width, self.height, self.items = width, height, []

    def add(self, item):
        self.items.append(item)

    def text(self, x, y, s, size=12, anchor="start", rotate=None, weight="normal", fill="#222"):
        transform = f' transform="rotate({rotate} {x:.1f} {y:.1f})"' if rotate else ""
        s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        self.add(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" font-weight="{weight}" fill="{fill}"{transform}>{s}</text>')

    def save(self, path):
        with open(path, "w") as f:
            f.write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width}" height="{self.height}" '
                    f'viewBox="0 0 {self.width} {self.height}" font-family="Helvetica, Arial, sans-serif">\n')
            f.write(f'<rect width="{self.width}" height="{self.height}" fill="white"/>\n')
            f.write("\n".join(self.items) + "\n</svg>\n")


def ticks(lo, hi, n=5):
    span = hi - lo
    step = 10 ** math.floor(math.log10(span / n))
    for m in (1, 2, 5, 10):
        if span / (step * m) <= n:
            step *= m
            break
    t = math.ceil(lo / step) * step
    out = []
    while t <= hi + 1e-9:
        out.append(round(t, 10))
        t += step
    return out


class Panel:
    """An x/y plotting area inside an Svg."""

    def __init__(self, svg, left, top, width, height, xr, yr, xlabel, ylabel, title, xfmt="{:g}"):
        self.svg, self.left, self.top, self.w, self.h, self.xr, self.yr = svg, left, top, width, height, xr, yr
        svg.add(f'<rect x="{left}" y="{top}" width="{width}" height="{height}" fill="none" stroke="#444"/>')
        for t in ticks(*xr):
            x = self.x(t)
            svg.add(f'<line x1="{x:.1f}" y1="{top + height}" x2="{x:.1f}" y2="{top + height + 4}" stroke="#444"/>')
            svg.text(x, top + height + 16, xfmt.format(t), size=10, anchor="middle")
        for t in ticks(*yr):
            y = self.y(t)
            svg.add(f'<line x1="{left - 4}" y1="{y:.1f}" x2="{left}" y2="{y:.1f}" stroke="#444"/>')
            svg.add(f'<line x1="{left}" y1="{y:.1f}" x2="{left + width}" y2="{y:.1f}" stroke="#eee"/>')
            svg.text(left - 6, y + 3, f"{t:g}", size=10, anchor="end")
        svg.text(left + width / 2, top + height + 32, xlabel, size=11, anchor="middle")
        svg.text(left - 38, top + height / 2, ylabel, size=11, anchor="middle", rotate=-90)
        svg.text(left, top - 8, title, size=12, weight="bold")

    def x(self, v):
        return self.left + (v - self.xr[0]) / (self.xr[1] - self.xr[0]) * self.w

    def y(self, v):
        return self.top + self.h - (v - self.yr[0]) / (self.yr[1] - self.yr[0]) * self.h

    def line(self, points, color, width=1.5, dash=None):
        d = " ".join(f"{self.x(a):.1f},{self.y(b):.1f}" for a, b in points)
        dash = f' stroke-dasharray="{dash}"' if dash else ""
        self.svg.add(f'<polyline points="{d}" fill="none" stroke="{color}" stroke-width="{width}"{dash}/>')

    def dots(self, points, color, r=3, fill=True, opacity=1.0):
        for a, b in points:
            style = f'fill="{color}"' if fill else f'fill="white" stroke="{color}" stroke-width="1.3"'
            self.svg.add(f'<circle cx="{self.x(a):.1f}" cy="{self.y(b):.1f}" r="{r}" {style} fill-opacity="{opacity}"/>')

    def legend(self, entries, x, y):
        width = 30 + 6 * max(len(e[0]) for e in entries)
        self.svg.add(f'<rect x="{x - 6}" y="{y - 14}" width="{width}" height="{15 * len(entries) + 6}" fill="white" fill-opacity="0.9" stroke="#ccc"/>')
        for i, (label, color, kind) in enumerate(entries):
            yy = y + i * 15
            if kind == "line":
                self.svg.add(f'<line x1="{x}" y1="{yy - 4}" x2="{x + 18}" y2="{yy - 4}" stroke="{color}" stroke-width="2"/>')
            else:
                fill = color if kind == "dot" else "white"
                self.svg.add(f'<circle cx="{x + 9}" cy="{yy - 4}" r="3.5" fill="{fill}" stroke="{color}" stroke-width="1.3"/>')
            self.svg.text(x + 24, yy, label, size=10)


# ---- the truths --------------------------------------------------------------------------

def fig5(xp, shared, work):
    """Fig 5 on the GSTM1 piece: published vs xpresso scan, both strands."""
    piece = read_piece(os.path.join(shared, "data/genome/NG_009246.1_GSTM1_GRCh37_chr1_110225419-110238368.fa"))
    # chr1 of hg19 cut at the end of the Fig 5 locus (110.3 Mb): the coordinates are true
    fa = os.path.join(work, "chr1.fa")
    place(fa, "chr1", 110_300_000, 110_225_418, piece)
    prefix = os.path.join(work, "fig5")
    run([xp, "scan", "-q", "--genome", fa, "--region", "chr1:110,225,501-110,238,300", "--step", "100", "--offset", "1", "-o", prefix])
    result = {}
    for strand, published in (("plus", "Plus"), ("minus", "Minus")):
        want = {}
        for line in gz_lines(os.path.join(shared, f"data/xpresso-paper/region.1Mb.intervals.100ntStep.{published}.bedGraph.gz")):
            f = line.split("\t")
            want[int(f[1])] = float(f[3])
        ours = []
        with open(f"{prefix}.{strand}.bedGraph") as f:
            for line in f:
                c = line.split("\t")
                ours.append((int(c[1]), float(c[3]), want[int(c[1])]))
        result[strand] = ours
    return result


def kipoi_windows(xp, shared, work):
    """Max |xpresso - Kipoi| over the training windows inside the shared hg38 pieces."""
    paper = os.path.join(shared, "data/xpresso-paper")
    windows = [l.split("\t") for l in gz_lines(os.path.join(paper, "kipoi_human_hg38_promoters.bed.gz"))]
    preds = [l.split("\t") for l in gz_lines(os.path.join(paper, "kipoi_humanMedian_predictions.tsv.gz"))[1:]]
    chr22 = os.path.join(work, "chr22.fa")
    place(chr22, "chr22", 32_400_000, 32_000_000, read_piece(os.path.join(shared, "data/genome/hg38_chr22_32000000_32300000.fa")))
    bed = os.path.join(paper, "hg38_promoters_cage_corrected_withChr.bed.gz")
    errors = []
    for genome, chrom, lo, hi in ((os.path.join(shared, "data/genome/chr2_1-2333275.fa.gz"), "chr2", 0, 2_333_275), (chr22, "chr22", 32_000_000, 32_300_000)):
        got = {r[0]: float(r[5]) for r in tsv(run([xp, "annotate", "-q", "--genome", genome, "--tss-bed", bed, "-o", "-"]))[1:]}
        for w, p in zip(windows, preds):
            if w[0] == chrom and int(w[1]) >= lo and int(w[2]) <= hi:
                errors.append(abs(got[w[3]] - float(p[5])))
    # the paper's predictions against all labels
    return errors, windows, preds


def labels(shared):
    out = {}
    for line in gz_lines(os.path.join(shared, "data/expression/xpresso_1to1_orthologs_expression.txt.gz")):
        f = line.split("\t")
        out[f[0]] = float(f[4])
    return out


def expression(xp, shared):
    """predict --strand-from-header on the 297 EPO windows, against the labels."""
    fa = os.path.join(shared, "data/genome/GRCh37_chr22_EPO_cage_promoter_windows.fa.gz")
    cover = {}
    for line in gz_lines(fa):
        if line.startswith(">"):
            f = line[1:].split()
            cover[f[0]] = float(f[3].split("=")[1])
    lab = labels(shared)
    rows = tsv(run([xp, "predict", "-q", "--fasta", fa, "--strand-from-header", "-o", "-"]))[1:]
    return [(lab[r[0]], float(r[2]), cover[r[0]]) for r in rows if r[0] in lab]


# ---- the pictures ------------------------------------------------------------------------

def draw_fig5(result, path):
    svg = Svg(720, 560)
    for i, (strand, colour) in enumerate((("plus", "#c0392b"), ("minus", "#2471a3"))):
        pts = result[strand]
        xs = [p[0] / 1e6 for p in pts]
        values = [p[1] for p in pts] + [p[2] for p in pts]
        lo, hi = min(values), max(values)
        pad = (hi - lo) * 0.1 + 0.02
        worst = max(abs(p[1] - p[2]) for p in pts)
        panel = Panel(svg, 70, 40 + i * 265, 620, 190, (min(xs) - 0.0001, max(xs) + 0.0001), (lo - pad, hi + 3 * pad),
                      "GRCh37 chr1 position of the 100-nt tile (Mb)", "prediction + 1",
                      f"Fig 5, {strand} strand: 24 tiles on the GSTM1 piece (max |difference| {worst:.4f})", xfmt="{:.4f}")
        panel.line([(p[0] / 1e6, p[1]) for p in pts], colour)
        panel.dots([(p[0] / 1e6, p[2]) for p in pts], "#222", r=3.5, fill=False)
        panel.dots([(p[0] / 1e6, p[1]) for p in pts], colour, r=2)
        panel.legend([("published track (paper, Fig 5)", "#222", "circle"), ("xpresso scan --offset 1", colour, "line")], 80, 58 + i * 265)
    svg.save(path)


def draw_scatter(points, r_all, r_covered, path):
    svg = Svg(560, 520)
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    panel = Panel(svg, 70, 40, 450, 420, (min(xs) - 0.2, max(xs) + 0.2), (min(ys) - 0.2, max(ys) + 0.2),
                  "measured: log10(median expression + 0.1), the paper's label", "xpresso predict --strand-from-header",
                  f"Real GRCh37 chr22 promoters with a label: r = {r_all:.3f} (n = {len(points)} of 297)")
    panel.dots([(p[0], p[1]) for p in points if p[2] < 0.95], "#7f8c8d", r=2.5, opacity=0.6)
    covered = [(p[0], p[1]) for p in points if p[2] >= 0.95]
    panel.dots(covered, "#c0392b", r=3.5)
    panel.legend([(f"window < 95% covered (gaps are N)", "#7f8c8d", "dot"),
                  (f">= 95% covered: r = {r_covered:.3f} (n = {len(covered)})", "#c0392b", "dot")], 82, 62)
    svg.save(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--xpresso", default=os.environ.get("XPRESSO_BIN", os.path.join(REPO, "target/release/xpresso")))
    ap.add_argument("--shared", default=os.environ.get("XPRESSO_SHARED", os.path.join(os.path.dirname(REPO), "shared")))
    ap.add_argument("--out", default=HERE)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    figures = []
    with tempfile.TemporaryDirectory() as work:
        f5 = fig5(a.xpresso, a.shared, work)
        for strand in ("plus", "minus"):
            figures.append((f"fig5_{strand}_max_abs_error", max(abs(p[1] - p[2]) for p in f5[strand]), len(f5[strand])))
        draw_fig5(f5, os.path.join(a.out, "fig5_gstm1.svg"))
        errors, windows, preds = kipoi_windows(a.xpresso, a.shared, work)
        figures.append(("kipoi_windows_max_abs_error", max(errors), len(errors)))
    lab = labels(a.shared)
    pairs = [(float(p[5]), lab[w[3]]) for w, p in zip(windows, preds) if w[3] in lab]
    figures.append(("kipoi_predictions_vs_labels_r", pearson([p[0] for p in pairs], [p[1] for p in pairs]), len(pairs)))
    points = expression(a.xpresso, a.shared)
    covered = [p for p in points if p[2] >= 0.95]
    r_all = pearson([p[0] for p in points], [p[1] for p in points])
    r_covered = pearson([p[0] for p in covered], [p[1] for p in covered])
    figures.append(("epo_windows_vs_labels_r", r_all, len(points)))
    figures.append(("epo_windows_95pct_covered_vs_labels_r", r_covered, len(covered)))
    draw_scatter(points, r_all, r_covered, os.path.join(a.out, "expression_scatter.svg"))
    with open(os.path.join(a.out, "figures.tsv"), "w") as f:
        f.write("figure\tvalue\tn\n")
        for name, value, n in figures:
            f.write(f"{name}\t{value:.6g}\t{n}\n")
    for name, value, n in figures:
        print(f"{name}\t{value:.6g}\tn={n}")


if __name__ == "__main__":
    main()
