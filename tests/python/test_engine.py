"""Running cases: the restaurant (开办餐饮店) driven through the command sequences of the C++
scenarios (tests/scenarios/, examples/scripts/restaurant_case.scenario), on a ManualClock
with the national calendar."""

import datetime
import threading

import pytest

import yishi
from conftest import (CHEN, CLERK, LI, PLAIN, PLAIN_MATERIALS, QIAN, RESTAURANT, SUN, ZHOU, at, events,
                      run_to_issuance)


def test_a_restaurant_case_runs_to_issuance(engine, restaurant, clock):
    case = engine.open_case(restaurant, PLAIN, applicant="corp-1")
    assert isinstance(case, yishi.Case)
    assert (case.id, case.applicant, case.bundle, case.bundle_version) == (1, "corp-1", "open_restaurant", "2024.1")
    assert case.status == "draft" and case.version == 1
    assert repr(case) == "<yishi.Case 1 of open_restaurant 2024.1>"

    submitted = case.submit(PLAIN_MATERIALS)
    assert submitted == [{"event": "submitted", "version": 2, "materials": PLAIN_MATERIALS, "unavailable": []}]
    accepted = case.accept(by=CLERK)
    assert events(accepted) == ["accepted", "item_started"]
    started = accepted[1]
    assert started["item"] == "licence_check"
    assert started["deadline"] == at("2025-03-03", 18)  # 0wd: the close of the working day
    assert events(case.sign("licence_check", by=LI)) == ["signed", "item_approved", "item_started"]
    case.sign("food_licence", by=LI)
    signed = case.sign("food_licence", "approve", "同意", by=ZHOU)
    assert events(signed) == ["signed", "item_approved"]
    assert signed[0] == {"event": "signed", "version": signed[0]["version"], "item": "food_licence", "slot": 1,
                         "decision": "approve", "signer": "zhou", "comment": "同意", "materials": []}
    view = case.view()
    assert view["ready_to_issue"] is True
    issued = case.issue(by=CLERK)
    assert events(issued) == ["issued"]
    assert issued[0]["approved"] == ["licence_check", "food_licence"] and issued[0]["not_approved"] == []
    assert issued[0]["rating_until"] == at("2025-03-10", 18)  # 5wd rating window
    assert case.status == "issued"
    assert events(case.rate(5, "很满意")) == ["rated", "case_closed"]
    assert case.status == "closed"

    view = case.view()
    assert view["status"] == "closed" and view["rating"] == 5
    assert list(view["items"]) == ["licence_check", "food_licence"]
    food = view["items"]["food_licence"]
    assert food["status"] == "approved" and food["round"] == 1
    assert food["deadline"] == at("2025-03-10", 18)  # 5wd from Monday 09:30
    assert [s["signer"] for s in food["signers"]] == ["li", "zhou"]
    assert [s["decision"] for s in food["signers"]] == ["approve", "approve"]
    assert view["materials"]["premises_proof"]["status"] == "handed_over"
    assert view["materials"]["business_licence"]["status"] == "provided"
    assert view["outstanding"] == [] and view["notice"] == []
    assert view["issued_at"] == at("2025-03-03", 9, 30)

    trail = case.audit_trail()
    assert [e["event"] for e in trail][:3] == ["case_opened", "submitted", "accepted"]
    assert trail[-1]["event"] == "case_closed"
    assert trail[0]["actor_kind"] == "applicant" and trail[0]["command"] == "open"
    assert trail[2]["actor"] == "wang" and trail[2]["at"] == at("2025-03-03", 9, 30)
    assert all(e["version"] == i + 1 for i, e in enumerate(trail))
    assert len(trail) == case.version


