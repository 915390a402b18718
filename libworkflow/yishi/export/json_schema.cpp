// The merged form as a JSON Schema (draft 2020-12).
#include "yishi/export/json_schema.hpp"

#include <fmt/format.h>

#include "yishi/base/json.hpp"

namespace yishi::exporting {

namespace {

std::string number(double v) {
  if (v == static_cast<double>(static_cast<std::int64_t>(v))) return std::to_string(static_cast<std::int64_t>(v));
  return fmt::format("{}", v);
}

std::string string_list(const std::vector<std::string>& v) {
  std::string o = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) o += ',';
    json::append_string(o, v[i]);
  }
  return o + "]";
}

// The type keywords of one field, without the surrounding braces.
std::string type_of(const forms::FormField& f) {
  using T = ir::FieldType;
  const auto& c = f.constraints;
  std::string o;
  auto text = [&](std::string_view format_pattern) {
    o += "\"type\":\"string\"";
    if (c.min_length) o += fmt::format(",\"minLength\":{}", *c.min_length);
    if (c.max_length) o += fmt::format(",\"maxLength\":{}", *c.max_length);
    std::vector<std::string> patterns = f.patterns;
    if (!format_pattern.empty()) patterns.emplace_back(format_pattern);
    if (patterns.size() == 1) {
      o += ",\"pattern\":" + json::quote(patterns[0]);
    } else if (patterns.size() > 1) {
      o += ",\"allOf\":[";
      for (std::size_t i = 0; i < patterns.size(); ++i) o += (i ? "," : "") + std::string("{\"pattern\":") + json::quote(patterns[i]) + "}";
      o += "]";
    }
  };
  switch (f.type) {
    case T::integer:
    case T::decimal:
      o += f.type == T::integer ? "\"type\":\"integer\"" : "\"type\":\"number\"";
      if (c.min) o += ",\"minimum\":" + number(*c.min);
      if (c.max) o += ",\"maximum\":" + number(*c.max);
      break;
    case T::boolean: o += "\"type\":\"boolean\""; break;
    case T::date: o += "\"type\":\"string\",\"format\":\"date\",\"pattern\":\"^[0-9]{4}-[0-9]{2}-[0-9]{2}$\""; break;
    case T::enumeration:
      if (f.multiple) {
        o += "\"type\":\"array\",\"uniqueItems\":true,\"items\":{\"enum\":" + string_list(f.values) + "}";
        if (c.required) o += ",\"minItems\":1";
      } else {
        o += "\"enum\":" + string_list(f.values);
      }
      break;
    case T::id_card: text("^[0-9]{17}[0-9Xx]$"); break;
    case T::phone: text("^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?)$"); break;
    case T::attachment:
      text("");
      o += ",\"contentMediaType\":\"application/octet-stream\"";
      break;
    default: text(""); break;
  }
  if (c.required && (f.type == T::string || f.type == T::address) && !c.min_length) o += ",\"minLength\":1";
  return o;
}

}  // namespace

std::string json_schema(const forms::MergedForm& form, std::string_view title) {
  std::string o = "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\"";
  if (!title.empty()) o += ",\"title\":" + json::quote(title);
  o += ",\"additionalProperties\":false,\"properties\":{";
  std::vector<std::string> required;
  for (std::size_t i = 0; i < form.fields.size(); ++i) {
    const auto& f = form.fields[i];
    if (i) o += ',';
    json::append_string(o, f.id);
    o += ":{\"title\":" + json::quote(f.label);
    if (!f.help.empty()) o += ",\"description\":" + json::quote(f.help);
    o += "," + type_of(f);
    if (f.prefilled) o += ",\"readOnly\":true";
    if (f.sensitive) o += ",\"x-yishi-sensitive\":true";
    if (!f.provider.empty()) o += ",\"x-yishi-provider\":" + json::quote(f.provider);
    if (!f.items.empty()) o += ",\"x-yishi-items\":" + string_list(f.items);
    if (!f.departments.empty()) o += ",\"x-yishi-departments\":" + string_list(f.departments);
    if (!f.decides.empty()) o += ",\"x-yishi-decides\":" + string_list(f.decides);
    o += "}";
    if (f.constraints.required && !f.prefilled) required.push_back(f.id);
  }
  o += "},\"required\":" + string_list(required);
  o += ",\"x-yishi-sections\":[";
  for (std::size_t s = 0; s < form.sections.size(); ++s) {
    const auto& sec = form.sections[s];
    if (s) o += ',';
    std::vector<std::string> ids;
    for (auto f : sec.fields) ids.push_back(form.fields[f].id);
    o += fmt::format("{{\"kind\":\"{}\",\"key\":{},\"title\":{},\"fields\":{}}}",
                     sec.kind == forms::SectionKind::shared ? "shared" : "item", json::quote(sec.key),
                     json::quote(sec.title), string_list(ids));
  }
  o += "]}";
  return o;
}

}  // namespace yishi::exporting
