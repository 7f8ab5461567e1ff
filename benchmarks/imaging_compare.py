#!/usr/bin/env python3
"""Pairs benchmarks/imaging.sh's Pillow rows (imaging_peers.py) with the Swift rows
(ImagingBenchmark) and prints Pillow/Swift ratios for wall and thread-CPU ms (> 1: Swift faster).
Usage: imaging_compare.py peers.txt swift.txt"""
import sys


def rows(path):
    """{(name, size): (wall, cpu)} from a table whose name column is 44 characters wide."""
    out = {}
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or len(line) < 50:
            continue
        name, rest = line[:44].strip(), line[44:].split()
        try:
            out[(name, rest[0])] = (float(rest[1]), float(rest[2]))
        except (ValueError, IndexError):
            continue
    return out


PAIRS = []
for s in ("640x480", "1920x1080", "4000x3000"):
    PAIRS += [
        (f"JPEG → 256 CHW, DCT-scaled", s, "JPEG scaled decode+resize256+CHW", "B JPEG draft(256)+decode+resize256+CHW"),
        (f"JPEG → 256 CHW, full decode", s, "JPEG decode+resize256+CHW (full decode)", "A JPEG decode+resize256+CHW float"),
        (f"PNG → 256 CHW (streamed)", s, "PNG streamed decode+resize256+CHW", "A PNG decode+resize256+CHW float"),
        (f"PNG → 256 CHW (decode, then resize)", s, "PNG decode+resize256+CHW (full decode)", "A PNG decode+resize256+CHW float"),
    ]
for s in ("256x256", "1920x1080"):
    PAIRS += [
        ("heatmap palette PNG lvl1", s, "heatmap png (palette) lvl1", "C colourise+PNG P(palette) lvl1"),
        ("heatmap palette PNG lvl6", s, "heatmap png (palette) lvl6", "C colourise+PNG P(palette) lvl6"),
        ("heatmap RGB PNG lvl1", s, "heatmap RGB encode lvl1 filter none", "C colourise+PNG RGB lvl1"),
        ("heatmap RGB PNG lvl6 (sub)", s, "heatmap RGB encode lvl6 filter sub", "C colourise+PNG RGB lvl6"),
    ]


def main():
    peers, swift = rows(sys.argv[1]), rows(sys.argv[2])
    fmt = "{:<38} {:>10} {:>10} {:>10} {:>8} {:>10} {:>10} {:>8}"
    print(fmt.format("case", "size", "Pillow ms", "Swift ms", "ratio", "Pillow cpu", "Swift cpu", "ratio"))
    for label, size, sname, pname in PAIRS:
        p, q = peers.get((pname, size)), swift.get((sname, size))
        if not p or not q:
            continue
        print(fmt.format(label, size, f"{p[0]:.2f}", f"{q[0]:.2f}", f"{p[0] / q[0]:.2f}x",
                         f"{p[1]:.2f}", f"{q[1]:.2f}", f"{p[1] / q[1]:.2f}x"))


if __name__ == "__main__":
    main()
