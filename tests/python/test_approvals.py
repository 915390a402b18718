"""Approval operations (docs/approvals.md) from Python: claim, transfer, delegate, add and
remove signers, reject back, reclaim and reminders on the test bundle of the C++ scenarios
(tests/scenarios/bundles/approvals.yaml)."""

import pytest

import yishi
from conftest import ROOT, at, events

APPROVALS = ROOT / "tests" / "scenarios" / "bundles" / "approvals.yaml"
CLERK = yishi.Actor.staff("c1", "hall", "clerk")
LI = yishi.Actor.staff("li", "office", "reviewer")
WANG = yishi.Actor.staff("wang", "office", "reviewer")
ZHAO = yishi.Actor.staff("zhao", "office", "reviewer")
M1 = yishi.Actor.staff("m1", "board", "member")
M2 = yishi.Actor.staff("m2", "board", "member")
CHIEF = yishi.Actor.staff("ch", "board", "chief")


@pytest.fixture
def approvals_engine():
    clock = yishi.ManualClock(at("2025-03-03", 10))
    engine = yishi.Engine("memory", clock=clock)
    assert engine.deploy(yishi.load(APPROVALS).compile())
    return engine, clock


def open_case(engine, part):
    case = engine.open_case("approvals", {"case.part": part, "company.name": "甲公司"}, applicant="p-1")
    case.submit(["form", "annex"] if part in ("serial", "parallel") else ["form"])
    case.accept(by=CLERK)
    return case


def test_claim_transfer_delegate_and_sign(approvals_engine):
    engine, _ = approvals_engine
    case = open_case(engine, "serial")
    assert events(case.claim("s1", by=LI)) == ["signer_assigned"]
    with pytest.raises(yishi.NotAuthorised, match="assigned to someone else"):
        case.sign("s1", by=WANG)
    moved = case.transfer("s1", "wang", "出差", by=LI)
    assert moved[0]["event"] == "signature_transferred"
    assert (moved[0]["from"], moved[0]["to"], moved[0]["slot"]) == ("li", "wang", 0)
    case.delegate("s1", "zhao", "请核实", by=WANG)
    signer = case.view()["items"]["s1"]["signers"][0]
    assert (signer["assignee"], signer["delegate"], signer["ready"]) == ("wang", "zhao", True)
    with pytest.raises(yishi.InvalidTransition, match="delegated to `zhao`"):
        case.sign("s1", by=WANG)
    advised = case.resolve_delegation("s1", "approve", "无误", by=ZHAO)
    assert advised[0]["advice"] == "approve" and advised[0]["by"] == "zhao"
    assert events(case.sign("s1", by=WANG))[:2] == ["signed", "item_approved"]
    with pytest.raises(ValueError, match="advice"):
        case.resolve_delegation("s2", "maybe", by=ZHAO)


def test_add_and_remove_signers_reevaluate_the_join(approvals_engine):
    engine, _ = approvals_engine
    case = open_case(engine, "multi")
    added = case.add_signer("all3", "expert", "请专家", department="office", person="ex", by=M1)
    assert events(added) == ["signer_added", "join_reevaluated"]
    assert added[1]["threshold"] == 4 and added[1]["total_weight"] == 4
    signers = case.view()["items"]["all3"]["signers"]
    assert len(signers) == 4 and signers[3]["added"] and signers[3]["assignee"] == "ex"
    case.sign("all3", by=M1)
    case.sign("all3", by=M2)
    with pytest.raises(yishi.NotAuthorised, match="supervisor"):
        case.remove_signer("all3", 2, "回避", by=M1)
    case.remove_signer("all3", 3, "不需要专家", by=CHIEF)
    removed = case.remove_signer("all3", 2, "回避", by=CHIEF)
    assert events(removed) == ["signer_removed", "join_reevaluated", "item_approved"]
    with pytest.raises(ValueError, match="position"):
        case.add_signer("any3", "expert", "x", position="sideways", by=M1)


def test_reject_back_reclaim_and_reminders(approvals_engine):
    engine, clock = approvals_engine
    case = open_case(engine, "serial")
    case.sign("s1", by=LI)
    s2 = case.view()["items"]["s2"]
    assert s2["remind_at"] == at("2025-03-03", 15) and s2["reminders"] == 0
    assert events(case.remind("s2", "请尽快")) == ["reminder_sent"]
    with pytest.raises(yishi.NotAuthorised):
        case.remind("s2", by=LI)
    case.sign("s2", by=WANG)
    assert case.view()["items"]["s3"]["reject_targets"] == ["applicant", "s2", "s1"]  # s2: `previous`
    back = case.reject_back("s3", "s1", "第一步有误", by=ZHAO)
    assert events(back) == ["rejected_back", "item_started"]
    assert back[0]["target"] == "s1"
    assert case.view()["items"]["s1"]["status"] == "in_review"
    with pytest.raises(yishi.InvalidTransition, match="may not be rejected back"):
        case.reject_back("s2", "s1", "x", by=WANG)
    case.sign("s1", by=LI)
    with pytest.raises(yishi.InvalidTransition, match="is `approved`"):
        case.reclaim("s1", "s2 kept its approval", by=LI)
    case.sign("s3", by=ZHAO)
    reopened = case.reclaim("s3", "签错了", by=ZHAO)
    assert events(reopened) == ["signature_reclaimed", "item_reopened"]
    assert case.view()["items"]["s3"]["round"] == 3
