#include "aqe/gen/model_step.h"

#include <algorithm>

#include <fmt/format.h>

#include "aqe/exec/process.h"
#include "aqe/gen/test_file.h"
#include "aqe/gen/verify.h"
#include "aqe/llm/cache.h"
#include "aqe/util/fs.h"
#include "aqe/util/path.h"
#include "aqe/util/strings.h"

namespace aqe::gen {

namespace fs = std::filesystem;

fs::path model_test_file(const SourceModule& m) {
  return m.test_file.parent_path() / (m.test_file.stem().string() + "_llm.py");
}

fs::path segment_test_file(const SourceModule& m, const Segment& s) {
  return m.test_file.parent_path() / (m.test_file.stem().string() + "_llm_" + s.file_id + ".py");
}

SegmentFiles find_segment_files(const SourceModule& m, const std::string& sha256,
                                const std::string& version) {
  SegmentFiles out;
  const std::string prefix = m.test_file.stem().string() + "_llm_";
  std::error_code ec;
  for (fs::directory_iterator it(m.test_file.parent_path(), ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    const std::string name = p.filename().string();
    if (!starts_with(name, prefix) || !ends_with(name, ".py") || !it->is_regular_file(ec)) continue;
    auto text = read_file(p);
    if (!text) continue;
    auto h = parse_header(*text);
    if (!h) {
      out.hand_written.push_back(p);
      continue;
    }
    if (h->source != printable(m.rel)) continue;
    if (h->sha256 == sha256 && h->version == version) {
      out.up_to_date.push_back(p);
      continue;
    }
    std::error_code rm;
    fs::remove(p, rm);  // stale, aqe's own
  }
  std::sort(out.up_to_date.begin(), out.up_to_date.end());
  std::sort(out.hand_written.begin(), out.hand_written.end());
  return out;
}

namespace {

const char* provider_name(llm::Provider p) { return p == llm::Provider::kAnthropic ? "anthropic" : "openai"; }

int64_t covered(const coverage::Counts& c) { return c.lines_covered + c.branches_covered; }

double percent_of(const coverage::FileCoverage& f) {
  const int64_t total = f.lines_total + f.branches_total;
  return total == 0
             ? 100.0
             : 100.0 * static_cast<double>(f.lines_covered + f.branches_covered) / static_cast<double>(total);
}

const coverage::FileCoverage* coverage_of(const std::vector<coverage::FileCoverage>& files,
                                          const SourceModule& m) {
  const std::string abs = m.file.generic_string();
  for (const auto& f : files)
    if (f.file == m.rel || f.file == abs || ends_with(abs, "/" + f.file)) return &f;
  return nullptr;
}

std::string fmt_usd_warning(double spent, double worst, const SpendLimit& l) {
  return fmt::format(
      "budget: the next model call was not made; its worst case ${:.6f} (prompt tokens estimated as bytes/3 "
      "+ max output tokens, at the model's prices) on top of ${:.6f} spent would exceed "
      "{} ${:.6f}; the tests kept so far are kept",
      worst, spent, l.key, l.limit_usd);
}

// The run's own budget first, then the ledger's period limits.
std::vector<SpendLimit> limits_of(const LlmSettings& s) {
  std::vector<SpendLimit> out;
  if (s.max_cost_usd > 0) out.push_back({"llm.max_cost_usd_per_run", s.max_cost_usd, 0});
  for (const auto& l : s.spend_limits)
    if (l.limit_usd > 0) out.push_back(l);
  return out;
}

// The module's source root on sys.path, relative to the test file so the file works in any
// checkout (the model's imports name the module as the source root sees it).
std::string import_prelude(const SourceModule& m, const fs::path& test_file) {
  std::string rel = m.source_root.lexically_relative(test_file.parent_path()).generic_string();
  if (rel.empty()) rel = ".";
  std::string quoted;
  // A Python string literal: controls as \xNN, so no character of the path ends the line.
  for (char ch : rel) {
    const auto u = static_cast<unsigned char>(ch);
    if (u < 0x20 || u == 0x7f) {
      quoted += fmt::format("\\x{:02x}", u);
      continue;
    }
    if (ch == '\\' || ch == '"') quoted += '\\';
    quoted += ch;
  }
  return "import pathlib as _aqe_pathlib\nimport sys as _aqe_sys\n\n_aqe_sys.path.insert(0, "
         "str(_aqe_pathlib.Path(__file__).resolve().parent / \"" +
         quoted + "\"))\n\n";
}

// One answer: from the cache, or a call when the budget allows it. nullopt = no answer
// (budget stop or API error, said on the report).
std::optional<llm::ModelResponse> ask(const LlmSettings& s, const std::string& model,
                                      const llm::ModelRequest& req, double& spent, LlmReport& r,
                                      GenerateReport& report) {
  llm::ProviderOptions po = s.provider;
  po.model = model;
  std::optional<llm::ResponseCache> cache;
  std::string key;
  if (s.cache_dir) {
    cache.emplace(*s.cache_dir);
    key = llm::cache_key(po, req, kPromptTemplateVersion);
    if (auto hit = cache->get(key)) {
      ++r.cache_hits;
      ModelTotals& t = r.by_model[po.model];
      ++t.cache_hits;
      if (s.record) s.record({provider_name(po.provider), po.model, hit->usage, 0.0, true, "ok"});
      return hit;
    }
  }
  const auto price = llm::find_price(po.model, s.price_overrides);
  const std::vector<SpendLimit> limits = limits_of(s);
  if (!limits.empty() && !price) {
    r.budget_stopped = true;
    r.budget_key = limits.front().key;
    report.warnings.push_back("model " + printable(po.model) + " has no known price, so " +
                              limits.front().key +
                              " cannot be checked before the call: no call was made (price it in llm.prices, "
                              "or set " +
                              limits.front().key + " to 0 for no limit)");
    return std::nullopt;
  }
  for (const SpendLimit& l : limits) {
    const double worst = worst_case_usd(req, *price);
    if (l.spent_before_usd + spent + worst > l.limit_usd) {
      r.budget_stopped = true;
      r.budget_worst_case_usd = worst;
      r.budget_key = l.key;
      report.warnings.push_back(fmt_usd_warning(l.spent_before_usd + spent, worst, l));
      return std::nullopt;
    }
  }
  auto resp = llm::complete(po, req);
  if (!resp) {
    if (s.record) s.record({provider_name(po.provider), po.model, {}, 0.0, false, "error"});
    r.error = resp.error();
    return std::nullopt;
  }
  ++r.calls;
  r.recorded.push_back({po.model, resp->usage});
  std::optional<double> cost;
  if (price) cost = llm::cost_usd(resp->usage, *price);
  ModelTotals& t = r.by_model[po.model];
  ++t.calls;
  t.tokens.input += resp->usage.input;
  t.tokens.cache_write += resp->usage.cache_write;
  t.tokens.cache_read += resp->usage.cache_read;
  t.tokens.output += resp->usage.output;
  t.tokens.reasoning += resp->usage.reasoning;
  if (cost) {
    t.cost_usd += *cost;
    spent += *cost;
  } else {
    t.cost_known = false;
  }
  if (s.record) s.record({provider_name(po.provider), po.model, resp->usage, cost, false, "ok"});
  if (cache) {
    if (auto st = cache->put(key, *resp); !st)
      report.warnings.push_back("the model's answer was not cached: " + st.error().message);
  }
  return std::move(*resp);
}

// The sandbox's reason for a test (aqe_sandbox.py's WRITES_OUTSIDE / NETWORK) as a discard reason.
std::string sandbox_reason(const std::string& reason) {
  if (reason.find("network") != std::string::npos) return "touches_network";
  if (reason.find("writes outside") != std::string::npos) return "writes_outside_tmp";
  return "sandbox_refused";
}

}  // namespace

namespace {

// What the segments of one run share.
struct StepState {
  const GenerateOptions& o;
  const LlmSettings& s;
  LlmReport& r;
  GenerateReport& report;
  std::vector<fs::path>& kept;
  std::vector<coverage::FileCoverage>& files;
  std::optional<coverage::Counts>& totals;
  VerifyInput in;
  double spent = 0;
};

bool stopped(const LlmReport& r) { return r.budget_stopped || r.error || exec::interrupted(); }

enum class Asked { kKept, kNotKept, kStop };

// The prompts of one segment: the first, then one re-prompt with the failure per discarded
// candidate, up to llm.max_attempts. `routed` is the module's entry in r.routed (routing on).
Asked ask_segment(StepState& st, const ModelTarget& t, const ModuleOutline& outline, const Segment& seg,
                  std::vector<std::string>& existing, size_t tier, std::optional<size_t> routed) {
  const LlmSettings& s = st.s;
  LlmReport& r = st.r;
  const fs::path out_file = segment_test_file(*t.module, seg);
  const size_t asked = r.segments_asked.size();
  r.segments_asked.push_back({t.module->rel, seg, {}, false, {}});
  if (routed) r.routed[*routed].segments.push_back({seg.name, seg.first_line(), {}});
  PromptInput pi{
      t.module->rel, t.module->module, t.source, seg, segment_context(outline, seg), existing, {}, {}};
  const int64_t baseline = st.totals ? covered(*st.totals) : 0;
  for (int attempt = 0; attempt < s.max_attempts; ++attempt) {
    const std::string model = routed ? s.tiers[tier] : s.provider.model;
    r.segments_asked[asked].models.push_back(model);
    if (routed) {
      r.routed[*routed].models.push_back(model);
      r.routed[*routed].segments.back().models.push_back(model);
    }
    auto resp = ask(s, model, build_prompt(pi, s.max_tokens), st.spent, r, st.report);
    if (!resp) return Asked::kStop;
    std::string code = extract_code_block(resp->text);
    auto discard = [&](const std::string& reason, const std::string& why) {
      ++r.discarded[reason];
      // A failed candidate: the segment's next prompt goes one tier up (routing).
      if (routed) tier = next_tier(tier, s.tiers.size());
      pi.failure = why;
      pi.previous = code;
      std::error_code ec;
      fs::remove(out_file, ec);
    };
    if (code.empty() || count_tests(code) == 0) {
      discard("no_test_code", "the reply had no ```python block with a test_ function.");
      continue;
    }
    // The model name and the path are the user's text, escaped: no newline in them can end
    // the comment and put code into the file.
    std::string text =
        "# Generated by aqe " + st.o.version + " (engine: llm " + printable(model) + ") from " +
        printable(t.module->rel) + "\n# sha256: " + t.sha256 + "\n# Written by a model for the " +
        printable(describe(seg)) + " (lines " + ranges_text(seg.ranges) +
        "), kept because it passed twice and added coverage. Delete these header lines to keep a "
        "hand-edited copy.\n" +
        import_prelude(*t.module, out_file) + code;
    fs::create_directories(out_file.parent_path());
    if (auto w = write_file_atomic(out_file, text); !w) {
      st.report.warnings.push_back(w.error().message);
      return Asked::kStop;
    }
    st.in.test_files = st.kept;
    st.in.test_files.push_back(out_file);
    auto v1 = verify_tests(st.in);
    if (!v1) {
      discard("not_verified", "it could not be run: " + v1.error().message);
      if (v1.error().exit_code == ExitCode::kInterrupted) return Asked::kStop;
      continue;
    }
    if (v1->broken_files.count(out_file)) {
      discard("does_not_collect",
              "pytest could not collect it (invalid Python or a bad import):\n" + v1->output);
      continue;
    }
    if (auto it = v1->violations.find(out_file); it != v1->violations.end() && !it->second.empty()) {
      const auto& [test, why] = *it->second.begin();
      discard(sandbox_reason(why), "the sandbox refused it: " + test + " " + why +
                                       " (tests may use no network and write only under pytest's tmp_path).");
      continue;
    }
    if (v1->failed.count(out_file)) {
      discard("fails", "its tests failed:\n" + v1->output);
      continue;
    }
    auto v2 = verify_tests(st.in);
    if (!v2 || v2->failed.count(out_file) || v2->broken_files.count(out_file)) {
      discard("flaky",
              "it passed once and failed when run again:\n" + (v2 ? v2->output : v2.error().message));
      continue;
    }
    if (!v2->coverage || covered(*v2->coverage) <= baseline) {
      discard("adds_no_coverage", "its tests pass but execute none of the listed lines.");
      continue;
    }
    st.kept.push_back(out_file);
    st.totals = v2->coverage;
    st.files = v2->files;
    const std::vector<std::string> names = test_names(code);
    existing.insert(existing.end(), names.begin(), names.end());
    const auto n = static_cast<int64_t>(names.size());
    r.tests_kept += n;
    st.report.tests_generated += n;
    const std::string shown = display_path(out_file, st.o.project_dir, Outside::kRelative);
    r.test_files.push_back(shown);
    r.segments_asked[asked].kept = true;
    r.segments_asked[asked].test_file = shown;
    return Asked::kKept;
  }
  return Asked::kNotKept;
}

// The module's uncovered lines and branches in the last measurement; every line when no test
// ran it (coverage.py did not report it).
void missing_of(const coverage::FileCoverage* fc, std::string_view source, std::vector<int64_t>& lines,
                std::vector<Arc>& branches) {
  lines.clear();
  branches.clear();
  if (fc != nullptr) {
    lines = fc->missing_lines;
    branches = fc->missing_branches;
    return;
  }
  const int64_t n = 1 + static_cast<int64_t>(std::count(source.begin(), source.end(), '\n'));
  for (int64_t i = 1; i <= n; ++i) lines.push_back(i);
}

Complexity complexity_of(const coverage::FileCoverage* fc, std::string_view source) {
  if (fc == nullptr) return estimate_complexity(source);
  Complexity c;
  c.statements = fc->lines_total;
  c.branches = fc->branches_total;
  c.imports = count_imports(source);
  return c;
}

}  // namespace

void run_model_step(const std::vector<ModelTarget>& targets, std::vector<fs::path>& kept,
                    const std::vector<fs::path>& sources, std::vector<coverage::FileCoverage>& files,
                    std::optional<coverage::Counts>& totals, const GenerateOptions& o,
                    GenerateReport& report) {
  StepState st{o, *o.llm, *report.llm, report, kept, files, totals, {}, 0};
  st.in.python = o.python;
  st.in.project_dir = o.project_dir;
  st.in.source_files = sources;
  st.in.timeout_s = std::max(120.0, 20.0 * static_cast<double>(sources.size()));
  const LlmSettings& s = st.s;
  LlmReport& r = st.r;
  std::vector<int64_t> missing;
  std::vector<Arc> missing_branches;
  for (const auto& t : targets) {
    const ModuleOutline outline = outline_module(t.source);
    std::set<std::string> tried;  // file ids of the segments asked about in this run
    std::vector<std::string> existing = t.existing_tests;
    std::optional<size_t> routed;
    size_t tier = 0;
    // After each kept segment the module is measured again: the next segment is the first one
    // that still holds uncovered lines, and a module that reached the target is left.
    while (!stopped(r)) {
      const coverage::FileCoverage* fc = coverage_of(files, *t.module);
      if (fc != nullptr && percent_of(*fc) >= o.coverage_target) break;
      missing_of(fc, t.source, missing, missing_branches);
      const std::vector<Segment> segments = uncovered_segments(outline, missing, missing_branches);
      auto next = std::find_if(segments.begin(), segments.end(), [&](const Segment& sg) {
        return !tried.count(sg.file_id) && !t.settled.count(segment_test_file(*t.module, sg));
      });
      if (next == segments.end()) break;
      if (tried.empty()) {
        r.modules_asked.push_back(t.module->rel);
        if (s.routing && !s.tiers.empty()) {
          const Complexity c = complexity_of(fc, t.source);
          tier = start_tier(c, s.tiers.size());
          r.routed.push_back({t.module->rel, c, is_simple(c), {}, {}});
          routed = r.routed.size() - 1;
        }
      }
      tried.insert(next->file_id);
      if (ask_segment(st, t, outline, *next, existing, tier, routed) == Asked::kStop) return;
    }
    if (stopped(r)) return;
  }
}

}  // namespace aqe::gen
