// The expression language: type checking, compilation to a compact program, evaluation.
//
//   expr::Environment env;                       // what names mean
//   env.add_field("premises.area_m2", expr::Type::decimal());
//   auto ast = dsl::parse_expression("premises.area_m2 >= 50", ...);   // the parser (dsl/)
//   expr::Diagnostician diag{diagnostics, span_of_text};
//   auto typed = expr::check(ast, env, diag);     // located errors, with suggestions
//   auto program = expr::compile(ast, env);       // only after a clean check
//   expr::Evaluator ev;                           // scratch space; one per thread
//   expr::Value v = ev.run(*program, {.fields = slots});
//
// Three-valued logic: an unanswered field is `unknown`; `unknown` propagates through
// comparisons, arithmetic and functions, while `false and unknown` is `false` and
// `true or unknown` is `true` (Kleene). A condition that comes out `unknown` needs more
// answers; `Program::fields()` says which fields it reads. docs/language.md is the reference.
//
// Programs are immutable after compilation and may be shared across threads; an Evaluator
// is not thread-safe (give each thread its own). Evaluation does not allocate once the
// evaluator has run a program of the same size.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "yishi/base/string_map.hpp"
#include "yishi/diag/diagnostic.hpp"
#include "yishi/expr/ast.hpp"
#include "yishi/expr/value.hpp"
#include "yishi/ir/bundle.hpp"

namespace yishi::expr {

/// Static types. A list type has `list == true` and the element in `base`.
enum class BaseType : std::uint8_t { any, boolean, integer, decimal, string, date, work_duration, attachment };
[[nodiscard]] const char* to_string(BaseType t) noexcept;

/// A static type. `enumeration` (>= 0) names the field whose declared values a string must
/// be one of, so that `menu.kind == "hot_fod"` is caught at check time.
struct Type {
  BaseType base = BaseType::any;
  bool list = false;
  std::int32_t enumeration = -1;

  [[nodiscard]] static Type boolean() { return {BaseType::boolean}; }
  [[nodiscard]] static Type integer() { return {BaseType::integer}; }
  [[nodiscard]] static Type decimal() { return {BaseType::decimal}; }
  [[nodiscard]] static Type string() { return {BaseType::string}; }
  [[nodiscard]] static Type date() { return {BaseType::date}; }
  [[nodiscard]] static Type work_duration() { return {BaseType::work_duration}; }
  [[nodiscard]] static Type list_of(Type t) { t.list = true; return t; }
  [[nodiscard]] bool numeric() const noexcept {
    return !list && (base == BaseType::integer || base == BaseType::decimal);
  }
  friend bool operator==(const Type&, const Type&) = default;
};
/// `integer`, `list of string`, ...
[[nodiscard]] std::string to_string(const Type& t);
/// The expression type of a field of the bundle format.
[[nodiscard]] Type type_of_field(ir::FieldType t, bool multiple);

/// Limits that keep a hostile or accidental definition from exhausting memory or stack.
struct Limits {
  std::size_t max_text = 16 * 1024;   ///< bytes of one expression
  std::size_t max_string = 4 * 1024;  ///< bytes of one string literal
  std::size_t max_depth = 32;         ///< nesting of brackets, calls and lists
  std::size_t max_nodes = 2000;       ///< nodes of one expression
};

/// A decision table's signature, as seen from `table("id", ...)` calls.
struct TableSignature {
  std::string id;
  std::vector<Type> inputs;
  std::vector<std::string> output_names;
  std::vector<Type> output_types;  ///< per output, already a list for COLLECT/RULE ORDER
  /// The fields and situations the table's cells read (set by `note_table_reads`), which a
  /// `table(...)` call reads too: the engine asks for those fields when the call is unknown.
  std::vector<std::uint32_t> fields, situations;
};

/// What the names of an expression mean: fields (slots in the answers), situations (named
/// conditions, evaluated before the expressions that use them), decision tables, and the
/// type of `?` inside a decision-table cell.
class Environment {
 public:
  /// Adds a field; returns its slot. `values` are the allowed values of an enumeration.
  std::uint32_t add_field(std::string id, Type type, std::vector<std::string> values = {});
  /// Adds a situation (a boolean); returns its index.
  std::uint32_t add_situation(std::string id);
  std::uint32_t add_table(TableSignature signature);
  /// Records in the signature of table `index` what its cells read (`fields`, `situations`).
  void note_table_reads(std::uint32_t index, std::vector<std::uint32_t> fields, std::vector<std::uint32_t> situations);

