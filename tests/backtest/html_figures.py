"""Read back what an HTML report hands to plotly.js: the traces of every ``Plotly.newPlot``
call, with plotly's base64 typed arrays decoded to numpy, and the page's plain tables."""

from __future__ import annotations

import base64
import html
import json
import re
from typing import Any

import numpy as np

_NEW_PLOT = re.compile(r'Plotly\.newPlot\(\s*"([^"]+)",\s*')


def decode(value: Any) -> Any:
    """A trace value as plotly.js reads it: typed arrays (``{"dtype", "bdata", "shape"}``) as
    numpy arrays, lists and dicts decoded recursively."""
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
            shape = value.get("shape")
            if shape is not None:
                dims = [int(s) for s in str(shape).split(",")] if isinstance(shape, str) else shape
                arr = arr.reshape(dims)
            return arr
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def figures(page: str) -> dict[str, list[dict[str, Any]]]:
    """``{div id: [trace, ...]}`` for every figure of the page, in page order."""
    out = {}
    for m in _NEW_PLOT.finditer(page):
        data, _ = json.JSONDecoder().raw_decode(page, m.end())
        out[m.group(1)] = [decode(t) for t in data]
    return out


def trace(traces: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """The one trace called ``name``."""
    found = [t for t in traces if t.get("name") == name]
    assert len(found) == 1, f"{name!r}: {[t.get('name') for t in traces]}"
    return found[0]


def numbers(values: Any) -> np.ndarray:
    """Trace values as float64 (JSON null -> NaN)."""
    if isinstance(values, np.ndarray):
        return values.astype(np.float64)
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def table_rows(page: str, after: str) -> tuple[list[str], list[list[str]]]:
    """``(header, rows)`` of the first ``<table>`` after the text ``after``, cells unescaped."""
    start = page.index(after)
    body = page[start : page.index("</table>", start)]
    header = [html.unescape(h) for h in re.findall(r"<th(?: [^>]*)?>(.*?)</th>", body)]
    rows = [
        [html.unescape(c) for c in re.findall(r"<td(?: [^>]*)?>(.*?)</td>", row)]
        for row in re.findall(r"<tr(?: [^>]*)?>(.*?)</tr>", body.split("</thead>")[-1])
    ]
    return header, rows
