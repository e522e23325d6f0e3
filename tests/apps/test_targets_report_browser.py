"""In headless Chromium: the targets page shows bands and traces and its two report buttons
download the api's PDF and HTML of every target (issue 14 item 8)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest

from apps import services
from tests.apps import harness

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_targets_page_band_trace_and_one_click_reports(
    page: Any, app_server: harness.Server, artifacts: Path
) -> None:
    """GIVEN the served targets page WHEN opened THEN every numeric card shows its band and its
    "Inputs and sources" table sits in the card's details; WHEN "Report of all targets (PDF)"
    is clicked THEN a PDF downloads; WHEN the HTML one is clicked THEN the HTML holds every
    target id and each trace's sources; no request leaves the app server."""
    if services.missing("targets") is not None:
        pytest.skip("fleetopt.results.targets is not in this build")
    outside: list[str] = []
    page.on(
        "request",
        lambda r: None if str(r.url).startswith(
            (app_server.url, "data:", "blob:", "ws://127.0.0.1", "about:")
        ) else outside.append(str(r.url)),
    )
    page.goto(app_server.url)
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=90_000)
    harness.wait_for_run(page, timeout_s=120)
    rows = services.targets(None)
    numeric = [r for r in rows if isinstance(r.get("target"), (int, float))]
    page.wait_for_selector("text=uncertainty band:", timeout=60_000)
    text = str(page.inner_text('[data-testid="stMain"]'))
    assert text.count("uncertainty band:") >= len(numeric)
    details = page.get_by_text("Details and sources", exact=True)
    assert details.count() >= len(numeric)
    details.first.click()
    page.wait_for_selector("text=Inputs and sources of this value", timeout=30_000)

    with page.expect_download(timeout=180_000) as info:
        page.get_by_role("button", name="Report of all targets (PDF)").click()
    assert info.value.suggested_filename == "fleetopt-targets.pdf"
    pdf = Path(info.value.path()).read_bytes()
    (artifacts / "targets-report.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")

    with page.expect_download(timeout=180_000) as info:
        page.get_by_role("button", name="Report of all targets (HTML)").click()
    assert info.value.suggested_filename == "fleetopt-targets.html"
    doc = Path(info.value.path()).read_text(encoding="utf-8")
    (artifacts / "targets-report.html").write_text(doc, encoding="utf-8")
    assert doc.startswith("<!DOCTYPE html>")
    for r in rows:
        assert f"id='{r['id']}'" in doc, r["id"]
        for t in r.get("trace") or []:
            assert html.escape(str(t["source"])) in doc, (r["id"], t["input"])
    assert "band (low - high)" in doc
    assert "<script" not in doc
    assert outside == []
