// Property: compiling is deterministic. For a random bundle that checks clean, compiling it
// twice, and compiling what its YAML and its DSL printings load back as, give the same
// compiled bundle: the same steps, edges, depths, join policies and signers, the same
// topological order, expression environment and situation programs, the same condition
// results on random answers, the same exports (DOT, Mermaid, the JSON Schema of the merged
// form, the 四减 report as JSON) and, driven by the same random commands, the same events.
// YISHI_PROPERTY_CASES and YISHI_PROPERTY_SEED scale and reproduce a run.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "generators.hpp"

using namespace yishi;
using namespace yishi::property;

namespace {

std::string ids(std::span<const StepId> v) {
  std::string s;
  for (StepId x : v) s += fmt::format("{},", x.value);
  return s;
}

std::string show(const expr::Type& t) { return fmt::format("{}#{}", expr::to_string(t), t.enumeration); }

// Everything observable about a compiled bundle, as text. `seed` draws the answers on which
// the conditions are evaluated (the same for every bundle compared).
std::string fingerprint(const CompiledBundle& c, std::uint64_t seed) {
  std::string s;
  for (const Step& st : c.steps()) {
    s += fmt::format("step {} {} {} item={} pred=[{}] succ=[{}] depth={} join={}/{}/{} signers=", st.id.value,
                     to_string(st.kind), st.name, st.item, ids(st.predecessors), ids(st.successors), st.depth,
                     ir::to_string(st.join.kind), st.join.threshold, st.join.total_weight);
    for (const auto& sg : st.signers) s += fmt::format("{}@{}x{},", sg.role, sg.department, sg.weight);
    s += '\n';
  }
  s += fmt::format("order {}\nintake {} issuance {} parallel {}\n", ids(c.topological_order()), c.intake().value,
                   c.issuance().value, c.max_parallel_reviews());
  for (const auto& level : c.levels()) s += fmt::format("level {}\n", ids(level));
  const expr::Environment& env = c.environment();
  for (const auto& f : env.fields()) s += fmt::format("field {} {} [{}]\n", f.id, show(f.type), fmt::join(f.values, "|"));
  for (const auto& x : env.situations()) s += fmt::format("situation {}\n", x);
  for (const auto& t : env.tables()) {
    s += fmt::format("table {} outputs [{}] inputs", t.id, fmt::join(t.output_names, ","));
    for (const auto& i : t.inputs) s += " " + show(i);
    s += " types";
    for (const auto& o : t.output_types) s += " " + show(o);
    s += '\n';
  }
  s += fmt::format("tables {}\n", c.tables().size());
  s += fmt::format("condition fields {}\n", fmt::join(c.condition_fields(), ","));
  for (std::size_t k = 0; k < c.bundle().situations.size(); ++k)
    s += fmt::format("situation program {}:\n{}", k, c.situation_program(k).disassemble());

  Rng rng(seed);
  for (int k = 0; k < 6; ++k) {
    const expr::Answers answers = random_answers(rng, env, rng.pick(0, 4) / 4.0);
    std::vector<std::pair<std::string, bool>> decided;
    for (const auto& x : c.bundle().situations)
      if (rng.chance(0.2)) decided.emplace_back(x.id, rng.chance(0.5));
    const ConditionResult r = c.evaluate_conditions(answers, random_day(rng), decided);
    s += "conditions:";
    for (const auto& v : r.situations) s += " " + expr::to_string(v);
    s += " active:";
    for (const auto& a : r.active) s += a ? (*a ? " y" : " n") : " ?";
    s += fmt::format(" ineligible: {} missing: {} errors: {} ({}) decided: {}\n", fmt::join(r.ineligible, ","),
                     fmt::join(r.missing_fields, ","), fmt::join(r.errors, " | "), r.answer_errors, r.decided());
    for (const auto& d : r.deciding) s += fmt::format("  deciding {}\n", fmt::join(d, ","));
  }

  const auto diagram = exporting::diagram(c);
  s += exporting::to_dot(diagram);
  s += exporting::to_mermaid(diagram);
  const forms::FormModel model(c);
  forms::Applicant everyone;
  everyone.every_item = true;
  s += exporting::json_schema(model.merge(everyone), c.bundle().name);
  s += analysis::to_json(analysis::report(model));
  return s;
}

// Where two fingerprints first differ, with some context.
std::string first_change(const std::string& a, const std::string& b) {
  std::size_t k = 0;
  while (k < a.size() && k < b.size() && a[k] == b[k]) ++k;
  const std::size_t from = k > 200 ? k - 200 : 0;
  return fmt::format("--- first ---\n{}\n--- second ---\n{}\n", a.substr(from, 400), b.substr(from, 400));
}

std::string outcome(const CommandResult& r) {
  if (r) {
    std::string s = fmt::format("ok case {} version {} events", r->case_id.value, r->version);
    for (const Event& e : r->events) s += fmt::format(" {}", e.index());
    return s;
  }
  return fmt::format("error {}: {}", to_string(r.error().kind), r.error().message);
}

// Drives two engines, one per compiled bundle, with the same random commands; returns the
// first difference in outcomes, events or states (empty when there is none).
std::string same_behaviour(const CompiledBundle& a, const CompiledBundle& b, std::uint64_t seed, int steps,
                           int& applied) {
  MemoryStore store_a, store_b;
  const Instant start = Calendar{}.at(*parse_date("2025-03-03"), 9 * 60);
  ManualClock clock_a(start), clock_b(start);
  EngineOptions options;
  options.post_check_rate = 0.5;
  options.seed = seed;
  Engine ea(store_a, clock_a, Calendar{}, options), eb(store_b, clock_b, Calendar{}, options);
  if (!ea.deploy(a) || !eb.deploy(b)) return "deploy refused";
  Rng rng(seed);
  CommandGen gen(rng, a);
  std::vector<CaseId> cases;
  for (int step = 0; step < steps; ++step) {
    if (cases.empty() || rng.chance(0.1)) {
      const OpenCase open = gen.open(fmt::format("open-{}", step));
      const auto ra = ea.open_case(open), rb = eb.open_case(open);
      if (outcome(ra) != outcome(rb) || (ra && ra->events != rb->events))
        return fmt::format("open_case: {} vs {}", outcome(ra), outcome(rb));
      if (ra) cases.push_back(ra->case_id);
      continue;
    }
    if (rng.chance(0.1)) {
      const Instant t = clock_a.now() + std::chrono::hours(rng.pick(1, 60));
      clock_a.advance_to(t);
      clock_b.advance_to(t);
      const auto na = ea.advance_to(t), nb = eb.advance_to(t);
      if (na != nb) return fmt::format("advance_to: {} vs {} timers", na, nb);
      continue;
    }
    const CaseId id = rng.one_of(cases);
    const Command cmd = gen.next(ea.view(id).value(), step);
    const auto ra = ea.execute(id, cmd), rb = eb.execute(id, cmd);
    if (outcome(ra) != outcome(rb) || (ra && ra->events != rb->events))
      return fmt::format("step {}: {} vs {}", step, outcome(ra), outcome(rb));
    applied += ra.has_value();
  }
  for (CaseId id : cases)
    if (!(ea.state(id).value() == eb.state(id).value())) return fmt::format("case {}: the states differ", id.value);
  return {};
}

}  // namespace

