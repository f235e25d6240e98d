#include "aqe/results/junit.h"

#include <pugixml.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "aqe/util/strings.h"

namespace aqe::results {
namespace {

std::string module_dotted(std::string_view file) {
  std::string m(file);
  if (ends_with(m, ".py")) m.resize(m.size() - 3);
  for (char& c : m) {
    if (c == '/') c = '.';
  }
  return m;
}

// pytest ends a failure body with "path:LINE: ExceptionName"; the last such line is where
// the test failed.
std::pair<std::string, int> crash_location(const std::string& details) {
  static const std::regex kLoc(R"(^([^\s:][^:\n]*):(\d+): \S)");
  std::pair<std::string, int> found{"", 0};
  for (const auto& line : split(details, '\n')) {
    // std::regex recurses per character: a 10 MB assertion line would overflow the stack, and
    // no "path:LINE: Error" line is longer than a path.
    if (line.size() > 4096) continue;
    std::smatch m;
    if (std::regex_search(line, m, kLoc)) found = {m[1].str(), std::atoi(m[2].str().c_str())};
  }
  return found;
}

// How pytest's JUnit writer names an error raised while tearing a test down.
constexpr std::string_view kTeardownPrefix = "failed on teardown with";

int outcome_rank(const std::string& o) {
  if (o == "error") return 3;
  if (o == "failed") return 2;
  if (o == "skipped") return 1;
  return 0;
}

// pytest-rerunfailures writes rerunFailure/rerunError, Maven surefire flakyFailure/flakyError.
bool was_rerun(const pugi::xml_node& tc) {
  for (const char* k : {"rerunFailure", "rerunError", "flakyFailure", "flakyError"})
    if (tc.child(k)) return true;
  return false;
}

JunitCase read_case(const pugi::xml_node& tc) {
  JunitCase c;
  c.has_failure = static_cast<bool>(tc.child("failure"));
  c.rerun = was_rerun(tc);
  const char* status = tc.attribute("status").as_string();
  c.not_run = std::strcmp(status, "notrun") == 0 || std::strcmp(status, "disabled") == 0;
  const std::string file = tc.attribute("file").as_string();
  const std::string classname = tc.attribute("classname").as_string();
  const std::string name = tc.attribute("name").as_string();
  c.file = file;
  if (!file.empty()) {
    c.test_id = pytest_node_id(file, classname, name);
  } else {
    c.test_id = classname.empty() ? name : classname + "::" + name;
  }
  // pytest writes the 0-based line of the test definition.
  if (auto l = tc.attribute("line"); l) c.line = l.as_int() + 1;
  c.time_s = tc.attribute("time").as_double();
  c.outcome = "passed";
  for (const char* tag : {"skipped", "failure", "error"}) {
    for (auto child = tc.child(tag); child; child = child.next_sibling(tag)) {
      const std::string o = std::string(tag) == "failure" ? "failed" : tag;
      if (o == "error" && starts_with(child.attribute("message").as_string(), kTeardownPrefix)) {
        c.teardown_error = true;
        c.teardown_message = child.attribute("message").as_string();
        c.teardown_details = child.text().as_string();
        continue;
      }
      if (outcome_rank(o) < outcome_rank(c.outcome)) continue;
      c.outcome = o;
      c.message = child.attribute("message").as_string();
      c.details = child.text().as_string();
      c.xfail = o == "skipped" && std::strcmp(child.attribute("type").as_string(), "pytest.xfail") == 0;
    }
  }
  for (const char* tag : {"system-out", "system-err"}) {
    const char* text = tc.child(tag).text().as_string();
    if (*text == '\0') continue;
    if (!c.captured.empty() && c.captured.back() != '\n') c.captured += '\n';
    c.captured += text;
  }
  if (classname.empty() && c.outcome == "error") {
    // A collection error's message is just "collection failure"; the exception says more.
    for (const auto& line : split(c.details, '\n')) {
      if (starts_with(line, "E   ")) c.message = std::string(trim(line.substr(4)));
    }
  }
  if (c.outcome == "failed" || c.outcome == "error") {
    auto [f, l] = crash_location(c.details);
    if (l > 0 && (f == c.file || c.file.empty())) {
      c.file = f;
      c.line = l;
    }
  }
  return c;
}

}  // namespace

std::string pytest_node_id(std::string_view file, std::string_view classname, std::string_view name) {
  const std::string module = module_dotted(file);
  std::string id(file);
  if (classname.empty()) {
    // A collection error: pytest names the module itself; the node id is the file.
    return name == module ? id : id + "::" + std::string(name);
  }
  std::string rest;
  if (starts_with(classname, module) &&
      (classname.size() == module.size() || classname[module.size()] == '.')) {
    rest = std::string(classname.substr(std::min(classname.size(), module.size() + 1)));
  }
  for (const auto& part : split(rest, '.')) {
    if (!part.empty()) id += "::" + part;
  }
  return id + "::" + std::string(name);
}

Result<std::vector<JunitCase>> parse_junit(std::string_view xml, const std::string& origin) {
  pugi::xml_document doc;
  auto res = doc.load_buffer(xml.data(), xml.size());
  if (!res) {
    return make_error(
        "JUNIT_INVALID",
        origin + ": not valid JUnit XML at byte " + std::to_string(res.offset) + ": " + res.description(), "",
        ExitCode::kFailure);
  }
  std::vector<JunitCase> out;
  std::map<std::string, size_t> seen;
  for (auto tc : doc.select_nodes("//testcase")) {
    JunitCase c = read_case(tc.node());
    // pytest writes a second testcase for a teardown error of a test whose call failed.
    auto [it, inserted] = seen.emplace(c.test_id, out.size());
    if (inserted) {
      out.push_back(std::move(c));
      continue;
    }
    JunitCase& first = out[it->second];
    if (c.teardown_error) {
      first.teardown_error = true;
      first.teardown_message = c.teardown_message;
      first.teardown_details = c.teardown_details;
    }
    // The later testcase's output holds the earlier phases' too.
    if (!c.captured.empty()) first.captured = c.captured;
    if (outcome_rank(c.outcome) > outcome_rank(first.outcome)) {
      c.time_s += first.time_s;
      c.teardown_error = first.teardown_error;
      c.teardown_message = first.teardown_message;
      c.teardown_details = first.teardown_details;
      c.captured = first.captured;
      first = std::move(c);
    }
  }
  return out;
}

Result<std::vector<JunitCase>> read_junit_report(std::string_view xml, const std::string& origin) {
  pugi::xml_document doc;
  pugi::xml_parse_result r = doc.load_buffer(xml.data(), xml.size());
  if (!r) {
    auto [line, col] = line_col(xml, static_cast<size_t>(r.offset));
    return make_error(
        "INPUT_INVALID",
        origin + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + r.description(),
        "pass the JUnit XML the test runner wrote");
  }
  std::string root = doc.document_element().name();
  if (root != "testsuites" && root != "testsuite") {
    return make_error("INPUT_INVALID",
                      origin + ": XML root is <" + root + ">, not JUnit's <testsuites>/<testsuite>",
                      "pass a JUnit XML report (pytest --junitxml, ctest --output-junit, ...)");
  }
  std::vector<JunitCase> out;
  for (auto x : doc.select_nodes("//testcase")) out.push_back(read_case(x.node()));
  return out;
}

TestCounts count_testcases(const std::vector<JunitCase>& testcases) {
  TestCounts t;
  std::set<std::string> seen;
  for (const auto& c : testcases) {
    const bool first_of_test = seen.insert(c.test_id).second;
    if (c.has_failure) {
      ++t.failed;
    } else if (c.outcome == "error" || c.teardown_error) {
      ++t.errors;
      // A call that passed and a teardown that failed (pytest writes one element) is
      // "1 passed, 1 error" to pytest, and so to execute and its DB row; pytest writes a
      // failed call's teardown error as a second element of the test, which is the error only.
      if (c.outcome == "passed" && first_of_test) ++t.passed;
    } else if (c.outcome == "skipped" || c.not_run) {
      ++t.skipped;
    } else if (c.rerun) {
      ++t.flaky;
    } else {
      ++t.passed;
    }
  }
  return t;
}

namespace {

// A `time` attribute as pytest writes it: seconds to the millisecond ("0.123", not the
// 17 digits of a double, nor a sum's 0.30000000000000004).
std::string seconds_attr(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s < 0 ? 0.0 : s);
  return buf;
}

// A testcase for a result only aqe's stream holds, in the shape the plugin writes.
void append_streamed_case(pugi::xml_node suite, const JunitCase& c) {
  auto tc = suite.append_child("testcase");
  const size_t sep = c.test_id.find("::");
  std::string module = c.test_id.substr(0, sep);
  if (module.size() > 3 && module.ends_with(".py")) module.resize(module.size() - 3);
  std::replace(module.begin(), module.end(), '/', '.');
  std::string rest = sep == std::string::npos ? c.test_id : c.test_id.substr(sep + 2);
  std::string name = rest, classname = module;
  if (const size_t last = rest.rfind("::"); last != std::string::npos) {
    name = rest.substr(last + 2);
    std::string classes = rest.substr(0, last);
    for (size_t at = classes.find("::"); at != std::string::npos; at = classes.find("::", at))
      classes.replace(at, 2, ".");
    classname += "." + classes;
  }
  tc.append_attribute("classname") = classname.c_str();
  tc.append_attribute("name") = name.c_str();
  if (!c.file.empty()) tc.append_attribute("file") = c.file.c_str();
  tc.append_attribute("time") = seconds_attr(c.time_s).c_str();
  const char* tag = c.outcome == "failed"    ? "failure"
                    : c.outcome == "error"   ? "error"
                    : c.outcome == "skipped" ? "skipped"
                                             : nullptr;
  if (tag == nullptr) return;
  auto el = tc.append_child(tag);
  if (c.outcome == "skipped" && c.xfail) el.append_attribute("type") = "pytest.xfail";
  el.append_attribute("message") = c.message.c_str();
  if (!c.details.empty()) el.text() = c.details.c_str();
}

// The failures and errors of a test's earlier attempts (`earlier`, the testcases being
// replaced), added to its final testcase as Maven surefire writes reruns, which CI tools and
// pytest-rerunfailures' readers know: <flakyFailure>/<flakyError> when the final attempt passed
// (a flaky test: a pass, not a failure, but not a plain pass either), <rerunFailure>/<rerunError>
// when it failed again. Without them the report showed a flaky test as a plain pass.
void keep_earlier_attempts(pugi::xml_node final_case, const std::vector<pugi::xml_node>& earlier) {
  const bool passed =
      !final_case.child("failure") && !final_case.child("error") && !final_case.child("skipped");
  const std::string prefix = passed ? "flaky" : "rerun";
  // Before the final attempt's own children, in attempt order, as surefire lists them.
  pugi::xml_node first = final_case.first_child();
  auto add = [&](const pugi::xml_node& from, const std::string& name) {
    pugi::xml_node el =
        first ? final_case.insert_child_before(name.c_str(), first) : final_case.append_child(name.c_str());
    for (auto a : from.attributes()) el.append_attribute(a.name()) = a.value();
    if (const char* text = from.text().as_string(); *text != '\0') el.text() = text;
  };
  for (const auto& node : earlier) {
    for (auto child : node.children()) {
      const std::string tag = child.name();
      if (tag == "failure" || tag == "error") {
        add(child, prefix + (tag == "failure" ? "Failure" : "Error"));
      } else if (tag.ends_with("Failure") || tag.ends_with("Error")) {
        // An attempt before that one, already kept by an earlier merge step.
        const bool failure = tag.ends_with("Failure");
        if (tag.starts_with("flaky") || tag.starts_with("rerun"))
          add(child, prefix + (failure ? "Failure" : "Error"));
      }
    }
  }
}

}  // namespace

