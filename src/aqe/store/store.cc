#include "aqe/store/store.h"

#include <cctype>

namespace aqe::store {

std::string_view to_string(FailureKind kind) {
  switch (kind) {
    case FailureKind::kNotFound:
      return "not_found";
    case FailureKind::kTransient:
      return "transient";
    case FailureKind::kPermanent:
      return "permanent";
    case FailureKind::kAuth:
      return "auth";
    case FailureKind::kExists:
      return "exists";
    case FailureKind::kCorrupt:
      return "corrupt";
    case FailureKind::kInterrupted:
      return "interrupted";
  }
  return "permanent";
}

ExitCode exit_code_for(FailureKind kind) {
  switch (kind) {
    case FailureKind::kTransient:
      return ExitCode::kTransient;
    case FailureKind::kInterrupted:
      return ExitCode::kInterrupted;
    case FailureKind::kNotFound:
    case FailureKind::kPermanent:
    case FailureKind::kAuth:
    case FailureKind::kExists:
    case FailureKind::kCorrupt:
      return ExitCode::kUsage;
  }
  return ExitCode::kUsage;
}

Error to_error(const StoreFailure& failure) {
  std::string code = "STORE_";
  for (char c : to_string(failure.kind))
    code += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string hint;
  switch (failure.kind) {
    case FailureKind::kTransient:
      hint = "transient: safe to retry";
      break;
    case FailureKind::kAuth:
      hint =
          "check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN and the bucket's permissions";
      break;
    case FailureKind::kExists:
      hint = "use another key, or --overwrite to replace it";
      break;
    default:
      break;
  }
  return make_error(std::move(code), failure.message, std::move(hint), exit_code_for(failure.kind));
}

StoreStatus validate_key(std::string_view key) {
  auto bad = [&](std::string_view why) {
    std::string shown;
    for (char c : key.substr(0, 200)) {
      const auto u = static_cast<unsigned char>(c);
      shown += (u < 0x20 || u == 0x7f) ? '?' : c;  // the key may hold control characters
    }
    return store_failure(FailureKind::kPermanent, "invalid object key '" + shown + "': " + std::string(why));
  };
  if (key.empty()) return bad("empty");
  if (key.size() > 1024) return bad("longer than 1024 bytes");
  if (key.front() == '/') return bad("absolute (starts with '/')");
  for (char c : key) {
    const auto u = static_cast<unsigned char>(c);
    if (u == 0) return bad("contains a NUL byte");
    if (u < 0x20 || u == 0x7f) return bad("contains a control character");
    if (c == '\\') return bad("contains a backslash");
  }
  size_t start = 0;
  for (;;) {
    const size_t slash = key.find('/', start);
    const std::string_view segment =
        key.substr(start, slash == std::string_view::npos ? key.npos : slash - start);
    if (segment.empty()) return bad("has an empty path segment");
    if (segment == "." || segment == "..") return bad("has a '.' or '..' segment");
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return stored();
}

StoreResult<S3Credentials> s3_credentials_from_env(const std::function<const char*(const char*)>& getenv) {
  auto value = [&](const char* name) {
    const char* v = getenv(name);
    return std::string(v ? v : "");
  };
  S3Credentials c{value("AWS_ACCESS_KEY_ID"), value("AWS_SECRET_ACCESS_KEY"), value("AWS_SESSION_TOKEN")};
  if (c.access_key_id.empty()) return store_failure(FailureKind::kAuth, "AWS_ACCESS_KEY_ID is not set");
  if (c.secret_access_key.empty())
    return store_failure(FailureKind::kAuth, "AWS_SECRET_ACCESS_KEY is not set");
  return c;
}

}  // namespace aqe::store
