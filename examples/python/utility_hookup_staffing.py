"""水电气网联合报装: how many staff do the two bottleneck departments need?

The question: in the joint utility hook-up bundle (bundles/national/utility_hookup.yi) every
case starts with the joint site survey (联合踏勘) signed by 住建 (department `housing`), and
every long outside line needs the planning opinion of 自然资源和规划 (`natural_resources`),
signed twice (reviewer, then section chief). With a steady caseload, how do the p95 lead
time and the departments' utilisation change as we add staff to these two departments?

The applicants are the answer profiles of tests/scenarios/national/utility_hookup.scenario
(its two `open` lines); the service times are those of bundles/simulation/city_year.yaml.
`yishi.sweep` runs one simulation per grid point in local processes.

    PYTHONPATH=build-py/python python3 examples/python/utility_hookup_staffing.py [--small] [--out DIR]
"""

# %% Setup: arguments, paths, a non-interactive matplotlib backend.
import argparse
import datetime
import pathlib
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import yishi  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "bundles" / "national" / "utility_hookup.yi"
SCENARIO = ROOT / "tests" / "scenarios" / "national" / "utility_hookup.scenario"


# %% The answer profiles, read from the scenario's `open` lines.
# An `open` line is `open field=value ... by ACTOR`; values are lists ([water,gas]), numbers,
# booleans or plain words.
def parse_value(text):
    if text.startswith("[") and text.endswith("]"):
        return [parse_value(v.strip()) for v in text[1:-1].split(",") if v.strip()]
    if text in ("true", "false"):
        return text == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def open_profiles(path):
    profiles = []
    for line in path.read_text(encoding="utf-8").splitlines():
        words = line.split()
        if not words or words[0] != "open":
            continue
        if "by" in words:
            words = words[: words.index("by")]
        answers = dict(w.split("=", 1) for w in words[1:] if "=" in w)
        profiles.append({"weight": 1, "answers": {k: parse_value(v) for k, v in answers.items()}})
    return profiles


