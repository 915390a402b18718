// `yishi graph`: a bundle's diagram as Graphviz DOT, SVG (rendered by Graphviz) or Mermaid.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "cli.hpp"

namespace fs = std::filesystem;

namespace yishi::cli {
namespace {

constexpr std::string_view graph_help = R"(usage: yishi graph [--dot | --svg | --mermaid] [--out DIR] FILE|DIR ...

Draws each bundle (docs/diagrams.md): departments as swimlanes, intake (综合受理) and issuance
(统一出件) around them, serial order as arrows and parallel reviews side by side, conditional
items dashed with their situation (情形), pledges (告知承诺), deferrable materials (容缺) and
joint inspections (联合踏勘) written on the items, and the critical path of the promised limits
in bold red.
  --dot        Graphviz DOT (the default)
  --svg        SVG, rendered by Graphviz `dot` (Debian package graphviz)
  --mermaid    a Mermaid flowchart, for Markdown pages
  --out DIR    write DIR/<bundle id>.dot, .svg or .mmd instead of printing; required for
               --svg with several bundles
Exit codes: 0 done, 1 errors in a bundle, 2 usage error, unreadable input, or Graphviz
missing or failing.
)";

enum class GraphFormat { dot, svg, mermaid };

std::string_view extension(GraphFormat f) {
  switch (f) {
    case GraphFormat::dot: return ".dot";
    case GraphFormat::svg: return ".svg";
    case GraphFormat::mermaid: return ".mmd";
  }
  return "";
}

// Runs `dot -Tsvg` with `dot_text` on its input, writing to `out_path` (standard output when
// empty). Returns an error message, or an empty string on success.
std::string render_svg(const std::string& dot_text, const std::string& out_path) {
  int in[2];
  if (pipe(in) != 0) return fmt::format("cannot create a pipe: {}", std::strerror(errno));
  const pid_t pid = fork();
  if (pid < 0) return fmt::format("cannot start Graphviz: {}", std::strerror(errno));
  if (pid == 0) {
    dup2(in[0], STDIN_FILENO);
    close(in[0]);
    close(in[1]);
    if (out_path.empty()) execlp("dot", "dot", "-Tsvg", static_cast<char*>(nullptr));
    else execlp("dot", "dot", "-Tsvg", "-o", out_path.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(in[0]);
  std::fflush(stdout);
  // A child that could not start `dot` exits at once and closes the pipe: writing to it must
  // give EPIPE here, not kill the command with SIGPIPE (which raced with the 127 exit).
  struct sigaction ignore{}, previous{};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &previous);
  std::size_t written = 0;
  while (written < dot_text.size()) {
    const ssize_t n = write(in[1], dot_text.data() + written, dot_text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  close(in[1]);
  sigaction(SIGPIPE, &previous, nullptr);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    return "Graphviz `dot` is not installed (Debian: apt-get install graphviz)";
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "Graphviz `dot` failed";
  return {};
}

}  // namespace

int graph(const std::vector<std::string>& args) {
  GraphFormat format = GraphFormat::dot;
  std::string out_dir;
  Options o;
  for (auto it = args.begin(); it != args.end();) {
    const std::string& a = *it++;
    std::string error;
    if (a == "--help" || a == "-h") {
      fmt::print("{}", graph_help);
      return exit_ok;
    } else if (a == "--dot") {
      format = GraphFormat::dot;
    } else if (a == "--svg") {
      format = GraphFormat::svg;
    } else if (a == "--mermaid") {
      format = GraphFormat::mermaid;
    } else if (auto v = option_value(a, "--out", it, args.end(), error)) {
      if (v->empty()) return usage_error(error.empty() ? "`--out` needs a directory" : error, graph_help);
      out_dir = *v;
    } else if (a.starts_with("-")) {
      return usage_error(fmt::format("unknown option `{}`", a), graph_help);
    } else {
      o.inputs.push_back(a);
    }
  }
  if (o.inputs.empty()) return usage_error("no input files", graph_help);
  std::vector<std::string> files;
  for (const auto& path : expand(o.inputs))
    if (is_dsl_file(path) || !is_calendar_file(path)) files.push_back(path);
  if (format == GraphFormat::svg && out_dir.empty() && files.size() > 1)
    return usage_error("--svg of several bundles needs `--out DIR`", graph_help);
  if (!out_dir.empty()) {
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    if (ec) return usage_error(fmt::format("cannot create `{}`: {}", out_dir, ec.message()), graph_help);
  }
  o.warnings = false;
  o.color = stderr_in_color();
  Session s(o);
  bool unreadable = false, failed = false;
  Progress progress(files.size());
  for (const auto& path : files) {
    progress.next(path);
    const auto compiled = s.load_compiled(path, unreadable);
    if (!compiled) continue;
    const exporting::Diagram d = exporting::diagram(*compiled);
    const std::string text = format == GraphFormat::mermaid ? exporting::to_mermaid(d) : exporting::to_dot(d);
    const std::string target = out_dir.empty() ? "" : (fs::path(out_dir) / (d.id + std::string(extension(format)))).string();
    if (format == GraphFormat::svg) {
      if (const std::string error = render_svg(text, target); !error.empty()) {
        progress.note(fmt::format("yishi: {}: {}", path, error));
        failed = true;
        break;
      }
    } else if (target.empty()) {
      fmt::print("{}", text);
    } else {
      std::ofstream out(target, std::ios::binary | std::ios::trunc);
      out << text;
      if (!out) {
        fmt::print(stderr, "yishi: cannot write `{}`\n", target);
        failed = true;
        break;
      }
    }
    if (!target.empty()) progress.note(fmt::format("{}: wrote {}", path, target));
  }
  progress.finish();
  const bool errors = s.report();
  if (unreadable || failed) return exit_usage;
  return errors ? exit_diagnostics : exit_ok;
}

}  // namespace yishi::cli
