"""Post-process results: compare with the plan targets, export tables and store runs."""
