"""Route rows searched only as far as the dispatch reads them give the same day as full rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import fleetopt
from fleetopt.case import load_case
from fleetopt.simulation.engine import simulate
from fleetopt.simulation.routes import RouteCache
from fleetopt.simulation.taxi import TaxiDispatch

STATIONS = (
    Path(fleetopt.__file__).parent / "data" / "scenarios" / "generated_beijing_default_stations.csv"
)


def test_rows_within_hold_the_full_rows_values_up_to_each_limit(central) -> None:
    """GIVEN random nodes and limits of 1 to 15 min THEN every value up to a row's limit is
    the full row's value, nothing beyond the limit it reports is kept (and something is cut),
    an inf limit gives the full row, and the cache's own rows are untouched."""
    rng = np.random.default_rng(7)
    nodes = rng.choice(np.flatnonzero(central.routable), 30, replace=False)
    limits = rng.uniform(60e9, 900e9, nodes.size)  # combined weights: 1 to 15 min
    cache = RouteCache(central)
    cut, used = cache.rows_within(nodes, limits)
    whole, used_inf = cache.rows_within(nodes[:1], np.array([np.inf]))
    assert cache.computed == 0
    w, row_of, _ = cache.rows(nodes)
    full = w[row_of[nodes]]
    assert (used >= limits).all()
    inside = full <= used[:, None]
    np.testing.assert_array_equal(cut[inside], full[inside])
    assert np.isinf(cut[~inside]).all()
    assert (~inside & np.isfinite(full)).any()  # the limits did cut
    assert used_inf[0] == np.inf
    np.testing.assert_array_equal(whole[0], full[0])


def test_route_cache_adds_rows_one_at_a_time_without_changing_earlier_ones(central) -> None:
    """GIVEN rows asked for one node at a time THEN each earlier row stays as it was and the
    arrays handed out stay read-only."""
    nodes = np.flatnonzero(central.routable)[:5]
    cache = RouteCache(central)
    w0, row_of0, _ = cache.rows(nodes[:1])
    first = w0[row_of0[nodes[0]]].copy()
    for k in range(1, nodes.size):
        w, row_of, got = cache.rows(nodes[k : k + 1])
        np.testing.assert_array_equal(w[row_of[nodes[0]]], first)
        assert got.tolist() == nodes[: k + 1].tolist()
    assert cache.computed == nodes.size
    with pytest.raises(ValueError, match="read-only"):
        w[0, 0] = 1.0


@pytest.mark.slow
def test_cut_rows_give_the_same_day_as_full_rows(tmp_path: Path, monkeypatch, central) -> None:
    """GIVEN a generated day with short waits (2 min: drop-off rows are cut short), low
    batteries (taxis charge) and repositioning on WHEN it runs with the dispatch's own cut
    rows and with a shared cache of full rows THEN trips, sessions and vehicles are equal,
    and the cut run did fall back to full rows for some station or hot-spot drives."""
    (tmp_path / "stations.csv").write_text(STATIONS.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        'name = "t"\nseed = 3\nnetwork = "beijing-central-2024"\nstations = "stations.csv"\n'
        "[options]\nmax_wait_min = 2\nreposition_idle_min = 20\n"
        '[[fleets]]\ngenerator = "beijing-taxi"\nsize = 40\npowertrain = "bev"\n'
        "[vehicle_types.taxi.bev]\ninitial_soc = 0.35\n",
        encoding="utf-8",
    )
    fell_back: list[int] = []
    full_row = TaxiDispatch._full_row

    def spy(self: TaxiDispatch, a: int) -> np.ndarray:
        if self._row_exact_s(a) < np.inf:
            fell_back.append(a)
        return full_row(self, a)

    monkeypatch.setattr(TaxiDispatch, "_full_row", spy)
    cut = simulate(load_case(tmp_path / "s.toml", central))
    assert fell_back  # some decisions needed a full row
    n_fell = len(fell_back)
    full = simulate(load_case(tmp_path / "s.toml", central), routes=RouteCache(central))
    assert len(fell_back) == n_fell  # full rows never fall back
    assert int(cut.trips["served"].sum()) > 0
    assert len(cut.sessions) > 0
    assert cut.trips.equals(full.trips)
    assert cut.sessions.equals(full.sessions)
    assert cut.vehicles.equals(full.vehicles)