def test_a_deferred_material_is_supplied_in_time(engine, restaurant, clock):
    """examples/scripts/restaurant_case.scenario."""
    case = engine.open_case(restaurant, {"sign.installed": True, "premises.area_m2": 80}, applicant="corp-1")
    case.submit(["premises_proof", "layout_plan", "food_safety_rules", "sign_design", "fire_safety_rules"])
    accepted = case.accept_with_deficiency(by=CLERK)
    assert accepted[0]["event"] == "accepted"
    assert accepted[0]["deferred"] == [{"material": "health_certificates", "deadline": at("2025-03-06", 18)}]
    view = case.view()
    assert view["status"] == "accepted_with_deficiency"
    assert view["materials"]["health_certificates"]["status"] == "deferred"
    assert view["outstanding"] == ["health_certificates"]
    case.sign("licence_check", by=LI)

    clock.advance_to(at("2025-03-05", 10))
    assert events(case.supply_material("health_certificates")) == ["material_supplied"]
    assert case.view()["outstanding"] == []
    case.sign("food_licence", by=LI)
    case.sign("food_licence", "approve", "同意许可", by=ZHOU)
    case.sign("outdoor_sign", by=CHEN)
    case.sign("fire_check", by=SUN)
    case.sign("fire_check", by=("qian", "fire_rescue", "section_chief"))  # the tuple form of an actor
    assert case.view()["ready_to_issue"]

    clock.advance_to(at("2025-03-06", 9))
    case.issue(by=CLERK)
    assert case.status == "issued"
    assert case.view()["issued_at"] == at("2025-03-06", 9)


def test_deadlines_warnings_and_timers_on_a_manual_clock(restaurant):
    """tests/scenarios/deadline_timers.scenario: across the 2025 National Day holiday."""
    clock = yishi.ManualClock(at("2025-09-26", 15))
    engine = yishi.Engine(clock=clock)
    case = engine.open_case(restaurant, applicant="corp-1", situations={"outdoor_sign": True, "crowded_venue": False})
    case.submit(PLAIN_MATERIALS + ["sign_design"])
    case.accept(by=CLERK)
    assert case.view()["items"]["licence_check"]["deadline"] == at("2025-09-26", 18)
    case.sign("licence_check", by=LI)
    items = case.view()["items"]
    assert items["food_licence"]["deadline"] == at("2025-10-10", 18)
    assert items["food_licence"]["warning_at"] == at("2025-10-09", 15, 15)
    assert items["outdoor_sign"]["deadline"] == at("2025-09-30", 18)
    assert items["outdoor_sign"]["warning_at"] == at("2025-09-30", 10, 15)
    assert case.view()["next_timer"] == at("2025-09-30", 10, 15)

    assert engine.advance_to(at("2025-09-30", 12)) == 1
    assert clock.now == at("2025-09-30", 12) and engine.now == clock.now
    assert case.view()["items"]["outdoor_sign"]["warned"] is True
    assert engine.advance_to(at("2025-10-08", 23)) == 1
    outdoor = case.view()["items"]["outdoor_sign"]
    assert outdoor["warned"] and outdoor["overdue"]
    details = [e["detail"] for e in case.audit_trail()]
    assert "item `outdoor_sign` is past its promised limit" in details
    fired = [e for e in case.audit_trail() if e["actor_kind"] == "system"]
    assert [e["at"] for e in fired] == [at("2025-09-30", 10, 15), at("2025-09-30", 18)]  # each at its due instant

    # no advance: the command first fires food_licence's warning, due 10-09 15:15
    clock.advance_to(at("2025-10-10", 10))
    case.sign("food_licence", by=LI)
    assert case.view()["items"]["food_licence"]["warned"] is True
    assert "warning: item `food_licence` nears its promised limit" in [e["detail"] for e in case.audit_trail()]
    case.sign("outdoor_sign", by=CHEN)
    case.sign("food_licence", by=ZHOU)
    assert case.view()["next_timer"] is None
    case.issue(by=CLERK)


