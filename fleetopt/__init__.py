"""fleetopt: electrify Beijing's city fleets, site their stations, track the Carbon Peak Plan.

Public modules are imported lazily by their users; this file only states the version.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
