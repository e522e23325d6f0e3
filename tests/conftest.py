"""Shared test set-up: no network but loopback, real tiny inputs, warnings are errors.

Tests marked ``network`` need the internet and are skipped unless ``--run-network``.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
DATA_DIR = TESTS_DIR / "data"
REPO_DIR = TESTS_DIR.parent
SHARED_DATA = REPO_DIR.parent / "shared" / "data"

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_loopback(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    if not isinstance(address, tuple) or not address:
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: object) -> object:
    if not _is_loopback(address):
        msg = f"tests may not reach the network (tried {address!r})"
        raise OSError(msg)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> object:
    if not _is_loopback(address):
        msg = f"tests may not reach the network (tried {address!r})"
        raise OSError(msg)
    return _real_connect_ex(self, address)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-network", action="store_true", help="run tests that need the internet")


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("--run-network"):
        socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    # keep the network-array cache of tests inside the session, never in the user's home
    os.environ.setdefault("FLEETOPT_CACHE_DIR", str(REPO_DIR / ".pytest-cache-fleetopt"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-network"):
        return
    skip = pytest.mark.skip(reason="needs the internet; run with --run-network")
    for item in items:
        if "network" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Folder of the tiny real test inputs."""
    return DATA_DIR


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared real data folder (../shared/data); skips when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not beside the repository")
    return SHARED_DATA
