"""The compiled bundle: its step graph, the evaluation of its conditions, the merged form,
the material plan and the validation of a submission (docs/forms.md), and how answers are
taken from Python values."""

import datetime

import pytest

import yishi
from conftest import PLAIN, ROOT

BOOKSTORE = ROOT / "tests" / "golden" / "report" / "open_bookstore.yaml"

# The bookstore applicant with a 30 m² shop and no sign (tests/support/test_support.hpp).
SMALL_SHOP = {
    "applicant.name": "王小明",
    "applicant.id_number": "11010519491231002X",
    "applicant.phone": "13812345678",
    "store.name": "新华路书屋",
    "store.address": "上海市黄浦区新华路1号",
    "store.area_m2": 30.0,
    "manager.name": "李四",
    "publication.categories": ["books", "periodicals"],
    "sign.installed": False,
    "tax.invoice_types": ["general"],
}


@pytest.fixture(scope="module")
def bookstore():
    return yishi.load(BOOKSTORE).compile()


def test_compiled_bundle_properties(restaurant):
    assert (restaurant.id, restaurant.version, restaurant.name) == ("open_restaurant", "2024.1", "开办餐饮店一件事")
    assert restaurant.order == ["intake", "licence_check", "food_licence", "outdoor_sign", "fire_check", "issuance"]
    assert restaurant.levels == [["intake"], ["licence_check"], ["food_licence", "outdoor_sign", "fire_check"], ["issuance"]]
    assert restaurant.max_parallel_reviews == 3
    assert restaurant.diagnostics == []
    assert restaurant.bundle.id == "open_restaurant" and restaurant.bundle == yishi.load(ROOT / "bundles/national/open_restaurant.yaml")
    food = restaurant.steps[2]
    assert food == {
        "name": "food_licence",
        "kind": "review",
        "item": "food_licence",
        "after": ["licence_check"],
        "before": ["issuance"],
        "depth": 2,
        "join": {"kind": "sequence", "threshold": 2, "total_weight": 2},
        "signers": [
            {"role": "reviewer", "department": "market_regulation", "weight": 1},
            {"role": "section_chief", "department": "market_regulation", "weight": 1},
        ],
    }
    assert restaurant.steps[0]["kind"] == "intake" and restaurant.steps[0]["item"] is None
    assert repr(restaurant) == "<yishi.CompiledBundle open_restaurant 2024.1 (开办餐饮店一件事), 6 steps>"


def test_steps_are_what_yishi_compile_json_prints(restaurant, cli):
    import json

    code, out, _ = cli("compile", "--json", "bundles/national/open_restaurant.yaml")
    assert code == 0
    [printed] = json.loads(out)["compiled"]
    assert printed["order"] == restaurant.order
    for step, p in zip(restaurant.steps, printed["steps"]):
        assert (step["name"], step["kind"], step["depth"], step["after"], step["before"]) == (
            p["name"], p["kind"], p["depth"], p["after"], p["before"])
        assert (step["join"]["kind"], step["join"]["threshold"]) == (p["join"], p["threshold"])


def test_evaluate_is_three_valued(restaurant):
    r = restaurant.evaluate({})
    assert r["situations"] == {"outdoor_sign": None, "crowded_venue": None}
    assert r["active"] == {"licence_check": True, "food_licence": True, "outdoor_sign": None, "fire_check": None}
    assert r["missing_fields"] == {"premises.area_m2": ["fire_check"], "sign.installed": ["outdoor_sign"]}
    assert r["decided"] is False
    r = restaurant.evaluate({"sign.installed": True}, situations={"crowded_venue": False})
    assert r["active"] == {"licence_check": True, "food_licence": True, "outdoor_sign": True, "fire_check": False}
    assert r["decided"] is True and r["errors"] == [] and r["ineligible"] == []


def test_evaluate_reports_failed_eligibility_and_today_matters():
    newborn = yishi.load(ROOT / "bundles" / "national" / "newborn_birth.yi").compile()
    answers = {"newborn.birth_date": datetime.date(2025, 1, 10), "parents.married": False, "parents.hukou_in_province": True}
    r = newborn.evaluate(answers, today=datetime.date(2025, 3, 1))
    assert r["ineligible"] == ["父母为合法婚姻关系（婚内生育）[S20][S23]"]
    answers["parents.married"] = True
    assert newborn.evaluate(answers, today=datetime.date(2025, 3, 1))["ineligible"] == []
    late = newborn.evaluate(answers, today=datetime.date(2026, 3, 1))["ineligible"]
    assert late == ["新生儿出生未满一年 [S20]（厦门为6个月内 [S22][L]）"]


def test_merged_form_asks_what_decides_first(bookstore):
    form = bookstore.merged_form()
    assert form["next_questions"] == ["store.area_m2", "sign.installed"]
    assert form["complete"] is False
    assert set(form) == {"fields", "sections", "active_items", "undecided_items", "next_questions", "remaining",
                         "ineligible", "errors", "complete"}
    answered = bookstore.merged_form({"store.area_m2": 30.0, "sign.installed": False})
    assert answered["next_questions"] == [] and answered["undecided_items"] == []
    area = next(f for f in answered["fields"] if f["id"] == "store.area_m2")
    assert area["answered"] is True and area["type"] == "decimal" and area["min"] == 1.0
    phone = next(f for f in answered["fields"] if f["id"] == "applicant.phone")
    assert phone["sensitive"] is True


