#include "yishi/script/script.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <istream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "yishi/diag/diagnostic.hpp"
#include "yishi/load/load.hpp"
#include "yishi/runtime/case_state.hpp"
#include "yishi/runtime/clock.hpp"
#include "yishi/store/memory_store.hpp"
#include "yishi/yaml/load.hpp"

namespace fs = std::filesystem;

namespace yishi::script {
namespace {

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::vector<std::string> tokenize(const std::string& line) {
  std::vector<std::string> out;
  std::size_t k = 0;
  while (k < line.size()) {
    if (line[k] == ' ' || line[k] == '\t') { ++k; continue; }
    if (line[k] == '#') break;
    if (line[k] == '"') {
      const auto end = line.find('"', k + 1);
      if (end == std::string::npos) throw Failure("unterminated string");
      std::string token(1, '"');  // a leading quote marks a string token
      token.append(line, k + 1, end - k - 1);
      out.push_back(std::move(token));
      k = end + 1;
      continue;
    }
    std::size_t end = k;
    while (end < line.size() && line[end] != ' ' && line[end] != '\t') ++end;
    out.push_back(line.substr(k, end - k));
    k = end;
  }
  return out;
}

bool is_string(const std::string& t) { return !t.empty() && t[0] == '"'; }
std::string unquote(const std::string& t) { return is_string(t) ? t.substr(1) : t; }

class Interpreter {
 public:
  explicit Interpreter(ScriptOptions o) : script_(std::move(o)) {
    if (script_.bundle) compiled_.emplace(*script_.bundle);
    if (script_.calendar) calendar_ = *script_.calendar;
    store_ = script_.store ? script_.store : &memory_;
  }

  void run(std::istream& in, const std::string& name) {
    ++runs_;
    line_no_ = 0;  // each text's own line numbers, in messages and default keys
    std::string line;
    while (std::getline(in, line)) {
      ++line_no_;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      std::vector<std::string> t;
      try {
        t = tokenize(line);
        if (t.empty()) continue;
        step(t);
      } catch (const Failure& f) {
        throw ScriptError(fmt::format("{}:{}: {}\n    {}", name, line_no_, f.what(), line));
      } catch (const StoreError&) {
        throw;  // the store failed: not the script's fault
      } catch (const std::exception& e) {  // a missing argument, a word where a number belongs
        throw ScriptError(fmt::format("{}:{}: malformed line ({})\n    {}", name, line_no_, e.what(), line));
      }
    }
    try {
      settle();
    } catch (const Failure& f) {
      throw ScriptError(fmt::format("{}:{}: {}", name, line_no_, f.what()));
    }
  }

  const std::vector<CaseId>& cases() const noexcept { return cases_; }
  Engine* engine_if_any() noexcept { return engine_.get(); }
  const Calendar& calendar() const noexcept { return calendar_; }

  std::string show(Instant t) const {
    const int m = calendar_.local_minute(t);
    return fmt::format("{} {:02}:{:02}", to_string(calendar_.local_date(t)), m / 60, m % 60);
  }

  // ---- set-up ----------------------------------------------------------------------------

  void step(const std::vector<std::string>& t) {
    const std::string& verb = t[0];
    if ((verb == "bundle" || verb == "calendar") && engine_) throw Failure("set-up lines come before the first command");
    if (verb == "bundle" && script_.bundle) throw Failure("the bundle is given already (on the command line)");
    if (verb == "bundle") return load_bundle(t.at(1));
    if (verb == "calendar") return load_calendars(t.at(1));
    if (verb == "option") return set_option(t.at(1), t.at(2));
    if (verb == "actor") return add_actor(t);
    if (verb == "clock") return clock_.set(instant(t.at(1), t.at(2)));
    if (verb == "expect") return expect(t);
    settle();
    if (verb == "advance") {
      fired_ = engine().advance_to(instant(t.at(1), t.at(2)));
      last_.reset();
      check_replay_all();
      return;
    }
    if (verb == "use") {
      const auto k = std::stoul(t.at(1));
      if (k < 1 || k > cases_.size()) throw Failure("no such case");
      current_ = k - 1;
      return;
    }
    command(t);
  }

