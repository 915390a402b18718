"""Loading bundles in both syntaxes, located diagnostics, the checker, the Bundle's
properties and printers."""

import os

import pytest

import yishi
from conftest import RESTAURANT, ROOT

BROKEN_YAML = """\
bundle: demo
name: 演示
version: "1"
applicant: enterprise
lead: market
departments:
  market: {name: 市场监管}
items:
  licence:
    name: 许可
    department: market
    statutory: 5wd
    promised: 3wd
    aftr: [other]
"""

UNKNOWN_DEPARTMENT = BROKEN_YAML.replace("    aftr: [other]\n", "").replace(
    "    department: market\n", "    department: markt\n"
)

SMALL_DSL = """\
bundle demo "演示" version "1" {
  applicant enterprise
  lead market

  department market "市场监管"

  item licence "许可" by market {
    statutory 5wd  promised 3wd
  }
}
"""


def test_load_yaml_file_gives_a_bundle_with_its_properties():
    b = yishi.load(RESTAURANT)
    assert (b.id, b.version, b.name) == ("open_restaurant", "2024.1", "开办餐饮店一件事")
    assert b.file == str(RESTAURANT)
    assert b.applicant == "enterprise" and b.lead == "market_regulation"
    assert (b.apply, b.delivery) == ("online", "window")
    assert "[S6]" in b.basis
    assert list(b.items) == ["licence_check", "food_licence", "outdoor_sign", "fire_check"]
    food = b.items["food_licence"]
    assert food["department"] == "market_regulation"
    assert food["promised"] == "5wd" and food["statutory"] == "10wd"
    assert food["after"] == ["licence_check"]
    assert food["join"] == "sequence"
    assert [s["role"] for s in food["signers"]] == ["reviewer", "section_chief"]
    assert {"id": "premises_proof", "core": True} in food["materials"]
    assert food["pledge"] is True and food["essential"] is True
    assert b.items["outdoor_sign"]["when"] == ["outdoor_sign"]
    assert b.departments["fire_rescue"]["name"] == "消防救援支队"
    assert b.fields["premises.area_m2"]["type"] == "decimal"
    assert b.fields["premises.area_m2"]["min"] == 1.0
    assert b.fields["menu.categories"]["multiple"] is True
    assert b.materials["food_safety_rules"]["deferrable"] == "3wd"
    assert b.materials["business_licence"]["source"] == "e_licence"
    assert b.situations["crowded_venue"]["when"] == "premises.area_m2 >= 50"
    assert b.eligibility == [] and b.tables == {} and b.stages == []
    assert b.variant_of is None
    assert b.diagnostics == []


def test_load_accepts_a_path_object_and_the_dsl():
    b = yishi.load(ROOT / "bundles" / "national" / "newborn_birth.yi")
    assert b.id == "newborn_birth"
    assert b.eligibility[1] == {"when": "parents.married", "label": "父母为合法婚姻关系（婚内生育）[S20][S23]"}


def test_loads_takes_yaml_and_dsl_text():
    b = yishi.loads(SMALL_DSL, format="dsl")
    assert b.id == "demo" and list(b.items) == ["licence"]
    assert b.file == "<string>"
    assert yishi.loads(SMALL_DSL, name="demo.yi").id == "demo"  # the format follows the name
    y = yishi.loads(b.to_yaml(), name="demo.yaml")
    assert y == b and hash(y) == hash(b)
    assert yishi.loads(b.to_dsl(), format="dsl") == b


def test_printers_round_trip_the_restaurant():
    b = yishi.load(RESTAURANT)
    assert yishi.loads(b.to_dsl(), format="dsl") == b
    assert yishi.loads(b.to_yaml()) == b
    assert b != yishi.loads(SMALL_DSL, format="dsl")
    assert (b == "open_restaurant") is False


def test_a_local_variant_names_its_base():
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        b = yishi.load("bundles/local/open_restaurant_sichuan.yaml")
    finally:
        os.chdir(cwd)
    v = b.variant_of
    assert v["id"] == "open_restaurant" and v["version"] == "2024.1"
    assert v["changes"] and {"kind", "what", "id", "keys"} <= set(v["changes"][0])


