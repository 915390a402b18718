"""The PostgreSQL store, against the server the ctest fixture `postgres` starts
(scripts/pg-cluster.sh; $YISHI_PG_URL). These tests fail, never skip, without it."""

import itertools
import os
import subprocess

import pytest

import yishi
from conftest import CLERK, LI, PLAIN, PLAIN_MATERIALS, ZHOU, at

counter = itertools.count()


@pytest.fixture(scope="module")
def url():
    value = os.environ.get("YISHI_PG_URL")
    assert value, ("YISHI_PG_URL is not set: run the PostgreSQL tests through ctest, whose `postgres` fixture "
                   "starts a server (scripts/pg-cluster.sh)")
    return value


@pytest.fixture
def schema(url):
    """A fresh schema per test, dropped afterwards."""
    name = f"py_{os.getpid()}_{next(counter)}"
    yield name
    subprocess.run(["psql", url, "-q", "-c", f"DROP SCHEMA IF EXISTS {name} CASCADE"], capture_output=True, check=False)


def test_a_restaurant_case_on_postgresql_seen_by_a_second_engine(url, schema, restaurant, clock):
    store = yishi.Store(url, schema=schema, snapshot_every=4)
    assert store.kind == "postgresql" and repr(store) == f"<yishi.Store {url}>"
    first = yishi.Engine(store, clock=clock)
    case = first.open_case(restaurant, PLAIN, applicant="corp-1")
    case.submit(PLAIN_MATERIALS)
    case.accept(by=CLERK)
    case.sign("licence_check", by=LI)

    # another engine, on its own connection, as another process would have
    second = yishi.Engine(yishi.Store(url, schema=schema), clock=clock)
    second.deploy(restaurant)
    again = second.case(case.id)
    assert again.view() == case.view()
    again.sign("food_licence", by=LI)
    again.sign("food_licence", by=ZHOU)
    assert [e["event"] for e in again.issue(by=CLERK)] == ["issued"]
    first.drop_cache()
    assert case.status == "issued"
    assert store.cases() == [case.id]
    assert again.verify() is True


def test_timers_are_claimed_by_one_worker(url, schema, restaurant, clock):
    store = yishi.Store(url, schema=schema)
    a = yishi.Engine(store, clock=clock)
    b = yishi.Engine(yishi.Store(url, schema=schema), clock=clock)
    b.deploy(restaurant)
    case = a.open_case(restaurant, PLAIN, applicant="corp-1")
    case.submit(PLAIN_MATERIALS)
    case.accept(by=CLERK)  # licence_check: 0wd, due at 18:00
    until = at("2025-03-04", 9)
    assert b.fire_due("worker-b", until=until) == 1
    assert a.fire_due("worker-a", until=until) == 0
    a.drop_cache()
    assert case.view()["items"]["licence_check"]["overdue"] is True


def test_published_definitions_on_postgresql(url, schema, clock):
    from conftest import RESTAURANT

    engine = yishi.Engine(yishi.Store(url, schema=schema), clock=clock)
    assert engine.publish(yishi.load(RESTAURANT))["created"] is True
    engine.open_case("open_restaurant", PLAIN, applicant="corp-1").submit(PLAIN_MATERIALS)
    restarted = yishi.Engine(yishi.Store(url, schema=schema), clock=clock)
    assert restarted.restore_definitions() == 1
    assert restarted.case(1).accept(by=CLERK)[0]["event"] == "accepted"
