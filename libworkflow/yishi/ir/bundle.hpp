// The bundle IR: what a 一件事 bundle declares, independent of the syntax it was written in.
//
// Both loaders (YAML, DSL) produce this IR; every later stage reads it. Nodes are plain
// values. Each carries a `Loc` (its source span) that takes no part in equality, so that
// `load(print(ir)) == ir` compares meaning, not positions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "yishi/source/source_map.hpp"

namespace yishi::ir {

/// A source span that is ignored by `operator==` (positions are not part of meaning).
struct Loc {
  SourceSpan span;
  friend bool operator==(const Loc&, const Loc&) noexcept { return true; }
};

/// A name used to refer to another declaration, with where the reference was written.
struct Ref {
  std::string id;
  Loc loc;
  friend bool operator==(const Ref&, const Ref&) = default;
};

/// A time limit in working days plus working hours (`15wd`, `4wh`, `1wd4wh`).
struct WorkDuration {
  std::int32_t days = 0;
  std::int32_t hours = 0;
  friend bool operator==(const WorkDuration&, const WorkDuration&) = default;
  friend auto operator<=>(const WorkDuration&, const WorkDuration&) = default;
};
/// `15wd`, `4wh`, `1wd4wh`, `0wd`.
[[nodiscard]] std::string to_string(const WorkDuration& d);

/// Who applies: a business (经营主体) or a person (个人).
enum class ApplicantKind : std::uint8_t { enterprise, individual };

/// Field value types. id_card, phone and address are sensitive unless declared otherwise.
enum class FieldType : std::uint8_t {
  string, integer, decimal, boolean, date, enumeration, id_card, phone, address, attachment
};
[[nodiscard]] std::string_view to_string(FieldType t);
[[nodiscard]] std::optional<FieldType> parse_field_type(std::string_view s);
/// Whether values of this type are personal data that must be masked by default.
[[nodiscard]] bool sensitive_by_default(FieldType t) noexcept;

/// Constraints on a field's answer. Which apply depends on the type (checked by `check`).
struct FieldConstraints {
  bool required = true;
  std::optional<double> min;               ///< integer/decimal: lowest value
  std::optional<double> max;               ///< integer/decimal: highest value
  std::optional<std::int64_t> min_length;  ///< string-like: fewest code points
  std::optional<std::int64_t> max_length;  ///< string-like: most code points
  std::optional<std::string> pattern;      ///< string-like: ECMAScript regular expression
  Loc min_loc, max_loc, min_length_loc, max_length_loc, pattern_loc;
  friend bool operator==(const FieldConstraints&, const FieldConstraints&) = default;
};

/// The strictest constraints that satisfy both `a` and `b` (a merged form asks a field once
/// under every definition of it): required if either is, the higher minimum, the lower
/// maximum. Patterns are not combined here (the result keeps `a`'s); callers that merge
/// patterns keep them all.
[[nodiscard]] FieldConstraints strictest(const FieldConstraints& a, const FieldConstraints& b);
/// Whether some answer can meet the constraints' ranges (`min <= max`, `min_length <= max_length`).
[[nodiscard]] bool satisfiable(const FieldConstraints& c) noexcept;

/// A question of the application form (字段).
struct Field {
  std::string id;        ///< dotted path, e.g. `applicant.birth_date`
  std::string label;     ///< shown to the applicant (Chinese)
  FieldType type = FieldType::string;
  std::vector<std::string> values;  ///< enumeration: allowed values
  Loc values_loc;
  bool multiple = false;            ///< enumeration: several values may be chosen
  bool sensitive = false;           ///< personal data: masked in logs, exports and errors
  FieldConstraints constraints;
  std::string help;
  /// 预填: a data provider (数据共享, 电子证照) that can answer it for the applicant, e.g.
  /// `population_registry`; the form then prefills it instead of asking. Empty: asked.
  std::string source;
  Loc loc;
  friend bool operator==(const Field&, const Field&) = default;
};

/// A department (部门) that handles items or signs steps.
struct Department {
  std::string id;
  std::string name;
  std::string basis;  ///< provenance note, e.g. "[S6]"
  Loc loc;
  friend bool operator==(const Department&, const Department&) = default;
};

/// A document the applicant supplies (材料).
struct Material {
  std::string id;
  std::string name;
  /// 容缺受理: may be supplied after acceptance, within this many working days.
  std::optional<WorkDuration> deferrable;
  /// With `deferrable`: the items that need it may be issued before it is supplied (a later
  /// lapse then revokes them after issuance). By default issuance waits for it.
  bool issue_before_supply = false;
  /// 免提交: a data provider (电子证照, 数据共享) that can supply it instead of the applicant.
  std::string source;
  /// 告知承诺: the applicant's signed pledge replaces it for the items that allow a pledge and
  /// are pledged.
  bool pledge = false;
  std::string basis;
  Loc loc;
  friend bool operator==(const Material&, const Material&) = default;
};

/// The part of an expression's text that the parser reads: without the whitespace around it
/// and without a `#` comment after its last token (a `#` inside a quoted text is not one).
/// The DSL ends an expression at its last token, where a YAML scalar keeps whatever its
/// quotes hold: `" g  # adults"` in YAML and `g  # adults` in the DSL are the same `g`.
[[nodiscard]] std::string_view significant_text(std::string_view text) noexcept;

/// An expression of the expression language (docs/language.md), kept as the text the
/// author wrote; `check` parses and types it, `compile` turns it into a program.
/// Equality compares the text the parser reads (`significant_text`), so that the same
/// expression written in YAML and in the DSL is equal.
struct Expression {
  std::string text;  ///< e.g. `premises.area_m2 >= 50`
  Loc loc;           ///< the span of the text in the source
  /// Whether `text` is a verbatim copy of the source at `loc` (then errors point inside it);
  /// false for a YAML scalar with escapes or folded lines (errors point at the whole text).
  bool exact = true;
  friend bool operator==(const Expression& a, const Expression& b) noexcept {
    return a.text == b.text || significant_text(a.text) == significant_text(b.text);
  }
};

/// A named condition on the applicant's answers (情形).
struct Situation {
  std::string id;
  std::string label;
  Expression condition;  ///< a yes/no expression, e.g. `premises.area_m2 > 300`
  std::string basis;
  Loc loc;
  friend bool operator==(const Situation&, const Situation&) = default;
};

/// A condition every applicant must meet to apply (申请条件), with the sentence shown when
/// it does not hold.
struct Eligibility {
  Expression condition;
  std::string label;  ///< e.g. 申请人须达到法定退休年龄
  Loc loc;
  friend bool operator==(const Eligibility&, const Eligibility&) = default;
};

/// DMN hit policies of a decision table.
enum class HitPolicy : std::uint8_t {
  unique,      ///< at most one rule may match (two is an evaluation error)
  first,       ///< the first matching rule, in rule order
  priority,    ///< the matching rule whose output comes first in the output's `values`
  any,         ///< several rules may match if their outputs agree
  collect,     ///< the outputs of all matching rules, or their aggregation
  rule_order,  ///< the outputs of all matching rules, in rule order
};
[[nodiscard]] std::string_view to_string(HitPolicy h);
[[nodiscard]] std::optional<HitPolicy> parse_hit_policy(std::string_view s);

/// COLLECT aggregations.
enum class Aggregation : std::uint8_t { none, sum, min, max, count };
[[nodiscard]] std::string_view to_string(Aggregation a);
[[nodiscard]] std::optional<Aggregation> parse_aggregation(std::string_view s);

/// An input or output column of a decision table.
struct TableColumn {
  std::string name;
  std::string label;
  FieldType type = FieldType::string;  ///< integer, decimal, string, boolean, date or enumeration
  std::vector<std::string> values;     ///< enumeration values; for PRIORITY outputs, best first
  Loc loc;
  friend bool operator==(const TableColumn&, const TableColumn&) = default;
};

/// One rule (row) of a decision table: a unary test per input, an expression per output.
struct TableRule {
  std::vector<Expression> inputs;   ///< `-`, `< 18`, `[18..60)`, `"A","B"`, `not("X")`, `? > 3`
  std::vector<Expression> outputs;  ///< usually literals
  std::string annotation;
  Loc loc;
  friend bool operator==(const TableRule&, const TableRule&) = default;
};

/// A decision table (决策表): rule sets such as fee schedules, eligibility or routing.
/// Called from expressions as `table("id", input, ...)`.
struct DecisionTable {
  std::string id;
  std::string label;
  HitPolicy hit = HitPolicy::unique;
  Aggregation aggregation = Aggregation::none;
  std::vector<TableColumn> inputs;
  std::vector<TableColumn> outputs;
  std::vector<TableRule> rules;
  std::vector<Expression> default_outputs;  ///< used when no rule matches (empty: none)
  std::string basis;
  Loc loc;
  Loc hit_loc;
  friend bool operator==(const DecisionTable&, const DecisionTable&) = default;
};

/// How the signers of a step complete it.
enum class JoinKind : std::uint8_t {
  all,       ///< 会签: every signer approves
  any,       ///< 或签: the first approval decides
  vote,      ///< 票签: approvals' weights reach the threshold
  sequence,  ///< 依次审批: signers in order, each must approve
};
[[nodiscard]] std::string_view to_string(JoinKind k);
[[nodiscard]] std::optional<JoinKind> parse_join_kind(std::string_view s);

/// One signer of a step: a role in a department, with a vote weight.
struct Signer {
  std::string role;
  std::optional<Ref> department;  ///< defaults to the item's department
  std::int32_t weight = 1;
  Loc loc;
  friend bool operator==(const Signer&, const Signer&) = default;
};

/// A step's signers and join policy. An item without a declared review has one signer
/// (`reviewer` of its department) and `all`.
struct Review {
  JoinKind join = JoinKind::all;
  std::int32_t threshold = 0;  ///< vote: total weight of approvals needed
  std::vector<Signer> signers;
  Loc loc;
  Loc threshold_loc;
  Loc signers_loc;
  friend bool operator==(const Review&, const Review&) = default;
};

/// How an applicant deals with an office: applies or receives results online, at a service
/// window (one trip in person), or by mail (results only).
enum class Channel : std::uint8_t { online, window, mail };
[[nodiscard]] std::string_view to_string(Channel c);
[[nodiscard]] std::optional<Channel> parse_channel(std::string_view s);

/// How an item is done when applied for on its own, outside the bundle: the baseline of the
/// 四减 report. Unset parts default to the bundle's own figures (no saving is claimed).
struct Separately {
  std::optional<WorkDuration> limit;  ///< its own 承诺时限 (default: the item's `promised`)
  std::optional<Channel> apply;       ///< how it is applied for (default: the bundle's `apply`)
  std::optional<Channel> delivery;    ///< how its result is received (default: the bundle's `delivery`)
  std::optional<std::int32_t> steps;  ///< 环节 the applicant goes through (default: see docs/report.md)
  Loc loc;
  friend bool operator==(const Separately&, const Separately&) = default;
};

/// An item's use of a material; `core` marks it essential to the item (主审材料).
struct MaterialUse {
  Ref material;
  bool core = false;
  friend bool operator==(const MaterialUse&, const MaterialUse&) = default;
};

/// An item's form entry: a reference to a dictionary field, or a field defined inline.
struct FormEntry {
  Ref field;                   ///< the field id
  std::optional<Field> inline_definition;
  friend bool operator==(const FormEntry&, const FormEntry&) = default;
};

/// What staff may do to a step's signatures besides signing them (docs/approvals.md).
enum class ApprovalOperation : std::uint8_t {
  claim,          ///< 认领 / 释放: take or give back an unassigned signature
  transfer,       ///< 转办: hand a pending signature to another person for good
  delegate,       ///< 委派: hand it over for advice, and decide after it comes back
  add_signer,     ///< 加签: add a signer before, after or beside the current one
  remove_signer,  ///< 减签: remove a signer who has not signed
  reclaim,        ///< 拿回: take back a decision while the next step has not acted
  remind,         ///< 催办: remind the signers by hand (scheduled reminders need `remind`)
};
[[nodiscard]] std::string_view to_string(ApprovalOperation o);
[[nodiscard]] std::optional<ApprovalOperation> parse_approval_operation(std::string_view s);

/// What a rejection back (驳回) to an earlier step does to the parallel branches beside the path.
enum class SiblingPolicy : std::uint8_t {
  keep,    ///< their work stands; what comes after them waits for the target's new approval
  cancel,  ///< reviews in progress go back to pending (not the final item status `cancelled`)
  redo,    ///< reviews in progress and approvals go back to pending: reviewed again
};
[[nodiscard]] std::string_view to_string(SiblingPolicy p);
[[nodiscard]] std::optional<SiblingPolicy> parse_sibling_policy(std::string_view s);

/// Where a case goes on after a rejection back, once the target is approved again.
enum class ResumePolicy : std::uint8_t {
  rejecting_step,  ///< 回到驳回节点: the steps in between keep their approvals
  rerun,           ///< 重新流转: the steps in between are reviewed again
};
[[nodiscard]] std::string_view to_string(ResumePolicy p);
[[nodiscard]] std::optional<ResumePolicy> parse_resume_policy(std::string_view s);

/// A target a step may be rejected back to.
struct RejectTarget {
  enum class Kind : std::uint8_t {
    applicant,  ///< back to the applicant for correction (the `return` decision)
    previous,   ///< the step it comes directly after (the applicant when there is none)
    any,        ///< every step it comes after, and the applicant
    item,       ///< a named step it comes after
  };
  Kind kind = Kind::applicant;
  Ref item;  ///< Kind::item
  Loc loc;
  friend bool operator==(const RejectTarget&, const RejectTarget&) = default;
};
/// `applicant`, `previous`, `any` or the item's id, as written.
[[nodiscard]] std::string_view to_string(const RejectTarget& t);

/// 催办: reminders to the signers on a schedule in office hours, at most `max` per round.
struct Reminders {
  std::optional<WorkDuration> first;  ///< from the start of the review; default `every`
  WorkDuration every{1, 0};
  std::int32_t max = 3;
  Loc loc;
  friend bool operator==(const Reminders&, const Reminders&) = default;
};

/// 超时自动审批: the step decides itself when nobody did in time.
struct AutoDecision {
  bool approve = true;                ///< approve (超时自动同意) or reject (超时自动驳回)
  std::optional<WorkDuration> after;  ///< from the start of the review; default: the promised limit
  Loc loc;
  friend bool operator==(const AutoDecision&, const AutoDecision&) = default;
};

/// The approval operations a step allows, where it may be rejected back to, its reminders
/// and its automatic decision (docs/approvals.md). The defaults are what an item without an
/// `approvals` declaration gets.
struct Approvals {
  // (Defaults come from functions: GCC 12 fails on list-initialised member defaults here.)
  std::vector<ApprovalOperation> allow = default_allow();  ///< sorted, without repeats
  std::string supervisor;  ///< a role of the item's department that may add, remove and transfer any signature
  std::vector<RejectTarget> reject_to = default_reject_to();  ///< default: the applicant only
  SiblingPolicy siblings = SiblingPolicy::keep;
  ResumePolicy resume = ResumePolicy::rejecting_step;
  std::optional<Reminders> remind;
  std::optional<AutoDecision> auto_decide;
  Loc loc, supervisor_loc, reject_loc;
  friend bool operator==(const Approvals&, const Approvals&) = default;