  void load_bundle(const std::string& rel) {
    SourceMap sources;
    auto loaded = load_bundle_file(sources, (script_.root / rel).string());  // YAML or the DSL
    if (!loaded.bundle) throw Failure("bundle does not load:\n" + render_text(loaded.diagnostics, sources));
    auto compiled = compile(std::move(*loaded.bundle));
    if (!compiled.compiled) throw Failure("bundle does not compile:\n" + render_text(compiled.diagnostics, sources));
    compiled_.emplace(*compiled.compiled);
  }

  void load_calendars(const std::string& rel) {
    SourceMap sources;
    auto r = yaml::load_calendar_dir(sources, (script_.root / rel).string());
    if (!r.calendar) throw Failure("calendars do not load:\n" + render_text(r.diagnostics, sources));
    calendar_ = std::move(*r.calendar);
  }

  void set_option(const std::string& name, const std::string& value) {
    if (engine_) throw Failure("options come before the first command");
    if (name == "warning_fraction") options_.warning_fraction = std::stod(value);
    else if (name == "post_check_rate") options_.post_check_rate = std::stod(value);
    else if (name == "seed") options_.seed = std::stoull(value);
    else if (name == "rating_window") options_.rating_window = {std::stoi(value), 0};
    else throw Failure("unknown option " + name);
  }

  void add_actor(const std::vector<std::string>& t) {
    const std::string& alias = t.at(1);
    if (t.at(2) == "applicant") actors_[alias] = Actor::applicant(unquote(t.at(3)));
    else if (t.at(2) == "staff") actors_[alias] = Actor::staff(unquote(t.at(3)), t.at(4), t.at(5));
    else throw Failure("an actor is `applicant ID` or `staff ID DEPARTMENT ROLE`");
  }

  Engine& engine() {
    if (!engine_) {
      if (!compiled_) throw Failure("no bundle loaded");
      engine_ = std::make_unique<Engine>(*store_, clock_, calendar_, options_);
      engine_->deploy(*compiled_);
    }
    return *engine_;
  }

  Instant instant(const std::string& date, const std::string& time) const {
    auto d = parse_date(date);
    if (!d || time.size() != 5 || time[2] != ':') throw Failure("a time is `YYYY-MM-DD HH:MM`");
    return calendar_.at(*d, std::stoi(time.substr(0, 2)) * 60 + std::stoi(time.substr(3, 2)));
  }

  // ---- commands --------------------------------------------------------------------------

  /// Splits `... by ALIAS [key ID]` off a command line.
  struct Parsed {
    std::vector<std::string> args;
    Actor actor;
    std::string key;
  };
  Parsed parse(const std::vector<std::string>& t) {
    Parsed p;
    std::size_t k = 1;
    for (; k < t.size(); ++k) {
      if (t[k] == "by" && k + 1 < t.size()) {
        auto a = actors_.find(t[k + 1]);
        if (a == actors_.end()) throw Failure("unknown actor " + t[k + 1]);
        p.actor = a->second;
        ++k;
      } else if (t[k] == "key" && k + 1 < t.size()) {
        p.key = t[++k];
      } else {
        p.args.push_back(t[k]);
      }
    }
    // A later text on the same runner continues the session: its keys must not repeat the
    // first text's.
    if (p.key.empty()) p.key = runs_ == 1 ? fmt::format("cmd-{}", line_no_) : fmt::format("cmd-{}-{}", runs_, line_no_);
    if (!script_.key_prefix.empty()) p.key = fmt::format("{}{}", script_.key_prefix, p.key);
    if (p.actor.id.empty()) throw Failure("a command needs `by ACTOR`");
    return p;
  }

  static std::vector<std::string> plain(const std::vector<std::string>& args, std::size_t from = 0) {
    std::vector<std::string> out;
    for (std::size_t k = from; k < args.size(); ++k)
      if (!is_string(args[k])) out.push_back(args[k]);
    return out;
  }
  static std::string quoted(const std::vector<std::string>& args) {
    for (const auto& a : args)
      if (is_string(a)) return unquote(a);
    return {};
  }