def test_merged_form_for_every_item(bookstore):
    form = bookstore.merged_form(every_item=True)
    assert [s["key"] for s in form["sections"]] == ["applicant", "store", "sign", "publication_permit", "tax_registration"]
    assert form["sections"][3]["fields"] == ["manager.name", "publication.categories"]
    assert form["undecided_items"] == []


def test_material_plan_of_the_bookstore(bookstore):
    plan = bookstore.material_plan(every_item=True, pledged=["publication_permit"])
    by = {m["id"]: m for m in plan["materials"]}
    assert {k for k, m in by.items() if m["requirement"] == "provided"} == {"id_proof", "licence_copy"}
    assert {k for k, m in by.items() if m["requirement"] == "submit"} == {"premises_proof", "articles", "sign_design"}
    assert {k for k, m in by.items() if m["requirement"] == "deferrable"} == {"fire_plan", "manager_resume"}
    assert {k for k, m in by.items() if m["requirement"] == "pledged"} == {"floor_plan"}
    assert by["premises_proof"]["core"] and by["sign_design"]["core"]
    assert by["fire_plan"]["deadline"] == "3wd"
    assert plan["requested_separately"] == 13
    assert plan["counts"] == {"submit": 3, "deferrable": 2, "provided": 2, "pledged": 1}
    unavailable = bookstore.material_plan(every_item=True, unavailable=["id_proof"])
    assert next(m for m in unavailable["materials"] if m["id"] == "id_proof")["requirement"] == "submit"
    bad = bookstore.material_plan(every_item=True, pledged=["tax_registration"])
    assert bad["errors"] == ["item `tax_registration` does not allow a pledge (告知承诺)"]


def test_material_plan_leaves_undecided_items_out(restaurant):
    plan = restaurant.material_plan({"sign.installed": False})
    assert plan["undecided_items"] == ["fire_check"]
    assert [m["id"] for m in restaurant.material_plan(PLAIN)["materials"]] == [
        "business_licence", "premises_proof", "layout_plan", "food_safety_rules", "health_certificates"]


def test_validate_splits_per_department(bookstore):
    s = bookstore.validate(SMALL_SHOP)
    assert s["accepted"] is True and s["errors"] == []
    assert [p["department"] for p in s["payloads"]] == ["market_regulation", "culture", "tax"]
    market = s["payloads"][0]
    assert list(market["answers"]) == ["applicant.name", "applicant.id_number", "applicant.phone", "store.name",
                                       "store.address", "store.area_m2"]
    assert s["payloads"][1]["answers"]["publication.categories"] == ["books", "periodicals"]
    assert s["payloads"][2]["items"] == ["tax_registration"]


def test_validate_reports_every_violation_without_quoting_answers(bookstore):
    bad = dict(SMALL_SHOP, **{"applicant.id_number": "110105194912310021", "applicant.phone": "12345",
                               "store.area_m2": "large"})
    s = bookstore.validate(bad)
    assert s["accepted"] is False and s["payloads"] == []
    fields = {e["field"] for e in s["errors"]}
    assert {"applicant.id_number", "applicant.phone", "store.area_m2"} <= fields
    assert all("110105194912310021" not in e["message"] for e in s["errors"])
    assert {"field": "store.area_m2", "message": "field `store.area_m2` needs a number"} in s["errors"]


def test_answers_take_python_values(restaurant):
    # int for a decimal field, a list for a multiple choice, a date
    answers = {"premises.area_m2": 80, "sign.installed": True, "menu.categories": ("hot_food", "pastry")}
    assert restaurant.evaluate(answers)["active"]["fire_check"] is True
    newborn = yishi.load(ROOT / "bundles" / "national" / "newborn_birth.yi").compile()
    r = newborn.evaluate({"newborn.birth_date": datetime.date(2025, 1, 10)}, today=datetime.date(2025, 2, 1))
    assert "newborn.birth_date" not in r["missing_fields"]


@pytest.mark.parametrize(
    "answers, message",
    [
        ({"premises.area_m2": object()}, "is not an answer"),
        ({"premises.area_m2": datetime.datetime(2025, 1, 1)}, "give a datetime.date"),
        ({"menu.categories": ["hot_food", 3]}, "holds str values"),
        ({1: True}, "field ids"),
        ([("sign.installed", True)], "dict"),
    ],
)
def test_answers_of_the_wrong_python_type_are_type_errors(restaurant, answers, message):
    with pytest.raises(TypeError, match=message):
        restaurant.evaluate(answers)


def test_other_arguments_of_the_wrong_type(restaurant):
    with pytest.raises(TypeError, match="situations"):
        restaurant.evaluate({}, situations={"outdoor_sign": "yes"})
    with pytest.raises(TypeError, match="datetime.date"):
        restaurant.evaluate({}, today=datetime.datetime(2025, 1, 1))
    with pytest.raises(TypeError, match="pledged"):
        restaurant.material_plan(pledged="food_licence")
