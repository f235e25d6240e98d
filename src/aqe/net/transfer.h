// One attempt of an HTTP request over libcurl; net::send() adds the retries around it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "aqe/net/http.h"

namespace aqe::net {

// curl_global_init, once per process, whichever thread comes first.
void ensure_curl_initialized();

// How much longer than HttpTimeouts::total a body of `bytes` may take at `min_bytes_per_second`
// (0 = no allowance).
std::chrono::milliseconds body_allowance(uint64_t bytes, uint64_t min_bytes_per_second);

// The size of the request's body: its upload range, its upload file or its in-memory body.
uint64_t request_body_bytes(const HttpRequest& request);

// Performs one attempt. `time_left` bounds the whole attempt (what remains of the total
// timeout); with HttpTimeouts::min_bytes_per_second, a response's Content-Length extends it by
// body_allowance() once known. A failure's message is the bare reason ("HTTP 503", "connection failed: ..."),
// without method, URL or attempt count; its `attempts` is left 0.
HttpResult perform_attempt(const HttpRequest& request, std::optional<std::chrono::milliseconds> time_left);

}  // namespace aqe::net