  CommandBody body(const std::string& verb, const std::vector<std::string>& a) {
    if (verb == "submit") return Submit{plain(a), {}};
    if (verb == "accept") return Accept{};
    if (verb == "accept_with_deficiency") return AcceptWithDeficiency{};
    if (verb == "return_for_correction") return ReturnForCorrection{plain(a), quoted(a)};
    if (verb == "refuse") return Refuse{quoted(a)};
    if (verb == "resubmit") return Resubmit{plain(a)};
    if (verb == "assign") {
      Assign c{a.at(0), unquote(a.at(1)), std::nullopt};
      if (a.size() > 3 && a[2] == "slot") c.slot = static_cast<std::uint32_t>(std::stoul(a[3]));
      return c;
    }
    if (verb == "sign") {
      auto d = parse_decision(a.at(1));
      if (!d) throw Failure("a decision is approve, reject or return");
      Sign c{a.at(0), *d, quoted(a), {}, std::nullopt};
      auto rest = plain(a, 2);
      for (std::size_t k = 0; k < rest.size(); ++k) {
        if (rest[k] == "slot" && k + 1 < rest.size()) c.slot = static_cast<std::uint32_t>(std::stoul(rest[++k]));
        else c.materials.push_back(rest[k]);
      }
      return c;
    }
    if (verb == "supply") return SupplyMaterial{a.at(0)};
    if (verb == "pledge") return Pledge{a.at(0)};
    if (verb == "post_check") {
      if (a.at(1) != "pass" && a.at(1) != "fail") throw Failure("a post-check is `pass` or `fail`");
      return PostCheck{a.at(0), a.at(1) == "pass", quoted(a)};
    }
    if (verb == "withdraw") return Withdraw{quoted(a)};
    if (verb == "issue") return Issue{};
    if (verb == "rate") return Rate{std::stoi(a.at(0)), quoted(a)};
    return operation(verb, a);
  }

  /// `slot N` among a command's plain words: removed from `words`, returned.
  static std::optional<std::uint32_t> take_option(std::vector<std::string>& words, std::string_view name) {
    for (std::size_t k = 0; k + 1 < words.size(); ++k)
      if (words[k] == name) {
        const auto v = static_cast<std::uint32_t>(std::stoul(words[k + 1]));
        words.erase(words.begin() + static_cast<std::ptrdiff_t>(k), words.begin() + static_cast<std::ptrdiff_t>(k) + 2);
        return v;
      }
    return std::nullopt;
  }
  static std::string take_word(std::vector<std::string>& words, std::string_view name) {
    for (std::size_t k = 0; k + 1 < words.size(); ++k)
      if (words[k] == name) {
        std::string v = unquote(words[k + 1]);
        words.erase(words.begin() + static_cast<std::ptrdiff_t>(k), words.begin() + static_cast<std::ptrdiff_t>(k) + 2);
        return v;
      }
    return {};
  }

  // The approval operations (docs/approvals.md, docs/scripts.md).
  CommandBody operation(const std::string& verb, const std::vector<std::string>& a) {
    auto words = plain(a);
    const auto slot = take_option(words, "slot");
    const std::string comment = quoted(a);
    if (verb == "claim") return Claim{words.at(0), slot};
    if (verb == "unclaim") return Unclaim{words.at(0), slot};
    if (verb == "transfer") return Transfer{words.at(0), words.at(1), comment, slot};
    if (verb == "delegate") return Delegate{words.at(0), words.at(1), comment, slot};
    if (verb == "resolve") {
      std::optional<Decision> advice;
      if (words.size() > 1) {
        advice = parse_decision(words[1]);
        if (!advice) throw Failure("advice is approve, reject or return");
      }
      return ResolveDelegation{words.at(0), advice, comment, slot};
    }
    if (verb == "add_signer") {
      // add_signer ITEM ROLE[@DEPT] before|after|parallel [weight N] [person P] [to N] "comment"
      AddSigner c;
      c.weight = static_cast<std::int32_t>(take_option(words, "weight").value_or(1));
      c.person = take_word(words, "person");
      c.relative_to = take_option(words, "to");
      c.item = words.at(0);
      const std::string& role = words.at(1);
      const auto at = role.find('@');
      c.role = role.substr(0, at);
      if (at != std::string::npos) c.department = role.substr(at + 1);
      auto pos = parse_add_position(words.at(2));
      if (!pos) throw Failure("a position is before, after or parallel");
      c.position = *pos;
      c.comment = comment;
      return c;
    }
    if (verb == "remove_signer") return RemoveSigner{words.at(0), static_cast<std::uint32_t>(std::stoul(words.at(1))), comment};
    if (verb == "reject_back")
      return RejectBack{words.at(0), words.at(1), comment, std::vector<std::string>(words.begin() + 2, words.end()), slot};
    if (verb == "reclaim") return Reclaim{words.at(0), slot, comment};
    if (verb == "remind") return Remind{words.at(0), comment};
    throw Failure("unknown command " + verb);
  }

