"""The targets page shows each target's band and trace and offers the report of all targets."""
# ruff: noqa: RUF001

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from apps import services
from apps.components.target_view import band_text, trace_frame
from fleetopt import api
from fleetopt.results.targets.report import band_text as report_band_text

PAGE = Path(__file__).resolve().parents[2] / "apps" / "pages" / "targets_page.py"


def test_band_text_and_trace_frame() -> None:
    row = {
        "value": 50.0, "low": 40.0, "high": 60.5, "unit": "percent",
        "trace": [{"input": "x", "value": 0.123456, "unit": "-", "source": "s"}],
    }
    assert band_text(row) == "40 % – 60.5 %"
    assert band_text({"value": None, "unit": "percent"}) == "—"
    frame = trace_frame(row)
    assert list(frame.columns) == ["input", "value", "unit", "source"]
    assert frame["value"].iloc[0] == "0.1235"


def test_targets_page_shows_band_trace_and_report_button() -> None:
    """GIVEN the default targets WHEN the page runs THEN every numeric card shows its band, each
    trace is a table, and the one-click report button is there."""
    if services.missing("targets") is not None:
        pytest.skip("fleetopt.results.targets is not in this build")
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    rows = services.targets(None)
    numeric = [r for r in rows if isinstance(r["target"], (int, float))]
    captions = [c.value for c in at.caption]
    for r in numeric:
        assert any(band_text(r) in c for c in captions), r["id"]
    with_trace = [r for r in numeric if r.get("trace")]
    assert len(at.dataframe) >= len(with_trace)
    # the trace text: every numeric row's inputs and sources are in one of the page's tables
    tables = [d.value for d in at.dataframe]
    for r in with_trace:
        inputs = [str(x["input"]) for x in r["trace"]]
        match = [f for f in tables if "input" in f.columns and list(f["input"]) == inputs]
        assert match, r["id"]
        assert list(match[0]["source"]) == [str(x["source"]) for x in r["trace"]], r["id"]
    buttons = at.get("download_button")
    assert buttons, "no report download button"


def test_report_buttons_download_the_apis_pdf_and_html(monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN the targets page WHEN its two report buttons are clicked (their deferred data is
    made) THEN the PDF button gives a PDF (%PDF...%%EOF) and the HTML button the api's report
    with every target id, band and trace source; both are exactly what api.targets_report
    makes of the page's rows (no second report in the app)."""
    if services.missing("targets") is not None:
        pytest.skip("fleetopt.results.targets is not in this build")
    made: dict[str, Any] = {}
    original = MediaFileManager.add_deferred

    def record(self: MediaFileManager, data_callable: Any, mimetype: str | None,
               coordinates: str, file_name: str | None = None, **kw: Any) -> str:
        made[str(file_name)] = (data_callable, mimetype)
        return original(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Report of all targets (PDF)" in labels
    assert "Report of all targets (HTML)" in labels
    assert set(made) >= {"fleetopt-targets.pdf", "fleetopt-targets.html"}, made
    pdf_fn, pdf_mime = made["fleetopt-targets.pdf"]
    html_fn, html_mime = made["fleetopt-targets.html"]
    assert (pdf_mime, html_mime) == ("application/pdf", "text/html")
    pdf = pdf_fn()
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    doc = html_fn().decode("utf-8")
    rows = services.targets(None)
    assert len(rows) >= 17
    for r in rows:
        assert f"id='{r['id']}'" in doc, r["id"]
        for t in r.get("trace") or []:
            assert html.escape(str(t["source"])) in doc, (r["id"], t["input"])
    numeric = [r for r in rows if isinstance(r.get("low"), (int, float))]
    assert numeric
    for r in numeric:
        assert html.escape(report_band_text(r)) in doc, r["id"]
    assert pdf == api.targets_report(rows, "pdf")
    assert doc.encode("utf-8") == api.targets_report(rows, "html")


def test_api_report_kinds() -> None:
    """The api makes the two report kinds the page offers and refuses any other."""
    rows = [
        {"id": "x_1", "description": "d", "target": 1.0, "unit": "-", "year": 2025,
         "value": 0.5, "low": 0.4, "high": 0.6, "status": "at_risk", "source": "s",
         "trace": [{"input": "i", "value": 1.0, "unit": "-", "source": "src <a>"}]},
    ]
    assert api.targets_report(rows, "pdf").startswith(b"%PDF-")
    doc = api.targets_report(rows, "html").decode("utf-8")
    assert "id='x_1'" in doc
    assert "src &lt;a&gt;" in doc
    assert "0.4 - 0.6" in doc
    with pytest.raises(ValueError, match="pdf, html"):
        api.targets_report(rows, "docx")
