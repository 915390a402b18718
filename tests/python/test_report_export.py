"""The 四减 report and the exports give what the command line prints for the same bundle."""

import datetime
import json

import pytest

import yishi
from conftest import ROOT


def cli_json(cli, *args):
    code, out, err = cli(*args)
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize(
    "path",
    [
        "bundles/national/open_restaurant.yaml",
        "bundles/national/retirement.yi",
        "bundles/local/open_restaurant_sichuan.yaml",
        "tests/golden/report/open_bookstore.yaml",
    ],
)
def test_report_equals_yishi_report_json(cli, path):
    [printed] = cli_json(cli, "report", "--json", path)
    report = yishi.load(ROOT / path).compile().report()
    assert report == printed


def test_the_report_numbers_of_the_restaurant(cli, restaurant):
    r = restaurant.report()
    [printed] = cli_json(cli, "report", "--json", "bundles/national/open_restaurant.yaml")
    assert r["days"] == printed["days"] == {"separately": 30, "bundled": 5, "reduction": 0.8333}
    assert r["critical_path"] == printed["critical_path"]
    for figure in ("statutory_days", "steps", "materials", "fields", "trips"):
        assert r[figure] == printed[figure]
    assert r["for_applicant"] is False


def test_report_for_an_applicant_equals_the_command_line(cli, restaurant):
    [printed] = cli_json(cli, "report", "--json", "--answer", "premises.area_m2=40", "--answer", "sign.installed=false",
                         "--pledge", "food_licence", "--today", "2025-03-03", "bundles/national/open_restaurant.yaml")
    r = restaurant.report({"premises.area_m2": 40.0, "sign.installed": False}, pledged=["food_licence"],
                          today=datetime.date(2025, 3, 3))
    assert r == printed
    assert r["for_applicant"] is True
    assert r["critical_path"] == ["licence_check", "food_licence"]


def test_report_with_pledges_alone_counts_every_item(cli, restaurant):
    [printed] = cli_json(cli, "report", "--json", "--pledge", "food_licence", "bundles/national/open_restaurant.yaml")
    assert restaurant.report(pledged=["food_licence"]) == printed


def test_report_lists_undecided_items(restaurant):
    r = restaurant.report({"sign.installed": True}, today=datetime.date(2025, 3, 3))
    assert r["undecided"] == ["fire_check"]


def test_json_schema_equals_yishi_export_schema(cli, restaurant):
    printed = cli_json(cli, "export", "--schema", "bundles/national/open_restaurant.yaml")
    schema = restaurant.json_schema()
    assert isinstance(schema, dict)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema == printed
    assert schema["title"] == "开办餐饮店一件事"
    assert restaurant.json_schema(title="餐饮")["title"] == "餐饮"


def test_json_schema_for_answers(cli, restaurant):
    printed = cli_json(cli, "export", "--schema", "--answer", "sign.installed=false", "--today", "2025-03-03",
                       "bundles/national/open_restaurant.yaml")
    schema = restaurant.json_schema({"sign.installed": False}, today=datetime.date(2025, 3, 3))
    assert schema == printed
    assert "sign.area_m2" not in schema["properties"]
    assert "sign.area_m2" in restaurant.json_schema()["properties"]


def test_diagrams_equal_yishi_graph(cli, restaurant):
    code, dot, _ = cli("graph", "--dot", "bundles/national/open_restaurant.yaml")
    assert code == 0 and restaurant.to_dot() == dot
    assert "\ndigraph \"open_restaurant\" {" in restaurant.to_dot()
    code, mermaid, _ = cli("graph", "--mermaid", "bundles/national/open_restaurant.yaml")
    assert code == 0 and restaurant.to_mermaid() == mermaid
    assert "flowchart LR" in restaurant.to_mermaid()