def test_a_malformed_bundle_raises_load_error_with_located_diagnostics():
    with pytest.raises(yishi.LoadError) as info:
        yishi.loads(BROKEN_YAML, name="demo.yaml")
    e = info.value
    assert isinstance(e, yishi.Error)
    [d] = e.diagnostics
    assert (d.code, d.severity, d.is_error) == ("E1005", "error", True)
    assert (d.file, d.line, d.column) == ("demo.yaml", 14, 5)
    assert (d.end_line, d.end_column) == (14, 9)
    assert d.message == "unknown key `aftr` in item `licence`"
    assert d.label == "not a known key"
    assert d.help == "did you mean `after`?"
    assert str(d) == d.text
    assert d.text.startswith("demo.yaml:14:5: error[E1005]: unknown key `aftr` in item `licence`\n")
    assert "^^^^ not a known key" in d.text
    assert repr(d) == "<yishi.Diagnostic error E1005 demo.yaml:14:5: unknown key `aftr` in item `licence`>"
    assert str(e).endswith("1 error\n")


def test_load_error_text_is_what_yishi_check_prints(cli):
    rel = "tests/golden/check/E1005_unknown_key_typo.yaml"
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with pytest.raises(yishi.LoadError) as info:
            yishi.load(rel)
    finally:
        os.chdir(cwd)
    golden = (ROOT / rel).with_suffix(".diag").read_text(encoding="utf-8")
    assert str(info.value) == golden
    code, _, err = cli("check", "--color=never", rel)
    assert code == 1 and err == golden


def test_a_dsl_syntax_error_is_located():
    with pytest.raises(yishi.LoadError) as info:
        yishi.loads(SMALL_DSL.replace("promised 3wd", "promised 3"), format="dsl", name="demo.yi")
    [d] = info.value.diagnostics
    assert (d.code, d.file, d.line, d.column) == ("E2001", "demo.yi", 8, 29)
    assert d.message == "expected a duration, found `3`"
    assert "statutory 5wd  promised 3\n" in str(d)


def test_an_unreadable_file_is_e1000(tmp_path):
    with pytest.raises(yishi.LoadError) as info:
        yishi.load(tmp_path / "missing.yaml")
    assert [d.code for d in info.value.diagnostics] == ["E1000"]


def test_loads_refuses_an_unknown_format():
    with pytest.raises(ValueError):
        yishi.loads(SMALL_DSL, format="toml")


def test_check_lists_checker_errors_and_compile_raises_check_error():
    b = yishi.loads(UNKNOWN_DEPARTMENT, name="demo.yaml")
    found = b.check()
    errors = [d for d in found if d.is_error]
    assert [d.code for d in errors] == ["E3002"]
    d = errors[0]
    assert (d.file, d.line, d.column) == ("demo.yaml", 11, 17)
    assert d.message == "unknown department `markt`"
    assert d.help == "did you mean `market`?"
    assert "^^^^^ no department with this id" in str(d)
    with pytest.raises(yishi.CheckError) as info:
        b.compile()
    assert isinstance(info.value, yishi.Error)
    assert "E3002" in [x.code for x in info.value.diagnostics]
    assert "error[E3002]: unknown department `markt`" in str(info.value)


def test_check_of_a_clean_bundle_is_empty_and_warnings_can_be_left_out():
    assert yishi.load(RESTAURANT).check() == []
    # a department nobody uses is a warning, not an error
    text = UNKNOWN_DEPARTMENT.replace("department: markt", "department: market").replace(
        "  market: {name: 市场监管}\n", "  market: {name: 市场监管}\n  idle: {name: 闲置}\n"
    )
    b = yishi.loads(text, name="demo.yaml")
    warnings = b.check()
    assert warnings and all(d.severity == "warning" for d in warnings)
    assert b.check(warnings=False) == []
    compiled = b.compile()
    assert [d.code for d in compiled.diagnostics] == [d.code for d in warnings]


def test_bundle_repr():
    assert repr(yishi.load(RESTAURANT)) == "<yishi.Bundle open_restaurant 2024.1 (开办餐饮店一件事), 4 items>"
