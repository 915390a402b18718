// Names of the runtime's enumerations, commands and events, and command fingerprints.
#include <array>
#include <bit>
#include <string_view>
#include <type_traits>

#include "yishi/base/hash.hpp"
#include "yishi/runtime/case_state.hpp"
#include "yishi/runtime/command.hpp"
#include "yishi/runtime/event.hpp"
#include "yishi/runtime/outcome.hpp"

namespace yishi {
namespace {

template <class E, std::size_t N>
std::string_view name_of(E e, const std::array<std::string_view, N>& names) {
  const auto k = static_cast<std::size_t>(e);
  return k < N ? names[k] : std::string_view{"?"};
}
template <class E, std::size_t N>
std::optional<E> parse_name(std::string_view s, const std::array<std::string_view, N>& names) {
  for (std::size_t k = 0; k < N; ++k)
    if (names[k] == s) return static_cast<E>(k);
  return std::nullopt;
}

constexpr std::array<std::string_view, 3> actor_kinds{"applicant", "staff", "system"};
constexpr std::array<std::string_view, 3> decisions{"approve", "reject", "return"};
constexpr std::array<std::string_view, 27> command_kinds{
    "open", "submit", "accept", "accept_with_deficiency", "return_for_correction", "refuse", "resubmit", "assign",
    "sign", "supply_material", "pledge", "post_check", "withdraw", "issue", "rate", "timer", "migrate",
    "claim", "unclaim", "transfer", "delegate", "resolve_delegation", "add_signer", "remove_signer", "reject_back",
    "reclaim", "remind"};
constexpr std::array<std::string_view, 43> event_names{
    "case_opened", "submitted", "accepted", "correction_requested", "refused", "resubmitted", "item_started",
    "signer_assigned", "signed", "item_approved", "item_rejected", "item_returned", "item_cancelled",
    "item_revoked", "pledged", "post_checked", "material_supplied", "material_lapsed", "deadline_warning",
    "deadline_overdue", "case_rejected", "withdrawn", "issued", "rated", "rating_window_ended", "case_closed",
    "correction_lifted", "material_waived", "case_migrated", "signer_released", "signature_transferred",
    "signature_delegated", "delegation_resolved", "signer_added", "signer_removed", "join_reevaluated",
    "rejected_back", "item_reset", "signature_reclaimed", "item_reopened", "item_scheduled", "reminder_sent",
    "auto_decided"};
static_assert(std::variant_size_v<Event> == event_names.size());
static_assert(std::variant_size_v<CommandBody> + 3 == command_kinds.size());
constexpr std::array<std::string_view, 10> case_statuses{
    "draft", "submitted", "returned_for_correction", "accepted", "accepted_with_deficiency",
    "issued", "closed", "refused", "rejected", "withdrawn"};
constexpr std::array<std::string_view, 8> item_statuses{
    "inactive", "pending", "in_review", "returned", "approved", "rejected", "revoked", "cancelled"};
constexpr std::array<std::string_view, 8> material_statuses{
    "not_needed", "missing", "handed_over", "provided", "deferred", "supplied", "lapsed", "pledged"};
constexpr std::array<std::string_view, 4> post_check_statuses{"none", "due", "passed", "failed"};
constexpr std::array<std::string_view, 2> origins{"intake", "review"};
constexpr std::array<std::string_view, 3> add_positions{"before", "after", "parallel"};
constexpr std::array<std::string_view, 4> reset_causes{"rerun", "sibling_cancelled", "sibling_redone",
                                                       "prerequisite_reopened"};
/// The number of the last CommandBody alternative before the kinds that are not bodies.
constexpr std::size_t first_operation_index = 14;  // Claim
static_assert(std::is_same_v<std::variant_alternative_t<first_operation_index, CommandBody>, Claim>);
constexpr std::array<std::string_view, 3> revoke_causes{"material_lapsed", "post_check_failed", "prerequisite_revoked"};
constexpr std::array<std::string_view, 12> error_kinds{
    "invalid_transition", "not_authorised", "unknown_step", "unknown_material", "unknown_case",
    "unknown_bundle", "invalid_argument", "duplicate_command", "key_reused", "conflict",
    "needs_answers", "not_eligible"};

/// Command fingerprints are stored with each command: StableHash, plus the runtime's types.
class Hasher {
 public:
  void add(std::uint64_t v) { h_.add(v); }
  void add(std::string_view s) { h_.add(s); }
  void add(const std::vector<std::string>& v) {
    add(v.size());
    for (const auto& s : v) add(s);
  }
  void add(const Actor& a) {
    add(static_cast<std::uint64_t>(a.kind));
    add(a.id);
    add(a.department);
    add(a.role);
  }
  [[nodiscard]] std::uint64_t value() const { return h_.value(); }

