// Random generators for the property tests (tests/property/): seeded random bundles that load,
// print and (with `random_valid_bundle`) check clean; random well-typed expressions, built as
// an expr::Ast and rendered as text; random decision tables; random command sequences.
//
// Every generator draws from one `Rng`, so a case is reproduced by its seed alone. The tests
// seed case k with `base + k` and print the seed of a failing case with the environment that
// runs it again:
//   YISHI_PROPERTY_SEED=<seed> YISHI_PROPERTY_CASES=1 build/tests/unit_property -tc='<test>'
// YISHI_PROPERTY_CASES sets the number of cases of every property of this folder (default
// 10,000 each; a sanitizer build may lower it); YISHI_PROPERTY_MAX_FAILURES how many failing
// cases one property reports before it stops (default 5). (The engine property,
// engine_property_test.cpp, counts runs with YISHI_PROPERTY_RUNS instead.)
//
// Library bugs the properties found are kept, fixed, as reproducers in regress_test.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "yishi/yishi.hpp"

namespace yishi::property {

// ---- running ----------------------------------------------------------------------------

/// The value of an environment variable as an unsigned number, or `fallback`.
[[nodiscard]] std::uint64_t env_or(const char* name, std::uint64_t fallback);
/// The number of cases of one property: YISHI_PROPERTY_CASES, else `fallback`.
[[nodiscard]] int case_count(int fallback = 10'000);
/// The seed of case 0: YISHI_PROPERTY_SEED, else `fallback`.
[[nodiscard]] std::uint64_t base_seed(std::uint64_t fallback);
/// How many failing cases a property reports before it stops: YISHI_PROPERTY_MAX_FAILURES,
/// else 5.
[[nodiscard]] int max_failures();
/// "YISHI_PROPERTY_SEED=<seed> YISHI_PROPERTY_CASES=1": how to run one case again.
[[nodiscard]] std::string rerun(std::uint64_t seed);

/// A seeded source of random choices.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : g_(seed) {}
  /// A whole number in [lo, hi].
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(g_); }
  std::int64_t pick64(std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(g_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(g_); }
  template <class T>
  const T& one_of(const std::vector<T>& v) { return v[static_cast<std::size_t>(pick(0, static_cast<int>(v.size()) - 1))]; }
  template <class T, std::size_t N>
  const T& one_of(const T (&a)[N]) { return a[static_cast<std::size_t>(pick(0, static_cast<int>(N) - 1))]; }
  std::mt19937_64& engine() { return g_; }

 private:
  std::mt19937_64 g_;
};

// ---- text -------------------------------------------------------------------------------

/// A snake_case id made of `stem` and a random suffix; now and then a word that YAML or the
/// DSL reads specially (`yes`, `null`, `item`, `after`, ...).
[[nodiscard]] std::string random_id(Rng& rng, std::string_view stem);
/// Text for names, labels and notes: Chinese, and often what YAML or the DSL must quote
/// (`a: b`, ` #`, quotes, backslashes, leading or trailing spaces, `yes`/`no`/`null`/`~`,
/// numbers, `[`/`{`/`-`/`?` first, line breaks, tabs). Never blank unless `blank_ok`.
[[nodiscard]] std::string random_text(Rng& rng, bool blank_ok = false);
/// A value of an enumeration: a snake_case code, a reserved word or any text.
[[nodiscard]] std::string random_enum_value(Rng& rng);

// ---- expressions ------------------------------------------------------------------------

/// A field as expressions see it.
struct ExprField {
  std::string id;
  expr::Type type;                  ///< `enumeration` is set by `environment()`
  std::vector<std::string> values;  ///< enumeration values (empty otherwise)
};

/// A decision table as `table(...)` calls see it.
struct ExprTable {
  std::string id;
  std::vector<std::string> output_names;  ///< several: called as `id.output`
  std::vector<expr::Type> inputs;
  std::vector<std::vector<std::string>> input_values;   ///< per input: enum values (checked at calls)
  std::vector<expr::Type> outputs;                      ///< as `signature_of` types them
  std::vector<std::vector<std::string>> output_values;  ///< per output: enum values
};

/// What names may appear in a generated expression.
struct ExprScope {
  std::vector<ExprField> fields;
  std::vector<std::string> situations;
  std::vector<ExprTable> tables;
  std::optional<expr::Type> input;        ///< the type of `?` (decision-table cells only)
  std::vector<std::string> input_values;  ///< enum values of `?`, if any
  /// The environment that types these names: fields in order (slot k = fields[k]), then
  /// the stand-in fields of enumerated table inputs, situations, tables.
  [[nodiscard]] expr::Environment environment() const;
};

struct ExprOptions {
  int depth = 4;             ///< nesting budget
  bool spacing = false;      ///< random blanks, line breaks, comments and redundant brackets
  bool extremes = true;      ///< integers near the 64-bit limits, so that overflow is reached
  bool division = true;      ///< `/` (and so division by zero)
  bool functions = true;     ///< the function library (else operators only)
  bool quantifiers = true;   ///< any/all/count with `it`
  bool bool_literals = true; ///< `true`/`false` among the and/or/not (else names and comparisons)
};

/// A generated expression: the tree it means, its text, and its type.
struct GenExpr {
  expr::Ast ast;
  std::string text;
  expr::Type type;
};

/// A random well-typed expression over `scope`. With `want`, of that type (`want.list` for a
/// list; `enumeration` is ignored); else of a random type.
[[nodiscard]] GenExpr random_expression(Rng& rng, const ExprScope& scope, std::optional<expr::Type> want,
                                        const ExprOptions& options = {});
/// A random condition (yes/no) over `scope`.
[[nodiscard]] std::string random_condition(Rng& rng, const ExprScope& scope, int depth = 3);

/// The text of an AST with only the brackets precedence needs (`spacing`: more, and blanks).
[[nodiscard]] std::string render(const expr::Ast& ast, Rng* spacing = nullptr);
/// Whether two ASTs are the same tree (node kinds, operators, values, names; not offsets).
/// On a difference, `why` says where.
[[nodiscard]] bool same_tree(const expr::Ast& a, const expr::Ast& b, std::string* why = nullptr);

/// A literal of a type as expression text (`"a\"b"`, `2025-01-31`, `1wd4wh`, `-3`, `2.5`).
[[nodiscard]] std::string literal_text(Rng& rng, const expr::Type& type, const std::vector<std::string>& enum_values = {});
/// Random answers for the fields of `env` (its first `fields` slots; all when 0): each
/// missing with probability `missing`; decimals sometimes answered with integers, dates
/// sometimes as `YYYY-MM-DD` text, enumerations with declared values.
[[nodiscard]] expr::Answers random_answers(Rng& rng, const expr::Environment& env, double missing,
                                           std::size_t fields = 0);
/// A random day (days since 1970-01-01) between 1900 and 2100, often near a leap day.
[[nodiscard]] std::int64_t random_day(Rng& rng);
/// A string literal for `s` (quoted and escaped).
[[nodiscard]] std::string quote_string(std::string_view s, char quote = '"');
/// A date as the language writes it.
[[nodiscard]] std::string date_text(std::int64_t days);

// ---- decision tables --------------------------------------------------------------------

struct TableOptions {
  int max_inputs = 3;
  int max_outputs = 2;
  int max_rules = 6;
  /// Input cells that read fields of the scope (then the checker does not analyse the table).
  bool field_cells = true;
  /// Allow every hit policy; for `unique` and `any`, rules are kept apart so that the checker
  /// does not report overlaps.
  bool all_policies = true;
};

/// A random decision table with id `id` whose cells and outputs are well typed over `scope`
/// (the fields cells may read). It usually passes `check_table`; callers retry otherwise.
[[nodiscard]] ir::DecisionTable random_table(Rng& rng, std::string id, const ExprScope& scope,
                                             const TableOptions& options = {});
/// How expressions call `t`.
[[nodiscard]] ExprTable table_signature(const ir::DecisionTable& t);

// ---- bundles ----------------------------------------------------------------------------

struct BundleOptions {
  int min_items = 1;
  int max_items = 6;
  bool fields = true;       ///< a field dictionary, inline form fields
  bool conditions = true;   ///< situations, eligibility, `when`
  bool tables = true;       ///< decision tables called from conditions
  bool stages = true;
  bool approvals = true;    ///< items' `approvals` (operations, rejection targets, reminders, ...)
  bool tricky_text = true;  ///< names and notes that need quoting (else plain Chinese)
};

/// A random bundle that loads and prints: every optional part of the IR the printers write,
/// ids unique, references resolved, `after` acyclic, durations and limits in range. It
/// usually checks clean; `random_valid_bundle` retries until it does.
[[nodiscard]] ir::Bundle random_bundle(Rng& rng, const BundleOptions& options = {});
/// A random bundle without errors from `check` (warnings allowed). `attempts` counts the
/// bundles generated (1 when the first checked clean).
[[nodiscard]] ir::Bundle random_valid_bundle(Rng& rng, const BundleOptions& options = {}, int* attempts = nullptr);

/// The bundle loaded from text in either syntax, or nullopt with the rendered diagnostics.
struct Reloaded {
  std::optional<ir::Bundle> bundle;
  std::string diagnostics;
};
[[nodiscard]] Reloaded load_yaml(const std::string& text);
[[nodiscard]] Reloaded load_dsl(const std::string& text);

/// Where two bundles differ (the first differing part), or empty when equal.
[[nodiscard]] std::string first_difference(const ir::Bundle& a, const ir::Bundle& b);

// ---- command sequences ------------------------------------------------------------------

/// Random commands for the cases of one compiled bundle: mostly ones that fit the case's
/// state (so that cases go deep: acceptance, signatures, issuance, post-checks), the rest
/// random (often refused). Actors: two applicants, a clerk, and two people per department
/// and role (`{department}-{role}-{0|1}`).
class CommandGen {
 public:
  /// With `approval_operations`, the commands include the approval operations (claim,
  /// transfer, delegate, add and remove signers, reject back, reclaim, remind: see
  /// docs/approvals.md), guided on items in review and random otherwise. Without them the
  /// random stream is the same as before they existed.
  CommandGen(Rng& rng, const CompiledBundle& compiled, bool approval_operations = false);
  /// Opening a case: situations decided at random; answers for the fields conditions read.
  [[nodiscard]] OpenCase open(std::string id);
  /// The next command for a case in state `view` (`step` numbers command ids).
  [[nodiscard]] Command next(const CaseView& view, int step);
  /// A signer of an approved item taking back their approval (拿回), now and then; none
  /// when no item is approved or the dice say no.
  [[nodiscard]] std::optional<Command> reclaim_approved(const CaseView& view, std::string id);
  [[nodiscard]] const std::vector<Actor>& actors() const noexcept { return actors_; }

 private:
  std::optional<Command> guided(const CaseView& v, int step);
  std::optional<Command> guided_operation(const ItemView& it, Command c);
  CommandBody random_body();
  CommandBody random_operation();
  Actor actor_for(const CommandBody& body);
  /// The person who signs slot `sv` (its assignee, else one of its role's two people).
  Actor holder(const SignerView& sv);
  std::string item_id();
  std::string material_id();
  std::vector<std::string> some_materials();
  std::string person();
  std::string comment();
  std::optional<std::uint32_t> maybe_slot();

  Rng& rng_;
  const CompiledBundle& compiled_;
  bool operations_;
  std::vector<Actor> actors_;
  std::vector<std::string> roles_;
};

}  // namespace yishi::property
