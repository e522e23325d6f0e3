"""The one-click targets report (issue 14 item 8): PDF and HTML, every row with band and trace."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fleetopt.cli import app
from fleetopt.errors import InputError
from fleetopt.results.targets.report import (
    band_text,
    report_html,
    report_pdf,
    write_report,
)


def _rows(n: int = 3) -> list[dict]:
    rows = []
    for i in range(n):
        rows.append({
            "id": f"target_{i}", "description": f"Target {i} <b>bold</b> 公交", "target": 10.0,
            "unit": "percent", "year": 2025, "value": 8.0 + i, "status": "at_risk",
            "source": "plan §(16) <script>alert(1)</script>", "low": 7.0 + i, "high": 9.5 + i,
            "trace": [{"input": f"input_{i}_{k}", "value": 1.5 * k, "unit": "-",
                       "source": f"table row {k} & more"} for k in range(4)],
        })
    rows.append({"id": "text_row", "description": "build", "target": "build", "unit": "text",
                 "year": None, "value": None, "status": "no_data", "source": "plan",
                 "low": None, "high": None, "trace": [], "reason": "no quantity in the plan"})
    return rows


def test_band_text() -> None:
    assert band_text({"low": 7.0, "high": 9.5}) == "7 - 9.5"
    assert band_text({"low": 1_141_153.05, "high": 1_153_751.8}) == "1,141,153 - 1,153,752"
    assert band_text({"low": None, "high": None}) == "-"


def test_html_has_every_row_band_trace_and_escapes() -> None:
    rows = _rows()
    page = report_html(rows)
    for r in rows:
        assert f"id='{r['id']}'" in page
        for t in r["trace"]:
            assert t["input"] in page
    assert "7 - 9.5" in page  # the band of the first row
    assert "no quantity in the plan" in page  # the reason of the no_data row
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "公交" in page  # Chinese kept in HTML
    assert "table row 0 &amp; more" in page


def test_pdf_is_a_deterministic_multi_page_pdf() -> None:
    rows = _rows(12)  # 12 rows x 4 trace lines + headings: more than one page
    pdf = report_pdf(rows)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert report_pdf(rows) == pdf
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert pages >= 2
    assert report_pdf(_rows(1)) != pdf


def test_write_report_checks_the_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\.pdf or \.html"):
        write_report(_rows(), tmp_path / "r.docx")
    with pytest.raises(InputError, match="does not exist"):
        write_report(_rows(), tmp_path / "nope" / "r.pdf")
    assert write_report(_rows(), tmp_path / "r.HTML").read_text(encoding="utf-8").startswith(
        "<!DOCTYPE html>"
    )


def test_cli_report_pdf_and_json(tmp_path: Path) -> None:
    """`fleetopt targets --report FILE.pdf --json`: the PDF is written, stdout stays the rows."""
    out = tmp_path / "targets.pdf"
    res = CliRunner().invoke(app, ["targets", "--report", str(out), "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert len(rows) == 17
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= 3  # 17 rows with their traces


def test_cli_bad_report_path_exits_2_before_the_work(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["targets", "--report", str(tmp_path / "x.txt"), "--json"])
    assert res.exit_code == 2
    assert res.stdout == ""
    assert "--report" in res.stderr
    assert "Traceback" not in res.stderr
