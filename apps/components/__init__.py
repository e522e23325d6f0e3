"""Reusable app components; each owns its session_state keys and returns plain values."""
