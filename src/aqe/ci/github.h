// GitHub Actions' surfaces as text: workflow-command escaping, annotations spent within the
// runner's per-step budget, $GITHUB_OUTPUT lines and a step summary that fits GitHub's limit.
// Pure functions (the random delimiter aside); cli/ appends the text to the files and prints
// the commands.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aqe::ci {

// A workflow command's data (after "::"): '%', CR and LF are escaped, so the project's text
// can never end the command and start another line; other control bytes (ESC, ...) become
// "\x1b" text so that they cannot drive the terminal reading the log.
std::string escape_data(std::string_view s);
// A property value (file=, title=): also ':' and ',', which would end the property.
std::string escape_property(std::string_view s);

struct Annotation {
  enum class Level { kError, kWarning, kNotice };
  Level level = Level::kError;
  std::string file;  // as GitHub resolves it: relative to the repository root; "" = none
  int64_t line = 0;  // 0 = none
  std::string title;
  std::string message;
  bool in_changed_file = false;  // known to be part of the change (e.g. an uncovered changed line)
};

// "::error file=a.py,line=3,title=T::message", every value escaped.
std::string format_annotation(const Annotation& a);

// GitHub shows at most 10 of each level per step; what is left over is dropped silently.
struct AnnotationBudget {
  size_t errors = 10;
  size_t warnings = 10;
  size_t notices = 10;  // one of these is kept for the count of what was left out
};

// Spends the budget: annotations without a file (about the whole step), in `changed_files`
// or marked in_changed_file first, then the others, each group in the given order; what does not fit is
// counted in one final
// ::notice titled `title` ("N more <what> not annotated ..."). Returns the command lines.
std::vector<std::string> spend_budget(const std::vector<Annotation>& all,
                                      const std::set<std::string>& changed_files, std::string_view title,
                                      std::string_view what, AnnotationBudget budget = {});

// A delimiter for name<<DELIM heredocs: 128 random bits, which no value can know in advance.
std::string random_delimiter();

// One $GITHUB_OUTPUT entry: "name=value\n", or the heredoc form "name<<DELIM\nvalue\nDELIM\n"
// when the value holds CR or LF (a value holding the delimiter itself gets a longer one).
std::string output_entry(std::string_view name, std::string_view value, const std::string& delimiter);
std::string output_entries(const std::vector<std::pair<std::string, std::string>>& outputs,
                           const std::string& delimiter);

// The project's text in a Markdown table cell or sentence: the punctuation GitHub's Markdown
// acts on backslash-escaped (so '|', '<', '`', '[', '$' cannot end a cell or open HTML, code,
// a link or math), control bytes and line
// breaks as spaces, cut to `max_bytes` (at a UTF-8 boundary) with "…".
std::string markdown_text(std::string_view s, size_t max_bytes = 300);

// GitHub rejects a step summary over 1 MiB.
inline constexpr size_t kSummaryLimit = 1024 * 1024;
// `md` cut at a line boundary to stay within `limit` bytes, ending "… and N more lines".
std::string fit_summary(std::string md, size_t limit = kSummaryLimit);

}  // namespace aqe::ci
