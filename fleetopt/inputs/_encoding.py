"""Recognise what an uploaded file is by its bytes, and decode text files to str.

The content decides, never the file name: a ``.csv`` that is really an HTML error page,
a spreadsheet, a zip archive or a binary blob is recognised and reported as such.
Text is accepted as UTF-8 (with or without byte-order mark), UTF-16 with a byte-order
mark, or GB18030 (a superset of GBK and GB2312, as exported by Chinese Excel and WPS).
"""

from __future__ import annotations

import io
import logging
import os
import stat
import zipfile
from pathlib import Path

from fleetopt import settings
from fleetopt.errors import InputError, Problem

logger = logging.getLogger(__name__)

#: Largest total uncompressed size of a zip archive (xlsx, GTFS), as a multiple of
#: ``settings.MAX_INPUT_BYTES`` (guards against zip bombs).
MAX_UNZIPPED_FACTOR = 5

_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml", b"<!--", b"<table")


def read_limited(path: str | Path, *, name: str | None = None) -> bytes:
    """Read a whole input file, refusing files larger than ``settings.MAX_INPUT_BYTES``.

    Parameters
    ----------
    path : str or pathlib.Path
        File to read.
    name : str, optional
        Name to show in messages (an upload's name); defaults to ``path``.

    Returns
    -------
    bytes
        The file's content.

    Raises
    ------
    InputError
        When the file is missing, is a folder, or is too large.
    """
    label = name or str(path)
    p = Path(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        msg = "file not found"
        raise InputError(msg, [Problem(msg, file=label)]) from None
    except OSError as exc:
        msg = f"cannot read the file: {exc.strerror or exc}"
        raise InputError(msg, [Problem(msg, file=label)]) from None
    if p.is_dir():
        msg = "this is a folder, not a file"
        raise InputError(msg, [Problem(msg, file=label)])
    check_regular(p, label)
    check_size(size, label)
    try:
        with p.open("rb") as fh:
            data = fh.read(settings.MAX_INPUT_BYTES + 1)
    except OSError as exc:
        msg = f"cannot read the file: {exc.strerror or exc}"
        raise InputError(msg, [Problem(msg, file=label)]) from None
    check_size(len(data), label)
    return data


#: Folders whose files are never data files (their content is never read nor echoed).
SYSTEM_DIRS = ("/proc", "/sys", "/dev", "/etc", "/run", "/boot")


def check_regular(path: Path, label: str | None) -> None:
    """Refuse anything but a regular data file (FIFO, device, socket, system file).

    A FIFO would block the reader forever and a file under ``/proc`` or ``/etc`` is never
    a data file: the message names the path, never the content.
    """
    try:
        mode = path.stat().st_mode
        names = (str(Path(os.path.abspath(path))), str(path.resolve()))
    except OSError as exc:
        msg = f"cannot read the file: {exc.strerror or exc}"
        raise InputError(msg, [Problem(msg, file=label)]) from None
    if not stat.S_ISREG(mode):
        msg = "not a regular file (a FIFO, device or socket); give a data file"
        raise InputError(msg, [Problem(msg, file=label)])
    if any(n == d or n.startswith(d + "/") for n in names for d in SYSTEM_DIRS):
        msg = f"{path} is a system file, not a data file; its content is not read"
        raise InputError(msg, [Problem(msg, file=label)])


def check_size(size_bytes: int, label: str | None) -> None:
    """Raise a located `InputError` when ``size_bytes`` exceeds the configured limit.

    Parameters
    ----------
    size_bytes : int
        Size of the input [bytes].
    label : str or None
        File name for the message.
    """
    limit = settings.MAX_INPUT_BYTES
    if size_bytes > limit:
        msg = (
            f"file is too large: {size_bytes:,} bytes; the limit is {limit:,} bytes "
            "(settings.MAX_INPUT_BYTES, environment variable FLEETOPT_MAX_INPUT_BYTES)"
        )
        raise InputError(msg, [Problem(msg, file=label)])


def sniff(data: bytes) -> str:
    """Tell what a file is from its first bytes.

    Parameters
    ----------
    data : bytes
        File content.

    Returns
    -------
    str
        ``"empty"``, ``"xlsx"``, ``"zip"``, ``"xls"`` (old OLE2 Excel), ``"html"``
        (HTML or XML markup), ``"binary"`` or ``"text"``.
    """
    head = data[:4096]
    if (
        not head.strip() and not data.strip()
    ):  # the full strip (a copy) only for blank-looking heads
        return "empty"
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, ValueError, OSError, EOFError):
            return "binary"
        if "xl/workbook.xml" in names or any(n.startswith("xl/") for n in names):
            return "xlsx"
        return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text"  # UTF-16 with a byte-order mark
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith(_HTML_STARTS):
        return "html"
    if b"\x00" in head:
        return "binary"
    # control characters other than tab/CR/LF/FF are rare in text exports
    ctrl = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if ctrl > max(8, len(head) // 100):
        return "binary"
    return "text"


def decode_text(data: bytes, label: str | None) -> tuple[str, str]:
    """Decode a text file: UTF-8 (BOM or not), UTF-16 with BOM, else GB18030.

    Parameters
    ----------
    data : bytes
        File content.
    label : str or None
        File name for messages.

    Returns
    -------
    tuple of (str, str)
        The text (byte-order mark removed) and the encoding found.

    Raises
    ------
    InputError
        When the bytes are neither valid UTF-8 nor valid GB18030.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        body, enc = data[3:], "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            msg = f"the file starts with a UTF-16 byte-order mark but is not UTF-16 ({exc.reason})"
            raise InputError(msg, [Problem(msg, file=label)]) from None
    else:
        body, enc = data, "utf-8"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if enc == "utf-8-sig":
            line = body[: exc.start].count(b"\n") + 1
            msg = (
                f"invalid UTF-8 at byte {exc.start + 3} although the file starts with "
                "a UTF-8 byte-order mark"
            )
            raise InputError(msg, [Problem(msg, row=line, file=label)]) from None
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc2:
            line = data[: exc2.start].count(b"\n") + 1
            msg = (
                f"cannot decode the text at byte {exc2.start}: "
                "it is neither UTF-8 nor GB18030/GBK; "
                "save the file as UTF-8 CSV"
            )
            raise InputError(msg, [Problem(msg, row=line, file=label)]) from None
        enc = "gb18030"
    return text, enc


def decode_text_checked(data: bytes, label: str | None) -> tuple[str, str, list[Problem]]:
    """Decode like :func:`decode_text`, but find files that mix UTF-8 and GBK lines.

    A file edited in two programs can hold UTF-8 lines and GB18030/GBK lines; decoding it
    whole as GB18030 turns the UTF-8 lines into mojibake ids. Each line is then decoded in
    its own encoding and a warning lists the lines of the minority encoding.

    Returns
    -------
    tuple of (str, str, list of Problem)
        Text, encoding found (``"mixed"`` for a mixed file) and the warnings.
    """
    text, enc = decode_text(data, label)
    if enc != "gb18030":
        return text, enc, []
    utf8_rows: list[int] = []
    gbk_rows: list[int] = []
    lines = data.split(b"\n")
    for i, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8_rows.append(i)
        except UnicodeDecodeError:
            gbk_rows.append(i)
    if not utf8_rows or not gbk_rows:
        return text, enc, []
    parts = []
    utf8_set = set(utf8_rows)
    for i, line in enumerate(lines, start=1):
        parts.append(line.decode("utf-8" if i in utf8_set else "gb18030", errors="replace"))
    minority, other = (utf8_rows, "GB18030/GBK") if len(utf8_rows) <= len(gbk_rows) else (
        gbk_rows, "UTF-8")
    name = "UTF-8" if minority is utf8_rows else "GB18030/GBK"
    shown = ", ".join(str(r) for r in minority[:20]) + (" …" if len(minority) > 20 else "")
    msg = (
        f"the file mixes encodings: {len(minority):,} lines are {name} while the rest is "
        f"{other} (lines {shown}); each line was decoded in its own encoding; save the "
        "file as UTF-8 to be sure"
    )
    return "\n".join(parts), "mixed", [Problem(msg, row=minority[0], file=label)]


def check_zip(data: bytes, label: str | None) -> zipfile.ZipFile:
    """Open a zip archive after checking its total uncompressed size.

    Parameters
    ----------
    data : bytes
        Archive content.
    label : str or None
        File name for messages.

    Returns
    -------
    zipfile.ZipFile
        The open archive (read only).

    Raises
    ------
    InputError
        When the archive is unreadable or expands beyond the limit.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        msg = f"not a readable zip archive ({exc})"
        raise InputError(msg, [Problem(msg, file=label)]) from None
    total = sum(i.file_size for i in infos)
    limit = MAX_UNZIPPED_FACTOR * settings.MAX_INPUT_BYTES
    if total > limit:
        msg = f"the archive expands to {total:,} bytes; the limit is {limit:,} bytes"
        raise InputError(msg, [Problem(msg, file=label)])
    return zf


def kind_problem(kind: str, label: str | None, expected: str) -> Problem:
    """Return the located problem for a file whose content is not what was expected.

    Parameters
    ----------
    kind : str
        What :func:`sniff` found.
    label : str or None
        File name.
    expected : str
        What the reader expected, e.g. ``"a trips table (CSV or .xlsx)"``.

    Returns
    -------
    Problem
    """
    what = {
        "empty": "the file is empty",
        "html": "the file is an HTML/XML page (a download error page or a web page?), not "
        + expected,
        "binary": "the file is binary data, not " + expected,
        "xls": "the file is an old Excel .xls workbook; save it as .xlsx or CSV (UTF-8)",
        "zip": "the file is a zip archive (a GTFS feed? use --kind gtfs), not " + expected,
        "xlsx": "the file is an Excel workbook, not " + expected,
        "text": "the file is a text file, not " + expected,
    }.get(kind, f"the file is not {expected}")
    return Problem(what, file=label)
