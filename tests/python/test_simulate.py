"""Simulation from Python: yishi.simulate, simulate_file, sweep (locally and on a two-worker
Dask cluster), Distribution, SimulationResults and their errors."""

import datetime
import math
import pickle

import distributed  # Debian python3-distributed: a missing package fails, never skips
import numpy as np
import pytest

import yishi
from conftest import RESTAURANT, ROOT

STAFF = {"front_desk": 3, "market_regulation": 6, "urban_management": 2, "fire_rescue": 2}


@pytest.fixture(scope="module")
def restaurant():
    return yishi.load(str(RESTAURANT)).compile()


def load(restaurant, **extra):
    d = {
        "bundle": restaurant,
        "arrivals_per_day": 10,
        "situations": {"outdoor_sign": 0.4, "crowded_venue": 0.1},
        "review": {"service": yishi.Distribution.exponential(1)},
    }
    d.update(extra)
    return d


def run(restaurant, **kw):
    args = dict(staff=STAFF, start=datetime.date(2025, 3, 3), working_days=15, seed=3)
    args.update(kw)
    bundles = args.pop("bundles", [load(restaurant)])
    return yishi.simulate(bundles, **args)


def test_results_columns_are_numpy_arrays_with_one_entry_per_case(restaurant):
    r = run(restaurant)
    n = len(r)
    assert n > 100
    assert r.engine_refusals == 0
    for name, dtype in [("bundle", np.uint16), ("arrival", np.float32), ("lead_days", np.float32),
                        ("trips", np.uint8), ("outcome", np.uint8), ("partition", np.uint8)]:
        col = getattr(r, name)
        assert isinstance(col, np.ndarray) and col.dtype == dtype and col.shape == (n,)
    assert not r.lead_days.flags.writeable
    issued = r.outcome == yishi.OUTCOMES.index("issued")
    assert issued.all()
    assert np.all(r.lead_days[issued] > 0)
    assert np.all(np.diff(r.arrival) >= 0)
    b = r.bundles["open_restaurant"]
    assert b["arrivals"] == n and b["issued"] == n
    assert b["lead_p50"] == pytest.approx(float(np.quantile(r.lead_days, 0.5)), rel=1e-5)
    assert b["lead_p95"] == pytest.approx(r.quantile(0.95, bundle="open_restaurant"), rel=1e-6)
    assert r.bundle_ids == ["open_restaurant"]
    dept = r.departments["market_regulation"]
    assert dept["staff"] == 6 and dept["utilisation"].shape == (r.days,) and dept["queue"].shape == (r.days,)
    assert 0 < dept["utilisation_mean"] < 1
    assert any(i["item"] == "food_licence" and i["started"] > 0 for i in r.items)
    assert "open_restaurant" in repr(r) and f"{n} cases" in repr(r)


def test_same_seed_same_numbers_and_summary_is_plain_data(restaurant):
    a, b = run(restaurant), run(restaurant)
    assert np.array_equal(a.lead_days, b.lead_days)
    c = run(restaurant, seed=4)
    assert not np.array_equal(a.arrival, c.arrival)
    s = a.summary()
    assert s["cases"] == len(a) and s["mode"] == "bundled" and s["engine_refusals"] == 0
    assert pickle.loads(pickle.dumps(s)) == s


def test_baseline_separate_is_one_call_with_the_same_applicants(restaurant):
    both = run(restaurant, baseline="separate")
    assert isinstance(both, yishi.Comparison)
    assert np.array_equal(both.bundled.arrival, both.separate.arrival)
    row = both.table()[0]
    assert row["bundle"] == "open_restaurant"
    assert row["lead_p50"][1] > row["lead_p50"][0]
    assert row["trips_mean"][1] > row["trips_mean"][0]
    assert "bundled vs separate" in repr(both)


def test_durations_accept_numbers_dicts_tuples_and_distributions(restaurant):
    d = yishi.Distribution.triangular(1, 2, 6)
    assert d.kind == "triangular" and d.params == [1, 2, 6] and d.mean == pytest.approx(3)
    assert repr(d) == "Distribution.triangular(1, 2, 6)"
    assert pickle.loads(pickle.dumps(d)) == d
    r = run(restaurant, bundles=[load(restaurant, intake=0.5, issue={"fixed": 0.1}, supply=("exponential", 8),
                                      items={"food_licence": {"service": {"lognormal": [2, 1]}, "reject": 0.1}},
                                      defer=0.3, correction=0.2, pledge=0.3, post_check_fail=0.2, rate=0.5)])
    assert r.engine_refusals == 0
    assert (r.outcome == yishi.OUTCOMES.index("rejected")).any()


