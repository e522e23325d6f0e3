"""Fixtures of the app tests: AppTest helpers, a served app and headless system Chromium.

Browser tests skip (with the reason) only when Chromium is truly absent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.apps import harness

REPO = Path(__file__).resolve().parents[2]
PAGES = REPO / "apps" / "pages"
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="session")
def pages_dir() -> Path:
    """Folder of the app's pages."""
    return PAGES


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for screenshots (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def app_server(
    tmp_path_factory: pytest.TempPathFactory, browser_context: Any
) -> Iterator[harness.Server]:
    """The app served on a free loopback port for the whole session; always stopped."""
    if harness.chromium_path() is None:
        pytest.skip(
            "Chromium is not installed: apt-get install chromium (the Makefile's test target does)"
        )
    logs = tmp_path_factory.mktemp("app-server")
    with harness.serve(log_dir=logs) as server:
        # Streamlit learns the st.navigation pages in the first session; a first visit
        # straight to /fleet would show a spurious "page not found" dialog (Streamlit quirk).
        warm = browser_context.new_page()
        warm.goto(server.url)
        harness.wait_for_run(warm, timeout_s=90)
        warm.close()
        yield server


@pytest.fixture(scope="session")
def browser_context() -> Iterator[Any]:
    """One headless Chromium (fresh profile) for the session."""
    if harness.chromium_path() is None:
        pytest.skip(
            "Chromium is not installed: apt-get install chromium (the Makefile's test target does)"
        )
    with harness.browser() as context:
        yield context


@pytest.fixture
def page(browser_context: Any) -> Iterator[Any]:
    """A fresh browser tab, closed after the test."""
    tab = browser_context.new_page()
    tab.set_default_timeout(60_000)
    try:
        yield tab
    finally:
        tab.close()
