"""JSON bytes as the API sends them, without Flask: the CLI prints exactly what /v1 serves."""

from __future__ import annotations

from typing import Any

import orjson


def html_safe_json(payload: Any) -> bytes:
    """JSON with < > & as \\u escapes (as Go's encoding/json does): a reflected
    `<script>` stays inert even if a browser or proxy sniffs the body as HTML. Those three
    characters only occur inside JSON strings, so the document means the same."""
    body = orjson.dumps(payload)
    if b"<" in body or b">" in body or b"&" in body:
        body = body.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")
    return body
