"""Share the helpers of the demand build scripts: source paths, hashes, reproducible writes.

Build scripts read the real data in ``../shared/data`` (or ``$FLEETOPT_SHARED_DATA``) and
write compact files into ``fleetopt/data/demand/``. Every written file gets a sidecar
``<file>.meta.json`` saying how it was made. Writes are byte-reproducible: no timestamps,
gzip with ``mtime=0``, fixed float formats, sorted rows.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
OUT_DIR = Path(os.environ.get("FLEETOPT_DEMAND_OUT", REPO / "fleetopt" / "data" / "demand"))
SHARED = Path(os.environ.get("FLEETOPT_SHARED_DATA", REPO.parent / "shared" / "data"))
BEIJING = SHARED / "beijing"

sys.path.insert(0, str(REPO))


def sha256_16(path: Path) -> str:
    """First 16 hex digits of a file's sha256 (as PROVENANCE.md lists them)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def source_entry(path: Path) -> dict[str, Any]:
    """Describe a source file: path relative to shared/data, bytes, sha256 prefix."""
    return {
        "file": str(path.relative_to(SHARED)),
        "bytes": path.stat().st_size,
        "sha256_16": sha256_16(path),
    }


def write_csv(
    df: pd.DataFrame, name: str, meta: dict[str, Any], *, float_format: str = "%.6f"
) -> Path:
    """Write ``df`` as CSV (gzip when ``name`` ends in .gz, mtime 0) plus its meta sidecar."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / name
    text = df.to_csv(index=False, float_format=float_format, lineterminator="\n")
    data = text.encode("utf-8")
    if name.endswith(".gz"):
        buf = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
            gz.write(data)
        data = buf.getvalue()
    path.write_bytes(data)
    meta = {"file": name, "rows": len(df), "columns": list(df.columns), **meta}
    (OUT_DIR / f"{name}.meta.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8"
    )
    print(f"wrote {path} ({path.stat().st_size:,} bytes, {len(df):,} rows)")
    return path
