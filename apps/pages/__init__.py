"""The app's pages: layout only (run by st.navigation from apps/streamlit_app.py)."""
