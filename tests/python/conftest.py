"""Shared fixtures of the Python tests: the repository, the command line, the restaurant
bundle (开办餐饮店) and its staff, as tests/support/restaurant_case.hpp has them.

The module is imported here, at collection: when it is missing every test file fails.
"""

import datetime
import os
import pathlib
import subprocess

import pytest

import yishi

ROOT = pathlib.Path(os.environ.get("YISHI_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
RESTAURANT = ROOT / "bundles" / "national" / "open_restaurant.yaml"
CST = yishi.CST

# The restaurant's people (examples/scripts/restaurant_case.scenario).
CLERK = yishi.Actor.staff("wang", "service_center", "clerk")
LI = yishi.Actor.staff("li", "market_regulation", "reviewer")
ZHOU = yishi.Actor.staff("zhou", "market_regulation", "section_chief")
CHEN = yishi.Actor.staff("chen", "urban_management", "reviewer")
SUN = yishi.Actor.staff("sun", "fire_rescue", "inspector")
QIAN = yishi.Actor.staff("qian", "fire_rescue", "section_chief")

# Every material of a plain restaurant (no sign, under 50 m²).
PLAIN_MATERIALS = ["premises_proof", "layout_plan", "food_safety_rules", "health_certificates"]
PLAIN = {"sign.installed": False, "premises.area_m2": 40.0}


def at(date: str, hour: int, minute: int = 0) -> datetime.datetime:
    """A local (China Standard Time) instant."""
    d = datetime.date.fromisoformat(date)
    return datetime.datetime(d.year, d.month, d.day, hour, minute, tzinfo=CST)


def events(outcome):
    """The event names of a command's outcome."""
    return [e["event"] for e in outcome]


def run_to_issuance(case):
    """Drives a plain restaurant case to issuance, as run_to_issuance in the C++ tests."""
    case.submit(PLAIN_MATERIALS)
    case.accept(by=CLERK)
    case.sign("licence_check", by=LI)
    case.sign("food_licence", by=LI)
    case.sign("food_licence", "approve", "同意", by=ZHOU)
    return case.issue(by=CLERK)


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def cli():
    """Runs the `yishi` command line built with the module; returns (exit code, stdout, stderr)."""
    path = os.environ.get("YISHI_CLI")
    assert path, "YISHI_CLI is not set: run the Python tests through ctest"

    def run(*args):
        p = subprocess.run([path, *map(str, args)], cwd=ROOT, capture_output=True, text=True)
        return p.returncode, p.stdout, p.stderr

    return run


@pytest.fixture(scope="session")
def restaurant():
    return yishi.load(RESTAURANT).compile()


@pytest.fixture
def clock():
    return yishi.ManualClock(at("2025-03-03", 9, 30))


@pytest.fixture
def engine(clock, restaurant):
    e = yishi.Engine("memory", clock=clock)
    assert e.deploy(restaurant)
    return e
