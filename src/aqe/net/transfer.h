// One attempt of an HTTP request over libcurl; net::send() adds the retries around it.
#pragma once

#include <chrono>
#include <optional>

#include "aqe/net/http.h"

namespace aqe::net {

// curl_global_init, once per process, whichever thread comes first.
void ensure_curl_initialized();

// Performs one attempt. `time_left` bounds the whole attempt (what remains of the total
// timeout). A failure's message is the bare reason ("HTTP 503", "connection failed: ..."),
// without method, URL or attempt count; its `attempts` is left 0.
HttpResult perform_attempt(const HttpRequest& request, std::optional<std::chrono::milliseconds> time_left);

}  // namespace aqe::net
