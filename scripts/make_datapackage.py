#!/usr/bin/env python3
"""Write data/jurisdictions/datapackage.json (Frictionless Tabular Data Package) from the CSV
headers and the field table below, so outside tools (`frictionless validate`) can check the files.

    python scripts/make_datapackage.py          # rewrite it
    python scripts/make_datapackage.py --check  # exit 1 if it does not match the CSV files

The word lists (statuses, tiers, lifecycles, ...) come from service.dataset, so the package says
what the validator accepts. A new column needs a line in FIELDS (the script says which); a new
CSV file needs its kind in KINDS. Only headers and rules go in, no row counts or hashes, so an
edit of the data alone never makes the package stale.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.dataset import model  # noqa: E402
from service.dataset.registry import CODE_RE  # noqa: E402
from service.dataset.validate import PLACE_KINDS  # noqa: E402

DATA = ROOT / "data" / "jurisdictions"
OUT = DATA / "datapackage.json"


def _enum(values: tuple[str, ...] | list[str], required: bool = False) -> dict[str, Any]:
    return {"enum": list(values), **({"required": True} if required else {})}


PRODUCT_LIST = rf"^({'|'.join(model.PRODUCTS)})( ({'|'.join(model.PRODUCTS)}))*$".replace(
    "-", r"\-"
)
URL_LIST = r"^https?://\S+( https?://\S+)*$"
PARTIAL_DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"
STATUS_WORDS = list(dict.fromkeys([*model.STATUSES]))
PRECISION_WORDS = list(dict.fromkeys([*model.PRECISIONS, "before"]))

# (kind, column) -> field; kind "*" applies to every file that has the column.
FIELDS: dict[tuple[str, str], dict[str, Any]] = {
    ("*", "code"): {
        "type": "string",
        "description": "Jurisdiction code: ISO 3166-1 alpha-2 (TH), ISO 3166-2 (US-TX) or local "
        "(US-CA:san-diego-city).",
        "constraints": {"required": True, "pattern": CODE_RE.pattern},
    },
    ("periods", "products"): {
        "type": "string",
        "description": "Product classes the row applies to, space-separated, from "
        f"{' '.join(model.PRODUCTS)}; empty = all four.",
        "constraints": {"pattern": PRODUCT_LIST},
    },
    ("periods", "status"): {
        "type": "string",
        "description": "Status that applies during the period.",
        "constraints": _enum(STATUS_WORDS, required=True),
    },
    ("periods", "effective_from"): {
        "type": "date",
        "description": "First day of the period; empty = since before any law. Periods are "
        "half-open: [effective_from, effective_to).",
    },
    ("periods", "effective_to"): {
        "type": "date",
        "description": "First day after the period; empty = until further notice.",
    },
    ("periods", "lifecycle"): {
        "type": "string",
        "description": "Footing of the status; empty = enacted.",
        "constraints": _enum(model.LIFECYCLES),
    },
    ("periods", "date_precision"): {
        "type": "string",
        "description": "How much of effective_from the sources give; empty = day. 'before': "
        "in force at least since that date.",
        "constraints": _enum(PRECISION_WORDS),
    },
    ("periods", "age_min"): {
        "type": "integer",
        "description": "Minimum age a law sets, whole years; empty = none set.",
        "constraints": {"minimum": 0, "maximum": 99},
    },
    ("periods", "banned_products"): {
        "type": "string",
        "description": "For restricted periods: the product classes banned, space-separated.",
        "constraints": {"pattern": PRODUCT_LIST},
    },
    ("periods", "cap"): {
        "type": "string",
        "description": "Limits a regulated row sets, space-separated SUBSTANCE<=NUMBERUNIT "
        "items (e.g. 7-oh<=2%alkaloids).",
        "constraints": {"pattern": r"^\S+<=\S+( \S+<=\S+)*$"},
    },
    ("*", "law"): {
        "type": "string",
        "description": "The instrument (act, bill, rule, ordinance) in one short line.",
    },
    ("*", "sources"): {
        "type": "string",
        "description": "Space-separated http(s) URLs, each listed in sources.csv.",
        "constraints": {"pattern": URL_LIST},
    },
    ("periods", "sources"): {
        "type": "string",
        "description": "Space-separated http(s) URLs (at least one), each listed in sources.csv.",
        "constraints": {"required": True, "pattern": URL_LIST},
    },
    ("*", "verified_on"): {
        "type": "date",
        "description": "The day the cited pages were read.",
        "constraints": {"required": True},
    },
    ("*", "confidence"): {
        "type": "string",
        "description": "How sure the row is (see the dataset README, 'Confidence').",
        "constraints": _enum(model.CONFIDENCES, required=True),
    },
    ("*", "source_date"): {
        "type": "string",
        "description": "Newest date the cited sources speak of: YYYY, YYYY-MM or YYYY-MM-DD.",
        "constraints": {"pattern": PARTIAL_DATE},
    },
    ("*", "notes"): {
        "type": "string",
        "description": "Our own words: scope, conflicts, what is unverified.",
    },
    ("places", "name"): {
        "type": "string",
        "description": "Name of the local jurisdiction.",
        "constraints": {"required": True},
    },
    ("places", "kind"): {
        "type": "string",
        "description": "Kind of local jurisdiction.",
        "constraints": _enum(list(PLACE_KINDS), required=True),
    },
    ("places", "parent"): {
        "type": "string",
        "description": "The state it lies in (ISO 3166-2, US-XX).",
        "constraints": {"required": True, "pattern": r"^US-[A-Z]{2}$"},
    },
    ("places", "geoid"): {
        "type": "string",
        "description": "Census GEOID: 7 digits for a place (state FIPS + place FIPS), 5 for a "
        "county (state FIPS + county FIPS); kept as text for its leading zeros.",
        "constraints": {"pattern": r"^\d{5}(\d{2})?$"},
    },
    ("places", "counties"): {
        "type": "string",
        "description": "Space-separated 5-digit county GEOIDs the place lies in; required when "
        "geoid is empty (a place with an ordinance but no mapped boundary).",
        "constraints": {"pattern": r"^(\d{5}( \d{5})*)?$"},
    },
    ("territories", "parent"): {
        "type": "string",
        "description": "Sovereign whose law also applies (ISO 3166-1).",
        "constraints": {"required": True, "pattern": r"^[A-Z]{2}$"},
    },
    ("territories", "subdivision"): {
        "type": "string",
        "description": "The ISO 3166-2 subdivision the territory code is an alias of.",
        "constraints": {"pattern": r"^[A-Z]{2}-[A-Z0-9]{1,3}$"},
    },
    ("sources", "url"): {
        "type": "string",
        "description": "A cited URL.",
        "constraints": {"required": True, "unique": True, "pattern": r"^https?://\S+$"},
    },
    ("sources", "tier"): {
        "type": "string",
        "description": "Kind of publisher: primary law, government, news, secondary, advocacy, "
        "vendor (and digest: machine-written news digests).",
        "constraints": _enum(list(dict.fromkeys([*model.TIERS, "digest"])), required=True),
    },
    ("sources", "publisher"): {"type": "string", "description": "Who published the page."},
    ("sources", "title"): {"type": "string", "description": "Title of the page."},
    ("sources", "read_via"): {
        "type": "string",
        "description": "Empty when the page itself was read; otherwise how it was read (e.g. "
        "a quoted excerpt in another source).",
    },
    ("watch", "products"): {
        "type": "string",
        "description": "Product classes the pending action concerns; empty = all four.",
        "constraints": {"pattern": PRODUCT_LIST},
    },
    ("watch", "proposed_status"): {
        "type": "string",
        "description": "The status the action would bring.",
        "constraints": _enum(STATUS_WORDS, required=True),
    },
    ("watch", "stage"): {
        "type": "string",
        "description": "Latest step known (introduced, passed-one-chamber, passed-legislature, "
        "signed, proposed-rule, notice-of-intent, comment-period, hearing, vote-scheduled, "
        "litigation, other).",
        "constraints": {"required": True},
    },
    ("watch", "stage_date"): {
        "type": "date",
        "description": "Date of the latest step known.",
        "constraints": {"required": True},
    },
    ("watch", "decide_by"): {
        "type": "date",
        "description": "A known deadline (comment period end, signing deadline, hearing date).",
    },
    ("watch", "title"): {
        "type": "string",
        "description": "Short line naming the instrument.",
        "constraints": {"required": True},
    },
    ("watch", "sources"): {
        "type": "string",
        "description": "Space-separated http(s) URLs, each listed in sources.csv.",
        "constraints": {"required": True, "pattern": URL_LIST},
    },
    ("unconfirmed", "place"): {
        "type": "string",
        "description": "The place the lead is about, in words.",
        "constraints": {"required": True},
    },
    ("unconfirmed", "code"): {
        "type": "string",
        "description": "The jurisdiction's code when it has one; empty otherwise.",
    },
    ("unconfirmed", "lead"): {
        "type": "string",
        "description": "What the lead says and where it came from.",
        "constraints": {"required": True},
    },
    ("unconfirmed", "searched"): {
        "type": "string",
        "description": "What was searched, and what was (not) found.",
        "constraints": {"required": True},
    },
    ("unconfirmed", "checked_on"): {
        "type": "date",
        "description": "The day the search was made.",
        "constraints": {"required": True},
    },
}

# file name -> (kind, title, description)
KINDS: dict[str, tuple[str, str, str]] = {
    "countries.csv": (
        "periods",
        "Country status periods",
        "One row per status period of a country (ISO 3166-1), including the US federal layer.",
    ),
    "us-states.csv": (
        "periods",
        "US state status periods",
        "One row per status period of a US state, DC or territory (ISO 3166-2).",
    ),
    "us-local.csv": (
        "periods",
        "US local status periods",
        "One row per status period of a US city, town, county or parish.",
    ),
    "places.csv": ("places", "Local jurisdictions", "US local jurisdictions with their own rules."),
    "territories.csv": (
        "territories",
        "Territories",
        "ISO 3166-1 territories whose sovereign's law also applies.",
    ),
    "sources.csv": ("sources", "Sources", "Every cited URL, with its tier."),
    "watch.csv": (
        "watch",
        "Pending actions",
        "Pending bills, rules and notices that are not in force; they never change a status.",
    ),
    "unconfirmed.csv": (
        "unconfirmed",
        "Leads not confirmed",
        "Leads that were searched and could not be confirmed, so nothing was entered.",
    ),
}
PRIMARY_KEYS = {"places": ["code"], "sources": ["url"]}


def header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return next(csv.reader(fh), [])


def field(kind: str, name: str) -> dict[str, Any]:
    spec = FIELDS.get((kind, name)) or FIELDS.get(("*", name))
    if spec is None:
        raise SystemExit(
            f"column {name!r} of a {kind} file has no description: add ({kind!r}, {name!r}) "
            "to FIELDS in scripts/make_datapackage.py"
        )
    return {"name": name, **json.loads(json.dumps(spec))}


def build(data: Path = DATA) -> dict[str, Any]:
    resources = []
    for path in sorted(data.glob("*.csv")):
        if path.name not in KINDS:
            raise SystemExit(f"{path.name}: unknown file; add it to KINDS in {Path(__file__).name}")
        kind, title, description = KINDS[path.name]
        schema: dict[str, Any] = {
            "fields": [field(kind, name) for name in header(path)],
            "missingValues": [""],
        }
        if kind in PRIMARY_KEYS:
            schema["primaryKey"] = PRIMARY_KEYS[kind]
        resources.append(
            {
                "name": path.stem,
                "path": path.name,
                "profile": "tabular-data-resource",
                "title": title,
                "description": description,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": schema,
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": "kratom-legal-status",
        "title": "Kratom legal status by jurisdiction and date",
        "description": "Status periods of kratom law for countries, US states and US local "
        "jurisdictions, with the law, sources, confidence and the day the sources were read. "
        "Documented in README.md beside this file. Not legal advice.",
        "licenses": [
            {
                "name": "CC-BY-4.0",
                "title": "Creative Commons Attribution 4.0",
                "path": "https://creativecommons.org/licenses/by/4.0/",
            }
        ],
        "contributors": [{"title": "the kratom-status contributors", "role": "author"}],
        "keywords": ["kratom", "law", "drug policy"],
        "resources": resources,
    }


def render(package: dict[str, Any]) -> str:
    return json.dumps(package, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="only compare; exit 1 when stale")
    args = ap.parse_args()
    text = render(build())
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT.relative_to(ROOT)} is stale: run python scripts/make_datapackage.py")
            return 1
        print(f"{OUT.relative_to(ROOT)} matches the CSV files")
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({len(build()['resources'])} resources)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
