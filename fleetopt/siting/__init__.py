"""Site charging, swap and hydrogen stations with OR-Tools and prove how good the answer is.

Modules: :mod:`~fleetopt.siting.problem` (the data), :mod:`~fleetopt.siting.distances`
(travel-time matrices), :mod:`~fleetopt.siting.candidates` (candidates and demand on the
graph), the models (:mod:`~fleetopt.siting.pmedian`, :mod:`~fleetopt.siting.cflp`,
:mod:`~fleetopt.siting.coverage`, :mod:`~fleetopt.siting.sizing`,
:mod:`~fleetopt.siting.flows`), :mod:`~fleetopt.siting.backend` (OR-Tools),
:mod:`~fleetopt.siting.solve` (entry points) and :mod:`~fleetopt.siting.result`.
"""