def test_a_deferred_material_lapses_when_its_timer_fires(engine, restaurant, clock):
    case = engine.open_case(restaurant, PLAIN, applicant="corp-1")
    case.submit(["premises_proof", "layout_plan"])
    case.accept_with_deficiency(by=CLERK)
    deadline = case.view()["materials"]["food_safety_rules"]["deadline"]
    assert deadline == at("2025-03-06", 18)
    assert engine.advance_to(deadline + datetime.timedelta(minutes=1)) >= 1
    view = case.view()
    assert view["materials"]["food_safety_rules"]["status"] == "lapsed"
    assert "material_lapsed" in [e["event"] for e in case.audit_trail()]


def test_fire_due_claims_and_fires_timers(engine, restaurant, clock):
    case = engine.open_case(restaurant, PLAIN, applicant="corp-1")
    case.submit(PLAIN_MATERIALS)
    case.accept(by=CLERK)
    clock.advance_to(at("2025-03-04", 9))
    assert engine.fire_due("worker-1", limit=10, lease=datetime.timedelta(seconds=5)) >= 1
    assert case.view()["items"]["licence_check"]["overdue"] is True
    assert engine.fire_due("worker-1", until=at("2025-03-04", 9)) == 0


def test_correction_at_intake_and_resubmission(engine, restaurant):
    """tests/scenarios/correction_then_resubmission.scenario."""
    case = engine.open_case(restaurant, situations={"outdoor_sign": False, "crowded_venue": True}, applicant="corp-1")
    case.submit(["premises_proof", "food_safety_rules", "health_certificates", "fire_safety_rules"])
    returned = case.return_for_correction(["premises_proof"], "租赁合同缺少盖章页", by=CLERK)
    assert events(returned) == ["correction_requested"]
    assert returned[0]["origin"] == "intake"
    assert returned[0]["entries"] == [{"item": None, "materials": ["premises_proof", "layout_plan"],
                                       "comment": "租赁合同缺少盖章页"}]
    view = case.view()
    assert view["status"] == "returned_for_correction"
    assert view["notice"] == [{"item": None, "materials": ["premises_proof", "layout_plan"], "comment": "租赁合同缺少盖章页"}]
    with pytest.raises(yishi.InvalidTransition, match="asks for `layout_plan`"):
        case.resubmit(["premises_proof"])
    assert events(case.resubmit(["premises_proof", "layout_plan"])) == ["resubmitted"]
    assert case.status == "submitted"
    case.accept(by=CLERK)
    case.sign("licence_check", by=LI)
    returned = case.sign("fire_check", "return", "消防平面图不清晰", materials=["premises_proof"], by=SUN)
    assert events(returned) == ["signed", "item_returned"]
    case.sign("food_licence", by=LI)
    assert events(case.sign("food_licence", by=ZHOU)) == ["signed", "item_approved", "correction_requested"]
    assert case.view()["notice"] == [{"item": "fire_check", "materials": ["premises_proof"], "comment": "消防平面图不清晰"}]
    assert events(case.resubmit(["premises_proof"])) == ["resubmitted", "item_started"]
    assert case.view()["items"]["fire_check"]["round"] == 2
    case.sign("fire_check", by=SUN)
    case.sign("fire_check", by=QIAN)
    assert events(case.issue(by=CLERK)) == ["issued"]


def test_refusal_and_withdrawal(engine, restaurant):
    refused = engine.open_case(restaurant, PLAIN, applicant="corp-1")
    refused.submit(["premises_proof"])
    assert events(refused.refuse("不属于受理范围", by=CLERK))[-1] == "refused"
    assert refused.status == "refused"

    withdrawn = engine.open_case(restaurant, PLAIN, applicant="corp-2")
    assert events(withdrawn.pledge("food_licence")) == ["pledged"]
    assert withdrawn.view()["items"]["food_licence"]["pledged"] is True
    withdrawn.submit(PLAIN_MATERIALS)
    out = withdrawn.withdraw("暂不办理")
    assert out[-1] == {"event": "withdrawn", "version": out[-1]["version"], "reason": "暂不办理"}
    assert withdrawn.status == "withdrawn"


