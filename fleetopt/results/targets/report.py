"""One-click report of all targets rows for the commission: PDF (matplotlib) or HTML.

Both hold, for every row, the target, the value with its band (``low``-``high``), the
status, the reason of a ``no_data`` row and the whole trace (input, value, unit, source).
The PDF is drawn with matplotlib's PDF backend (imported only when a PDF is written: it
costs about half a second); when no font with Chinese glyphs is installed, Chinese text
is shown as ``[zh]`` in the PDF (the HTML report keeps it). Both are deterministic: the
same rows give the same bytes.
"""

from __future__ import annotations

import html
import io
import math
import re
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fleetopt.errors import InputError, Problem

#: Report formats by file suffix.
FORMATS = {".pdf": "pdf", ".html": "html", ".htm": "html"}

TITLE = "Beijing Carbon Peak Plan: transport targets (fleetopt)"

_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+")


def _num(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        if not math.isfinite(v):
            return "-"
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:,.4g}"
    return str(v)


def band_text(row: dict[str, Any]) -> str:
    """Return ``low - high`` of a row, or ``-`` when it has no band."""
    low, high = row.get("low"), row.get("high")
    if low is None or high is None:
        return "-"
    return f"{_num(low)} - {_num(high)}"


def report_html(rows: Sequence[dict[str, Any]], *, title: str = TITLE) -> str:
    """Return a self-contained HTML page of the rows (no scripts; every text escaped)."""
    e = html.escape
    out = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{e(title)}</title><style>",
        (
            "body{font-family:system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;"
            "max-width:70rem;margin:2rem auto;color:#222}"
            "table{border-collapse:collapse;font-size:.8rem;margin:.4rem 0}"
            "td,th{border:1px solid #ccc;padding:.2rem .4rem;vertical-align:top}"
            "th{background:#f2f2f2}.s{font-weight:bold}"
        ),
        "</style></head><body>",
        f"<h1>{e(title)}</h1>",
        (
            "<table><tr><th>id</th><th>target</th><th>unit</th><th>year</th><th>value</th>"
            "<th>band (low - high)</th><th>status</th></tr>"
        ),
    ]
    for r in rows:
        out.append(
            f"<tr><td><a href='#{e(r['id'])}'>{e(r['id'])}</a></td><td>{e(_num(r['target']))}</td>"
            f"<td>{e(str(r['unit']))}</td><td>{e(_num(r['year']))}</td>"
            f"<td>{e(_num(r['value']))}</td><td>{e(band_text(r))}</td>"
            f"<td class='s'>{e(r['status'])}</td></tr>"
        )
    out.append("</table>")
    for r in rows:
        out.append(f"<h2 id='{e(r['id'])}'>{e(r['id'])}: {e(r['status'])}</h2>")
        out.append(f"<p>{e(str(r['description']))}</p>")
        out.append(
            f"<p>target {e(_num(r['target']))} {e(str(r['unit']))} ({e(_num(r['year']))}); "
            f"value {e(_num(r['value']))}; band {e(band_text(r))}</p>"
        )
        out.append(f"<p>source: {e(str(r['source']))}</p>")
        if r.get("reason"):
            out.append(f"<p>reason: {e(str(r['reason']))}</p>")
        if r.get("trace"):
            out.append("<table><tr><th>input</th><th>value</th><th>unit</th><th>source</th></tr>")
            for t in r["trace"]:
                out.append(
                    f"<tr><td>{e(str(t['input']))}</td><td>{e(_num(t['value']))}</td>"
                    f"<td>{e(str(t['unit']))}</td><td>{e(str(t['source']))}</td></tr>"
                )
            out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out)