  // A field answer written in a script: true/false, an integer, a decimal, a date
  // (YYYY-MM-DD), a list `[a,b]` (multiple choice), or else a text.
  static expr::Answer answer(const std::string& v) {
    if (v == "true" || v == "false") return v == "true";
    if (v.size() >= 2 && v.front() == '[' && v.back() == ']') {
      std::vector<std::string> items;
      std::string inner = v.substr(1, v.size() - 2);
      for (std::size_t start = 0; start <= inner.size() && !inner.empty();) {
        const auto comma = inner.find(',', start);
        items.push_back(inner.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      return items;
    }
    if (auto d = parse_date(v)) return *d;
    std::int64_t i = 0;
    if (auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), i); ec == std::errc{} && end == v.data() + v.size())
      return i;
    double x = 0;
    if (auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x); ec == std::errc{} && end == v.data() + v.size())
      return x;
    return v;
  }

  void command(const std::vector<std::string>& t) {
    Parsed p = parse(t);
    if (t[0] == "open") {
      OpenCase c{p.key, p.actor, compiled_ ? compiled_->bundle().id : "", "", {}, {}};
      for (const auto& a : p.args) {
        const auto eq = a.find('=');
        if (eq == std::string::npos) throw Failure("open takes situation=yes|no or field.path=value");
        const std::string name = a.substr(0, eq), value = a.substr(eq + 1);
        if (name.find('.') != std::string::npos) {  // a field answer
          c.answers.emplace_back(name, textual(name) ? expr::Answer(value) : answer(value));
          continue;
        }
        if (value != "yes" && value != "no") throw Failure("a situation is answered `yes` or `no`");
        c.situations.emplace_back(name, value == "yes");
      }
      last_ = engine().open_case(c);
      if (*last_) {
        cases_.push_back((*last_)->case_id);
        current_ = cases_.size() - 1;
      }
    } else {
      const CaseId id = current();
      before_ = engine().state(id).value();
      last_ = engine().execute(id, Command{p.key, p.actor, body(t[0], p.args)});
      if (!*last_) {
        // A refused command changes nothing (timers due before it may still have fired).
        CaseState after = engine().state(id).value();
        if (after.version == before_->version && !(after == *before_))
          throw Failure("a refused command changed the case");
      }
    }
    checked_ = false;
    command_line_ = line_no_;
    check_replay_all();
  }

  CaseId current() const {
    if (cases_.empty()) throw Failure("no case is open");
    return cases_[current_];
  }

  void settle_unexpected() {
    if (last_ && !*last_ && !checked_)
      throw Failure(fmt::format("unexpected error {} from the command on line {}: {}", to_string(last_->error().kind),
                                command_line_, last_->error().message));
  }

  /// A command's error must be expected before the next command.
  void settle() {
    settle_unexpected();
    last_.reset();
  }

  void check_replay_all() {
    if (!script_.check_replay) return;
    for (CaseId id : cases_) {
      auto stored = store_->load(id);
      if (!stored) throw Failure("case missing from the store");
      CaseState replayed = replay(*compiled_, id, stored->commits, stored->events);
      CaseState live = engine().state(id).value();
      if (!(replayed == live)) throw Failure(fmt::format("replay of case {} differs from the live state", id.value));
    }
  }

  // ---- expectations ----------------------------------------------------------------------

