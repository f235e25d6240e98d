// aqe report push: the exposition text PUT to a Prometheus Pushgateway's group of the job, over
// net/ (timeouts, retries of transient failures).
#include <cctype>

#include "aqe/net/http.h"
#include "aqe/report/formats.h"

namespace aqe::report {

namespace {

bool valid_job(std::string_view job) {
  if (job.empty()) return false;
  for (unsigned char c : job)
    if (!(std::isalnum(c) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

}  // namespace

Status check_push_options(const PushOptions& o) {
  const std::string& base = o.url;
  if (!(base.starts_with("http://") || base.starts_with("https://")) ||
      base.find_first_of(" \t\r\n?#") != std::string::npos || base.size() <= base.find("//") + 2) {
    return make_error("USAGE", "--pushgateway: '" + o.url + "' is not an http(s) URL",
                      "give the gateway's base URL, e.g. http://pushgateway:9091");
  }
  if (!valid_job(o.job)) {
    return make_error("USAGE", "--job: '" + o.job + "' is not a job name",
                      "use letters, digits, '_', '-' and '.'");
  }
  return ok_status();
}

Result<PushResult> push_metrics(const PushOptions& o, const std::string& text) {
  if (auto st = check_push_options(o); !st) return st.error();
  std::string base = o.url;
  while (base.ends_with('/')) base.pop_back();
  net::HttpRequest req;
  req.method = net::Method::kPut;
  req.url = base + "/metrics/job/" + o.job;
  req.headers.emplace_back("Content-Type", "text/plain; version=0.0.4");
  req.body = text;
  req.timeouts.connect = o.connect_timeout;
  req.timeouts.total = o.total_timeout;
  req.max_body_bytes = 1024 * 1024;
  auto r = net::send(req);
  if (!r) {
    const auto& f = r.failure();
    Error e = net::to_error(f);
    // Any 5xx is the gateway's trouble, worth a retry of the pipeline step.
    if (f.status >= 500) {
      e.exit_code = ExitCode::kTransient;
      e.hint = "transient: safe to retry";
    }
    if (!f.body.empty() && f.status >= 400) e.message += ": " + f.body.substr(0, 300);
    e.message = "--pushgateway: " + e.message;
    return e;
  }
  return PushResult{req.url, r->status, r->attempts};
}

}  // namespace aqe::report
