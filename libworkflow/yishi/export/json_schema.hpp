// JSON Schema (draft 2020-12) of a merged form, for front ends that render and pre-validate it.
//
//   std::string schema = yishi::exporting::json_schema(model.merge(applicant));
//
// The schema describes one JSON object keyed by field id (`{"business.name": "…"}`), the same
// shape as the answers the engine takes. docs/forms.md shows an example.
#pragma once

#include <string>

#include "yishi/forms/forms.hpp"

namespace yishi::exporting {

/// The form as a JSON Schema: a property per field with its type and constraints, `required`
/// for the required questions the applicant still answers (prefilled ones are `readOnly`),
/// titles from the labels, and `x-yishi-*` annotations for sections, provenance and
/// sensitivity (no answer value is ever included).
[[nodiscard]] std::string json_schema(const forms::MergedForm& form, std::string_view title = {});

}  // namespace yishi::exporting
