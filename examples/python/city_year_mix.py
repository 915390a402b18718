"""A city's caseload of the 13 national bundles: which bundles wait longest, and which departments are busiest?

The question: bundles/simulation/city_year.yaml puts the thirteen national 一件事 bundles
(国发〔2024〕3号) through two service centres of a city of 13 million, about 63,000
applications a working day, every one a real case in the engine. For each bundle, what are the
median and p95 lead times? And how busy is each department, day by day?

The scenario's year is 250 working days (minutes to run); this script runs the first
`--days` working days of arrivals (default 20, 2 with --small), after which the open cases run to
their end.

    PYTHONPATH=build-py/python python3 examples/python/city_year_mix.py [--small] [--days N] [--out DIR]
"""

# %% Setup: arguments, paths, a non-interactive matplotlib backend.
import argparse
import pathlib
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import yishi  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "bundles" / "simulation" / "city_year.yaml"

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--small", action="store_true", help="reduced size for CI: 2 working days")
parser.add_argument("--days", type=int, default=None, help="working days of arrivals (default 20)")
parser.add_argument("--out", type=pathlib.Path, default=ROOT / "docs" / "img", help="where to write the PNG")
args = parser.parse_args()
args.out.mkdir(parents=True, exist_ok=True)
days = args.days or (2 if args.small else 20)

# %% Run the scenario with fewer working days; everything else (staff, loads, seed) as filed.
started = time.perf_counter()
r = yishi.simulate_file(str(SCENARIO), working_days=days)
elapsed = time.perf_counter() - started

# One row per bundle, in the file's order: the shortest and the longest waits.
rows = [r.bundles[b] for b in r.bundle_ids]
rows.sort(key=lambda s: s["lead_p95"])

# %% Department utilisation per simulated day: the ten busiest departments on average.
# `utilisation` has one entry per simulated working day, over the arrival days and the drain
# after them (when the caseload stops and the queues empty).
depts = sorted(r.departments.items(), key=lambda kv: -kv[1]["utilisation_mean"])
busiest = depts[:10]

# %% Plot: p50 and p95 lead per bundle (left); utilisation over days (right).
# What the reader sees on the left: the bundles with only data checks (social security card,
# employee hiring) end within a day, those with on-site work or several sequential signers take
# days; the p95 bar shows how long the tail is. On the right: the departments' busy share of
# the working day while applications arrive (left of the dotted line), falling to zero once the
# arrivals stop and the last cases drain.
fig, (ax_lead, ax_util) = plt.subplots(1, 2, figsize=(15, 6), gridspec_kw={"width_ratios": [1.1, 1]})
y = np.arange(len(rows))
ax_lead.barh(y + 0.2, [s["lead_p95"] for s in rows], height=0.4, color="tab:orange", label="p95")
ax_lead.barh(y - 0.2, [s["lead_p50"] for s in rows], height=0.4, color="tab:blue", label="p50")
ax_lead.set_yticks(y, [s["id"] for s in rows])
ax_lead.set_xlabel("lead time of issued cases (working days)")
ax_lead.set_title(f"Lead time per bundle ({sum(s['arrivals'] for s in rows):,} applications)")
ax_lead.legend(loc="lower right")

x = np.arange(1, r.days + 1)
for name, d in busiest:
    util = np.asarray(d["utilisation"])
    ax_util.plot(x[: len(util)], util, label=f"{name} ({d['staff']})")
ax_util.axvline(days + 0.5, color="grey", linestyle=":", linewidth=1)
ax_util.text(days + 0.7, 1.02, "arrivals stop", color="grey", fontsize=8)
ax_util.set_ylim(0, 1.08)
ax_util.set_xlabel("simulated working day")
ax_util.set_ylabel("utilisation (busy share of staff time)")
ax_util.set_title("Ten busiest departments (staff in brackets)")
ax_util.legend(fontsize=7, ncol=2, loc="center right")
fig.suptitle(f"City-year mix of the 13 national bundles: {days} working days of arrivals, two service centres")
fig.tight_layout()
png = args.out / "city_year_mix.png"
fig.savefig(png, dpi=110)

# %% Summary: the numbers behind the picture.
print(f"city_year: {days} working days of arrivals, {r.days} simulated, {len(r.lead_days):,} applicants, "
      f"{elapsed:.1f} s")
print(f"  {'bundle':26s} {'arrivals':>9s} {'issued':>8s} {'p50':>6s} {'p95':>6s} {'trips':>6s}")
for s in rows:
    print(f"  {s['id']:26s} {s['arrivals']:9d} {s['issued']:8d} {s['lead_p50']:6.2f} {s['lead_p95']:6.2f} "
          f"{s['trips_mean']:6.2f}")
print("  busiest departments (utilisation_mean; peak daily utilisation while arrivals come):")
for name, d in busiest[:5]:
    util = np.asarray(d["utilisation"])
    print(f"    {name:22s} staff {d['staff']:5d}  mean {d['utilisation_mean']:.0%}  peak {util[:days].max():.0%}")
print(f"wrote {png}")
