// pyproject.toml and poetry.lock, read with toml++ (Debian's libtomlplusplus-dev, used
// header-only). Kept apart from deps.cc because the header is heavy to compile.
// toml++ 3.3 asserts its parser's preconditions and aborts on malformed input such as
// "x = [}" or "[[[1]]]" (marzer/tomlplusplus#301) before the parse error it reports in release
// builds; debug and ASan builds parse user files too, so they get the release behaviour.
#define TOML_ASSERT(expr) static_assert(true)
#include <toml++/toml.h>

#include "aqe/scan/deps.h"
#include "aqe/util/strings.h"

namespace aqe::scan {
namespace {

int line_of(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

void add_pep508(const toml::node& n, const std::string& display, ManifestRead& out) {
  auto text = n.value<std::string>();
  if (!text) return;
  std::string why;
  auto dep = parse_pep508(*text, why);
  if (!dep) {
    if (!why.empty()) out.warnings.push_back(display + ":" + std::to_string(line_of(n)) + ": " + why);
    return;
  }
  dep->file = display;
  dep->line = line_of(n);
  out.dependencies.push_back(std::move(*dep));
}

void add_pep508_array(const toml::node* n, const std::string& display, ManifestRead& out) {
  if (const toml::array* arr = n != nullptr ? n->as_array() : nullptr) {
    for (const toml::node& item : *arr) add_pep508(item, display, out);
  }
}

// One entry of a Poetry dependency table: "^1.2", {version = "^1.2", ...} or a list of those.
void add_poetry_entry(const std::string& name, const toml::node& value, const std::string& display,
                      ManifestRead& out) {
  if (const toml::array* alternatives = value.as_array()) {
    for (const toml::node& alt : *alternatives) add_poetry_entry(name, alt, display, out);
    return;
  }
  std::optional<std::string> constraint = value.value<std::string>();
  std::string marker;
  if (const toml::table* t = value.as_table()) {
    constraint = (*t)["version"].value<std::string>();
    marker = (*t)["markers"].value_or(std::string());
  }
  if (!constraint) return;  // git, path or url dependency: no version to compare
  const std::string where = display + ":" + std::to_string(line_of(value)) + ": ";
  auto clauses = poetry_constraint(*constraint);
  if (!clauses) {
    out.warnings.push_back(where + "cannot read the Poetry constraint '" + *constraint + "' of " + name +
                           "; not checked");
    return;
  }
  if (clauses->empty()) return;
  Dependency d;
  d.name = name;
  d.declared = name + " = \"" + *constraint + "\"";
  d.file = display;
  d.line = line_of(value);
  if (auto pin = pinned_version(*clauses)) {
    d.query.exact = *pin;
  } else {
    d.query.spec = std::move(*clauses);
  }
  if (!marker.empty()) d.note = "environment marker '" + marker + "' not evaluated";
  out.dependencies.push_back(std::move(d));
}

void add_poetry_table(const toml::node* n, const std::string& display, ManifestRead& out) {
  const toml::table* t = n != nullptr ? n->as_table() : nullptr;
  if (t == nullptr) return;
  for (const auto& [key, value] : *t) {
    std::string name(key.str());
    if (name == "python") continue;  // the interpreter constraint, not a package
    add_poetry_entry(name, value, display, out);
  }
}

std::optional<toml::table> parse_toml(std::string_view text, const std::string& display, ManifestRead& out) {
  try {
    return toml::parse(text, display);
  } catch (const toml::parse_error& e) {
    out.warnings.push_back(display + ":" + std::to_string(e.source().begin.line) + ":" +
                           std::to_string(e.source().begin.column) + ": not valid TOML (" +
                           std::string(e.description()) + "); dependencies not checked");
    return std::nullopt;
  }
}

}  // namespace

void read_pyproject(std::string_view text, const std::string& display, ManifestRead& out) {
  auto doc = parse_toml(text, display, out);
  if (!doc) return;
  add_pep508_array((*doc)["project"]["dependencies"].node(), display, out);
  if (const toml::table* extras = (*doc)["project"]["optional-dependencies"].as_table()) {
    for (const auto& [extra, list] : *extras) add_pep508_array(&list, display, out);
  }
  auto poetry = (*doc)["tool"]["poetry"];
  add_poetry_table(poetry["dependencies"].node(), display, out);
  add_poetry_table(poetry["dev-dependencies"].node(), display, out);
  if (const toml::table* groups = poetry["group"].as_table()) {
    for (const auto& [group, body] : *groups) {
      if (const toml::table* g = body.as_table()) add_poetry_table((*g)["dependencies"].node(), display, out);
    }
  }
}

void read_poetry_lock(std::string_view text, const std::string& display, ManifestRead& out) {
  auto doc = parse_toml(text, display, out);
  if (!doc) return;
  const toml::array* packages = (*doc)["package"].as_array();
  if (packages == nullptr) return;
  for (const toml::node& p : *packages) {
    const toml::table* t = p.as_table();
    if (t == nullptr) continue;
    auto name = (*t)["name"].value<std::string>();
    const toml::node* version = (*t)["version"].node();
    if (!name || version == nullptr || !version->value<std::string>()) continue;
    Dependency d;
    d.name = *name;
    d.query.exact = *version->value<std::string>();
    d.declared = *name + "==" + *d.query.exact;
    d.file = display;
    d.line = line_of(*version);
    out.dependencies.push_back(std::move(d));
  }
}

}  // namespace aqe::scan