  struct Field {
    std::string id;
    Type type;
    std::vector<std::string> values;
  };
  [[nodiscard]] std::optional<std::uint32_t> field(std::string_view id) const;
  [[nodiscard]] std::optional<std::uint32_t> situation(std::string_view id) const;
  [[nodiscard]] std::optional<std::uint32_t> table(std::string_view id) const;
  [[nodiscard]] const std::vector<Field>& fields() const noexcept { return fields_; }
  [[nodiscard]] const std::vector<std::string>& situations() const noexcept { return situations_; }
  [[nodiscard]] const std::vector<TableSignature>& tables() const noexcept { return tables_; }

  /// The type of `?` (set while checking a decision-table cell; unset elsewhere).
  std::optional<Type> input;
  /// Whether `table(...)` may be called (not inside decision-table cells, so tables cannot
  /// call each other in a cycle).
  bool tables_callable = true;

 private:
  std::vector<Field> fields_;
  std::vector<std::string> situations_;
  std::vector<TableSignature> tables_;
  StringMap<std::uint32_t> field_index_, situation_index_, table_index_;
};

/// Maps node offsets of an expression's text to source spans. When the text was copied
/// verbatim from the source (`exact`), offsets map one to one; otherwise (a YAML scalar with
/// escapes or folded lines) every location is the whole expression.
struct SpanMap {
  SourceSpan text;
  bool exact = true;
  [[nodiscard]] SourceSpan at(std::uint32_t begin, std::uint32_t end) const {
    if (!exact || !text.valid()) return text;
    return SourceSpan{text.source, text.begin + begin, text.begin + end};
  }
};

/// What a name or call in an expression was resolved to.
enum class Resolved : std::uint8_t { none, field, situation, element, function };

/// What the checker learnt about one node.
struct NodeInfo {
  Type type;
  Resolved resolved = Resolved::none;
  std::uint32_t index = 0;  ///< field slot, situation index, element depth, or function id
  std::uint32_t extra = 0;  ///< function detail: the table and output of `table`, the format of `matches`
};

/// What the checker learnt about an expression.
struct Typed {
  Type type;
  bool ok = false;                         ///< no error was reported
  std::vector<NodeInfo> nodes;             ///< per AST node
  std::vector<std::uint32_t> fields;       ///< field slots read, sorted, unique
  std::vector<std::uint32_t> situations;   ///< situation indices read, sorted, unique
  std::vector<std::uint32_t> tables;       ///< tables called, sorted, unique
};

/// Type-checks an expression; reports every mistake to `out` (E3003, E3009, E3010, E4003,
/// E4004, E4005, E6004) located through `spans`.
Typed check(const Ast& ast, const Environment& env, const SpanMap& spans, Diagnostics& out,
            const Limits& limits = {});
/// Checks that a condition is a boolean expression (E4006 otherwise) and returns what `check`
/// returns. `what` names the place in messages ("the condition of situation `x`").
Typed check_condition(const Ast& ast, const Environment& env, const SpanMap& spans, Diagnostics& out,
                      std::string_view what, const Limits& limits = {});

class TableSet;

/// A compiled expression: a short stack-machine program with its constants.
/// Move-only (constants are referenced by address); share it through a shared_ptr.
class Program {
 public:
  struct Impl;
  explicit Program(std::unique_ptr<Impl> impl);
  Program(Program&&) noexcept;
  Program& operator=(Program&&) noexcept;
  ~Program();

