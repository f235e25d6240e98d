// --format cobertura: the run's measured per-line coverage as Cobertura XML, the format GitLab's
// `artifacts:reports:coverage_report` reads to mark lines in a merge request's diff. Written with
// pugixml (every name escaped); split into parts under GitLab's size limit.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iomanip>
#include <map>
#include <sstream>

#include <pugixml.hpp>

#include "aqe/report/formats.h"

namespace aqe::report {

namespace {

std::string rate(int64_t covered, int64_t total) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g",
                total > 0 ? static_cast<double>(covered) / static_cast<double>(total) : 1.0);
  return buf;
}

struct Counted {
  int64_t lines_covered = 0, lines_total = 0, branches_covered = 0, branches_total = 0;
  void add(const FileRow& f) {
    lines_covered += f.lines_covered;
    lines_total += f.lines_total;
    branches_covered += f.branches_covered;
    branches_total += f.branches_total;
  }
};

void set_rates(pugi::xml_node n, const Counted& c) {
  n.append_attribute("line-rate") = rate(c.lines_covered, c.lines_total).c_str();
  n.append_attribute("branch-rate") = rate(c.branches_covered, c.branches_total).c_str();
  n.append_attribute("complexity") = "0";
}

void write_class(pugi::xml_node classes, const FileRow& f) {
  const auto slash = f.path.rfind('/');
  pugi::xml_node cls = classes.append_child("class");
  cls.append_attribute("name") = (slash == std::string::npos ? f.path : f.path.substr(slash + 1)).c_str();
  cls.append_attribute("filename") = f.path.c_str();
  Counted c;
  c.add(f);
  set_rates(cls, c);
  cls.append_child("methods");
  pugi::xml_node lines = cls.append_child("lines");

  std::vector<std::pair<int64_t, int>> all;  // line, hits
  all.reserve(f.covered_lines->size() + f.missing_lines->size());
  for (int64_t l : *f.covered_lines) all.emplace_back(l, 1);
  for (int64_t l : *f.missing_lines) all.emplace_back(l, 0);
  std::sort(all.begin(), all.end());
  for (const auto& [number, hits] : all) {
    pugi::xml_node line = lines.append_child("line");
    line.append_attribute("number") = static_cast<long long>(number);
    line.append_attribute("hits") = hits;
  }
}

std::string package_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  std::string name = path.substr(0, slash);
  std::replace(name.begin(), name.end(), '/', '.');
  return name;
}

std::string document(const std::vector<const FileRow*>& files, const std::string& source_root,
                     const std::string& timestamp) {
  pugi::xml_document doc;
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  pugi::xml_node root = doc.append_child("coverage");
  Counted total;
  for (const FileRow* f : files) total.add(*f);
  root.append_attribute("version") = "aqe " AQE_VERSION;
  if (!timestamp.empty()) root.append_attribute("timestamp") = timestamp.c_str();
  root.append_attribute("lines-valid") = static_cast<long long>(total.lines_total);
  root.append_attribute("lines-covered") = static_cast<long long>(total.lines_covered);
  root.append_attribute("branches-valid") = static_cast<long long>(total.branches_total);
  root.append_attribute("branches-covered") = static_cast<long long>(total.branches_covered);
  set_rates(root, total);
  root.append_child("sources").append_child("source").text() = source_root.c_str();
  pugi::xml_node packages = root.append_child("packages");

  std::map<std::string, std::vector<const FileRow*>> by_package;
  for (const FileRow* f : files) by_package[package_of(f->path)].push_back(f);
  for (const auto& [name, members] : by_package) {
    pugi::xml_node pkg = packages.append_child("package");
    pkg.append_attribute("name") = name.c_str();
    Counted c;
    for (const FileRow* f : members) c.add(*f);
    set_rates(pkg, c);
    pugi::xml_node classes = pkg.append_child("classes");
    for (const FileRow* f : members) write_class(classes, *f);
  }
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_indent, pugi::encoding_utf8);
  return out.str();
}

// Parts of at most max_bytes: halves a group that does not fit until it does or is one file.
void split_into(const std::vector<const FileRow*>& files, const std::string& source_root,
                const std::string& timestamp, size_t max_bytes, std::vector<std::string>& parts,
                std::vector<std::string>& warnings) {
  std::string text = document(files, source_root, timestamp);
  if (text.size() <= max_bytes || files.size() <= 1) {
    if (text.size() > max_bytes) {
      warnings.push_back("cobertura: " + files.front()->path + " alone takes " + std::to_string(text.size()) +
                         " bytes, over the limit of " + std::to_string(max_bytes) +
                         " (GitLab may not show it)");
    }
    parts.push_back(std::move(text));
    return;
  }
  const auto mid = files.begin() + static_cast<std::ptrdiff_t>(files.size() / 2);
  split_into({files.begin(), mid}, source_root, timestamp, max_bytes, parts, warnings);
  split_into({mid, files.end()}, source_root, timestamp, max_bytes, parts, warnings);
}

}  // namespace

Result<std::vector<std::string>> render_cobertura(const Report& report, const std::string& source_root,
                                                  size_t max_bytes, std::vector<std::string>& warnings) {
  if (!report.coverage) {
    return make_error("NO_DATA", "--format cobertura: the reported run measured no coverage",
                      "run aqe execute with --coverage first");
  }
  std::vector<const FileRow*> files;
  for (const FileRow& f : report.coverage->files) {
    if (!f.covered_lines || !f.missing_lines) {
      return make_error("NO_DATA",
                        "--format cobertura: the coverage report of run " +
                            std::to_string(report.coverage->run_id) +
                            " cannot be read, so its per-line coverage is unknown",
                        "run aqe execute --coverage again on this checkout");
    }
    files.push_back(&f);
  }
  // The run's start, so the same run gives the same bytes (coverage.py writes milliseconds).
  std::string timestamp;
  if (report.tests && !report.tests->started_at.empty()) {
    std::tm tm{};
    std::istringstream in(report.tests->started_at);
    in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
    if (!in.fail()) timestamp = std::to_string(static_cast<long long>(timegm(&tm)) * 1000);
  }
  std::vector<std::string> parts;
  split_into(files, source_root, timestamp, max_bytes, parts, warnings);
  return parts;
}

}  // namespace aqe::report
