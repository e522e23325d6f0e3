"""Switch the app's labels between English and Chinese; owns ``st.session_state["ui.lang"]``.

Every visible label goes through :func:`t`, which looks the key up in
:data:`apps.i18n.LABELS`. The switch itself is a sidebar radio.
"""

from __future__ import annotations

import streamlit as st

from apps.i18n import LABELS, LANGUAGES, translate

#: The session_state key this component owns.
KEY = "ui.lang"

__all__ = ["KEY", "current", "language_switch", "t"]


def current() -> str:
    """Return the chosen language code (``"en"`` or ``"zh"``; English until chosen)."""
    lang = st.session_state.get(KEY, "en")
    return lang if lang in LANGUAGES else "en"


def t(key: str, **fmt: object) -> str:
    """Return the label ``key`` in the chosen language, formatted with ``fmt``."""
    return translate(key, current(), **fmt)


def language_switch() -> str:
    """Draw the language radio in the sidebar and return the chosen code."""
    if KEY not in st.session_state:
        st.session_state[KEY] = "en"
    st.sidebar.radio(
        LABELS["language"]["en"] + " / " + LABELS["language"]["zh"],
        options=list(LANGUAGES),
        format_func=lambda code: LANGUAGES[code],
        key=KEY,
        horizontal=True,
    )
    return current()
