// The store codec: one field list per type (io), read by the Writer and the Reader alike,
// so encoding and decoding cannot drift apart.
#include <array>
#include <concepts>
#include <limits>
#include <optional>
#include <type_traits>
#include <utility>

#include "yishi/base/hash.hpp"
#include "yishi/store/internal/codec.hpp"

namespace yishi::store_internal {
namespace {

// The last enumerator of each stored enumeration: a decoded value beyond it is malformed.
constexpr auto last(ActorKind) { return ActorKind::system; }
constexpr auto last(CommandKind) { return CommandKind::remind; }
constexpr auto last(AddPosition) { return AddPosition::parallel; }
constexpr auto last(ResetCause) { return ResetCause::prerequisite_reopened; }
constexpr auto last(Decision) { return Decision::ret; }
constexpr auto last(CorrectionOrigin) { return CorrectionOrigin::review; }
constexpr auto last(RevokeCause) { return RevokeCause::prerequisite_revoked; }
constexpr auto last(CaseStatus) { return CaseStatus::withdrawn; }
constexpr auto last(ItemStatus) { return ItemStatus::cancelled; }
constexpr auto last(MaterialStatus) { return MaterialStatus::pledged; }
constexpr auto last(PostCheckStatus) { return PostCheckStatus::failed; }

template <class T> struct is_vector : std::false_type {};
template <class T> struct is_vector<std::vector<T>> : std::true_type {};
template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};

class Writer {
 public:
  std::string out;

  template <class... T>
  void operator()(const T&... v) { (put(v), ...); }

  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      out.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out.push_back(static_cast<char>(v));
  }

  template <class T>
  void put(const T& v);
};

class Reader {
 public:
  explicit Reader(std::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  template <class... T>
  void operator()(T&... v) { (get(v), ...); }

  [[nodiscard]] std::size_t left() const noexcept { return static_cast<std::size_t>(end_ - p_); }
  void expect_end() const {
    if (p_ != end_) throw CodecError("trailing bytes after the encoded value");
  }

  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) throw CodecError("truncated number");
      const auto byte = static_cast<unsigned char>(*p_++);
      if (shift == 63 && byte > 1) throw CodecError("number out of range");
      v |= std::uint64_t{byte & 0x7fU} << shift;
      if (!(byte & 0x80)) return v;
    }
    throw CodecError("number too long");
  }
  std::uint8_t byte() {
    if (p_ == end_) throw CodecError("truncated value");
    return static_cast<std::uint8_t>(*p_++);
  }
  std::size_t length() {
    const std::uint64_t n = varint();
    if (n > left()) throw CodecError("a length runs past the end of the value");
    return static_cast<std::size_t>(n);
  }
  std::string_view take(std::size_t n) {
    std::string_view s(p_, n);
    p_ += n;
    return s;
  }

  template <class T>
  void get(T& v);

 private:
  const char* p_;
  const char* end_;
};

std::uint64_t zigzag(std::int64_t v) { return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63); }
std::int64_t unzigzag(std::uint64_t v) { return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1); }

// The field lists. Each names the fields of one stored type in their stored order; append
// only (see codec.hpp).
#define YISHI_FIELDS(Type, ...) \
  template <class A>            \
  void io(A& a, Type& e) {      \
    a(__VA_ARGS__);             \
  }
YISHI_FIELDS(CaseId, e.value)
YISHI_FIELDS(Actor, e.kind, e.id, e.department, e.role)
YISHI_FIELDS(CaseOpened, e.bundle, e.version, e.applicant, e.active)
YISHI_FIELDS(Submitted, e.materials, e.unavailable)
YISHI_FIELDS(Deferral, e.material, e.deadline)
YISHI_FIELDS(Accepted, e.deferred)
YISHI_FIELDS(CorrectionEntry, e.item, e.materials, e.comment)
YISHI_FIELDS(CorrectionRequested, e.origin, e.entries)
YISHI_FIELDS(Refused, e.reason)
YISHI_FIELDS(Resubmitted, e.materials)
YISHI_FIELDS(ItemStarted, e.item, e.deadline, e.warning_at)
YISHI_FIELDS(SignerAssigned, e.item, e.slot, e.person)
YISHI_FIELDS(Signed, e.item, e.slot, e.decision, e.signer, e.comment, e.materials)
YISHI_FIELDS(ItemApproved, e.item, e.by_pledge)
YISHI_FIELDS(ItemRejected, e.item)
YISHI_FIELDS(ItemReturned, e.item)
YISHI_FIELDS(ItemCancelled, e.item)
YISHI_FIELDS(ItemRevoked, e.item, e.cause)
YISHI_FIELDS(Pledged, e.item, e.sampled)
YISHI_FIELDS(PostChecked, e.item, e.pass, e.comment)
YISHI_FIELDS(MaterialSupplied, e.material)
YISHI_FIELDS(MaterialLapsed, e.material)
YISHI_FIELDS(MaterialWaived, e.material)
YISHI_FIELDS(DeadlineWarning, e.item)
YISHI_FIELDS(DeadlineOverdue, e.item)
YISHI_FIELDS(CaseRejected, e.item)
YISHI_FIELDS(Withdrawn, e.reason)
YISHI_FIELDS(Issued, e.approved, e.not_approved, e.rating_until)
YISHI_FIELDS(Rated, e.score, e.comment)
YISHI_FIELDS(CaseMigrated, e.from_version, e.to_version, e.items, e.materials)
YISHI_FIELDS(SignerReleased, e.item, e.slot)
YISHI_FIELDS(SignatureTransferred, e.item, e.slot, e.from, e.to, e.comment)
YISHI_FIELDS(SignatureDelegated, e.item, e.slot, e.owner, e.delegate, e.comment)
YISHI_FIELDS(DelegationResolved, e.item, e.slot, e.by, e.advice, e.comment)
YISHI_FIELDS(SignerAdded, e.item, e.slot, e.relative_to, e.position, e.role, e.department, e.weight, e.person,
             e.added_by, e.comment)
