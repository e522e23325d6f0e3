"""The siting registry, the one Answer/Status and the Deadline object (issue 13)."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from fleetopt._json import dumps
from fleetopt.deadline import Deadline
from fleetopt.siting.answer import SOLVED, Answer, Status
from fleetopt.siting.problem import MODELS as PROBLEM_MODELS
from fleetopt.siting.registry import MODELS
from fleetopt.siting.result import SitingResult


def test_registry_lists_every_model_in_order() -> None:
    """GIVEN the problem reader's model names WHEN the registry is read THEN the same names,
    each with a callable solve."""
    assert list(MODELS) == list(PROBLEM_MODELS)
    assert all(callable(m.solve) and m.name == k for k, m in MODELS.items())


def test_registry_declares_needs() -> None:
    assert MODELS["p-median"].needs_p
    assert MODELS["p-median"].p_within_candidates
    assert MODELS["rollout"].needs_rollout
    assert MODELS["rollout"].needs_radius
    assert not MODELS["max-coverage"].needs_full_reach
    assert MODELS["max-coverage"].needs_p_without_budget
    assert not MODELS["max-coverage"].needs_p


def test_status_serialises_as_the_plain_string() -> None:
    """GIVEN a Status WHEN written as JSON THEN the CONTRACT's plain string, equal to it."""
    assert json.loads(dumps({"s": Status.TIME_LIMIT_NO_SOLUTION})) == {
        "s": "time_limit_no_solution"}
    assert Status.OPTIMAL == "optimal"
    assert Answer("feasible", 1.0, 0.5).status is Status.FEASIBLE
    assert {Status.OPTIMAL, Status.FEASIBLE} == SOLVED
    with pytest.raises(ValueError, match="nearly"):
        Answer("nearly", 1.0, 1.0)


def test_siting_result_summary_status_is_a_string() -> None:
    res = SitingResult(model="p-median", status=Status.INFEASIBLE, objective=None, bound=None,
                       open_sites=[], wall_s=0.0, reason="r")
    doc = json.loads(dumps(res.summary()))
    assert doc["status"] == "infeasible"


def test_deadline_counts_down() -> None:
    d = Deadline.after(0.2)
    assert 0.0 < d.left_s() <= 0.2
    assert not d.expired()
    assert d.limit_s == pytest.approx(0.2)
    time.sleep(0.25)
    assert d.expired()
    assert d.left_s() == 0.0
    assert d.left_s(0.1) == 0.1
    assert d.elapsed_s() >= 0.25


def test_deadline_at_least_and_share() -> None:
    d = Deadline.after(0.0)
    later = d.at_least(5.0)
    assert later.left_s() > 4.0
    assert later.start_s == d.start_s
    far = Deadline.after(100.0)
    assert far.at_least(1.0) is far
    half = far.share(0.5)
    assert 49.0 < half.left_s() <= 50.0
    assert np.isinf(Deadline.after(np.inf).left_s())
