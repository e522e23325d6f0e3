"""The targets page shows each target's band and trace and offers the report of all targets."""
# ruff: noqa: RUF001

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from apps import services
from apps.components.target_view import band_text, trace_frame

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
    buttons = at.get("download_button")
    assert buttons, "no report download button"