YISHI_FIELDS(SignerRemoved, e.item, e.slot, e.comment)
YISHI_FIELDS(JoinReevaluated, e.item, e.approve_weight, e.reject_weight, e.threshold, e.total_weight)
YISHI_FIELDS(RejectedBack, e.item, e.slot, e.signer, e.target, e.comment)
YISHI_FIELDS(ItemReset, e.item, e.cause)
YISHI_FIELDS(SignatureReclaimed, e.item, e.slot, e.signer, e.comment)
YISHI_FIELDS(ItemReopened, e.item)
YISHI_FIELDS(ItemScheduled, e.item, e.remind_at, e.decide_at)
YISHI_FIELDS(ReminderSent, e.item, e.count, e.next_at, e.manual, e.comment)
YISHI_FIELDS(AutoDecided, e.item, e.decision)
YISHI_FIELDS(SignerState, e.decision, e.removed, e.turn, e.signer, e.assignee)
YISHI_FIELDS(AddedSigner, e.item, e.role, e.department, e.weight, e.added_by, e.state)
YISHI_FIELDS(Delegation, e.item, e.slot, e.delegate)
YISHI_FIELDS(ItemState, e.status, e.round, e.pledged, e.warned, e.overdue, e.acted, e.post_check, e.reminders,
             e.approve_weight, e.reject_weight, e.started, e.deadline, e.warning_at, e.decided_at, e.remind_at,
             e.decide_at)
YISHI_FIELDS(MaterialState, e.status, e.deadline)
YISHI_FIELDS(CaseState, e.id, e.version, e.status, e.correction_origin, e.bundle, e.bundle_version, e.applicant,
             e.opened_at, e.submitted_at, e.accepted_at, e.issued_at, e.closed_at, e.rating_until,
             e.rating_window_ended, e.rating, e.rejected_because, e.items, e.signers, e.added, e.delegations,
             e.materials, e.notice, e.intake_noticed)
#undef YISHI_FIELDS
// Events without fields.
template <class A> void io(A&, CorrectionLifted&) {}
template <class A> void io(A&, RatingWindowEnded&) {}
template <class A> void io(A&, CaseClosed&) {}

template <class T>
void Writer::put(const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    out.push_back(v ? 1 : 0);
  } else if constexpr (std::is_enum_v<T>) {
    varint(static_cast<std::uint64_t>(v));
  } else if constexpr (std::unsigned_integral<T>) {
    varint(v);
  } else if constexpr (std::signed_integral<T>) {
    varint(zigzag(v));
  } else if constexpr (std::is_same_v<T, Instant>) {
    varint(zigzag(v.time_since_epoch().count()));
  } else if constexpr (std::is_same_v<T, std::string>) {
    varint(v.size());
    out.append(v);
  } else if constexpr (is_vector<T>::value) {
    varint(v.size());
    for (const auto& x : v) put(static_cast<const typename T::value_type&>(x));
  } else if constexpr (is_optional<T>::value) {
    put(v.has_value());
    if (v) put(*v);
  } else if constexpr (std::is_same_v<T, Event>) {
    varint(v.index());
    std::visit([&](const auto& e) { put(e); }, v);
  } else {
    io(*this, const_cast<T&>(v));  // io only reads through the reference when writing
  }
}