TEST_CASE("property.compile.is_deterministic_and_the_same_after_printing_and_loading") {
  const std::uint64_t seed = base_seed(20261231);
  const int cases = case_count();
  int failures = 0, attempts_total = 0, with_tables = 0, applied = 0;
  for (int k = 0; k < cases && failures < max_failures(); ++k) {
    const std::uint64_t s = seed + static_cast<std::uint64_t>(k);
    Rng rng(s);
    int attempts = 0;
    const ir::Bundle ir = random_valid_bundle(rng, {}, &attempts);
    attempts_total += attempts;
    with_tables += !ir.tables.empty();
    auto first = compile(ir);
    if (!first.compiled) {
      ++failures;
      SourceMap none;
      FAIL_CHECK("a generated bundle does not compile (" << rerun(s) << ")\n"
                                                        << render_text(first.diagnostics, none) << dsl::print(ir));
      continue;
    }
    CHECK(first.compiled->bundle() == ir);
    const std::string want = fingerprint(*first.compiled, s);
    auto compare = [&](const char* what, const std::optional<ir::Bundle>& b) {
      if (!b) return false;
      auto again = compile(*b);
      if (!again.compiled) {
        FAIL_CHECK(what << ": does not compile (" << rerun(s) << ")");
        return false;
      }
      const std::string got = fingerprint(*again.compiled, s);
      if (got != want) {
        FAIL_CHECK(what << ": the compiled bundle differs (" << rerun(s) << ")\n" << first_change(want, got) << dsl::print(ir));
        return false;
      }
      if (k % 4 == 0) {  // behaviour: the same random commands on both
        const std::string diff = same_behaviour(*first.compiled, *again.compiled, s, 40, applied);
        if (!diff.empty()) {
          FAIL_CHECK(what << ": engines running the two compilations differ (" << rerun(s) << "): " << diff);
          return false;
        }
      }
      return true;
    };
    bool ok = compare("compiled twice", ir);
    const Reloaded from_yaml = load_yaml(yaml::print(ir));
    const Reloaded from_dsl = load_dsl(dsl::print(ir));
    // A printing that does not load back is the round-trip property's failure; here the
    // compiled results are compared when it does.
    if (from_yaml.bundle) ok = compare("compiled from the YAML printing", from_yaml.bundle) && ok;
    if (from_dsl.bundle) ok = compare("compiled from the DSL printing", from_dsl.bundle) && ok;
    failures += !ok;
  }
  MESSAGE(cases << " bundles (" << with_tables << " with decision tables); " << attempts_total - cases
                << " generated bundles refused by the checker; " << applied
                << " commands applied alike by engines running two compilations");
  CHECK(attempts_total - cases < cases);
}