# yishi.sweep runs its points in worker processes started with "spawn", which re-import this
# file: the work therefore runs in main(), under the `if __name__ == "__main__"` guard.
def main():
    # %% Arguments.
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="reduced size for CI (a few seconds)")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "docs" / "img", help="where to write the PNG")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    profiles = open_profiles(SCENARIO)
    for p in profiles:
        print("profile:", p["answers"])

    # %% The load: a caseload the joint survey can only just carry with few staff.
    # 40 applications a working day; each joint survey takes about 3 office hours, so `housing`
    # needs about 40 x 3 / 8 = 15 staff at full utilisation. Half the applicants (the 300 m route)
    # need the planning opinion: two signatures of about 1.5 h, about 7.5 staff at full load.
    bundle = yishi.load(str(BUNDLE)).compile()
    ARRIVALS = 40
    load = {
        "bundle": bundle,
        "arrivals_per_day": ARRIVALS,
        "profiles": profiles,
        "intake": {"triangular": [0.2, 0.5, 1.0]},
        "issue": {"fixed": 0.1},
        "review": {"service": {"lognormal": [1.5, 0.8]}, "reject": 0.01},
        "items": {"joint_survey": {"service": {"lognormal": [3, 1]}, "reject": 0.005},
                  "road_filing": {"service": {"fixed": 0.2}, "reject": 0.002}},
        "defer": 0.3,
        "supply": {"triangular": [1, 4, 14]},
        "correction": 0.15,
        "pledge": 0.3,
        "rate": 0.7,
    }
    # Every other department gets enough staff not to be the bottleneck.
    base_staff = {"front_desk": 4, "water_company": 6, "water_affairs": 6, "power_company": 8,
                  "gas_company": 6, "heating_company": 2, "telecom_operator": 6, "cable_tv_company": 2,
                  "urban_management": 8, "traffic_police": 6, "landscaping": 2}

    if args.small:
        working_days, housing_staff, planning_staff = 10, [12, 16, 22], [6, 10]
    else:
        working_days, housing_staff, planning_staff = 60, [12, 14, 16, 18, 20, 24, 28], [6, 7, 8, 10, 12]

    # %% The sweep: every combination of staff.housing and staff.natural_resources.
    started = time.perf_counter()
    rows = yishi.sweep({"staff.housing": housing_staff, "staff.natural_resources": planning_staff},
                       bundles=[load], staff=base_staff, start=datetime.date(2025, 3, 3),
                       working_days=working_days, seed=11, processes=2)
    elapsed = time.perf_counter() - started


    def point_value(row, key):
        return row["point"][key]


    table = {}
    for row in rows:
        s = row["summary"]
        h, n = point_value(row, "staff.housing"), point_value(row, "staff.natural_resources")
        # In a summary, `bundles` is a list (in load order); `departments` a dict.
        hookup = s["bundles"][0]
        table[h, n] = (hookup["lead_p95"],
                       s["departments"]["housing"]["utilisation_mean"],
                       s["departments"]["natural_resources"]["utilisation_mean"],
                       hookup["issued"])

    # %% Plot: p95 lead time (left) and utilisation (right) against the staff of `housing`,
    # one line per staffing of `natural_resources`.
    # What the reader sees: with too few surveyors, the joint survey's queue grows all through the
    # run and the p95 lead climbs to weeks; once `housing` has enough staff (utilisation below about
    # 90 %) the lead drops to a few days and further staff only lower utilisation. The planning
    # department matters only for the long-route applicants, so its lines separate only when it is
    # itself short-staffed.
    fig, (ax_lead, ax_util) = plt.subplots(1, 2, figsize=(12, 4.5))
    for n in planning_staff:
        p95 = [table[h, n][0] for h in housing_staff]
        ax_lead.plot(housing_staff, p95, marker="o", label=f"natural_resources = {n}")
        ax_util.plot(housing_staff, [table[h, n][2] for h in housing_staff], marker="s", linestyle="--",
                     label=f"natural_resources util. (staff {n})")
    ax_util.plot(housing_staff, [table[h, planning_staff[0]][1] for h in housing_staff], marker="o",
                 color="black", linewidth=2, label="housing utilisation")
    ax_lead.set_yscale("log")
    ax_lead.set_xlabel("staff of housing (joint site survey)")
    ax_lead.set_ylabel("p95 lead time (working days, log)")
    ax_lead.set_title(f"p95 lead, {ARRIVALS} applications a working day")
    ax_lead.legend()
    ax_util.axhline(0.85, color="grey", linewidth=0.8, linestyle=":")
    ax_util.set_ylim(0, 1.05)
    ax_util.set_xlabel("staff of housing (joint site survey)")
    ax_util.set_ylabel("mean utilisation")
    ax_util.set_title("Department utilisation")
    ax_util.legend(fontsize=8)
    fig.suptitle(f"Joint utility hook-up (utility_hookup): staffing sweep, {working_days} working days of arrivals")
    fig.tight_layout()
    png = args.out / "utility_hookup_staffing.png"
    fig.savefig(png, dpi=110)

    # %% Summary: the table behind the picture and the smallest staffing that keeps p95 short.
    print(f"utility_hookup: {len(rows)} grid points, {working_days} working days each, {elapsed:.2f} s")
    print("  housing natural_resources   p95(wd)  util.housing  util.natres  issued")
    for (h, n), (p95, uh, un, issued) in sorted(table.items()):
        print(f"  {h:7d} {n:17d} {p95:9.2f} {uh:13.0%} {un:12.0%} {issued:7d}")
    ok = [(h + n, h, n) for (h, n), v in table.items() if v[0] <= 5]
    if ok:
        _, h, n = min(ok)
        print(f"  smallest staffing with p95 <= 5 wd: housing {h}, natural_resources {n} "
              f"(p95 {table[h, n][0]:.2f} wd)")
    else:
        print("  no grid point reaches p95 <= 5 wd")
    print(f"wrote {png}")


if __name__ == "__main__":
    main()
