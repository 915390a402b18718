#!/usr/bin/env bash
# Runs the `yishi` command as a user would and checks exit codes and output.
set -u
yishi="$1"
root="$2"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
expect() {  # expect CODE DESCRIPTION -- command...
  local want=$1 what=$2
  shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" -ne "$want" ]; then
    echo "FAIL: $what: exit $got, expected $want"; cat "$tmp/out" "$tmp/err"; fail=1
  else
    echo "ok: $what"
  fi
}
contains() {  # contains FILE TEXT DESCRIPTION
  if grep -qF -- "$2" "$1"; then echo "ok: $3"; else echo "FAIL: $3: no '$2' in output"; cat "$1"; fail=1; fi
}

expect 0 "check of the shipped bundles is clean" -- "$yishi" check "$root/bundles"
contains "$tmp/err" "and 3 calendars: no errors" "check also validates the working-day calendars"
printf 'calendar: cn\nyear: 2025\nsource: x\nholidays:\n  - {name: 国庆节, off: 2025-10-01, work: [2025-10-09]}\n' > "$tmp/cal.yaml"
expect 1 "a calendar with a weekday make-up day exits 1" -- "$yishi" check "$tmp/cal.yaml"
contains "$tmp/err" "cal.yaml:5:41: error[E1009]: make-up working day 2025-10-09 is not a weekend day" "calendar errors are located"
expect 0 "compile of the shipped bundles succeeds" -- "$yishi" compile "$root/bundles"
contains "$tmp/out" "compiled \`open_restaurant\`" "compile prints a summary"
expect 1 "a bundle with errors exits 1" -- "$yishi" check "$root/tests/corpus/malformed/cycle_and_unknowns.yaml"
contains "$tmp/err" "cycle_and_unknowns.yaml:9:46: error[E3004]: unknown material \`n\`" "diagnostic is file:line:col: error[CODE]"
contains "$tmp/err" "errors" "a summary line ends the output"
expect 1 "compile refuses a bundle with errors" -- "$yishi" compile "$root/tests/corpus/malformed/cycle_and_unknowns.yaml"
expect 2 "a missing file exits 2" -- "$yishi" check "$tmp/does-not-exist.yaml"
expect 2 "no arguments exits 2" -- "$yishi"
expect 2 "an unknown command exits 2" -- "$yishi" frobnicate x
expect 2 "an unknown option exits 2" -- "$yishi" check --frob "$root/bundles"
expect 2 "check without files exits 2" -- "$yishi" check
expect 0 "check --help" -- "$yishi" check --help
contains "$tmp/out" "usage: yishi check" "check --help prints usage"
expect 0 "explain a code" -- "$yishi" explain E5001
contains "$tmp/out" "dependency cycle" "explain prints the title"
expect 2 "explain an unknown code" -- "$yishi" explain E0000

expect 1 "check --json on errors" -- "$yishi" check --json "$root/tests/corpus/malformed/cycle_and_unknowns.yaml"
/usr/bin/python3 - "$tmp/out" <<'PY' || fail=1
import json, sys
doc = json.load(open(sys.argv[1]))
codes = sorted(d["code"] for d in doc["diagnostics"])
assert doc["errors"] == len([d for d in doc["diagnostics"] if d["severity"] == "error"]), doc
assert "E5001" in codes and "E3002" in codes and "E3004" in codes, codes
loc = [d for d in doc["diagnostics"] if d["code"] == "E3004"][0]["location"]
assert (loc["line"], loc["column"]) == (9, 46), loc
print("ok: --json output parses and is located")
PY
expect 0 "compile --json" -- "$yishi" compile --json "$root/bundles/national/open_restaurant.yaml"
/usr/bin/python3 - "$tmp/out" <<'PY' || fail=1
import json, sys
doc = json.load(open(sys.argv[1]))
b = doc["compiled"][0]
assert b["bundle"] == "open_restaurant", b
assert b["order"][0] == "intake" and b["order"][-1] == "issuance", b["order"]
steps = {s["name"]: s for s in b["steps"]}
assert steps["food_licence"]["after"] == ["licence_check"], steps["food_licence"]
print("ok: compile --json describes the graph")
PY

