"""Generate the badge text-width table from a DejaVu Sans font file.

Why: a badge must size its boxes before any browser sees it, so we need the advance width
of every character. We measure DejaVu Sans (Bitstream Vera licence, free to redistribute)
rather than reuse a Verdana table, whose metrics belong to Microsoft. DejaVu Sans is the
font Linux viewers fall back to, and the SVG forces widths with `textLength` anyway.

Run once and commit the output (the service never imports fontTools):

    python scripts/make_width_table.py [--font PATH] [--out service/badges/widths.json]

PATH defaults to what `fc-match -f '%{file}' 'DejaVu Sans'` finds (Debian: fonts-dejavu-core).
Needs the build-time package fontTools.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "service" / "badges" / "widths.json"


def find_font() -> str:
    """Ask fontconfig where DejaVu Sans lives, so no machine path is hard-coded."""
    out = subprocess.run(
        ["fc-match", "-f", "%{file}", "DejaVu Sans:style=Book"],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def build_table(font_path: str) -> dict:
    """Advance widths per code point, merged into [first, last, advance] runs."""
    from fontTools.ttLib import TTFont

    font = TTFont(font_path)
    cmap = font.getBestCmap()
    hmtx = font["hmtx"]
    units = font["head"].unitsPerEm
    names = font["name"]
    family = names.getDebugName(1) or "DejaVu Sans"
    version = names.getDebugName(5) or ""
    runs: list[list[int]] = []
    for cp in sorted(cmap):
        adv = hmtx[cmap[cp]][0]
        if runs and runs[-1][1] == cp - 1 and runs[-1][2] == adv:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp, adv])
    return {
        "font": family,
        "font_version": version,
        "units_per_em": units,
        "made_by": "scripts/make_width_table.py (fontTools hmtx advance widths, no kerning)",
        "ranges": runs,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--font", help="path to DejaVuSans.ttf (default: fc-match)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    table = build_table(args.font or find_font())
    args.out.write_text(json.dumps(table, separators=(",", ":")) + "\n", encoding="utf-8")
    n = sum(hi - lo + 1 for lo, hi, _ in table["ranges"])
    print(f"{args.out.name}: {n} code points in {len(table['ranges'])} runs", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