  // Whether the bundle declares `field` with a text type: its answer stays text even when it
  // looks like a number (an id card or a phone number).
  bool textual(const std::string& field) const {
    if (!compiled_) return false;
    const expr::Environment& env = compiled_->environment();
    const auto slot = env.field(field);
    if (!slot) return false;
    const expr::Type& type = env.fields()[*slot].type;
    return !type.list && (type.base == expr::BaseType::string || type.base == expr::BaseType::attachment);
  }

  void expect(const std::vector<std::string>& t) {
    const std::string& what = t.at(1);
    // An expectation about anything but the error comes after a refusal nobody expected:
    // report the refusal, the real cause.
    if (what != "error") settle_unexpected();
    if (what == "error") {
      if (!last_ || *last_) throw Failure("expected an error, the command succeeded");
      if (to_string(last_->error().kind) != t.at(2))
        throw Failure(fmt::format("expected error {}, got {}: {}", t.at(2), to_string(last_->error().kind),
                                  last_->error().message));
      if (t.size() > 3 && last_->error().message.find(unquote(t[3])) == std::string::npos)
        throw Failure(fmt::format("error message `{}` lacks `{}`", last_->error().message, unquote(t[3])));
      if (last_->error().kind == ErrorKind::duplicate_command && !last_->error().original)
        throw Failure("a duplicate carries no original outcome");
      checked_ = true;
      return;
    }
    if (what == "events") return expect_events(t, true);
    if (what == "event") return expect_events(t, false);
    if (what == "fired") {
      if (fired_ != std::stoul(t.at(2))) throw Failure(fmt::format("{} timers fired", fired_));
      return;
    }
    CaseView v = engine().view(current()).value();
    if (what == "status") {
      if (to_string(v.status) != t.at(2)) throw Failure(fmt::format("status is {}", to_string(v.status)));
    } else if (what == "item") {
      expect_item(v, t);
    } else if (what == "material") {
      const MaterialView* m = v.material(t.at(2));
      const std::string got = m ? std::string(to_string(m->status)) : "not_needed";
      if (got != t.at(3)) throw Failure(fmt::format("material {} is {}", t.at(2), got));
      if (t.size() > 4) {
        if (t[4] != "due" || !m) throw Failure("a material expectation ends with `due DATE TIME` on a needed material");
        if (!m->deadline || show(*m->deadline) != t.at(5) + " " + t.at(6))
          throw Failure(fmt::format("material {} due {}", t.at(2), m->deadline ? show(*m->deadline) : "never"));
      }
    } else if (what == "outstanding") {
      std::string got;
      for (const MaterialView* m : v.outstanding()) got += (got.empty() ? "" : " ") + m->id;
      std::string want;
      for (std::size_t k = 2; k < t.size(); ++k) want += (want.empty() ? "" : " ") + t[k];
      if (want == "none") want.clear();
      if (got != want) throw Failure(fmt::format("outstanding: `{}`", got));
    } else if (what == "notice") {
      // expect notice ITEM|intake MATERIAL...
      std::string want;
      for (std::size_t k = 3; k < t.size(); ++k) want += (want.empty() ? "" : " ") + t[k];
      for (const NoticeView& n : v.notice) {
        if ((n.item.empty() ? "intake" : n.item) != t.at(2)) continue;
        std::string got;
        for (const auto& m : n.materials) got += (got.empty() ? "" : " ") + m;
        if (got != want) throw Failure(fmt::format("notice for {} lists `{}`", t[2], got));
        return;
      }
      throw Failure(fmt::format("the notice has no entry for {}", t.at(2)));
    } else if (what == "ready") {
      if (!v.ready_to_issue) throw Failure("not ready to issue");
    } else if (what == "not_ready") {
      if (v.ready_to_issue) throw Failure("ready to issue");
    } else if (what == "next_timer") {
      const std::string got = v.next_timer ? show(*v.next_timer) : "none";
      const std::string want = t.at(2) == "none" ? "none" : t.at(2) + " " + t.at(3);
      if (got != want) throw Failure("next timer " + got);
    } else if (what == "rejected_because") {
      if (v.rejected_because != (t.at(2) == "none" ? "" : t.at(2)))
        throw Failure("rejected because of `" + v.rejected_because + "`");
    } else if (what == "audit") {
      expect_audit(t);
    } else if (what == "signer") {
      expect_signer(v, t);
    } else if (what == "targets") {
      // expect targets ITEM [applicant] [ITEM...]: where it may be rejected back to now
      const ItemView* it = v.item(t.at(2));
      if (!it) throw Failure(fmt::format("item {} does not apply", t[2]));
      const std::vector<std::string> want(t.begin() + 3, t.end());
      if (it->reject_targets != want)
        throw Failure(fmt::format("item {} may be rejected back to `{}`", t[2], fmt::join(it->reject_targets, " ")));
    } else if (what == "applicant") {
      if (v.applicant != unquote(t.at(2))) throw Failure("applicant shown as " + v.applicant);
    } else {
      throw Failure("unknown expectation " + what);
    }
  }

