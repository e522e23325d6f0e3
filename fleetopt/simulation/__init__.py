"""Simulate a service day of city fleets with SimPy (prepare, kernel, taxi dispatch, results)."""
