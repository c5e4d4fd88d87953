"""Flat columns from answers: one place that turns a point or jurisdiction answer into table cells.

`annotate` (Python API, CLI, Dask) and the open downloads both use these, so the per-product
columns appear everywhere at once when the answers carry `products` (the DESIGN's
`products: {leaf, extract, 7-oh, synthetic}`, each `{status, code, reason}`). Before that, the
`leaf` columns repeat the verdict (the verdict *is* the leaf answer) and the other classes are
empty: nothing here fails on either shape.
"""

from __future__ import annotations

from typing import Any

PRODUCT_CLASSES = ("leaf", "extract", "7-oh", "synthetic")
FLAGS = ("near_border", "approximate", "at_sea", "disputed")


def product_suffix(product: str) -> str:
    """Column-name form of a product class: `7-oh` -> `7oh` (a valid identifier everywhere)."""
    return product.replace("-", "")


PRODUCT_STATUS_COLUMNS = tuple(f"status_{product_suffix(p)}" for p in PRODUCT_CLASSES)
PRODUCT_CODE_COLUMNS = tuple(f"code_{product_suffix(p)}" for p in PRODUCT_CLASSES)

# Added to every annotated row, in this order; `error` is set only where a row had no answer.
POINT_COLUMNS: tuple[str, ...] = (
    "status",
    "code",
    "reason",
    *FLAGS,
    *(
        c
        for p in PRODUCT_CLASSES
        for c in (f"status_{product_suffix(p)}", f"code_{product_suffix(p)}")
    ),
    "error",
)
BOOL_COLUMNS = frozenset(FLAGS)


def products_of(answer: dict[str, Any]) -> dict[str, dict[str, Any] | None]:
    """`{class: {status, code, ...} or None}` from an answer, whichever shape it has."""
    products = answer.get("products")
    if isinstance(products, dict):
        return {p: products.get(p) for p in PRODUCT_CLASSES}
    verdict = answer.get("verdict")
    return {p: (verdict if p == "leaf" else None) for p in PRODUCT_CLASSES}


def point_row(answer: dict[str, Any]) -> dict[str, Any]:
    """The cells a point answer adds to a row (`error` is None: the point was answered)."""
    verdict = answer.get("verdict") or {}
    row: dict[str, Any] = {
        "status": verdict.get("status"),
        "code": verdict.get("code"),
        "reason": verdict.get("reason"),
    }
    for flag in FLAGS:
        row[flag] = bool(answer.get(flag))
    for product, value in products_of(answer).items():
        suffix = product_suffix(product)
        row[f"status_{suffix}"] = value.get("status") if value else None
        row[f"code_{suffix}"] = value.get("code") if value else None
    row["error"] = None
    return row


def error_row(message: str) -> dict[str, Any]:
    row = dict.fromkeys(POINT_COLUMNS)
    row["error"] = message
    return row


def jurisdiction_product_statuses(answer: dict[str, Any]) -> dict[str, str | None]:
    """`status_<class>` cells of one jurisdiction's own layer (downloads)."""
    products = answer.get("products")
    out: dict[str, str | None] = {}
    for product in PRODUCT_CLASSES:
        if isinstance(products, dict):
            value = products.get(product)
            status = value.get("status") if isinstance(value, dict) else value
        else:
            status = answer.get("status") if product == "leaf" else None
        out[f"status_{product_suffix(product)}"] = status
    return out
