// Forms and materials for one applicant: the merged form (多表合一) with guided questions
// (情形引导), validation of a submission and its split back per department, and the material
// plan (材料一次提交). Prefill from data providers is in `forms/provider.hpp`.
//
//   yishi::forms::FormModel model(compiled);               // once per compiled bundle
//   yishi::forms::Applicant who{.answers = answers_so_far, .today = today};
//   yishi::forms::MergedForm form = model.merge(who);      // what to show, what to ask next
//   yishi::forms::Submission s = model.accept(who_with_all_answers);
//   if (s.accepted()) for (const auto& p : s.payloads) send(p.department, p.answers);
//   else for (const auto& e : s.errors) show(e.field, e.message);
//
// A FormModel is immutable after construction and may be shared across threads; it keeps the
// compiled bundle alive. docs/forms.md is the reference.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "yishi/compile/compiled_bundle.hpp"
#include "yishi/expr/value.hpp"
#include "yishi/ir/bundle.hpp"

namespace yishi::forms {

/// What is known about one applicant when a form or a material plan is built.
struct Applicant {
  expr::Answers answers;  ///< answers so far (possibly partial), prefilled ones included
  std::int64_t today = 0; ///< days since 1970-01-01, for `age(...)` and `today()`
  /// Situations fixed by the front desk instead of evaluated (as in `OpenCase`).
  std::vector<std::pair<std::string, bool>> situations;
  std::vector<std::string> prefilled;    ///< ids of the answers a data provider gave (not asked again)
  std::vector<std::string> pledged;      ///< items the applicant signs a pledge for (告知承诺)
  std::vector<std::string> unavailable;  ///< provider-supplied materials the provider could not supply
  /// Count every item as applicable whatever the conditions say (the bundle-wide view of the
  /// 四减 report and of an exported form). The questions conditions read stay on the form; a
  /// question only conditional items ask is not required (it is, where they apply).
  bool every_item = false;
};

/// One question of a merged form: every definition of the field merged, with provenance.
struct FormField {
  std::string id;
  std::string label;
  std::string help;
  ir::FieldType type = ir::FieldType::string;
  std::vector<std::string> values;  ///< enumeration values
  bool multiple = false;
  bool sensitive = false;           ///< if any definition says so
  /// The strictest constraints over all definitions (required if any requires it, the highest
  /// minimum, the lowest maximum). `constraints.pattern` is unused: see `patterns`.
  ir::FieldConstraints constraints;
  std::vector<std::string> patterns;       ///< every distinct pattern; an answer must match all
  std::string provider;                    ///< 预填: the data provider that can answer it
  std::vector<std::string> items;          ///< applicable items that ask it, in bundle order
  std::vector<std::string> departments;    ///< their departments, distinct, in bundle order
  /// What its answer would decide (item ids, `eligibility`): set while a condition over it is
  /// undecided; such a field is on the form because conditions need it.
  std::vector<std::string> decides;
  bool answered = false;
  bool prefilled = false;                  ///< the answer came from `provider`
};

/// How sections are formed: questions are grouped by topic, the first segment of their id
/// (`applicant`, `business`, `premises`…). A topic that only one item asks about (and that no
/// condition reads) becomes that item's own section; the other topics are shared.
enum class SectionKind : std::uint8_t { shared, item };

/// A group of questions shown together.
struct FormSection {
  SectionKind kind = SectionKind::shared;
  std::string key;    ///< the topic (`premises`) or the item id
  std::string title;  ///< the topic, or the item's name
  std::vector<std::size_t> fields;  ///< indices into MergedForm::fields
};

/// The one form an applicant fills for the whole bundle, given the answers so far.
struct MergedForm {
  std::vector<FormField> fields;             ///< display order: shared sections, then item sections
  std::vector<FormSection> sections;
  std::vector<std::string> active_items;     ///< items that apply, in bundle order
  std::vector<std::string> undecided_items;  ///< items whose conditions wait on answers
  /// 情形引导: the unanswered questions whose answers decide undecided conditions, those that
  /// decide the most first. Answered or short-circuited conditions never ask anything.
  std::vector<std::string> next_questions;
  /// Every question still to answer: required, not answered and not prefilled, display order.
  std::vector<std::string> remaining;
  std::vector<std::string> ineligible;       ///< labels of eligibility conditions that fail
  std::vector<std::string> errors;           ///< answers that do not fit their field, failed evaluations