  [[nodiscard]] bool allows(ApprovalOperation o) const noexcept;
  /// claim, transfer and delegate: they change who decides, not what the flow does.
  [[nodiscard]] static std::vector<ApprovalOperation> default_allow();
  [[nodiscard]] static std::vector<RejectTarget> default_reject_to();
  /// `all`, `none`, or nullopt when only some operations are allowed (written as a list).
  [[nodiscard]] std::optional<std::string_view> allow_word() const noexcept;
  /// Whether every value is the default (printers then leave the declaration out).
  [[nodiscard]] bool is_default() const;
};

/// One department's administrative service within the bundle (事项).
struct Item {
  std::string id;
  std::string name;
  Ref department;
  std::vector<FormEntry> form;
  std::vector<MaterialUse> materials;
  WorkDuration statutory;  ///< 法定时限
  WorkDuration promised;   ///< 承诺时限
  Loc statutory_loc;
  Loc promised_loc;
  std::vector<Expression> when;     ///< conditions that must all hold; empty = always
  std::vector<Ref> after;           ///< items that must be approved first (串联)
  Review review;
  Approvals approvals;
  bool pledge = false;      ///< 告知承诺 allowed
  bool essential = true;    ///< a rejection rejects the whole case
  std::int64_t fee_fen = 0; ///< fee in fen (0.01 yuan)
  /// 现场核查: the id of the on-site inspection this item needs; items naming the same
  /// inspection are inspected together in the bundle (联合踏勘, 联合验收). Empty: none.
  std::string inspection;
  Separately separately;
  std::string basis;
  Loc loc;
  friend bool operator==(const Item&, const Item&) = default;
};

/// An optional explicit phase: items of a stage start after all items of earlier stages.
struct Stage {
  std::string id;
  std::string name;
  std::vector<Ref> items;
  Loc loc;
  friend bool operator==(const Stage&, const Stage&) = default;
};

/// What a local variant did to the bundle it extends, as its loader recorded it.
struct VariantChange {
  enum class Kind : std::uint8_t { added, removed, overridden };
  Kind kind = Kind::added;
  std::string what;               ///< `item`, `material`, `field`, `situation`, `department`, `bundle`
  std::string id;
  std::vector<std::string> keys;  ///< overridden: the keys the variant gave
  Loc loc;                        ///< where in the variant
  friend bool operator==(const VariantChange&, const VariantChange&) = default;
};

/// Where a bundle comes from when it is a local variant (`extends:`): the base it extends and
/// the changes. Provenance, like spans, is not part of a bundle's identity: a variant equals
/// the complete bundle it amounts to (which is what printing it writes).
struct Provenance {
  std::string base_path;     ///< as written after `extends:`
  std::string base_id;
  std::string base_version;
  std::vector<VariantChange> changes;
  Loc loc;
  [[nodiscard]] bool is_variant() const noexcept { return !base_id.empty(); }
  friend bool operator==(const Provenance&, const Provenance&) noexcept { return true; }
};

/// A 一件事 bundle: several items delivered as one application.
struct Bundle {
  std::string id;
  std::string name;
  std::string version;
  ApplicantKind applicant = ApplicantKind::enterprise;
  Ref lead;  ///< 牵头部门
  Channel apply = Channel::window;     ///< how the bundle is applied for (一窗 or 一网)
  Channel delivery = Channel::window;  ///< how its results are delivered (统一出件)
  std::string basis;
  std::vector<Department> departments;
  std::vector<Field> fields;
  std::vector<Material> materials;
  std::vector<Situation> situations;
  std::vector<Eligibility> eligibility;
  std::vector<DecisionTable> tables;
  std::vector<Item> items;
  std::vector<Stage> stages;
  Provenance provenance;  ///< a local variant's base and changes (not part of identity)
  Loc loc;
  friend bool operator==(const Bundle&, const Bundle&) = default;