 private:
  StableHash h_;
};

struct BodyHasher {
  Hasher& h;
  void operator()(const Submit& c) {
    h.add(c.materials);
    h.add(c.unavailable);
  }
  void operator()(const Accept&) {}
  void operator()(const AcceptWithDeficiency&) {}
  void operator()(const ReturnForCorrection& c) { h.add(c.materials); h.add(c.comment); }
  void operator()(const Refuse& c) { h.add(c.reason); }
  void operator()(const Resubmit& c) { h.add(c.materials); }
  void operator()(const Assign& c) { h.add(c.item); h.add(c.person); h.add(c.slot ? *c.slot + 1 : 0); }
  void operator()(const Sign& c) {
    h.add(c.item);
    h.add(static_cast<std::uint64_t>(c.decision));
    h.add(c.comment);
    h.add(c.materials);
    h.add(c.slot ? *c.slot + 1 : 0);
  }
  void operator()(const SupplyMaterial& c) { h.add(c.material); }
  void operator()(const Pledge& c) { h.add(c.item); }
  void operator()(const PostCheck& c) { h.add(c.item); h.add(c.pass ? 1 : 0); h.add(c.comment); }
  void operator()(const Withdraw& c) { h.add(c.reason); }
  void operator()(const Issue&) {}
  void operator()(const Rate& c) { h.add(static_cast<std::uint64_t>(c.score)); h.add(c.comment); }
  void operator()(const Claim& c) { h.add(c.item); slot(c.slot); }
  void operator()(const Unclaim& c) { h.add(c.item); slot(c.slot); }
  void operator()(const Transfer& c) { h.add(c.item); h.add(c.to); h.add(c.comment); slot(c.slot); }
  void operator()(const Delegate& c) { h.add(c.item); h.add(c.to); h.add(c.comment); slot(c.slot); }
  void operator()(const ResolveDelegation& c) {
    h.add(c.item);
    h.add(c.advice ? static_cast<std::uint64_t>(*c.advice) + 1 : 0);
    h.add(c.comment);
    slot(c.slot);
  }
  void operator()(const AddSigner& c) {
    h.add(c.item);
    h.add(c.role);
    h.add(c.department);
    h.add(static_cast<std::uint64_t>(c.weight));
    h.add(c.person);
    h.add(static_cast<std::uint64_t>(c.position));
    slot(c.relative_to);
    h.add(c.comment);
  }
  void operator()(const RemoveSigner& c) { h.add(c.item); h.add(c.slot); h.add(c.comment); }
  void operator()(const RejectBack& c) { h.add(c.item); h.add(c.to); h.add(c.comment); h.add(c.materials); slot(c.slot); }
  void operator()(const Reclaim& c) { h.add(c.item); slot(c.slot); h.add(c.comment); }
  void operator()(const Remind& c) { h.add(c.item); h.add(c.comment); }
  void slot(std::optional<std::uint32_t> k) { h.add(k ? std::uint64_t{*k} + 1 : 0); }
};

}  // namespace

std::string_view to_string(ActorKind k) { return name_of(k, actor_kinds); }
std::string_view to_string(Decision d) { return name_of(d, decisions); }
std::optional<Decision> parse_decision(std::string_view s) { return parse_name<Decision>(s, decisions); }
std::string_view to_string(CommandKind k) { return name_of(k, command_kinds); }
// `timer` and `migrate` sit between `rate` and the approval operations: those come 3 after their index.
CommandKind kind_of(const CommandBody& body) noexcept {
  const std::size_t k = body.index();
  return static_cast<CommandKind>(k < first_operation_index ? k + 1 : k + 3);
}
std::string_view to_string(AddPosition p) { return name_of(p, add_positions); }
std::optional<AddPosition> parse_add_position(std::string_view s) { return parse_name<AddPosition>(s, add_positions); }
std::string_view to_string(ResetCause c) { return name_of(c, reset_causes); }
std::string_view event_name(const Event& e) { return event_names[e.index()]; }
std::string_view to_string(CorrectionOrigin o) { return name_of(o, origins); }
std::string_view to_string(RevokeCause c) { return name_of(c, revoke_causes); }
std::string_view to_string(CaseStatus s) { return name_of(s, case_statuses); }
std::optional<CaseStatus> parse_case_status(std::string_view s) { return parse_name<CaseStatus>(s, case_statuses); }
bool is_terminal(CaseStatus s) noexcept {
  return s == CaseStatus::closed || s == CaseStatus::refused || s == CaseStatus::rejected || s == CaseStatus::withdrawn;
}
std::string_view to_string(ItemStatus s) { return name_of(s, item_statuses); }
std::optional<ItemStatus> parse_item_status(std::string_view s) { return parse_name<ItemStatus>(s, item_statuses); }
std::string_view to_string(MaterialStatus s) { return name_of(s, material_statuses); }
std::optional<MaterialStatus> parse_material_status(std::string_view s) {
  return parse_name<MaterialStatus>(s, material_statuses);
}
std::string_view to_string(PostCheckStatus s) { return name_of(s, post_check_statuses); }
std::string_view to_string(ErrorKind k) { return name_of(k, error_kinds); }

std::uint64_t fingerprint(const Command& c) {
  Hasher h;
  h.add(static_cast<std::uint64_t>(kind_of(c.body)));
  h.add(c.actor);
  std::visit(BodyHasher{h}, c.body);
  return h.value();
}

std::uint64_t fingerprint(const MigrateCase& c) {
  Hasher h;
  h.add(static_cast<std::uint64_t>(CommandKind::migrate));
  h.add(c.actor);
  h.add(c.version);
  return h.value();
}

std::uint64_t fingerprint(const OpenCase& c) {
  Hasher h;
  h.add(static_cast<std::uint64_t>(CommandKind::open));
  h.add(c.actor);
  h.add(c.bundle);
  h.add(c.version);
  h.add(c.situations.size());
  for (const auto& [name, value] : c.situations) {
    h.add(name);
    h.add(value ? 1 : 0);
  }
  h.add(c.answers.size());
  for (const auto& [field, answer] : c.answers) {
    h.add(field);
    h.add(answer.index());
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, bool>) h.add(v ? 1 : 0);
          else if constexpr (std::is_same_v<T, std::int64_t>) h.add(static_cast<std::uint64_t>(v));
          else if constexpr (std::is_same_v<T, double>) h.add(std::bit_cast<std::uint64_t>(v));
          else if constexpr (std::is_same_v<T, std::string>) h.add(std::string_view(v));
          else if constexpr (std::is_same_v<T, std::chrono::sys_days>) h.add(static_cast<std::uint64_t>(v.time_since_epoch().count()));
          else h.add(v);
        },
        answer);
  }
  return h.value();
}

}  // namespace yishi