def test_pledge_and_post_check_after_issuance(restaurant):
    """tests/scenarios/pledge_post_check_after_issuance.scenario (every pledge drawn)."""
    clock = yishi.ManualClock(at("2025-04-07", 9))
    engine = yishi.Engine(clock=clock, post_check_rate=1.0)
    case = engine.open_case(restaurant, situations={"outdoor_sign": False, "crowded_venue": True}, applicant="corp-1")
    case.submit(PLAIN_MATERIALS + ["fire_safety_rules"])
    case.accept(by=CLERK)
    case.sign("licence_check", by=LI)
    pledged = case.pledge("food_licence")
    assert events(pledged) == ["pledged", "item_approved"]
    assert pledged[0]["sampled"] is True and pledged[1]["by_pledge"] is True
    case.sign("fire_check", by=SUN)
    case.sign("fire_check", by=QIAN)
    case.issue(by=CLERK)
    assert events(case.rate(4)) == ["rated"]
    assert case.status == "issued"  # the drawn post-check is still due
    assert case.view()["items"]["food_licence"]["post_check"] == "due"
    checked = case.post_check("food_licence", False, "现场核查不符", by=LI)
    assert events(checked) == ["post_checked", "item_revoked", "case_closed"]
    assert checked[0]["passed"] is False and checked[1]["cause"] == "post_check_failed"
    assert case.status == "closed"
    assert case.view()["items"]["food_licence"]["status"] == "revoked"


def test_an_assigned_slot_is_signed_by_its_assignee(engine, restaurant):
    """tests/scenarios/lifecycle_edges.scenario, case 2."""
    case = engine.open_case(restaurant, PLAIN, applicant="corp-1")
    case.submit(PLAIN_MATERIALS)
    case.accept(by=CLERK)
    case.sign("licence_check", by=LI)
    assigned = case.assign("food_licence", "zhang", slot=1, by=LI)
    assert assigned == [{"event": "signer_assigned", "version": assigned[0]["version"], "item": "food_licence",
                         "slot": 1, "person": "zhang"}]
    case.sign("food_licence", by=LI)
    with pytest.raises(yishi.NotAuthorised, match="assigned to someone else"):
        case.sign("food_licence", by=ZHOU)
    case.sign("food_licence", by=("zhang", "market_regulation", "section_chief"))
    assert case.view()["items"]["food_licence"]["signers"][1]["assignee"] == "zhang"
    assert case.view()["ready_to_issue"]


def test_a_case_migrates_to_a_new_version(restaurant, clock):
    engine = yishi.Engine(clock=clock)
    engine.deploy(restaurant)
    case = engine.open_case(restaurant, PLAIN, applicant="corp-1")
    case.submit(PLAIN_MATERIALS)
    text = RESTAURANT.read_text(encoding="utf-8").replace('version: "2024.1"', 'version: "2024.2"')
    v2 = yishi.loads(text, name="open_restaurant.yaml").compile()
    assert engine.deploy(v2) is True
    assert engine.deploy(v2) is True  # the same definition again
    changed = yishi.loads(text.replace("promised: 5wd", "promised: 4wd"), name="open_restaurant.yaml").compile()
    assert engine.deploy(changed) is False  # another definition under 2024.2
    migrated = case.migrate("2024.2", by=CLERK)
    assert migrated[0]["event"] == "case_migrated"
    assert (migrated[0]["from_version"], migrated[0]["to_version"]) == ("2024.1", "2024.2")
    assert migrated[0]["items"]["food_licence"] == "food_licence"
    assert case.bundle_version == "2024.2"
    assert case.view()["bundle_version"] == "2024.2"
    # new cases take the latest version
    assert engine.open_case("open_restaurant", PLAIN, applicant="corp-2").bundle_version == "2024.2"
    assert engine.open_case("open_restaurant", PLAIN, applicant="corp-3", version="2024.1").bundle_version == "2024.1"


