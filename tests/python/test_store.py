"""Stores by URL: a SQLite file outlives its engine, a second engine sees its cases, and
published definitions come back after a restart."""

import pytest

import yishi
from conftest import CLERK, LI, PLAIN, PLAIN_MATERIALS, RESTAURANT, ZHOU, run_to_issuance


def test_a_restaurant_case_to_issuance_on_a_sqlite_file(tmp_path, restaurant, clock):
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    first = yishi.Engine(url, clock=clock)
    assert first.store.kind == "sqlite" and first.store.url == url
    case = first.open_case(restaurant, PLAIN, applicant="corp-1")
    case.submit(PLAIN_MATERIALS)
    case.accept(by=CLERK)
    case.sign("licence_check", by=LI)
    before = case.view()
    del case, first  # closes the file

    second = yishi.Engine(url, clock=clock)
    second.deploy(restaurant)
    [again] = second.cases()
    assert again.applicant == "corp-1" and again.view() == before
    again.sign("food_licence", by=LI)
    again.sign("food_licence", by=ZHOU)
    again.issue(by=CLERK)
    assert again.status == "issued"
    assert again.verify() is True
    assert [e["event"] for e in again.audit_trail()][-1] == "issued"

    third = yishi.Engine(tmp_path / "cases.db", clock=clock)  # a path is a SQLite file too
    third.deploy(restaurant)
    assert third.case(again.id).status == "issued"
    assert third.store.cases() == [again.id]


def test_engines_share_a_store_object(tmp_path, restaurant, clock):
    store = yishi.Store(f"sqlite:///{tmp_path / 'shared.db'}", durability="batched", snapshot_every=4)
    assert repr(store) == f"<yishi.Store sqlite:///{tmp_path / 'shared.db'}>"
    a = yishi.Engine(store, clock=clock)
    b = yishi.Engine(store, clock=clock)
    a.deploy(restaurant)
    b.deploy(restaurant)
    case = a.open_case(restaurant, PLAIN, applicant="corp-1")
    run_to_issuance(b.case(case.id))
    store.sync()
    # an engine's views come from its cache of live cases: engine a still holds the draft
    assert case.status == "draft"
    a.drop_cache()
    assert case.status == "issued"


def test_published_definitions_come_back_after_a_restart(tmp_path, clock):
    url = f"sqlite:///{tmp_path / 'defs.db'}"
    bundle = yishi.load(RESTAURANT)
    engine = yishi.Engine(url, clock=clock)
    published = engine.publish(bundle)
    assert published["bundle"] == "open_restaurant" and published["version"] == "2024.1" and published["created"]
    assert len(published["hash"]) == 16
    assert engine.publish(bundle)["created"] is False  # the same definition again
    changed = yishi.loads(RESTAURANT.read_text(encoding="utf-8").replace("promised: 5wd", "promised: 4wd"))
    v2 = engine.publish(changed)
    assert v2["version"] == "2024.1+" + v2["hash"][:8]
    case = engine.open_case("open_restaurant", PLAIN, applicant="corp-1")
    assert case.bundle_version == v2["version"]
    case.submit(PLAIN_MATERIALS)
    assert [d["version"] for d in engine.store.definitions()] == ["2024.1", v2["version"]]
    del case, engine

    restarted = yishi.Engine(url, clock=clock)
    assert restarted.restore_definitions() == 2
    again = restarted.case(1)
    accepted = again.accept(by=CLERK)
    assert accepted[1]["item"] == "licence_check"  # named: the definition is known here
    with pytest.raises(yishi.CheckError):
        restarted.publish(yishi.loads(RESTAURANT.read_text(encoding="utf-8").replace(
            "department: fire_rescue", "department: fire_rescu")))


def test_a_case_of_a_bundle_not_deployed_here_is_unknown_bundle(tmp_path, restaurant, clock):
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    yishi.Engine(url, clock=clock).open_case(restaurant, PLAIN, applicant="corp-1")
    with pytest.raises(yishi.UnknownBundle):
        yishi.Engine(url, clock=clock).case(1)


def test_sqlite_urls_are_relative_with_three_slashes_and_absolute_with_four(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    relative = yishi.Store("sqlite:///relative.db")
    assert (tmp_path / "relative.db").exists() and relative.kind == "sqlite"
    absolute = yishi.Store(f"sqlite:///{tmp_path / 'sub.db'}")  # sqlite:////tmp/…
    assert absolute.url.startswith("sqlite:////") and (tmp_path / "sub.db").exists()


def test_store_urls_and_options(tmp_path):
    assert yishi.Store().kind == "memory" and yishi.Store("memory://").url == "memory://"
    with pytest.raises(ValueError, match="durability"):
        yishi.Store("memory", durability="full")
    with pytest.raises(ValueError, match="schema"):
        yishi.Store(f"sqlite:///{tmp_path / 'x.db'}", schema="s")
    with pytest.raises(ValueError, match="durability `sometimes`"):
        yishi.Store(f"sqlite:///{tmp_path / 'x.db'}", durability="sometimes")
    for url in ("sqlite://", "sqlite:///", "sqlite://cases.db"):
        with pytest.raises(ValueError, match="sqlite:///cases.db"):
            yishi.Store(url)
    with pytest.raises(ValueError):
        yishi.Store("cases.db")
    with pytest.raises(TypeError):
        yishi.Engine(42)
    assert yishi.Store("memory").cases() == [] and yishi.Store("memory").definitions() == []


def test_an_unreachable_postgresql_server_is_a_store_error():
    with pytest.raises(yishi.StoreError, match="cannot connect") as info:
        yishi.Store("postgresql://postgres:secret@127.0.0.1:1/postgres?connect_timeout=2")
    assert "secret" not in str(info.value)