  [[nodiscard]] const Department* find_department(std::string_view key) const;
  [[nodiscard]] const Field* find_field(std::string_view key) const;
  [[nodiscard]] const Material* find_material(std::string_view key) const;
  [[nodiscard]] const Situation* find_situation(std::string_view key) const;
  [[nodiscard]] const Item* find_item(std::string_view key) const;
  [[nodiscard]] const DecisionTable* find_table(std::string_view key) const;
};

/// The order between items: (before, after) index pairs for every `after` reference to a
/// declared item and for the order stages imply (the items of a stage that wait for nothing
/// inside it come after the items of the previous non-empty stage that nothing in it waits
/// for). The checker and the compiler share it, so they agree on what "comes before" means.
[[nodiscard]] std::vector<std::pair<std::uint32_t, std::uint32_t>> dependency_edges(const Bundle& b);
/// For each item, the items it comes after, directly or not (its ancestors), sorted by index.
/// Safe on a cyclic order (an item on a cycle is then among its own ancestors).
[[nodiscard]] std::vector<std::vector<std::uint32_t>> item_ancestors(const Bundle& b);

/// A fee in yuan with at most two decimals (`0`, `12`, `12.5`, `12.50`), in fen; nullopt for
/// anything else (signs, exponents, `.5`, `5.`, more than 12 digits of yuan).
[[nodiscard]] std::optional<std::int64_t> parse_fee(std::string_view s);

/// Whether `s` is a word of the expression language that no id may be (`and`, `or`, `not`,
/// `in`, `true`, `false`).
[[nodiscard]] bool is_reserved_word(std::string_view s) noexcept;
/// Whether `s` is a valid plain id (`snake_case`, not a reserved word).
[[nodiscard]] bool is_valid_id(std::string_view s) noexcept;
/// The rule ids (or field paths) follow, as the help of an invalid-id diagnostic.
[[nodiscard]] std::string_view id_rule(bool field_path) noexcept;
/// Whether `s` is a valid field path (`snake_case` segments joined by dots).
[[nodiscard]] bool is_valid_field_path(std::string_view s) noexcept;

}  // namespace yishi::ir
