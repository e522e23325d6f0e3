"""Pure helpers of the app: label table, upload type detection, target progress."""

# ruff: noqa: RUF001  (Chinese labels use full-width punctuation on purpose)

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from apps.components.target_view import format_number, progress_fraction
from apps.components.upload import UploadRejectedError, detect_kind
from apps.i18n import LABELS, LANGUAGES, translate

APPS = Path(__file__).resolve().parents[2] / "apps"


def test_every_label_used_in_the_app_has_both_languages() -> None:
    """GIVEN the app's sources WHEN every t("key") is collected THEN each key has en and zh text."""
    used: set[str] = set()
    for path in APPS.rglob("*.py"):
        used |= set(
            re.findall(r"""\bt\(\s*["']([a-z0-9_]+)["']""", path.read_text(encoding="utf-8"))
        )
    assert used, "no labels found: the scan is broken"
    missing = sorted(k for k in used if k not in LABELS)
    assert missing == []
    for key, row in LABELS.items():
        assert set(row) == set(LANGUAGES), key
        assert all(text.strip() for text in row.values()), key


def test_translate_formats_and_falls_back() -> None:
    assert translate("done_in", "en", s=1.25) == "Done in 1.2 s."
    assert translate("done_in", "zh", s=2.0) == "完成，用时 2.0 秒。"
    assert translate("no-such-label", "zh") == "no-such-label"


def _zip(names: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in names.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"vehicle_id,vehicle_type\nb1,bus\n", "csv"),
        ("\ufeffvehicle_id,线路\nb1,公交\n".encode(), "csv"),
        ("车辆编号,类型\n京B1,公交\n".encode("gb18030"), "csv"),
        ("车辆编号,类型\n京B1,公交\n".encode("utf-16"), "csv"),
        (_zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>"}), "xlsx"),
        (
            _zip({"feed/stops.txt": b"a", "feed/trips.txt": b"b", "feed/stop_times.txt": b"c"}),
            "gtfs",
        ),
    ],
)
def test_detect_kind_by_content(data: bytes, kind: str) -> None:
    assert detect_kind(data) == kind


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n", "empty"),
        (b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94.", "binary"),  # a pickle
        (b"<!DOCTYPE html><html><body>x</body></html>", "HTML"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
        (_zip({"readme.txt": b"hello"}), "neither"),
        (b"PK\x03\x04broken", "damaged"),
        (b"id,x\n" + b"\xff" * 40, "encoding"),
    ],
)
def test_detect_kind_rejects_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(UploadRejectedError, match=reason):
        detect_kind(data)


def test_detect_kind_rejects_zip_bombs(monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN a 1 MB limit WHEN a zip expands to 30 MB THEN it is rejected before reading it."""
    from apps.components import upload

    monkeypatch.setattr(upload, "limit_mb", lambda: 1)
    bomb = _zip({"stops.txt": b"0" * (30 * 1024 * 1024), "trips.txt": b"", "stop_times.txt": b""})
    assert len(bomb) < 200_000
    with pytest.raises(UploadRejectedError, match="expand"):
        detect_kind(bomb)


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [
        (38.25, 76.5, 0.5),
        (80.0, 76.5, 1.0),
        (-5.0, -10.0, 0.5),  # a reduction target: half way
        (3.0, -10.0, 0.0),  # moved the wrong way
        (None, 76.5, None),
        (float("nan"), 76.5, None),
        (10.0, 0.0, None),
    ],
)
def test_progress_fraction(value: float | None, target: float, expected: float | None) -> None:
    assert progress_fraction(value, target) == expected


def test_format_number() -> None:
    assert format_number(2_000_000, "vehicles") == "2,000,000 vehicles"
    assert format_number(76.5, "percent") == "76.5 %"
    assert format_number(None, "percent") == "—"