Result<std::string> merge_junit(const std::vector<std::string>& documents, const std::string& suite_name,
                                const JunitRunFacts& facts) {
  pugi::xml_document out;
  auto decl = out.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "utf-8";
  auto suites = out.append_child("testsuites");
  auto suite = suites.append_child("testsuite");
  suite.append_attribute("name") = suite_name.c_str();

  // Per test, its testcase nodes in the merged suite and the document they came from.
  std::map<std::string, std::pair<size_t, std::vector<pugi::xml_node>>> by_id;
  for (size_t d = 0; d < documents.size(); ++d) {
    pugi::xml_document doc;
    if (!doc.load_buffer(documents[d].data(), documents[d].size())) continue;
    for (auto x : doc.select_nodes("//testcase")) {
      const JunitCase c = read_case(x.node());
      auto it = by_id.find(c.test_id);
      if (it == by_id.end()) {
        by_id[c.test_id] = {d, {suite.append_copy(x.node())}};
        continue;
      }
      auto& [from, nodes] = it->second;
      if (from == d) {
        nodes.push_back(suite.insert_copy_after(x.node(), nodes.back()));
        continue;
      }
      // A later document (a retry) replaces the test's earlier testcases in place, keeping
      // what the earlier attempts reported as children of the final one.
      pugi::xml_node replacement = suite.insert_copy_after(x.node(), nodes.back());
      keep_earlier_attempts(replacement, nodes);
      for (auto n : nodes) suite.remove_child(n);
      from = d;
      nodes = {replacement};
    }
  }
  for (const JunitCase& c : facts.streamed) {
    if (by_id.count(c.test_id) == 0) append_streamed_case(suite, c);
  }
  if (!facts.partial.empty()) {
    auto props = suite.prepend_child("properties").append_child("property");
    props.append_attribute("name") = "aqe.partial";
    props.append_attribute("value") = facts.partial.c_str();
    const std::string message =
        "the run was " + std::string(facts.partial == "timeout" ? "ended by its timeout" : "interrupted") +
        "; " + std::to_string(facts.not_run) + " planned tests did not run: this report is partial";
    auto tc = suite.append_child("testcase");
    tc.append_attribute("classname") = "aqe";
    tc.append_attribute("name") = "run";
    tc.append_attribute("time") = "0.000";
    tc.append_child("error").append_attribute("message") = message.c_str();
  }
  int tests = 0, failures = 0, errors = 0, skipped = 0;
  double time_s = 0;
  for (auto tc : suite.children("testcase")) {
    const JunitCase c = read_case(tc);
    ++tests;
    time_s += c.time_s;
    if (c.outcome == "failed") ++failures;
    if (c.outcome == "error" || c.teardown_error) ++errors;
    if (c.outcome == "skipped") ++skipped;
  }
  suite.append_attribute("tests") = tests;
  suite.append_attribute("failures") = failures;
  suite.append_attribute("errors") = errors;
  suite.append_attribute("skipped") = skipped;
  suite.append_attribute("time") = seconds_attr(time_s).c_str();
  std::ostringstream ss;
  out.save(ss, "  ");
  return ss.str();
}

}  // namespace aqe::results
