// What a command leaves on GitHub Actions when GITHUB_ACTIONS=true: its Markdown summary
// appended to $GITHUB_STEP_SUMMARY, key figures to $GITHUB_OUTPUT, and annotations for failed
// tests and findings (changed files first, within GitHub's per-step budget). The one mechanism
// for execute, generate, security-scan and quality-gate; the text comes from ci/github.h.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "aqe/ci/github.h"
#include "aqe/cli/command.h"

namespace aqe::gate {
struct GateResult;
}

namespace aqe::cli {

// One command's surfaces, before they are written.
struct CiSurfaces {
  std::string summary_markdown;
  std::vector<std::pair<std::string, std::string>> outputs;  // "" = not measured
  std::vector<ci::Annotation> annotations;  // files relative to the project dir (or absolute)
  bool annotations_repo_relative = false;   // already relative to the repository root
  bool order_by_change = true;              // diff against the CI's target branch to order them
  std::string title;                        // of the ::notice counting what was left out
  std::string what;                         // "failed tests", "findings", ...
};

// From the `data` of execute, generate and security-scan (the documented JSON fields).
CiSurfaces execute_surfaces(const nlohmann::json& data);
CiSurfaces generate_surfaces(const nlohmann::json& data);
CiSurfaces scan_surfaces(const nlohmann::json& data);
CiSurfaces gate_surfaces(const gate::GateResult& r, bool as_error);

// On GitHub Actions (GITHUB_ACTIONS=true), writes `s` for the outcome `o`: appends to the
// files the variables name (a variable that is unset is skipped; a file that cannot be
// appended to is a warning, never an exit code) and sets o.workflow_commands. Elsewhere it
// does nothing.
void publish_ci_surfaces(Context& ctx, const CiSurfaces& s, CommandOutcome& o);

// The calls the commands make: o.data (or the gate's result) -> publish_ci_surfaces.
void add_ci_surfaces(Context& ctx, CommandOutcome& o);
void add_gate_ci_surfaces(Context& ctx, const gate::GateResult& r, CommandOutcome& o);

}  // namespace aqe::cli