  [[nodiscard]] const Type& type() const noexcept;
  /// Field slots and situations the program reads (for asking the missing ones).
  [[nodiscard]] std::span<const std::uint32_t> fields() const noexcept;
  [[nodiscard]] std::span<const std::uint32_t> situations() const noexcept;
  /// Number of instructions (for tests and benchmarks).
  [[nodiscard]] std::size_t size() const noexcept;
  /// A readable listing, one instruction per line.
  [[nodiscard]] std::string disassemble() const;
  [[nodiscard]] const Impl& impl() const noexcept { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

/// Compiles an expression that `check` accepted (`typed.ok`). `tables` resolves
/// `table(...)` calls and must outlive the program (nullptr when there are none).
[[nodiscard]] Program compile(const Ast& ast, const Typed& typed, const TableSet* tables = nullptr);

/// Everything an evaluation reads.
struct Inputs {
  std::span<const Value> fields;      ///< by field slot; `Value::unknown()` when unanswered
  std::span<const Value> situations;  ///< by situation index
  std::int64_t today = 0;             ///< the evaluation date, days since 1970-01-01
  const Value* input = nullptr;       ///< `?` in decision-table cells
};

/// Runs programs. Holds the value stack and scratch space; reuse one per thread.
class Evaluator {
 public:
  Evaluator();
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  /// Evaluates; the result may be `unknown` (missing answers) or an error value. A string
  /// or list result stays valid until the next call.
  [[nodiscard]] Value run(const Program& p, const Inputs& in);
  /// After an error result: a sentence saying what failed ("table `fee`: rules 2 and 5 both
  /// match (hit policy unique)").
  [[nodiscard]] const std::string& error_detail() const noexcept { return detail_; }

  struct State;

 private:
  std::unique_ptr<State> state_;
  std::string detail_;
  friend class TableSet;
  friend struct Machine;
};

/// Turns answers into evaluation slots for `env`'s fields. Unknown field ids, values of the
/// wrong type and enumeration values that are not declared are errors (one message each);
/// the returned values point into `answers`, which must outlive them.
struct Bound {
  std::vector<Value> slots;
  std::vector<Value> storage;  ///< list elements of multiple-choice answers
  std::vector<std::string> errors;
};
[[nodiscard]] Bound bind(const Environment& env, const Answers& answers);

/// Whether `text` has one of the formats of `matches(text, FORMAT)`: `id_card` (GB 11643 with
/// its check character and a real birth date), `mobile`, `credit_code` (GB 32100 with its
/// check character) or `postcode`. False for an unknown format.
[[nodiscard]] bool matches_format(std::string_view text, std::string_view format);

// ---- Decision tables --------------------------------------------------------------------

/// A decision table with its cells parsed (the parser lives in dsl/).
struct ParsedTable {
  const ir::DecisionTable* table = nullptr;
  std::vector<std::vector<UnaryTests>> inputs;  ///< [rule][input]
  std::vector<std::vector<Ast>> outputs;         ///< [rule][output]
  std::vector<Ast> default_outputs;              ///< empty when there is no default
};

/// The signature a table presents to `table(...)` calls.
[[nodiscard]] TableSignature signature_of(const ir::DecisionTable& t);

/// Checks a table: cells against the input and output types, hit-policy rules, and the
/// static analyses (overlapping rules under UNIQUE, gaps, unreachable rules under FIRST).
/// `env` supplies the fields cells may read. Reports to `out`; returns whether it is clean.
/// Tables whose inputs have more combinations than `max_combinations` (after reducing each
/// input to the values its tests distinguish) are not analysed.
bool check_table(const ParsedTable& t, const Environment& env, Diagnostics& out,
                 std::size_t max_combinations = 100'000);
/// Records in `env` the fields and situations the cells of `t` (a table of `env`) read.
void note_table_reads(const ParsedTable& t, Environment& env);

/// Compiled decision tables, indexed like the environment's tables. Immutable once built.
class TableSet {
 public:
  TableSet();
  ~TableSet();
  TableSet(TableSet&&) noexcept;
  TableSet& operator=(TableSet&&) noexcept;
  /// Compiles a table that `check_table` accepted and appends it.
  void add(const ParsedTable& t, const Environment& env);
  [[nodiscard]] std::size_t size() const noexcept;
  /// The index of a table by id.
  [[nodiscard]] std::optional<std::uint32_t> find(std::string_view id) const;
  /// Evaluates table `index` on input values (in column order); for a multi-output table,
  /// `output` selects the output. `in` supplies the fields that cells may read.
  [[nodiscard]] Value evaluate(std::uint32_t index, std::uint32_t output, std::span<const Value> args,
                               Evaluator& ev, const Inputs& in = {}) const;
  /// Stack values a table evaluation may need (for the evaluator).
  [[nodiscard]] std::size_t stack_need() const noexcept;

  struct Impl;

 private:
  friend Value execute(const Program::Impl&, std::uint32_t, Value*, Evaluator::State&, const Inputs&);
  Value evaluate_on(std::uint32_t index, std::uint32_t output, std::span<const Value> args, Evaluator& ev,
                    const Inputs& in, Value* stack) const;
  std::unique_ptr<Impl> impl_;
};

}  // namespace yishi::expr
