"""Site charging, swap and hydrogen stations with OR-Tools and prove how good the answer is.

Problem → model → answer → result: :mod:`~fleetopt.siting.problem` (the data),
:mod:`~fleetopt.siting.distances` (travel-time matrices), :mod:`~fleetopt.siting.candidates`
(candidates and demand on the graph), the models (:mod:`~fleetopt.siting.pmedian`,
:mod:`~fleetopt.siting.coverage`, :mod:`~fleetopt.siting.cflp` on
:mod:`~fleetopt.siting.cflp_core`, :mod:`~fleetopt.siting.sizing`,
:mod:`~fleetopt.siting.rollout`, :mod:`~fleetopt.siting.flows`), each returning one
:class:`~fleetopt.siting.answer.Answer`; :mod:`~fleetopt.siting.registry` (name → model
and what it needs), :mod:`~fleetopt.siting.solve` (entry points, the time limit resolved
once into a :class:`~fleetopt.deadline.Deadline`), :mod:`~fleetopt.siting.assemble` and
:mod:`~fleetopt.siting.result`. Siting never imports simulation: the api joins them.
"""
