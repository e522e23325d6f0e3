"""Hold fleetopt's typed module-level defaults; change them in scripts, not in code.

Each setting is documented here once. Entry points (CLI, app, api) resolve them once.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Folder of the packaged parameter tables and embedded data.
DATA_DIR: Path = Path(__file__).resolve().parent / "data"

#: Folder of the embedded road networks (GraphML, gzip).
NETWORKS_DIR: Path = DATA_DIR / "networks"

#: Folder of the embedded default demand (trips, requests, stations).
DEMAND_DIR: Path = DATA_DIR / "demand"

#: Folder of derived caches (road network arrays as .npz; never pickles).
CACHE_DIR: Path = Path(
    os.environ.get(
        "FLEETOPT_CACHE_DIR",
        Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "fleetopt",
    )
)

#: Folder where runs are stored when no ``--out`` is given.
RUNS_DIR: Path = Path(os.environ.get("FLEETOPT_RUNS_DIR", "runs"))

#: Default road network of scenarios that name none.
DEFAULT_NETWORK: str = "beijing-central-2024"

#: Default siting solver time limit [s].
SITING_TIME_LIMIT_S: float = 60.0

#: Largest upload or input file accepted [bytes] (configurable; 200 MB).
MAX_INPUT_BYTES: int = int(os.environ.get("FLEETOPT_MAX_INPUT_BYTES", str(200 * 1024 * 1024)))

#: Largest number of data rows accepted in one trips/requests file.
MAX_INPUT_ROWS: int = int(os.environ.get("FLEETOPT_MAX_INPUT_ROWS", "5000000"))

#: Log level of the CLI and the app.
LOG_LEVEL: str = os.environ.get("FLEETOPT_LOG_LEVEL", "WARNING")
