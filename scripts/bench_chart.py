#!/usr/bin/env python3
"""Draw docs/bench/bench.svg from the benchmark JSON files: each figure as a ratio to its
same-run reference, against its target. Plain SVG, no plotting library needed.

    python scripts/bench_chart.py [--bench-dir docs/bench] [--out docs/bench/bench.svg]
"""

from __future__ import annotations

import argparse
import json
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bars(bench: Path) -> list[tuple[str, float, float, bool]]:
    """(label, ratio where higher is better, target, met)."""
    out: list[tuple[str, float, float, bool]] = []
    http = json.loads((bench / "http.json").read_text())["results"]
    for name, target in (("lookup_point", 0.8), ("jurisdiction", 0.8), ("badge_304", 0.9)):
        r = http[name]["ratio_vs_bare"]
        out.append((f"HTTP {name} vs bare Flask (req/s)", r, target, r >= target))
    lookup = json.loads((bench / "lookup.json").read_text())
    for row in lookup["rows"]:
        if row["what"] == "geo.locate":
            speed = 1 / row["ratio_to_tf"]  # timezonefinder time / ours: higher is better
            out.append(
                (f"locate median vs timezonefinder ({row['region']})", speed, 1.0, speed >= 1.0)
            )
    for key, label in (("batch_points_per_s_world", "world"), ("batch_points_per_s_us", "US")):
        r = lookup[key] / 1_000_000
        out.append((f"batch points/s vs 1 M/s ({label})", r, 1.0, r >= 1.0))
    startup = {r["case"]: r for r in json.loads((bench / "startup.json").read_text())}
    hires = startup.get("high-res boundaries") or startup["shipped boundaries"]
    out.append(
        (
            "start-up 2 s / measured (high-res)",
            2.0 / hires["warm_seconds"],
            1.0,
            hires["warm_seconds"] <= 2,
        )
    )
    out.append(("RSS 250 MB / measured", 250 / hires["rss_mb"], 1.0, hires["rss_mb"] <= 250))
    return out


def svg(rows: list[tuple[str, float, float, bool]]) -> str:
    width, left, bar_w, row_h = 760, 330, 380, 26
    scale = bar_w / max(3.0, max(r for _, r, _, _ in rows) * 1.05)
    height = 40 + row_h * len(rows) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Benchmark ratios against targets">',
        "<title>Benchmark figures as ratios to their same-run references; the line marks each target</title>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        '<text x="10" y="22" font-family="DejaVu Sans,sans-serif" font-size="14" font-weight="bold" '
        'fill="#1a1a1a">Higher is better; the black tick is the target (green: met, orange: not met)</text>',
    ]
    for i, (label, ratio, target, met) in enumerate(rows):
        y = 40 + i * row_h
        colour = "#1e7b34" if met else "#b45309"
        parts += [
            f'<text x="{left - 8}" y="{y + 16}" text-anchor="end" font-family="DejaVu Sans,sans-serif" '
            f'font-size="12" fill="#1a1a1a">{escape(label)}</text>',
            f'<rect x="{left}" y="{y + 4}" width="{ratio * scale:.1f}" height="16" fill="{colour}"/>',
            f'<line x1="{left + target * scale:.1f}" x2="{left + target * scale:.1f}" y1="{y + 1}" '
            f'y2="{y + 23}" stroke="#000" stroke-width="2"/>',
            f'<text x="{left + ratio * scale + 6:.1f}" y="{y + 16}" font-family="DejaVu Sans,sans-serif" '
            f'font-size="12" fill="#1a1a1a">{ratio:.2f}×</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench-dir", type=Path, default=ROOT / "docs" / "bench")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "bench" / "bench.svg")
    args = ap.parse_args()
    rows = bars(args.bench_dir)
    args.out.write_text(svg(rows), encoding="utf-8")
    for label, ratio, target, met in rows:
        print(f"{label:<48}{ratio:>7.2f}  target {target:.1f}  {'met' if met else 'NOT MET'}")


if __name__ == "__main__":
    main()