def test_state_snapshot_and_verify(engine, restaurant):
    case = engine.open_case(restaurant, PLAIN, applicant="110105194912310021")
    case.submit(PLAIN_MATERIALS)
    case.accept(by=CLERK)
    state = case.state()
    assert state["status"] == "accepted" and state["version"] == case.version
    assert state["applicant"] == "110105194912310021"  # the state is unmasked
    assert case.view()["applicant"] == "110***********0021"  # views mask personal data
    assert state["items"]["licence_check"]["status"] == "in_review"
    assert state["items"]["outdoor_sign"]["status"] == "inactive"
    assert [s["decision"] for s in state["items"]["food_licence"]["signers"]] == [None, None]
    assert state["materials"]["premises_proof"]["status"] == "handed_over"
    assert state["accepted_at"] == at("2025-03-03", 9, 30) and state["issued_at"] is None
    assert case.snapshot() == case.version
    assert case.verify() is True


def test_engine_properties(restaurant, clock):
    store = yishi.Store("memory", outbox=True)
    engine = yishi.Engine(store, clock=clock, calendar=yishi.Calendar(), warning_fraction=0.5, rating_window="3wd",
                          post_check_rate=0.0, seed=7, intake_role="clerk", max_attempts=2)
    assert engine.options == {"warning_fraction": 0.5, "rating_window": "3wd", "post_check_rate": 0.0, "seed": 7,
                              "intake_role": "clerk", "max_attempts": 2}
    assert engine.store is store and engine.clock is clock
    assert engine.calendar.years == []
    assert engine.now == clock.now
    case = engine.open_case(restaurant, PLAIN, applicant="corp-1")
    assert engine.live_cases == 1
    assert repr(engine) == "<yishi.Engine store=memory live_cases=1>"
    engine.drop_cache()
    assert engine.live_cases == 0
    assert engine.case(case.id) == case and hash(engine.case(case.id)) == hash(case)
    assert engine.cases() == [case]
    assert yishi.Engine().now.tzinfo == yishi.CST  # the system clock and the national calendar
    assert yishi.Engine(calendar=yishi.Calendar.national()).calendar.years == [2024, 2025, 2026]
    with pytest.raises(ValueError):
        yishi.Engine(warning_fraction=1.5)
    with pytest.raises(TypeError):
        yishi.Engine(clock="now")
    with pytest.raises(ValueError, match="store"):
        yishi.Engine("redis://localhost")


def test_actors():
    staff = yishi.Actor.staff("li", "market_regulation", "reviewer")
    assert (staff.kind, staff.id, staff.department, staff.role) == ("staff", "li", "market_regulation", "reviewer")
    assert repr(staff) == "<yishi.Actor staff li market_regulation reviewer>"
    applicant = yishi.Actor.applicant("13812345678")
    assert applicant.kind == "applicant" and applicant.id == "13812345678"
    assert repr(applicant) == "<yishi.Actor applicant 138****5678>"  # personal data masked
    assert staff == yishi.Actor.staff("li", "market_regulation", "reviewer") and staff != applicant
    assert len({staff, yishi.Actor.staff("li", "market_regulation", "reviewer")}) == 1


def test_an_applicant_command_by_someone_else_is_not_authorised(engine, restaurant):
    case = engine.open_case(restaurant, PLAIN, applicant="corp-1")
    with pytest.raises(yishi.NotAuthorised):
        case.submit(PLAIN_MATERIALS, by=yishi.Actor.applicant("corp-2"))
    with pytest.raises(TypeError, match="by"):
        case.accept(by="wang")
    with pytest.raises(ValueError, match="decision"):
        case.sign("licence_check", "maybe", by=LI)


def test_threads_share_an_engine(restaurant, clock):
    engine = yishi.Engine(clock=clock)
    engine.deploy(restaurant)
    errors = []

    def work(n):
        try:
            for i in range(5):
                run_to_issuance(engine.open_case(restaurant, PLAIN, applicant=f"corp-{n}-{i}"))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(engine.cases()) == 20
    assert all(c.status == "issued" for c in engine.cases())
