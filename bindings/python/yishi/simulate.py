"""Simulation of a city's caseload through the real engine (docs/simulation.md, docs/python.md).

Every simulated application is a real case of the compiled bundle in a real engine; the
simulator decides when people act (staff queues in office hours, service times, applicants'
delays) and what they decide (drawn with the given probabilities)::

    import yishi
    restaurant = yishi.load("bundles/national/open_restaurant.yaml").compile()
    r = yishi.simulate([{"bundle": restaurant, "arrivals_per_day": 12,
                         "situations": {"outdoor_sign": 0.4},
                         "review": {"service": yishi.Distribution.exponential(1.5)}}],
                       staff={"front_desk": 2, "market_regulation": 4}, working_days=60, seed=7)
    r.bundles["open_restaurant"]["lead_p95"], r.lead_days      # a number, a numpy array

    both = yishi.simulate([...], baseline="separate")          # bundled vs item by item
    both.bundled, both.separate, both.table()
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime
import itertools
import multiprocessing
import os
from typing import Any, Iterable, Mapping, Sequence

from . import _yishi

__all__ = ["simulate", "simulate_file", "sweep", "Comparison"]


def simulate(
    bundles: Sequence[Any],
    *,
    staff: Mapping[str, int] | None = None,
    default_staff: int = 1,
    start: datetime.date | None = None,
    working_days: int = 20,
    seed: int = 1,
    mode: str = "bundled",
    baseline: str | None = None,
    trace: Iterable[tuple] | None = None,
    partitions: int = 1,
    threads: int = 1,
    post_check_rate: float = 0.2,
    keep_logs: bool = False,
    drain_days: int = 250,
    calendar: "_yishi.Calendar | None" = None,
):
    """Runs a simulation and returns its :class:`SimulationResults`.

    ``bundles``: each a CompiledBundle (no arrivals unless a trace names it) or a dict with
    ``bundle`` (a CompiledBundle) and its load: ``arrivals_per_day`` (Poisson rate per working
    day), ``profiles`` (answer dicts, or ``{"weight": w, "answers": {...}}``), ``situations``
    (id → probability), durations in office hours ``intake``, ``issue``, ``supply``,
    ``resubmit``, ``post_check``, ``reapply`` (a number, a :class:`Distribution`,
    ``{"exponential": 2}`` or ``("triangular", 1, 2, 6)``), ``review`` and ``items[id]``
    (``{"service": duration, "reject": p}``), probabilities ``defer``, ``correction``,
    ``pledge``, ``post_check_fail``, ``rate``.

    ``staff``: department id → staff (``front_desk`` is the 综合窗口); others get
    ``default_staff``. ``start``: the first day (default 2025-01-02); ``working_days`` with
    arrivals, then cases run to their end (at most ``drain_days`` more). ``mode``:
    ``"bundled"`` or ``"separate"`` (item by item). ``baseline="separate"`` runs both with the
    same applicants and returns a :class:`Comparison`. ``trace``: (day, bundle id or index
    [, profile]) arrivals instead of Poisson ones. ``partitions``: independent service centres
    (results depend on it, not on ``threads``). Same arguments and seed, same numbers.

    Raises ValueError (naming the argument) for an invalid scenario.
    """
    args = dict(
        bundles=list(bundles),
        staff=dict(staff or {}),
        default_staff=default_staff,
        start=start,
        working_days=working_days,
        seed=seed,
        trace=None if trace is None else [tuple(a) for a in trace],
        partitions=partitions,
        threads=threads,
        post_check_rate=post_check_rate,
        keep_logs=keep_logs,
        drain_days=drain_days,
        calendar=calendar,
    )
    if baseline is None:
        return _yishi._simulate(mode=mode, **args)
    if baseline != "separate" or mode != "bundled":
        raise ValueError('baseline is "separate" (compared with mode="bundled"), or None')
    return Comparison(_yishi._simulate(mode="bundled", **args), _yishi._simulate(mode="separate", **args))


def simulate_file(path: str | os.PathLike, **overrides: Any):
    """Runs a scenario file (YAML, docs/simulation.md); ``overrides`` may set
    ``working_days``, ``seed``, ``mode``, ``partitions``, ``threads``, ``drain_days``.
    Raises ValueError with every located problem of the file."""
    return _yishi._simulate_file(os.fspath(path), overrides)


@dataclasses.dataclass(frozen=True)
class Comparison:
    """The same applicants, bundled (一件事) and applying item by item (``separate``)."""

    bundled: Any
    separate: Any

    def table(self) -> list[dict]:
        """Per bundle: p50/p95 lead time and mean trips, bundled and separate."""
        rows = []
        for bid, b in self.bundled.bundles.items():
            s = self.separate.bundles[bid]
            rows.append(
                {
                    "bundle": bid,
                    "lead_p50": (b["lead_p50"], s["lead_p50"]),
                    "lead_p95": (b["lead_p95"], s["lead_p95"]),
                    "trips_mean": (b["trips_mean"], s["trips_mean"]),
                }
            )
        return rows

    def __repr__(self) -> str:
        parts = [
            f"{r['bundle']}: p95 {r['lead_p95'][0]:.2f} vs {r['lead_p95'][1]:.2f} wd, "
            f"trips {r['trips_mean'][0]:.2f} vs {r['trips_mean'][1]:.2f}"
            for r in self.table()
        ]
        return "<Comparison bundled vs separate: " + "; ".join(parts) + ">"


def _grid_points(grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]]) -> list[dict]:
    if isinstance(grid, Mapping):
        keys = list(grid)
        return [dict(zip(keys, values)) for values in itertools.product(*(list(grid[k]) for k in keys))]
    return [dict(p) for p in grid]


def _apply(base: Mapping[str, Any], point: Mapping[str, Any]) -> dict:
    """``base`` (simulate's arguments) with the point's values; a key ``staff.DEPT`` sets one
    department's staff, ``bundles.N.KEY`` (or ``bundles.ID.KEY``) one key of a bundle's load."""
    args = dict(base)
    args["staff"] = dict(args.get("staff") or {})
    args["bundles"] = [dict(b) if isinstance(b, Mapping) else {"bundle": b} for b in args.get("bundles", [])]
    for key, value in point.items():
        head, _, rest = key.partition(".")
        if head == "staff" and rest:
            args["staff"][rest] = value
        elif head == "bundles" and rest:
            which, _, field = rest.partition(".")
            matches = [
                b for i, b in enumerate(args["bundles"]) if which == str(i) or which == b["bundle"].id
            ]
            if not matches or not field:
                raise ValueError(f"sweep: `{key}` names no bundle load (bundles.INDEX.KEY or bundles.ID.KEY)")
            for b in matches:
                b[field] = value
        else:
            args[key] = value
    return args


def _run_point(args: dict) -> dict:
    """One point of a sweep (module level, so worker processes can import it)."""
    return simulate(**args).summary()


def sweep(
    grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]],
    *,
    client: Any = None,
    processes: int | None = None,
    **base: Any,
) -> list[dict]:
    """Runs :func:`simulate` for every point of a parameter grid and returns, in grid order,
    ``{"point": {...}, "summary": {...}}`` (the summary of SimulationResults.summary()).

    ``grid``: a dict name → values (every combination) or a list of dicts. Names are
    simulate's arguments, ``staff.DEPT`` for one department's staff, or
    ``bundles.INDEX.KEY`` / ``bundles.ID.KEY`` for one key of a bundle's load. ``base``: the
    other arguments of simulate.

    Runs locally in ``processes`` worker processes (default: one per core), or on a Dask
    cluster when ``client`` is a ``dask.distributed.Client`` (compiled bundles travel as
    their canonical YAML). Each point's result is the same wherever it runs.
    """
    points = _grid_points(grid)
    jobs = [_apply(base, p) for p in points]
    if client is not None:
        futures = client.map(_run_point, jobs, pure=False)
        summaries = client.gather(futures)
    elif processes == 1 or len(jobs) <= 1:
        summaries = [_run_point(j) for j in jobs]
    else:
        ctx = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(max_workers=processes or os.cpu_count(), mp_context=ctx) as pool:
            summaries = list(pool.map(_run_point, jobs))
    return [{"point": p, "summary": s} for p, s in zip(points, summaries)]