# The annotated example of docs/bundle-format.md is a real file that checks clean, and the
# document shows exactly that file.
expect 0 "the documented annotated example checks clean" -- "$yishi" check --json "$root/docs/examples/annotated.yaml"
contains "$tmp/out" '"errors":0,"warnings":0' "the annotated example has no warnings either"
/usr/bin/python3 - "$root/docs/bundle-format.md" "$root/docs/examples/annotated.yaml" <<'PY' || fail=1
import sys
doc = open(sys.argv[1], encoding="utf-8").read()
section = doc.split("## Complete annotated example", 1)[1]
block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
assert block == open(sys.argv[2], encoding="utf-8").read(), "docs/bundle-format.md and docs/examples/annotated.yaml differ"
print("ok: docs/bundle-format.md shows docs/examples/annotated.yaml verbatim")
PY

# fmt: canonical layout, conversion between the syntaxes, refusal of broken files.
expect 0 "the DSL bundles are in canonical layout" -- "$yishi" fmt --check "$root"/bundles/national/*.yi
expect 0 "fmt --to=dsl converts a YAML bundle" -- "$yishi" fmt --to=dsl "$root/bundles/national/open_restaurant.yaml"
cp "$tmp/out" "$tmp/restaurant.yi"
contains "$tmp/restaurant.yi" "bundle open_restaurant \"开办餐饮店一件事\" version 2024.1 {" "the DSL starts with the bundle header"
contains "$tmp/restaurant.yi" "# 开办餐饮店一件事 — opening a restaurant" "fmt keeps the source's comments"
expect 0 "the converted bundle checks clean" -- "$yishi" check "$tmp/restaurant.yi"
expect 0 "and converts back to YAML" -- "$yishi" fmt --to=yaml "$tmp/restaurant.yi"
cp "$tmp/out" "$tmp/restaurant.yaml"
expect 0 "which checks clean too" -- "$yishi" check "$tmp/restaurant.yaml"
sed 's/^  lead market_regulation$/lead   market_regulation/' "$tmp/restaurant.yi" > "$tmp/messy.yi"
expect 1 "fmt --check finds a file out of layout" -- "$yishi" fmt --check "$tmp/messy.yi"
expect 0 "fmt rewrites it" -- "$yishi" fmt "$tmp/messy.yi"
expect 0 "after which it is canonical" -- "$yishi" fmt --check "$tmp/messy.yi"
printf 'bundle b "乙" version 1 {\n  lead d\n  itme x\n}\n' > "$tmp/broken.yi"
cp "$tmp/broken.yi" "$tmp/broken.orig"
expect 1 "fmt refuses a file with errors" -- "$yishi" fmt "$tmp/broken.yi"
contains "$tmp/err" "broken.yi:3:3: error[E2001]: expected a declaration, found \`itme\`" "and says where"
if cmp -s "$tmp/broken.yi" "$tmp/broken.orig"; then echo "ok: a broken file is left untouched"; else echo "FAIL: fmt changed a broken file"; fail=1; fi
expect 2 "fmt --check with --to is a usage error" -- "$yishi" fmt --check --to=dsl "$tmp/messy.yi"

# report and export: the 四减 report and the merged form's JSON Schema.
book="$root/tests/golden/report/open_bookstore.yaml"
expect 0 "report of every shipped bundle" -- "$yishi" report "$root/bundles"
expect 0 "report of the bookstore fixture" -- "$yishi" report "$book"
contains "$tmp/out" "时间 time (working days)      45.5        15" "it shows 45.5 working days separately and 15 bundled"
contains "$tmp/out" "critical path (15 working days): business_licence → fire_check → publication_permit" "and names the critical path"
expect 0 "report --json" -- "$yishi" report --json "$book"
contains "$tmp/out" '"critical_path":["business_licence","fire_check","publication_permit"]' "the JSON names the path"
expect 0 "report for an applicant's answers" -- "$yishi" report --answer store.area_m2=30 --answer sign.installed=false "$book"
contains "$tmp/out" "for the given answers" "says it is for the answers"
contains "$tmp/out" "critical path (11 working days): business_licence → publication_permit" "and counts only what applies"
expect 0 "report with a pledge" -- "$yishi" report --answer store.area_m2=30 --answer sign.installed=false --pledge publication_permit "$book"
contains "$tmp/out" "critical path (2 working days): business_licence → tax_registration" "a pledged item takes no time"
expect 1 "a pledge for an item that allows none exits 1" -- "$yishi" report --pledge tax_registration "$book"
contains "$tmp/out" "error: item \`tax_registration\` does not allow a pledge" "and says why"
expect 1 "an answer to an unknown field exits 1" -- "$yishi" report --answer shop.colour=red "$book"
contains "$tmp/err" "no field \`shop.colour\` in bundle \`open_bookstore\`" "and names the field"
expect 1 "an answer of the wrong type exits 1" -- "$yishi" report --answer store.area_m2=big "$book"
expect 1 "an answer breaking a constraint exits 1" -- "$yishi" report --answer store.area_m2=0 "$book"
expect 2 "--answer without FIELD=VALUE is a usage error" -- "$yishi" report --answer store.area_m2 "$book"
expect 2 "--today must be a date" -- "$yishi" report --today=tomorrow "$book"
expect 1 "report refuses a bundle with errors" -- "$yishi" report "$root/tests/corpus/malformed/cycle_and_unknowns.yaml"
expect 0 "export --schema" -- "$yishi" export --schema "$book"
contains "$tmp/out" '"$schema":"https://json-schema.org/draft/2020-12/schema"' "prints a draft 2020-12 schema"
contains "$tmp/out" '"sign.area_m2"' "holding every item's questions without answers"
expect 0 "export --schema for an applicant" -- "$yishi" export --schema --answer sign.installed=false "$book"
if grep -q '"sign.area_m2"' "$tmp/out"; then echo "FAIL: the sign question is exported for a shop without a sign"; fail=1; else echo "ok: questions of items that do not apply are left out"; fi
expect 2 "export takes no --pledge" -- "$yishi" export --schema --pledge publication_permit "$book"
expect 2 "export needs --schema" -- "$yishi" export "$book"
expect 2 "export takes one bundle" -- "$yishi" export --schema "$book" "$book"

# Progress on long work: shown only when standard error is a terminal (script(1) gives one).
script -qc "'$yishi' check '$root/bundles/national'" /dev/null > "$tmp/tty" 2>&1
contains "$tmp/tty" "[13/13] " "progress is shown on a terminal"
"$yishi" check "$root/bundles/national" 2>"$tmp/err" >/dev/null
if grep -qF "[1/13]" "$tmp/err"; then echo "FAIL: progress written to a file"; fail=1; else echo "ok: no progress when stderr is not a terminal"; fi

# report --table: one row per bundle and a total.
expect 0 "report --table of the national bundles" -- "$yishi" report --table "$root/bundles/national"
contains "$tmp/out" "total (13 bundles)" "a total row over the 13 bundles"
contains "$tmp/out" "开办餐饮店一件事" "a row per bundle, by its name"
expect 2 "--table and --json together" -- "$yishi" report --table --json "$root/bundles/national"

# graph: DOT, Mermaid, SVG.
expect 0 "graph prints DOT" -- "$yishi" graph "$root/bundles/national/open_restaurant.yaml"
contains "$tmp/out" 'digraph "open_restaurant" {' "DOT names the graph after the bundle"
contains "$tmp/out" 'subgraph "cluster_fire_rescue" {' "departments are clusters"
expect 0 "graph --mermaid" -- "$yishi" graph --mermaid "$root/bundles/national/open_restaurant.yaml"
contains "$tmp/out" 'flowchart LR' "a Mermaid flowchart"
expect 0 "graph --svg of one bundle to stdout" -- "$yishi" graph --svg "$root/bundles/national/newborn_birth.yi"
contains "$tmp/out" '<svg' "Graphviz renders SVG"
expect 2 "graph --svg of several bundles needs --out" -- "$yishi" graph --svg "$root/bundles/national"
expect 0 "graph --svg --out DIR" -- "$yishi" graph --svg --out "$tmp/svg" "$root/bundles/national"
if [ "$(ls "$tmp/svg"/*.svg | wc -l)" -ge 13 ]; then echo "ok: one SVG per bundle"; else echo "FAIL: too few SVG files"; ls "$tmp/svg"; fail=1; fi
expect 1 "graph refuses a bundle with errors" -- "$yishi" graph "$root/tests/corpus/malformed/cycle_and_unknowns.yaml"
expect 2 "graph: unknown option" -- "$yishi" graph --png "$root/bundles/national/open_restaurant.yaml"
expect 0 "graph --help" -- "$yishi" graph --help
(PATH=/nonexistent; "$yishi" graph --svg "$root/bundles/national/newborn_birth.yi" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc")
if [ "$(cat "$tmp/rc")" = 2 ] && grep -q "Graphviz \`dot\` is not installed" "$tmp/err"; then echo "ok: a missing Graphviz is a clear error"
else echo "FAIL: graph --svg without Graphviz"; cat "$tmp/err"; fail=1; fi

# run: a case script against the engine.
cat > "$tmp/case.scenario" <<'SCRIPT'
actor corp  applicant corp-1
actor wang  staff wang  service_center     clerk
actor li    staff li    market_regulation  reviewer
actor zhou  staff zhou  market_regulation  section_chief
clock 2025-09-26 15:00
open sign.installed=false premises.area_m2=30 by corp
submit premises_proof layout_plan food_safety_rules health_certificates by corp
accept by wang
sign licence_check approve by li
sign food_licence approve by li
sign food_licence approve "同意" by zhou
expect ready
issue by wang
expect status issued
SCRIPT
expect 0 "run drives a case to issuance" -- "$yishi" run "$root/bundles/national/open_restaurant.yaml" --calendar "$root/bundles/calendars" --script "$tmp/case.scenario"
contains "$tmp/out" "case 1 · open_restaurant" "run prints the case"
contains "$tmp/out" "issued" "with its status"
contains "$tmp/out" "food_licence           approved     due 2025-10-10 18:00" "items with deadlines on the holiday calendar"
contains "$tmp/out" "«同意»" "and the audit trail with comments"
expect 0 "run --json" -- "$yishi" run --json "$root/bundles/national/open_restaurant.yaml" --calendar "$root/bundles/calendars" --script "$tmp/case.scenario"
contains "$tmp/out" '"status":"issued"' "JSON case status"
printf 'actor corp applicant corp-1\nactor wang staff wang service_center clerk\nopen sign.installed=false premises.area_m2=30 by corp\nissue by wang\n' > "$tmp/bad.scenario"
expect 1 "a refused command nobody expected fails the script" -- "$yishi" run "$root/bundles/national/open_restaurant.yaml" --script "$tmp/bad.scenario"
contains "$tmp/err" "bad.scenario:4: unexpected error invalid_transition" "the failure is located FILE:LINE"
contains "$tmp/out" "draft" "the case is still shown as it stands"
printf 'actor corp applicant corp-1\nopen sign.installed=maybe premises.area_m2=30 by corp\nexpect status draft\n' > "$tmp/refused.scenario"
expect 1 "an expectation after an unexpected refusal reports the refusal" -- "$yishi" run "$root/bundles/national/open_restaurant.yaml" --script "$tmp/refused.scenario"
contains "$tmp/err" "refused.scenario:3: unexpected error invalid_argument from the command on line 2" "the real cause, not 'no case is open'"
printf 'bundle bundles/national/open_restaurant.yaml\n' > "$tmp/twice.scenario"
expect 1 "a bundle line when the bundle is given" -- "$yishi" run "$root/bundles/national/open_restaurant.yaml" --script "$tmp/twice.scenario"
expect 2 "run: an unreadable script" -- "$yishi" run "$root/bundles/national/open_restaurant.yaml" --script "$tmp/none.scenario"
expect 2 "run needs --script" -- "$yishi" run "$root/bundles/national/open_restaurant.yaml"
expect 2 "run: unreadable calendar folder" -- "$yishi" run "$root/bundles/national/open_restaurant.yaml" --calendar "$tmp/nowhere" --script "$tmp/case.scenario"
expect 1 "run refuses a bundle with errors" -- "$yishi" run "$root/tests/corpus/malformed/cycle_and_unknowns.yaml" --script "$tmp/case.scenario"
expect 0 "run --help" -- "$yishi" run --help
# local variants: fmt leaves them as written; --stdout prints the complete bundle
cp "$root/bundles/local/newborn_birth_guangdong.yaml" "$tmp/variant_before.yaml"
expect 0 "fmt leaves a local variant as written" -- "$yishi" fmt "$root/bundles/local/newborn_birth_guangdong.yaml"
contains "$tmp/err" "a local variant of \`newborn_birth\`, left as written" "fmt says why it left the variant alone"
if cmp -s "$tmp/variant_before.yaml" "$root/bundles/local/newborn_birth_guangdong.yaml"; then echo "ok: the variant file is unchanged"; else echo "FAIL: fmt rewrote the variant"; fail=1; fi
expect 0 "fmt --stdout prints the complete bundle of a variant" -- "$yishi" fmt --stdout "$root/bundles/local/newborn_birth_guangdong.yaml"
contains "$tmp/out" "birth_certificate:" "the complete bundle has the base's items"
expect 0 "report of a variant" -- "$yishi" report "$root/bundles/local/open_restaurant_sichuan.yaml"
contains "$tmp/out" "local variant of open_restaurant (version 2024.1), 10 changes" "the report shows what the variant changes"
contains "$tmp/out" "- material \`health_certificates\`" "the report lists a removal"
# --db: cases kept in a SQLite file; two scripts share it; a rerun is refused as already applied
expect 0 "run --db keeps the cases in a database" -- "$yishi" run "$root/bundles/national/open_restaurant.yaml" --calendar "$root/bundles/calendars" --script "$tmp/case.scenario" --db "$tmp/cases.db"
contains "$tmp/out" "case 1 · open_restaurant" "run --db prints the case"
cp "$tmp/case.scenario" "$tmp/second.scenario"
expect 0 "a second script shares the database" -- "$yishi" run "$root/bundles/national/open_restaurant.yaml" --calendar "$root/bundles/calendars" --script "$tmp/second.scenario" --db="$tmp/cases.db"
if grep -qF "case 1 · open_restaurant" "$tmp/out"; then echo "FAIL: the second script's case reuses id 1"; fail=1; else echo "ok: the second script's case has a new id"; fi
expect 1 "running a script again on its database is refused" -- "$yishi" run "$root/bundles/national/open_restaurant.yaml" --calendar "$root/bundles/calendars" --script "$tmp/case.scenario" --db "$tmp/cases.db"
contains "$tmp/err" "command \`case:cmd-" "the refusal names the prefixed command id"
contains "$tmp/err" "was already applied" "the refusal says the command was applied"
printf 'not a database at all, just text\n%.0s' {1..200} > "$tmp/junk.db"
cp "$tmp/junk.db" "$tmp/junk.before"
expect 2 "run --db on a file that is not a yishi database" -- "$yishi" run "$root/bundles/national/open_restaurant.yaml" --script "$tmp/case.scenario" --db "$tmp/junk.db"
contains "$tmp/err" "junk.db: not a yishi database" "the error names the file"
if cmp -s "$tmp/junk.db" "$tmp/junk.before"; then echo "ok: the foreign file is left as it was"; else echo "FAIL: the foreign file changed"; fail=1; fi
expect 2 "run --db needs a file" -- "$yishi" run "$root/bundles/national/open_restaurant.yaml" --script "$tmp/case.scenario" --db

# simulate: a scenario's caseload through the engine on virtual office time.
sim="$root/bundles/simulation/restaurant.yaml"
expect 0 "simulate runs the restaurant scenario" -- "$yishi" simulate "$sim" --days 5
contains "$tmp/out" "bundled mode, seed 7, 5 working days of arrivals from 2026-03-02" "the summary says what was run"
contains "$tmp/out" "open_restaurant.food_licence" "it lists the items"
contains "$tmp/out" "market_regulation" "and the departments"
contains "$tmp/out" "0 refused; 0 arrivals opened no case" "the engine refused nothing"
contains "$tmp/out" "cases/s" "and the speed"
expect 0 "simulate --json" -- "$yishi" simulate --json "$sim" --days 5 --seed 3 --cases "$tmp/cases.csv"
cp "$tmp/out" "$tmp/sim1.json"
/usr/bin/python3 - "$tmp/sim1.json" "$tmp/cases.csv" <<'PY' || fail=1
import csv, json, sys
doc = json.load(open(sys.argv[1]))
b = doc["bundles"][0]
assert doc["seed"] == 3 and doc["working_days"] == 5 and doc["mode"] == "bundled", doc
assert b["id"] == "open_restaurant" and b["arrivals"] > 20, b
assert b["arrivals"] == b["issued"] + b["rejected"] + b["not_opened"] + b["unfinished"], b
assert b["lead_p50"] <= b["lead_p95"] <= b["lead_p99"], b
assert doc["engine_refusals"] == 0 and doc["opening_failures"] == 0, doc
assert {d["id"] for d in doc["departments"]} == {"front_desk", "market_regulation", "urban_management", "fire_rescue"}, doc
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(rows) == doc["cases"] == b["arrivals"], (len(rows), doc["cases"])
assert sum(r["outcome"] == "issued" for r in rows) == b["issued"]
assert all((r["lead_days"] != "") == (r["outcome"] == "issued") for r in rows)
print("ok: --json parses, adds up, and --cases writes one row per applicant")
PY
expect 0 "the same seed again" -- "$yishi" simulate --json "$sim" --days 5 --seed 3
/usr/bin/python3 - "$tmp/sim1.json" "$tmp/out" <<'PY' || fail=1
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    del d["wall_seconds"], d["cases_per_second"]
assert a == b, "two runs with one seed differ"
print("ok: the same seed gives the same results")
PY
expect 0 "two partitions on one thread" -- "$yishi" simulate --json "$sim" --days 5 --partitions 2 --threads 1
cp "$tmp/out" "$tmp/sim2.json"
expect 0 "two partitions on two threads" -- "$yishi" simulate --json "$sim" --days 5 --partitions 2 --threads 2
/usr/bin/python3 - "$tmp/sim2.json" "$tmp/out" <<'PY' || fail=1
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    del d["wall_seconds"], d["cases_per_second"], d["threads"]
assert a == b, "the number of threads changed the results"
print("ok: threads do not change the results")
PY
printf 'seeed: 3\nbundles:\n  - file: %s/bundles/national/open_restaurant.yaml\n    profiles:\n      - answers: {sign.installed: maybe}\n' "$root" > "$tmp/broken_sim.yaml"
expect 1 "a scenario with problems exits 1" -- "$yishi" simulate "$tmp/broken_sim.yaml"
contains "$tmp/err" "broken_sim.yaml:1:1: error: unknown key \`seeed\` in the scenario (did you mean \`seed\`?)" "problems are located FILE:LINE:COL"
contains "$tmp/err" "broken_sim.yaml:5:35: error: \`maybe\` is not a value of type \`bool\` for field \`sign.installed\`" "all of them, answers included"
contains "$tmp/err" "2 errors" "and counted"
expect 2 "simulate needs a scenario" -- "$yishi" simulate
expect 2 "simulate: an unreadable scenario" -- "$yishi" simulate "$tmp/none.yaml"
expect 2 "simulate: a bad --mode" -- "$yishi" simulate "$sim" --mode=fast
expect 2 "simulate: a bad --partitions" -- "$yishi" simulate "$sim" --partitions 0
expect 0 "simulate --help" -- "$yishi" simulate --help
contains "$tmp/out" "usage: yishi simulate" "simulate --help prints usage"
expect 0 "yishi --help" -- "$yishi" --help
contains "$tmp/out" "simulate  run a caseload" "the command list names simulate"

# docs/diagnostics.md is generated from the code table and must match it.
"$yishi" explain --all > "$tmp/diagnostics.md"
if diff -u "$root/docs/diagnostics.md" "$tmp/diagnostics.md"; then echo "ok: docs/diagnostics.md is up to date"
else echo "FAIL: docs/diagnostics.md is stale: regenerate with 'yishi explain --all > docs/diagnostics.md'"; fail=1; fi

exit $fail
