"""Compute physics, costs and emissions as pure, vectorised functions with units in their names."""
