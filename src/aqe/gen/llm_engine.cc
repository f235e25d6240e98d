#include "aqe/gen/llm_engine.h"

#include "aqe/util/strings.h"

namespace aqe::gen {

std::string extract_code_block(std::string_view reply) {
  // The python-tagged block first, then any fenced block.
  for (std::string_view open : {"```python\n", "```py\n", "```\n"}) {
    size_t start = reply.find(open);
    if (start == std::string_view::npos) continue;
    start += open.size();
    size_t end = reply.find("\n```", start - 1);
    if (end == std::string_view::npos || end < start) end = reply.size();
    return std::string(reply.substr(start, end - start)) + "\n";
  }
  if (reply.find("def test_") != std::string_view::npos && reply.find("```") == std::string_view::npos)
    return std::string(reply);
  return {};
}

std::string line_ranges(const std::vector<int64_t>& lines) {
  std::string out;
  for (size_t i = 0; i < lines.size();) {
    size_t j = i;
    while (j + 1 < lines.size() && lines[j + 1] == lines[j] + 1) ++j;
    if (!out.empty()) out += ", ";
    out += std::to_string(lines[i]);
    if (j > i) out += "-" + std::to_string(lines[j]);
    i = j + 1;
  }
  return out;
}

std::string branch_list(const std::vector<std::pair<int64_t, int64_t>>& arcs) {
  std::string out;
  for (const auto& [from, to] : arcs) {
    if (!out.empty()) out += ", ";
    out += std::to_string(from) + "->" + (to < 0 ? std::string("exit") : std::to_string(to));
  }
  return out;
}

std::string ranges_text(const std::vector<LineRange>& ranges) {
  std::string out;
  for (const auto& [first, last] : ranges) {
    if (!out.empty()) out += ", ";
    out += std::to_string(first);
    if (last > first) out += "-" + std::to_string(last);
  }
  return out;
}

llm::ModelRequest build_prompt(const PromptInput& in, int64_t max_tokens) {
  llm::ModelRequest r;
  r.max_tokens = max_tokens;
  r.temperature = 0;
  r.system =
      "You write pytest tests for Python code. Reply with one ```python code block holding a complete "
      "pytest file: imports first, then test functions named test_*. The tests must pass, be "
      "deterministic, use no network, and write files only under pytest's tmp_path.";
  const Segment& seg = in.segment;
  const std::string what = describe(seg);
  std::string p;
  p += "Module `" + in.module + "` (file " + in.rel + ", import it as `import " + in.module + "` or `from " +
       in.module + " import ...`).\n\n";
  if (!in.context.empty())
    p += "Its imports, top-level assignments and the signatures of its other names:\n\n```python\n" +
         in.context + "```\n\n";
  p += "The " + what + ", lines " + ranges_text(seg.ranges) +
       " of the file (each line after its number; lines marked `>` are not executed by the existing "
       "tests):\n\n```\n" +
       numbered_source(in.source, seg) + "```\n\n";
  if (!seg.missing_lines.empty())
    p += "These lines are not executed by the existing tests: " + line_ranges(seg.missing_lines) + ".\n";
  if (!seg.missing_branches.empty())
    p += "These branches are never taken by the existing tests (line -> the line it jumps to; exit = "
         "leaves the function): " +
         branch_list(seg.missing_branches) + ".\n";
  if (!in.existing_tests.empty()) {
    p += "Tests that exist already (do not repeat them):";
    for (const auto& t : in.existing_tests) p += " " + t;
    p += "\n";
  }
  p += "Write new tests for the " + what + " that execute the lines and take the branches listed above.\n";
  if (!in.failure.empty()) {
    p += "\nYour previous file was:\n\n```python\n" + in.previous + "```\n\nIt was discarded: " + in.failure +
         "\nFix it and reply with the whole corrected file.\n";
  }
  r.prompt = std::move(p);
  return r;
}

double worst_case_usd(const llm::ModelRequest& request, const llm::Price& price) {
  const auto prompt_tokens = static_cast<double>(request.system.size() + request.prompt.size()) / 3.0;
  return (prompt_tokens * price.input + static_cast<double>(request.max_tokens) * price.output) / 1e6;
}

std::vector<std::string> test_names(std::string_view code) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < code.size()) {
    size_t nl = code.find('\n', pos);
    std::string_view line =
        code.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (starts_with(line, "async ")) line.remove_prefix(6);
    if (starts_with(line, "def test_")) {
      line.remove_prefix(4);
      out.emplace_back(line.substr(0, line.find_first_of("( :")));
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return out;
}

int64_t count_tests(std::string_view code) { return static_cast<int64_t>(test_names(code).size()); }

}  // namespace aqe::gen
