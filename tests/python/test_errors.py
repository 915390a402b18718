"""Every exception class, provoked for real: each refusal changes nothing and carries its
kind, message and case."""

import pytest

import yishi
from conftest import CLERK, LI, PLAIN, PLAIN_MATERIALS, ROOT, run_to_issuance


@pytest.fixture
def case(engine, restaurant):
    return engine.open_case(restaurant, PLAIN, applicant="corp-1")


def refused(exc_type, action):
    """Runs a refused command; returns the exception after checking nothing changed."""
    with pytest.raises(exc_type) as info:
        action()
    e = info.value
    assert isinstance(e, yishi.CommandError) and isinstance(e, yishi.Error)
    assert e.message == str(e)
    return e


def test_the_hierarchy():
    for cls in (yishi.LoadError, yishi.CheckError, yishi.StoreError, yishi.CommandError):
        assert issubclass(cls, yishi.Error)
    assert yishi.YishiError is yishi.Error
    for cls in (yishi.InvalidTransition, yishi.NotAuthorised, yishi.UnknownStep, yishi.UnknownMaterial,
                yishi.UnknownCase, yishi.UnknownBundle, yishi.InvalidArgument, yishi.DuplicateCommand,
                yishi.KeyReused, yishi.Conflict, yishi.NeedsAnswers, yishi.NotEligible):
        assert issubclass(cls, yishi.CommandError) and cls.__module__ == "yishi"
        assert cls.__doc__
    assert issubclass(yishi.InvalidArgument, ValueError)
    for cls in (yishi.UnknownStep, yishi.UnknownMaterial, yishi.UnknownCase, yishi.UnknownBundle):
        assert issubclass(cls, LookupError)


def test_invalid_transition(case):
    version = case.version
    e = refused(yishi.InvalidTransition, lambda: case.accept(by=CLERK))
    assert e.kind == "invalid_transition" and e.case_id == case.id
    assert e.message == "cannot accept while the case is `draft`"
    assert case.version == version


def test_not_authorised(case):
    case.submit(PLAIN_MATERIALS)
    e = refused(yishi.NotAuthorised, lambda: case.accept(by=yishi.Actor.applicant("corp-1")))
    assert e.kind == "not_authorised"
    e = refused(yishi.NotAuthorised, lambda: case.accept(by=("li", "market_regulation", "reviewer")))
    assert case.status == "submitted"


def test_unknown_step(case):
    case.submit(PLAIN_MATERIALS)
    case.accept(by=CLERK)
    e = refused(yishi.UnknownStep, lambda: case.sign("licence_chek", by=LI))
    assert e.kind == "unknown_step" and "licence_check" in e.message  # did you mean


def test_unknown_material(case):
    e = refused(yishi.UnknownMaterial, lambda: case.submit(["premises_prof"]))
    assert e.kind == "unknown_material" and "premises_proof" in e.message
    assert case.status == "draft"


def test_unknown_case(engine):
    e = refused(yishi.UnknownCase, lambda: engine.case(999))
    assert e.kind == "unknown_case" and e.case_id == 999


def test_unknown_bundle(engine):
    e = refused(yishi.UnknownBundle, lambda: engine.open_case("open_bakery", applicant="corp-1"))
    assert e.kind == "unknown_bundle" and e.case_id is None
    refused(yishi.UnknownBundle, lambda: engine.open_case("open_restaurant", PLAIN, applicant="c", version="9"))


def test_invalid_argument(case):
    e = refused(yishi.InvalidArgument, lambda: case.submit(PLAIN_MATERIALS, command_id=""))
    assert e.kind == "invalid_argument" and isinstance(e, ValueError)
    refused(yishi.InvalidArgument, lambda: case.submit(PLAIN_MATERIALS, command_id="timer:1:1"))
    run_to_issuance(case)
    e = refused(yishi.InvalidArgument, lambda: case.rate(6))
    assert "1 to 5" in e.message


def test_duplicate_command_gives_the_original_outcome(case):
    first = case.submit(PLAIN_MATERIALS, command_id="submit-1")
    e = refused(yishi.DuplicateCommand, lambda: case.submit(PLAIN_MATERIALS, command_id="submit-1"))
    assert e.kind == "duplicate_command"
    assert e.original == first
    assert (e.case_id, e.version) == (case.id, first[-1]["version"])
    assert case.version == first[-1]["version"]


def test_duplicate_open_case_names_its_case(engine, restaurant):
    case = engine.open_case(restaurant, PLAIN, applicant="corp-1", command_id="open-1")
    e = refused(yishi.DuplicateCommand, lambda: engine.open_case(restaurant, PLAIN, applicant="corp-1",
                                                                 command_id="open-1"))
    assert e.case_id == case.id
    assert e.original[0]["event"] == "case_opened" and e.original[0]["active"] == ["licence_check", "food_licence"]


def test_key_reused(case):
    case.submit(PLAIN_MATERIALS, command_id="k-1")
    e = refused(yishi.KeyReused, lambda: case.accept(by=CLERK, command_id="k-1"))
    assert e.kind == "key_reused"
    assert case.status == "submitted"


def test_conflict_when_another_engine_keeps_changing_the_case(restaurant, clock):
    store = yishi.Store("memory")
    a = yishi.Engine(store, clock=clock, max_attempts=1)
    b = yishi.Engine(store, clock=clock)
    a.deploy(restaurant)
    b.deploy(restaurant)
    case = a.open_case(restaurant, PLAIN, applicant="corp-1")  # cached by engine a
    b.case(case.id).submit(PLAIN_MATERIALS)  # engine b moves it on
    e = refused(yishi.Conflict, lambda: case.submit(PLAIN_MATERIALS))
    assert e.kind == "conflict"
    assert case.status == "submitted"  # b's submission, nothing of a's


def test_needs_answers_lists_the_missing_fields(engine, restaurant):
    e = refused(yishi.NeedsAnswers, lambda: engine.open_case(restaurant, applicant="corp-1"))
    assert e.kind == "needs_answers"
    assert e.missing_fields == ["premises.area_m2", "sign.installed"]
    assert engine.cases() == []  # nothing recorded


def test_not_eligible(engine):
    newborn = yishi.load(ROOT / "bundles" / "national" / "newborn_birth.yi").compile()
    answers = {"newborn.birth_date": engine.calendar.local_date(engine.now), "parents.married": False,
               "parents.hukou_in_province": True}
    e = refused(yishi.NotEligible, lambda: engine.open_case(newborn, answers, applicant="110105194912310021"))
    assert e.kind == "not_eligible" and "婚内生育" in e.message


def test_store_error(tmp_path):
    not_a_database = tmp_path / "notes.db"
    not_a_database.write_text("this is not SQLite\n" * 100)
    with pytest.raises(yishi.StoreError) as info:
        yishi.Engine(f"sqlite:///{not_a_database}")
    assert str(not_a_database) in str(info.value)
    with pytest.raises(yishi.StoreError):
        yishi.Store(str(not_a_database).join(["sqlite://", ""]))


def test_errors_in_python_arguments_are_python_errors(engine, restaurant):
    with pytest.raises(TypeError):
        engine.open_case(42, applicant="corp-1")
    with pytest.raises(TypeError):
        engine.open_case(restaurant, {"premises.area_m2": {}}, applicant="corp-1")
    with pytest.raises(ValueError, match="version"):
        engine.open_case(restaurant, PLAIN, applicant="corp-1", version="2030.1")
