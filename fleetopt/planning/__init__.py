"""Plan an operator's electric fleet: vehicles, plugs, cheapest charging and life-cycle cost."""
