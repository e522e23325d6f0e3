"""Read and check input files (road graphs, trips, stations, scenarios) into canonical forms."""
