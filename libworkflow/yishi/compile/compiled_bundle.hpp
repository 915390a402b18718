// CompiledBundle: the immutable, executable form of a checked bundle.
//
//   auto result = yishi::compile(std::move(bundle));
//   if (!result.compiled) { /* result.diagnostics explains why */ }
//   const yishi::CompiledBundle& cb = *result.compiled;
//   for (yishi::StepId s : cb.topological_order()) { ... cb.step(s) ... }
//
// A CompiledBundle is a cheap handle (one shared pointer) to immutable data: copy it
// freely and share it across threads; no member function mutates anything.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yishi/diag/diagnostic.hpp"
#include "yishi/expr/expr.hpp"
#include "yishi/ir/bundle.hpp"

namespace yishi {

/// Index of a step in a CompiledBundle.
struct StepId {
  std::uint32_t value = 0;
  friend bool operator==(StepId, StepId) = default;
  friend auto operator<=>(StepId, StepId) = default;
};

/// What a step does in the case flow.
enum class StepKind : std::uint8_t {
  intake,    ///< 综合受理: the single front desk accepts the application
  review,    ///< 分类审批: one item reviewed by its department
  issuance,  ///< 统一出件: all results delivered together
};
[[nodiscard]] std::string_view to_string(StepKind k);

/// A step's join policy with its threshold resolved: the step is approved once the weights of
/// approving signers reach `threshold`, and rejected as soon as that becomes impossible.
struct JoinPolicy {
  ir::JoinKind kind = ir::JoinKind::all;
  std::int32_t threshold = 1;     ///< weight of approvals needed
  std::int32_t total_weight = 1;  ///< weight of all signers
};

/// One signer of a step, with its department resolved.
struct StepSigner {
  std::string role;
  std::string department;
  std::int32_t weight = 1;
};

/// A review step's approval operations (docs/approvals.md), resolved against the graph.
struct ApprovalPolicy {
  std::uint16_t allowed = 0;  ///< one bit per ir::ApprovalOperation
  std::string supervisor;     ///< a role of the item's department; empty: none
  bool to_applicant = true;   ///< may be rejected back to the applicant (the `return` decision)
  bool to_previous = false;   ///< may be rejected back to `previous` (resolved when it happens)
  std::vector<StepId> reject_to;  ///< the steps it may be rejected back to, in topological order
  ir::SiblingPolicy siblings = ir::SiblingPolicy::keep;
  ir::ResumePolicy resume = ir::ResumePolicy::rejecting_step;
  std::optional<ir::Reminders> remind;
  std::optional<ir::AutoDecision> auto_decide;
  [[nodiscard]] bool allows(ir::ApprovalOperation o) const noexcept {
    return (allowed >> static_cast<unsigned>(o)) & 1u;
  }
};

/// One node of the executable graph.
struct Step {
  StepId id;
  StepKind kind = StepKind::review;
  std::string name;                 ///< the item id, or `intake` / `issuance`
  std::int32_t item = -1;           ///< index into bundle().items for review steps
  std::vector<StepId> predecessors; ///< steps that must finish first
  std::vector<StepId> successors;
  std::uint32_t depth = 0;          ///< longest number of edges from intake
  JoinPolicy join;
  std::vector<StepSigner> signers;  ///< in order (matters for `sequence`)
  /// Review steps: the review steps this one comes after, directly or not, in topological
  /// order. These are the only steps it may legally be rejected back to (驳回): never
  /// itself, nothing after it, nothing in a parallel branch.
  std::vector<StepId> ancestors;
  ApprovalPolicy approvals;  ///< review steps only
};

/// What a bundle's conditions say about one applicant's answers (`evaluate_conditions`).
/// Three-valued: a condition over an unanswered field is unknown, and `missing_fields` lists
/// the fields whose answers would decide it.
struct ConditionResult {
  std::vector<expr::Value> situations;             ///< by situation: yes, no, unknown or an error
  std::vector<std::optional<bool>> active;         ///< by item: whether it applies; empty = unknown
  std::vector<std::size_t> ineligible;             ///< eligibility conditions that do not hold
  std::vector<std::string> missing_fields;         ///< fields to ask, sorted
  /// For each of `missing_fields`: what its answer helps decide (item ids, `eligibility`), sorted.
  std::vector<std::vector<std::string>> deciding;
  std::vector<std::string> errors;                 ///< invalid answers and failed evaluations
  std::size_t answer_errors = 0;                   ///< how many of `errors` (the first ones) are invalid answers
  /// Every item decided, no eligibility condition unknown, and no error.
  [[nodiscard]] bool decided() const noexcept;
};

/// The compiled, immutable form of a bundle. See the file comment for usage.
class CompiledBundle {
 public:
  struct Impl;
  explicit CompiledBundle(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

  /// The checked IR this was compiled from.
  [[nodiscard]] const ir::Bundle& bundle() const noexcept;
  [[nodiscard]] std::span<const Step> steps() const noexcept;
  [[nodiscard]] const Step& step(StepId id) const;
  /// Steps in an order where every step comes after all its predecessors (deterministic:
  /// ties are broken by declaration order).
  [[nodiscard]] std::span<const StepId> topological_order() const noexcept;
  [[nodiscard]] StepId intake() const noexcept;
  [[nodiscard]] StepId issuance() const noexcept;
  /// The review step of an item, by item id.
  [[nodiscard]] std::optional<StepId> step_of_item(std::string_view item_id) const;
  /// Steps grouped by depth: the steps of one level may run in parallel.
  [[nodiscard]] std::vector<std::vector<StepId>> levels() const;
  /// The largest number of review steps that can be in progress at once (antichain width
  /// of the dependency order, by levels).
  [[nodiscard]] std::size_t max_parallel_reviews() const;

  /// What names mean in this bundle's expressions (fields, situations, tables).
  [[nodiscard]] const expr::Environment& environment() const noexcept;
  /// The bundle's decision tables, compiled (indexed like `bundle().tables`).
  [[nodiscard]] const expr::TableSet& tables() const noexcept;
  /// The field slots (indices into `environment().fields()`) that any situation, `when` or
  /// eligibility condition reads, sorted.
  [[nodiscard]] std::span<const std::uint32_t> condition_fields() const noexcept;
  /// The compiled condition of a situation.
  [[nodiscard]] const expr::Program& situation_program(std::size_t situation) const;
  /// Evaluates situations (in dependency order), eligibility and every item's `when` for
  /// `answers`, as of `today` (for `age` and `today()`). `decided` entries fix situations
  /// instead of evaluating them (a front desk may decide a situation itself). Thread-safe.
  [[nodiscard]] ConditionResult evaluate_conditions(const expr::Answers& answers, std::int64_t today,
                                                    std::span<const std::pair<std::string, bool>> decided = {}) const;

 private:
  std::shared_ptr<const Impl> impl_;
};

/// The outcome of `compile`: a bundle when the IR checked clean, and every diagnostic.
struct CompileResult {
  std::optional<CompiledBundle> compiled;
  Diagnostics diagnostics;
};

/// Checks `bundle` and, when it has no errors, compiles it. Never throws on user mistakes.
[[nodiscard]] CompileResult compile(ir::Bundle bundle);

}  // namespace yishi