def test_profiles_and_traces(restaurant):
    profiles = [{"weight": 3, "answers": {"sign.installed": False, "premises.area_m2": 40.0}},
                {"sign.installed": True, "premises.area_m2": 120.0}]
    r = run(restaurant, bundles=[load(restaurant, arrivals_per_day=0, situations={}, profiles=profiles)],
            trace=[(0.5, "open_restaurant"), (1.25, 0, 1), (2.0, "open_restaurant", 0)])
    assert len(r) == 3 and list(r.arrival) == [0.5, 1.25, 2.0]
    assert r.summary()["opening_failures"] == 0


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(bundles=[{"bundel": None}]), "unknown key `bundel` (did you mean `bundle`?)"),
        (dict(bundles=[{"bundle": 3}]), "`bundle` must be a CompiledBundle"),
        (dict(mode="together"), 'mode must be "bundled" or "separate"'),
        (dict(baseline="bundled"), 'baseline is "separate"'),
        (dict(staff={"fire_rescue": 0}), "department `fire_rescue` needs at least one member of staff"),
        (dict(trace=[(1.0, "no_such_bundle")]), "trace: no bundle `no_such_bundle`"),
    ],
)
def test_invalid_arguments_raise_value_errors_that_say_what(restaurant, change, message):
    with pytest.raises(ValueError, match=None) as e:
        run(restaurant, **change)
    assert message in str(e.value)


def test_invalid_loads_name_the_key(restaurant):
    cases = [
        (dict(defer=1.5), "defer: a probability is between 0 and 1, not 1.5"),
        (dict(intake={"exponental": 2}), "no distribution `exponental` (did you mean `exponential`?)"),
        (dict(intake=("triangular", 3, 1, 2)), "a triangular distribution needs min ≤ mode ≤ max"),
        (dict(intake=True), "not a bool"),
        (dict(situations={"outdoor_signs": 0.5}), "no situation `outdoor_signs`"),
        (dict(items={"food_license": {"reject": 0.1}}), "no item `food_license`"),
        (dict(review={"servise": 1}), "unknown key `servise` (did you mean `service`?)"),
    ]
    for extra, message in cases:
        with pytest.raises(ValueError) as e:
            run(restaurant, bundles=[load(restaurant, **extra)])
        assert message in str(e.value), (extra, str(e.value))


def test_a_compiled_bundle_pickles_as_its_yaml(restaurant):
    again = pickle.loads(pickle.dumps(restaurant))
    assert again.id == restaurant.id and again.bundle == restaurant.bundle


def test_simulate_file_runs_a_scenario_file_with_overrides():
    r = yishi.simulate_file(ROOT / "bundles" / "simulation" / "restaurant.yaml", working_days=3, seed=2)
    assert len(r) > 0 and r.engine_refusals == 0 and r.seed == 2
    with pytest.raises(ValueError) as e:
        yishi.simulate_file(ROOT / "bundles" / "simulation" / "restaurant.yaml", working_dayz=3)
    assert "did you mean `working_days`" in str(e.value)
    with pytest.raises(ValueError) as e:
        yishi.simulate_file(ROOT / "no" / "such.yaml")
    assert "such.yaml" in str(e.value)


def test_sweep_runs_a_grid_in_processes_in_grid_order(restaurant):
    base = dict(bundles=[load(restaurant)], staff=STAFF, start=datetime.date(2025, 3, 3), working_days=8, seed=5)
    grid = {"staff.market_regulation": [2, 6], "seed": [5]}
    out = yishi.sweep(grid, processes=2, **base)
    assert [p["point"]["staff.market_regulation"] for p in out] == [2, 6]
    short, ample = (p["summary"] for p in out)
    assert short["departments"]["market_regulation"]["staff"] == 2
    assert short["bundles"][0]["lead_p95"] > ample["bundles"][0]["lead_p95"]
    # The same point in this process gives the same numbers.
    here = yishi.simulate(**{**base, "staff": {**STAFF, "market_regulation": 6}}).summary()
    assert here["bundles"] == ample["bundles"]
    with pytest.raises(ValueError):
        yishi.sweep({"bundles.nothing.arrivals_per_day": [1]}, processes=1, **base)


def test_sweep_on_a_two_worker_dask_cluster_gives_the_local_numbers(restaurant):
    base = dict(bundles=[load(restaurant)], staff=STAFF, start=datetime.date(2025, 3, 3), working_days=6, seed=9)
    grid = [{"bundles.open_restaurant.arrivals_per_day": 6}, {"bundles.0.arrivals_per_day": 14}]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            assert len(client.scheduler_info()["workers"]) == 2
            remote = yishi.sweep(grid, client=client, **base)
    local = yishi.sweep(grid, processes=1, **base)
    assert [r["summary"]["bundles"] for r in remote] == [r["summary"]["bundles"] for r in local]
    assert remote[1]["summary"]["cases"] > remote[0]["summary"]["cases"]
    assert not math.isnan(remote[0]["summary"]["bundles"][0]["lead_p50"])