  void expect_events(const std::vector<std::string>& t, bool exact) {
    if (!last_ || !*last_) throw Failure("no successful command to inspect");
    std::vector<std::string> got;
    for (const Event& e : (*last_)->events) got.emplace_back(event_name(e));
    std::vector<std::string> want(t.begin() + 2, t.end());
    std::string shown;
    for (const auto& g : got) shown += (shown.empty() ? "" : " ") + g;
    if (exact ? got != want : std::search(got.begin(), got.end(), want.begin(), want.end()) == got.end())
      throw Failure("events were: " + shown);
  }

  void expect_item(const CaseView& v, const std::vector<std::string>& t) {
    const ItemView* it = v.item(t.at(2));
    const std::string status = it ? std::string(to_string(it->status)) : "inactive";
    if (status != t.at(3)) throw Failure(fmt::format("item {} is {}", t[2], status));
    if (!it && t.size() > 4) throw Failure("an inactive item has no properties to expect");
    for (std::size_t k = 4; k < t.size(); ++k) {
      const std::string& key = t[k];
      if (key == "due" || key == "warn") {
        const auto& when = key == "due" ? it->deadline : it->warning_at;
        const std::string want = t.at(k + 1) + " " + t.at(k + 2);
        if (!when || show(*when) != want) throw Failure(fmt::format("item {} {} {}", t[2], key, when ? show(*when) : "none"));
        k += 2;
      } else if (key == "round") {
        if (it->round != std::stoi(t.at(k + 1))) throw Failure(fmt::format("item {} round {}", t[2], it->round));
        ++k;
      } else if (key == "warned" || key == "overdue" || key == "pledged" || key == "not_warned" ||
                 key == "not_overdue" || key == "not_pledged") {
        const bool negated = key.starts_with("not_");
        const std::string flag_name = negated ? key.substr(4) : key;
        const bool flag = flag_name == "warned" ? it->warned : flag_name == "overdue" ? it->overdue : it->pledged;
        if (flag == negated) throw Failure(fmt::format("item {} is {}{}", t[2], flag ? "" : "not ", flag_name));
      } else if (key == "reminders") {
        if (it->reminders != std::stoi(t.at(k + 1))) throw Failure(fmt::format("item {} reminders {}", t[2], it->reminders));
        ++k;
      } else if (key == "remind" || key == "decide") {
        const auto& when = key == "remind" ? it->remind_at : it->decide_at;
        const std::string want = t.at(k + 1) == "none" ? "none" : t.at(k + 1) + " " + t.at(k + 2);
        const std::string got = when ? show(*when) : "none";
        if (got != want) throw Failure(fmt::format("item {} {} {}", t[2], key, got));
        k += want == "none" ? 1 : 2;
      } else if (key == "post_check") {
        if (to_string(it->post_check) != t.at(k + 1))
          throw Failure(fmt::format("item {} post-check {}", t[2], to_string(it->post_check)));
        ++k;
      } else {
        throw Failure("unknown item property " + key);
      }
    }
  }

