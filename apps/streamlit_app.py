"""Start the fleetopt Streamlit app: page configuration, language switch and navigation only.

Run with ``make app`` (or ``streamlit run apps/streamlit_app.py``); settings are in
``.streamlit/config.toml`` (loopback address, usage statistics off, upload limit).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run` puts apps/ on sys.path, not the repository
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from apps.components.language import language_switch, t  # noqa: E402
from fleetopt import settings  # noqa: E402

logging.basicConfig(level=getattr(logging, settings.LOG_LEVEL.upper(), logging.WARNING))

# Page icons are emoji: Streamlit turns them into data: favicons, while ":material/...:"
# icons are fetched from fonts.gstatic.com (the app must not reach the internet).
st.set_page_config(page_title="fleetopt", page_icon="⚡", layout="wide")
language_switch()
st.sidebar.caption(t("app_caption"))

PAGES = Path(__file__).resolve().parent / "pages"
navigation = st.navigation(
    [
        st.Page(
            PAGES / "targets_page.py",
            title=t("page_targets"),
            icon="🎯",
            url_path="targets",
            default=True,
        ),
        st.Page(PAGES / "fleet_page.py", title=t("page_fleet"), icon="🚌", url_path="fleet"),
        st.Page(PAGES / "siting_page.py", title=t("page_siting"), icon="🔌", url_path="siting"),
        st.Page(PAGES / "compare_page.py", title=t("page_compare"), icon="⚖️", url_path="compare"),
        st.Page(PAGES / "plan_page.py", title=t("page_plan"), icon="🗓️", url_path="plan"),
    ]
)
navigation.run()