  /// Every item decided, eligible, nothing remaining and no error.
  [[nodiscard]] bool complete() const noexcept;
  [[nodiscard]] const FormField* find(std::string_view id) const;
};

/// One violated rule of a submission, per field (`field` empty for the form as a whole).
/// Messages never quote an answer: answers may be personal data.
struct FieldError {
  std::string field;
  std::string message;
  friend bool operator==(const FieldError&, const FieldError&) = default;
};

/// What one department receives from a merged submission: exactly the answers its applicable
/// items ask for, in form order (so personal data reaches only the departments that declared it).
struct DepartmentPayload {
  std::string department;
  std::vector<std::string> items;
  expr::Answers answers;
};

/// The outcome of `FormModel::accept`: all payloads, or every error and no payload.
struct Submission {
  MergedForm form;
  std::vector<FieldError> errors;
  std::vector<DepartmentPayload> payloads;  ///< empty unless accepted
  [[nodiscard]] bool accepted() const noexcept { return errors.empty(); }
};

/// What the applicant does about one material.
enum class MaterialRequirement : std::uint8_t {
  submit,      ///< hand it over with the application
  deferrable,  ///< 容缺: may follow within its deadline after acceptance
  provided,    ///< 免提交: a data provider supplies it
  pledged,     ///< 告知承诺: the signed pledge replaces it
};
[[nodiscard]] std::string_view to_string(MaterialRequirement r);

/// One material of an applicant's plan, de-duplicated across items.
struct PlannedMaterial {
  std::string id;
  std::string name;
  MaterialRequirement requirement = MaterialRequirement::submit;
  std::vector<std::string> items;        ///< applicable items that need it, bundle order
  std::vector<std::string> departments;  ///< their departments, distinct
  bool core = false;                     ///< core (主审材料) to at least one of them
  std::optional<ir::WorkDuration> deadline;  ///< deferrable: the supply deadline after acceptance
  std::string provider;                  ///< the provider that supplies it (or would have)
  bool pledgeable = false;               ///< a pledge could replace it (if the items are pledged)
};

/// 材料一次提交: every material the applicant deals with, once.
struct MaterialPlan {
  std::vector<PlannedMaterial> materials;     ///< bundle order
  std::vector<std::string> undecided_items;   ///< items left out because their conditions wait on answers
  std::vector<std::string> errors;            ///< pledges for items that do not allow one, unknown ids
  std::size_t requested_separately = 0;       ///< uses over the applicable items (each item asks its own copy)

  [[nodiscard]] std::size_t count(MaterialRequirement r) const noexcept;
  [[nodiscard]] const PlannedMaterial* find(std::string_view id) const;
};

struct PatternCache;

/// A compiled bundle's forms and materials. See the file comment.
class FormModel {
 public:
  explicit FormModel(CompiledBundle compiled);

  [[nodiscard]] const CompiledBundle& compiled() const noexcept { return compiled_; }

  /// The merged form for the applicant's answers so far.
  [[nodiscard]] MergedForm merge(const Applicant& applicant) const;
  /// The material plan for the applicant (items undecided so far are left out and listed).
  [[nodiscard]] MaterialPlan materials(const Applicant& applicant) const;
  /// Validates a complete submission against its merged form: every violated rule, per field.
  /// Accepted only without any error; then split into one payload per department.
  [[nodiscard]] Submission accept(const Applicant& applicant) const;
  /// The errors of one answer against a form field (type, enumeration, range, length,
  /// patterns, id card and phone formats); empty when it fits.
  [[nodiscard]] std::vector<FieldError> check_answer(const FormField& field, const expr::Answer& answer) const;
  /// The definition of a field id as the merged form asks it, whatever the applicant (all items).
  [[nodiscard]] const FormField* field(std::string_view id) const;
  /// Every field of the bundle, merged, in dictionary order.
  [[nodiscard]] const std::vector<FormField>& all_fields() const noexcept { return fields_; }

 private:
  struct ItemInfo {
    std::vector<std::size_t> fields;  ///< into fields_, form order
    std::size_t department = 0;       ///< into bundle().departments
  };
  [[nodiscard]] ConditionResult evaluate(const Applicant& a) const;
  [[nodiscard]] MergedForm merge(const Applicant& a, const ConditionResult& r) const;
  [[nodiscard]] std::vector<bool> active_items(const ConditionResult& r) const;

  CompiledBundle compiled_;
  std::vector<FormField> fields_;     ///< merged definitions, dictionary order then inline ones
  std::vector<bool> condition_field_; ///< by field: read by a situation, `when` or eligibility
  std::vector<ItemInfo> items_;
  std::shared_ptr<const PatternCache> patterns_;
};

/// Reads an answer to `field` written as text (from a data provider, a command line, a CSV
/// file): `true`/`false` (or `1`/`0`), whole and decimal numbers, dates `YYYY-MM-DD`, several
/// values of a multiple-choice field joined by `,`, anything else as text. Nullopt when the
/// text cannot be an answer of that type. The answer may still break the field's constraints
/// (`FormModel::check_answer`).
[[nodiscard]] std::optional<expr::Answer> parse_answer(const FormField& field, std::string_view text);

/// Splits answers per department: each applicable item's department receives exactly the
/// fields the item asks (used by `accept`; exposed for front ends that validate elsewhere).
[[nodiscard]] std::vector<DepartmentPayload> split(const CompiledBundle& compiled, const MergedForm& form,
                                                   const expr::Answers& answers);

}  // namespace yishi::forms