  // expect signer ITEM N open|approve|reject|return|removed [assignee P] [delegate P]
  //   [ready|waiting] [added] [weight W]
  void expect_signer(const CaseView& v, const std::vector<std::string>& t) {
    const ItemView* it = v.item(t.at(2));
    if (!it) throw Failure(fmt::format("item {} does not apply", t[2]));
    const auto k = std::stoul(t.at(3));
    if (k >= it->signers.size()) throw Failure(fmt::format("item {} has {} signer slots", t[2], it->signers.size()));
    const SignerView& sv = it->signers[k];
    const std::string state = sv.removed ? "removed" : sv.decision ? std::string(to_string(*sv.decision)) : "open";
    if (state != t.at(4)) throw Failure(fmt::format("signer {} of {} is {}", k, t[2], state));
    for (std::size_t j = 5; j < t.size(); ++j) {
      const std::string& key = t[j];
      if (key == "assignee" || key == "delegate") {
        const std::string& got = key == "assignee" ? sv.assignee : sv.delegate;
        const std::string want = unquote(t.at(++j));
        if (got != (want == "none" ? "" : want)) throw Failure(fmt::format("signer {} of {} {} `{}`", k, t[2], key, got));
      } else if (key == "ready" || key == "waiting") {
        if (sv.ready != (key == "ready")) throw Failure(fmt::format("signer {} of {} is {}", k, t[2], sv.ready ? "ready" : "waiting"));
      } else if (key == "added") {
        if (!sv.added) throw Failure(fmt::format("signer {} of {} is not an added one", k, t[2]));
      } else if (key == "weight") {
        if (sv.weight != std::stoi(t.at(++j))) throw Failure(fmt::format("signer {} of {} weighs {}", k, t[2], sv.weight));
      } else if (key == "role") {
        if (sv.role != t.at(++j)) throw Failure(fmt::format("signer {} of {} has role {}", k, t[2], sv.role));
      } else {
        throw Failure("unknown signer property " + key);
      }
    }
  }

  void expect_audit(const std::vector<std::string>& t) {
    // expect audit contains|lacks "TEXT"
    auto trail = engine().audit_trail(current()).value();
    std::string all;
    for (const AuditEntry& e : trail)
      all += fmt::format("{} {} {} {} {} {} {}\n", e.version, to_string(e.actor_kind), e.actor, e.command_id,
                         e.event, e.detail, e.comment);
    if (t.at(2) != "contains" && t.at(2) != "lacks") throw Failure("`expect audit contains|lacks \"TEXT\"`");
    const std::string text = unquote(t.at(3));
    const bool found = all.find(text) != std::string::npos;
    if (t.at(2) == "contains" && !found) throw Failure("audit trail lacks `" + text + "`:\n" + all);
    if (t.at(2) == "lacks" && found) throw Failure("audit trail contains `" + text + "`");
  }

  ScriptOptions script_;
  std::size_t line_no_ = 0;
  std::size_t runs_ = 0;  ///< texts run so far (run_file, run_text)
  std::optional<CompiledBundle> compiled_;
  Calendar calendar_;
  EngineOptions options_;
  MemoryStore memory_;
  Store* store_ = nullptr;
  ManualClock clock_;
  std::unique_ptr<Engine> engine_;
  std::map<std::string, Actor> actors_;
  std::vector<CaseId> cases_;
  std::size_t current_ = 0;
  std::optional<CommandResult> last_;
  std::optional<CaseState> before_;
  bool checked_ = true;
  std::size_t command_line_ = 0;
  std::size_t fired_ = 0;
};

}  // namespace

struct Runner::Impl {
  explicit Impl(ScriptOptions o) : interpreter(std::move(o)) {}
  Interpreter interpreter;
};

Runner::Runner(ScriptOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Runner::~Runner() = default;

void Runner::run_file(const fs::path& script) {
  std::ifstream in(script, std::ios::binary);
  if (!in) throw ScriptError(fmt::format("{}: cannot read the script", script.string()));
  impl_->interpreter.run(in, script.string());
}

void Runner::run_text(std::string_view text, std::string_view name) {
  std::istringstream in{std::string(text)};
  impl_->interpreter.run(in, std::string(name));
}

const std::vector<CaseId>& Runner::cases() const noexcept { return impl_->interpreter.cases(); }
Engine* Runner::engine() noexcept { return impl_->interpreter.engine_if_any(); }
const Calendar& Runner::calendar() const noexcept { return impl_->interpreter.calendar(); }
std::string Runner::show(Instant t) const { return impl_->interpreter.show(t); }

}  // namespace yishi::script
