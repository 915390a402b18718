#!/usr/bin/env python3
"""The JSON Schema export against an independent validator (python3-jsonschema, draft 2020-12).

usage: json_schema_test.py CASES_PROGRAM YISHI_CLI SOURCE_DIR

1. Every exported schema (each national bundle, the fixtures, with and without answers) is a
   valid draft 2020-12 schema.
2. Differential: for a set of submissions, the schema and the engine's own validation agree
   as far as a schema can tell. A submission the engine accepts is valid under the schema; a
   submission the schema rejects is rejected by the engine. Checks a schema cannot express
   (the check digit of an identity card number) may only make the engine stricter.
"""
import json
import pathlib
import subprocess
import sys

from jsonschema import Draft202012Validator, FormatChecker

cases_program, cli, source = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def export(path, *answers):
    args = [cli, "export", "--schema", "--today=2026-06-01"]
    for a in answers:
        args += ["--answer", a]
    out = subprocess.run(args + [str(path)], capture_output=True, text=True, cwd=source)
    check(out.returncode == 0, f"export of {path} failed: {out.stderr}")
    return json.loads(out.stdout) if out.returncode == 0 else None


bundles = sorted((source / "bundles" / "national").glob("*.yaml")) + sorted((source / "bundles" / "national").glob("*.yi"))
bundles.append(source / "tests" / "golden" / "report" / "open_bookstore.yaml")
check(len(bundles) >= 5, "too few bundles found")
for path in bundles:
    schema = export(path)
    if schema is None:
        continue
    try:
        Draft202012Validator.check_schema(schema)
    except Exception as e:  # the message says which keyword is wrong
        check(False, f"{path.name}: not a valid draft 2020-12 schema: {e}")
    check(schema.get("$schema") == "https://json-schema.org/draft/2020-12/schema", f"{path.name}: $schema missing")
    check(schema["additionalProperties"] is False, f"{path.name}: additional properties allowed")
    for field in schema["required"]:
        check(field in schema["properties"], f"{path.name}: required `{field}` has no property")
    sections = [f for s in schema["x-yishi-sections"] for f in s["fields"]]
    check(sorted(sections) == sorted(schema["properties"]), f"{path.name}: sections do not cover the properties once")

# Bundle-wide, a question of a conditional item is not required (the sign is optional).
whole = export(source / "tests" / "golden" / "report" / "open_bookstore.yaml")
if whole is not None:
    check("sign.area_m2" in whole["properties"] and "sign.area_m2" not in whole["required"],
          "bundle-wide schema requires a question of a conditional item")
    check("store.name" in whole["required"], "bundle-wide schema lost a required question")

# With answers the form shrinks to what applies.
small = export(source / "tests" / "golden" / "report" / "open_bookstore.yaml",
               "store.area_m2=30", "sign.installed=false")
if small is not None:
    check("sign.area_m2" not in small["properties"], "sign question asked of a shop without a sign")
    check(small["properties"]["applicant.phone"].get("x-yishi-sensitive") is True, "phone not marked sensitive")
    check(small["properties"]["store.area_m2"]["minimum"] == 1, "minimum lost")

# Differential against the engine's validation.
data = json.loads(subprocess.run([cases_program], capture_output=True, text=True, check=True).stdout)
schema = data["schema"]
Draft202012Validator.check_schema(schema)
validator = Draft202012Validator(schema, format_checker=FormatChecker())
stricter_only = {"id number with a wrong check digit"}
seen_accepted = seen_rejected = 0
for case in data["cases"]:
    schema_ok = validator.is_valid(case["submission"])
    engine_ok = case["accepted"]
    seen_accepted += engine_ok
    seen_rejected += not engine_ok
    if engine_ok:
        check(schema_ok, f"{case['name']}: the engine accepts it but the schema rejects it")
    if not schema_ok:
        check(not engine_ok, f"{case['name']}: the schema rejects it but the engine accepts it")
    if case["name"] in stricter_only:
        check(schema_ok and not engine_ok, f"{case['name']}: expected only the engine to reject it")
    elif case["name"] not in ("valid", "landline phone", "name at its longest"):
        check(not schema_ok and not engine_ok, f"{case['name']}: expected both to reject it")
check(seen_accepted == 3 and seen_rejected == len(data["cases"]) - 3, "unexpected verdict counts")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"json schema: {len(bundles)} bundles exported and valid; {len(data['cases'])} submissions agree")
