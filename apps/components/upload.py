"""Take a trips upload, check its type by content and its size; owns ``upload.*`` state keys.

The file's name is never trusted: :func:`detect_kind` looks at the bytes (a zip holding
an Excel workbook or GTFS tables, or text in UTF-8 / GB18030), and the stored copy is
named by its hash. Nothing is unpickled, evaluated or executed.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import streamlit as st
from streamlit import config

from apps import services
from apps.components.language import t
from apps.components.validation_table import validation_table
from fleetopt import settings

#: session_state keys of the uploader widgets (owned here).
KEY_FILE = "upload.file"
KEY_STATIONS = "upload.stations"

#: Bytes inspected to tell text from binary.
SNIFF_BYTES = 65536

#: Largest total uncompressed size of a zip upload, as a multiple of the upload limit.
ZIP_EXPANSION_LIMIT = 20

GTFS_TABLES = frozenset({"stops.txt", "trips.txt", "stop_times.txt"})

__all__ = [
    "KEY_FILE",
    "KEY_STATIONS",
    "Upload",
    "UploadRejectedError",
    "detect_kind",
    "limit_mb",
    "stations_uploader",
    "trips_uploader",
]


class UploadRejectedError(ValueError):
    """The upload is not a file type the app accepts (the message says why)."""


@dataclass(frozen=True)
class Upload:
    """A stored, type-checked upload.

    Attributes
    ----------
    path : str
        Where the bytes are stored (named by their hash).
    kind : str
        ``trips`` (CSV or Excel) or ``gtfs``.
    fmt : str
        ``csv``, ``xlsx`` or ``gtfs``.
    name : str
        The name the user's file had (shown only, never used as a path).
    size_bytes : int
        Size of the upload [bytes].
    """

    path: str
    kind: str
    fmt: str
    name: str
    size_bytes: int


def limit_mb() -> int:
    """Return the upload limit [MB]: the smaller of Streamlit's and fleetopt's limits."""
    server_mb = int(config.get_option("server.maxUploadSize"))
    library_mb = max(1, settings.MAX_INPUT_BYTES // (1024 * 1024))
    return max(1, min(server_mb, library_mb))


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile as exc:
        msg = f"a damaged zip archive ({exc})"
        raise UploadRejectedError(msg) from None
    expanded = sum(i.file_size for i in infos)
    if expanded > ZIP_EXPANSION_LIMIT * limit_mb() * 1024 * 1024:
        msg = f"the zip would expand to {expanded / 1e6:.0f} MB, which is more than accepted"
        raise UploadRejectedError(msg)
    names = {i.filename for i in infos}
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        return "xlsx"
    base_names = {n.rsplit("/", 1)[-1] for n in names}
    if base_names >= GTFS_TABLES:
        return "gtfs"
    msg = (
        "a zip archive that is neither an Excel workbook nor a GTFS feed "
        "(needs stops.txt, trips.txt, stop_times.txt)"
    )
    raise UploadRejectedError(msg)


def detect_kind(data: bytes) -> str:
    """Return the format of an upload from its bytes: ``csv``, ``xlsx`` or ``gtfs``.

    Parameters
    ----------
    data : bytes
        The whole upload.

    Returns
    -------
    str
        ``csv`` for text in UTF-8 (with or without BOM), UTF-16 (with BOM) or GB18030/GBK,
        ``xlsx`` for an
        Office Open XML workbook, ``gtfs`` for a zip holding the GTFS tables.

    Raises
    ------
    UploadRejectedError
        Empty, binary, HTML/XML, legacy ``.xls`` or an unsupported zip.
    """
    if not data.strip():
        msg = "the file is empty"
        raise UploadRejectedError(msg)
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        msg = "a legacy Excel .xls (or other OLE) file; save it as .xlsx"
        raise UploadRejectedError(msg)
    head = data[:SNIFF_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "csv"  # UTF-16 text with a byte-order mark (the library decodes it)
    if b"\x00" in head:
        msg = "a binary file (it contains NUL bytes)"
        raise UploadRejectedError(msg)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<!doctype", b"<html", b"<?xml", b"<svg", b"<head", b"<body")):
        msg = "an HTML or XML document, not a table"
        raise UploadRejectedError(msg)
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError as exc:
            # a multi-byte character cut at the sniff boundary is fine
            if len(data) > SNIFF_BYTES and exc.start >= len(head) - 4:
                return "csv"
            continue
        return "csv"
    msg = "text in an unknown encoding (UTF-8 and GB18030/GBK are accepted)"
    raise UploadRejectedError(msg)


_SUFFIX = {"csv": ".csv", "xlsx": ".xlsx", "gtfs": ".zip"}
_KIND = {"csv": "trips", "xlsx": "trips", "gtfs": "gtfs"}


def _uploader(label: str, key: str, types: list[str], accepted: tuple[str, ...]) -> Upload | None:
    mb = limit_mb()
    # No ``type=`` filter: Streamlit would check the name (and raise on a crafted name); the
    # content decides below. ``types`` only documents what the label promises.
    del types
    uploaded = st.file_uploader(label, key=key, help=t("upload_help", mb=mb), max_upload_size=mb)
    if uploaded is None:
        # Streamlit's browser side refuses a larger file before the app sees it, so say the limit
        # here
        st.caption(t("upload_limit", mb=mb))
        return None
    data = uploaded.getvalue()
    if len(data) > mb * 1024 * 1024:
        st.error(t("upload_too_big", size_mb=len(data) / 1024 / 1024, mb=mb))
        return None
    try:
        fmt = detect_kind(data)
        if fmt not in accepted:
            msg = f"a {fmt.upper()} file; accepted here: {', '.join(a.upper() for a in accepted)}"
            raise UploadRejectedError(msg)
    except UploadRejectedError as exc:
        st.error(t("upload_bad_type", reason=str(exc)))
        return None
    path = services.store_upload(data, _SUFFIX[fmt])
    st.caption(t("upload_kind", kind=fmt.upper()))
    return Upload(
        path=str(path), kind=_KIND[fmt], fmt=fmt, name=uploaded.name, size_bytes=len(data)
    )


def trips_uploader() -> Upload | None:
    """Draw the trips uploader; return the stored, type-checked upload or None.

    A rejected file shows its reason and returns None; the app keeps working.
    """
    return _uploader(
        t("upload_label"), KEY_FILE, ["csv", "txt", "xlsx", "zip"], ("csv", "xlsx", "gtfs")
    )


def stations_uploader() -> Upload | None:
    """Draw the optional stations uploader (CSV, CONTRACT §3); return the upload or None."""
    up = _uploader(t("stations_upload"), KEY_STATIONS, ["csv", "txt"], ("csv",))
    return (
        None
        if up is None
        else Upload(
            path=up.path, kind="stations", fmt=up.fmt, name=up.name, size_bytes=up.size_bytes
        )
    )


def checked_upload(up: Upload | None, *, prefix: str = "") -> bool:
    """Validate an upload and show its problems; True when there is nothing to fix.

    The problem table's widgets are keyed ``prefix + kind``, apart between pages and uploads.
    """
    if up is None:
        return True
    reason = services.missing("validate")
    if reason is not None:
        st.warning(t("not_available", what="fleetopt.inputs.validate", detail=reason))
        return False
    st.markdown(f"**{t('validation')}** · {up.name}")
    try:
        doc = services.validate(up.path, up.kind)
    except Exception as exc:  # noqa: BLE001 - a broken reader must not take the page down
        doc = {
            "valid": False,
            "errors": [{"row": None, "column": None, "message": f"{type(exc).__name__}: {exc}"}],
            "warnings": [],
        }
    return validation_table(doc, key=prefix + up.kind)
