// The 四减 report: what a bundle saves against applying for its items one by one — time
// (减时间), steps (减环节), materials (减材料), form fields and trips (减跑动) — for the whole
// bundle or for one applicant's answers, with the critical path named item by item.
//
//   yishi::forms::FormModel model(compiled);
//   yishi::analysis::Report r = yishi::analysis::report(model);          // every item
//   std::cout << yishi::analysis::to_text(r);                            // or to_json(r)
//   auto mine = yishi::analysis::report(model, applicant);                // applicable items only
//
// docs/report.md defines every figure.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "yishi/compile/compiled_bundle.hpp"
#include "yishi/forms/forms.hpp"

namespace yishi::analysis {

/// The longest path through the dependency graph when each item takes `hours[item]` working
/// hours (8 per working day); items that take 0 hours and are not applicable may lie on it.
struct CriticalPath {
  std::int64_t hours = 0;
  std::vector<std::size_t> items;  ///< item indices, in order
};
/// `hours` is indexed like `compiled.bundle().items`. Among paths of equal length, walking back
/// from issuance, each step goes to the earliest-declared item that lies on a longest path.
[[nodiscard]] CriticalPath critical_path(const CompiledBundle& compiled, std::span<const std::int64_t> hours);

/// One figure before (separately) and after (bundled).
struct Figure {
  double separately = 0;
  double bundled = 0;
  /// The reduction as a fraction of `separately` (0.67 = 67 % less); 0 when `separately` is 0.
  [[nodiscard]] double reduction() const noexcept { return separately > 0 ? (separately - bundled) / separately : 0; }
};

/// One counted item's own figures.
struct ItemFigures {
  std::string id;
  std::string name;
  std::string department;
  double promised_days = 0;    ///< in the bundle
  double separate_days = 0;    ///< on its own (`separately.limit`, default `promised`)
  double statutory_days = 0;
  std::int32_t steps = 0;      ///< 环节 on its own
  std::int32_t trips = 0;      ///< trips on its own
  std::int32_t materials = 0;  ///< materials it asks on its own
  std::int32_t fields = 0;     ///< questions of its own form
  std::string inspection;      ///< its on-site inspection, if any
  bool critical = false;       ///< on the bundled critical path
};

/// The 四减 report of a bundle.
struct Report {
  std::string bundle;
  std::string name;
  std::string version;
  bool for_applicant = false;            ///< figures for given answers (else every item counts)
  std::vector<std::string> undecided;    ///< with answers: items left out, their conditions undecided
  std::vector<std::string> errors;       ///< the material plan's: invalid pledges, unknown material ids
  std::vector<ItemFigures> items;        ///< the counted items, in bundle order
  /// A local variant (`extends:`): its base and what it changes, one line each
  /// (`+ item x`, `- material y`, `~ item z: promised, materials`). Empty otherwise.
  std::string base;
  std::string base_version;
  std::vector<std::string> variant_changes;

  Figure days;                           ///< Σ separate limits vs the critical path of promised limits
  std::vector<std::string> critical_path;  ///< item ids on the bundled critical path, in order
  Figure statutory_days;                 ///< Σ statutory limits vs their critical path
  std::vector<std::string> statutory_critical_path;
  Figure steps;                          ///< 环节 the applicant goes through
  Figure materials;                      ///< handed over: Σ uses vs distinct, not provided, not pledged
  std::int32_t materials_distinct = 0;   ///< after de-duplication
  std::int32_t materials_provided = 0;   ///< 免提交: a provider supplies them
  std::int32_t materials_pledged = 0;    ///< 告知承诺: replaced by the applicant's pledges
  std::int32_t materials_deferrable = 0; ///< of those handed over, how many may follow (容缺)
  Figure fields;                         ///< Σ questions of the separate forms vs the merged form
  std::int32_t fields_prefillable = 0;   ///< merged questions a provider can answer (预填)
  Figure trips;                          ///< trips in person
  std::int32_t inspections_separately = 0;
  std::int32_t inspections_bundled = 0;  ///< joint inspections count once
};

/// The report for every item of the bundle (as if every condition held), or, with an
/// applicant, for the items that apply to them.
[[nodiscard]] Report report(const forms::FormModel& model, const std::optional<forms::Applicant>& applicant = std::nullopt);

/// A table for people (Chinese headings with English codes), ending with the critical path.
[[nodiscard]] std::string to_text(const Report& r);
/// The same as one JSON object (docs/report.md shows its shape).
[[nodiscard]] std::string to_json(const Report& r);

/// Several bundles side by side, one row each: items, departments, then steps, materials,
/// form fields, working days and trips as `separately→bundled`, and the time saved.
[[nodiscard]] std::string summary_table(std::span<const Report> reports);

}  // namespace yishi::analysis
