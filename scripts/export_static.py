"""Export every badge and jurisdiction answer as static files for a CDN or object store.

Why: badge traffic at internet scale is better served from static storage; the dynamic service
then answers coordinates and batches only. The paths mirror the service's URLs:

    OUT/badge/<code>.svg                    default badge (flat, light)
    OUT/badge/<style>/<theme>/<code>.svg    every style x theme
    OUT/badge/<code>.json                   shields.io endpoint JSON
    OUT/badge/product/<p>/<code>.svg|.json  one product class (?product=<p>): leaf, extract, 7-oh,
                                            synthetic (flat, light)
    OUT/v1/jurisdictions/<code>.json        the jurisdiction answer
    OUT/manifest.json                       dataset version, as_of, sha256 of every file

Usage: python scripts/export_static.py OUT [--as-of YYYY-MM-DD] [--data DIR] [--json]
The files are valid for the exported day only: re-export daily and after each dataset change.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def _write(out: Path, rel: str, body: bytes, files: dict[str, str]) -> None:
    path = out / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    files[rel] = hashlib.sha256(body).hexdigest()


def export(out: Path, day: dt.date | None, data: str | None, progress: bool) -> dict:
    """Render everything into `out`; returns the manifest."""
    import orjson

    from service import create_app
    from service.badges.colors import THEMES
    from service.badges.render import STYLES
    from service.badges.views import Options, render_code_json, render_code_svg
    from service.dataset.model import PRODUCTS
    from service.resolve import jurisdiction_answer

    overrides: dict = {"KRATOM_REFRESH_SECONDS": 0, "TESTING": True}
    if data:
        overrides["KRATOM_DATA_SOURCE"] = data
    app = create_app(overrides)
    snap = app.extensions["kratom.holder"].current
    if snap is None:
        attempt = app.extensions["kratom.holder"].last_attempt or {}
        raise SystemExit(f"dataset did not load: {attempt.get('error')}")
    day = day or dt.datetime.now(dt.UTC).date()
    codes = sorted(snap.dataset.jurisdictions)
    files: dict[str, str] = {}
    started = time.monotonic()
    with app.test_request_context("/"):
        for i, code in enumerate(codes, 1):
            default = Options("flat", "light", None, False, day, True)
            _write(out, f"badge/{code}.svg", render_code_svg(snap, code, default).body, files)
            for style in STYLES:
                for theme in THEMES:
                    opts = Options(style, theme, None, False, day, True)
                    body = render_code_svg(snap, code, opts).body
                    _write(out, f"badge/{style}/{theme}/{code}.svg", body, files)
            _write(out, f"badge/{code}.json", render_code_json(snap, code, default).body, files)
            for product in PRODUCTS:
                opts = Options("flat", "light", None, False, day, True, product)
                rel = f"badge/product/{product}/{code}"
                _write(out, f"{rel}.svg", render_code_svg(snap, code, opts).body, files)
                _write(out, f"{rel}.json", render_code_json(snap, code, opts).body, files)
            answer = jurisdiction_answer(snap, code, day)
            _write(out, f"v1/jurisdictions/{code}.json", orjson.dumps(answer), files)
            if progress and (i % 25 == 0 or i == len(codes)):
                print(f"\r{i}/{len(codes)} jurisdictions", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    manifest = {
        "dataset": snap.dataset_info,
        "as_of": day.isoformat(),
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "jurisdictions": len(codes),
        "files": files,
        "seconds": round(time.monotonic() - started, 2),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="output directory (created if missing)")
    ap.add_argument("--as-of", type=dt.date.fromisoformat, help="day to export (default today)")
    ap.add_argument("--data", help="dataset directory (default: the configured source)")
    ap.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    manifest = export(args.out, args.as_of, args.data, progress=not args.json)
    summary = {
        "out": str(args.out),
        "dataset_version": manifest["dataset"]["version"],
        "as_of": manifest["as_of"],
        "jurisdictions": manifest["jurisdictions"],
        "files": len(manifest["files"]) + 1,
        "seconds": manifest["seconds"],
    }
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"wrote {summary['files']} files for {summary['jurisdictions']} jurisdictions "
            f"(dataset {summary['dataset_version']}) in {summary['seconds']} s",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