def _pdf_lines(rows: Sequence[dict[str, Any]], clean: Any) -> list[tuple[str, str]]:
    """Return the report as (style, text) lines: ``h`` heading, ``b`` bold, ``t`` text."""
    width = 135
    lines: list[tuple[str, str]] = [("h", TITLE), ("t", "")]
    head = f"{'id':<38} {'target':>10} {'unit':<10} {'year':>5} {'value':>12} {'band':>24} status"
    lines.append(("b", head))
    for r in rows:
        lines.append(
            (
                "t",
                (
                    f"{r['id']:<38} {_num(r['target'])[:10]:>10} {str(r['unit'])[:10]:<10} "
                    f"{_num(r['year']):>5} {_num(r['value']):>12} {band_text(r):>24} {r['status']}"
                ),
            )
        )
    for r in rows:
        lines += [("t", ""), ("h", f"{r['id']}: {r['status']}")]
        body = [
            clean(str(r["description"])),
            (
                f"target {_num(r['target'])} {r['unit']} ({_num(r['year'])}); value "
                f"{_num(r['value'])}; band {band_text(r)}"
            ),
            "source: " + clean(str(r["source"])),
        ]
        if r.get("reason"):
            body.append("reason: " + clean(str(r["reason"])))
        for text in body:
            lines += [("t", s) for s in textwrap.wrap(clean(text), width) or [""]]
        for t in r.get("trace") or []:
            first = f"- {t['input']} = {clean(_num(t['value']))} {t['unit']}: "
            wrapped = textwrap.wrap(
                first + clean(str(t["source"])), width, subsequent_indent="    "
            )
            lines += [("t", s) for s in wrapped]
    return lines


def _cjk_font() -> str | None:
    from matplotlib import font_manager

    for f in font_manager.fontManager.ttflist:
        if any(k in f.name for k in ("CJK", "WenQuanYi", "Source Han", "SimHei", "YaHei")):
            return str(f.name)
    return None


def report_pdf(rows: Sequence[dict[str, Any]]) -> bytes:
    """Return a PDF of the rows (A4 pages, a summary table then every row with its trace)."""
    # matplotlib costs ~0.5 s to import: only when a PDF is asked for.
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    cjk = _cjk_font()
    family = [cjk, "DejaVu Sans Mono"] if cjk else ["DejaVu Sans Mono"]

    def clean(s: str) -> str:
        return s if cjk else _CJK.sub("[zh]", s)

    lines = _pdf_lines(rows, clean)
    step, top, bottom = 1.0 / 92, 0.975, 0.04

    def height(style: str) -> float:
        return step * (1.5 if style == "h" else 1.0)

    pages: list[list[tuple[str, str]]] = [[]]
    y = top
    for style, text in lines:
        if y - height(style) < bottom:
            pages.append([])
            y = top
        pages[-1].append((style, text))
        y -= height(style)
    buf = io.BytesIO()
    meta = {"Title": TITLE, "Creator": "fleetopt", "CreationDate": None}
    with PdfPages(buf, metadata=meta) as pdf:
        for n, page in enumerate(pages, 1):
            fig = Figure(figsize=(8.27, 11.69))
            y = top
            for style, text in page:
                fig.text(
                    0.04,
                    y,
                    text,
                    family=family,
                    fontsize=9 if style == "h" else 5.6,
                    weight="bold" if style in ("h", "b") else "normal",
                    va="top",
                )
                y -= height(style)
            fig.text(0.96, 0.015, f"{n} / {len(pages)}", ha="right", fontsize=6)
            if not cjk and n == 1:
                fig.text(0.04, 0.015, "[zh]: Chinese text, shown in the HTML report", fontsize=6)
            pdf.savefig(fig)
    return buf.getvalue()


def check_report_path(path: str | Path) -> str:
    """Return the report format of ``path`` (``pdf`` or ``html``).

    Raises
    ------
    InputError
        Another suffix, or a folder that does not exist (named as ``--report``).
    """
    p = Path(path)
    kind = FORMATS.get(p.suffix.lower())
    if kind is None:
        msg = f"--report {p}: the file must end in .pdf or .html"
        raise InputError(msg, [Problem(msg, None, "--report", str(p))])
    if not p.parent.is_dir():
        msg = f"--report {p}: the folder {p.parent} does not exist"
        raise InputError(msg, [Problem(msg, None, "--report", str(p))])
    if p.is_dir():
        msg = f"--report {p}: this is a folder, not a file name"
        raise InputError(msg, [Problem(msg, None, "--report", str(p))])
    return kind


def write_report(rows: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """Write the report; the suffix picks the format (``.pdf``, ``.html``).

    Raises
    ------
    InputError
        See :func:`check_report_path`.
    """
    p = Path(path)
    kind = check_report_path(p)
    data = report_pdf(rows) if kind == "pdf" else report_html(rows).encode("utf-8")
    p.write_bytes(data)
    return p