template <class E, std::size_t... K>
constexpr auto event_factories(std::index_sequence<K...>) {
  return std::array<Event (*)(), sizeof...(K)>{+[] { return Event{std::in_place_index<K>}; }...};
}

template <class T>
void Reader::get(T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    const std::uint8_t b = byte();
    if (b > 1) throw CodecError("a flag is neither 0 nor 1");
    v = b == 1;
  } else if constexpr (std::is_enum_v<T>) {
    const std::uint64_t raw = varint();
    if (raw > static_cast<std::uint64_t>(last(T{}))) throw CodecError("an enumeration value out of range");
    v = static_cast<T>(raw);
  } else if constexpr (std::unsigned_integral<T>) {
    const std::uint64_t raw = varint();
    if (raw > std::numeric_limits<T>::max()) throw CodecError("a number out of range");
    v = static_cast<T>(raw);
  } else if constexpr (std::signed_integral<T>) {
    const std::int64_t raw = unzigzag(varint());
    if (raw < std::numeric_limits<T>::min() || raw > std::numeric_limits<T>::max())
      throw CodecError("a number out of range");
    v = static_cast<T>(raw);
  } else if constexpr (std::is_same_v<T, Instant>) {
    v = Instant{std::chrono::seconds{unzigzag(varint())}};
  } else if constexpr (std::is_same_v<T, std::string>) {
    v = std::string(take(length()));
  } else if constexpr (is_vector<T>::value) {
    const std::size_t n = length();  // every element takes at least one byte
    v.clear();
    v.reserve(n);
    for (std::size_t k = 0; k < n; ++k) {
      typename T::value_type x{};
      get(x);
      v.push_back(std::move(x));
    }
  } else if constexpr (is_optional<T>::value) {
    bool present = false;
    get(present);
    if (present) {
      typename T::value_type x{};
      get(x);
      v = std::move(x);
    } else {
      v.reset();
    }
  } else if constexpr (std::is_same_v<T, Event>) {
    static constexpr auto make = event_factories<Event>(std::make_index_sequence<std::variant_size_v<Event>>{});
    const std::uint64_t index = varint();
    if (index >= make.size()) throw CodecError("an unknown event kind");
    v = make[index]();
    std::visit([&](auto& e) { get(e); }, v);
  } else {
    io(*this, v);
  }
}

void expect_format(Reader& r, std::uint8_t format, const char* what) {
  if (r.byte() != format) throw CodecError(std::string("an unknown format of ") + what);
}

}  // namespace

std::string encode_events(std::span<const Event> events) {
  Writer w;
  w.out.reserve(16 + events.size() * 24);
  w.out.push_back(static_cast<char>(log_format));
  for (const Event& e : events) w.put(e);
  return std::move(w.out);
}

void decode_events(std::string_view bytes, std::size_t count, std::vector<Event>& out) {
  Reader r(bytes);
  expect_format(r, log_format, "events");
  for (std::size_t k = 0; k < count; ++k) {
    Event e;
    r.get(e);
    out.push_back(std::move(e));
  }
  r.expect_end();
}

std::string encode_header(const Commit& commit) {
  Writer w;
  w.out.push_back(static_cast<char>(log_format));
  w(commit.actor, commit.command, commit.at, commit.fingerprint);
  return std::move(w.out);
}

Commit decode_header(std::string_view bytes, std::string command_id, std::uint64_t first_version,
                     std::uint32_t count) {
  Reader r(bytes);
  expect_format(r, log_format, "commit headers");
  Commit c;
  c.command_id = std::move(command_id);
  c.first_version = first_version;
  c.count = count;
  r(c.actor, c.command, c.at, c.fingerprint);
  r.expect_end();
  return c;
}

std::string encode_state(const CaseState& state) {
  Writer w;
  w.out.push_back(static_cast<char>(state_format));
  w.put(state);
  return std::move(w.out);
}

CaseState decode_state(std::string_view bytes) {
  Reader r(bytes);
  expect_format(r, state_format, "case states");
  CaseState s;
  r.get(s);
  r.expect_end();
  return s;
}

std::string malformed_append(CaseId id, std::uint64_t expected_version, const Commit& commit, std::size_t events) {
  if (commit.first_version != expected_version + 1 || commit.count != events || events == 0)
    return "append: the commit header does not match its events";
  if (id.value == 0 || id.value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return "append: case id " + std::to_string(id.value) + " was not allocated by this store";
  return {};
}

std::uint64_t chain(std::uint64_t previous, std::string_view header, std::string_view events) {
  return StableHash{}.add(previous).add(header).add(events).value();
}

std::uint64_t checksum(std::string_view bytes) { return StableHash{}.add(bytes).value(); }

}  // namespace yishi::store_internal
