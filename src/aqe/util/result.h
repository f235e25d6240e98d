// Errors travel as values. std::expected is C++23; this is the small subset aqe needs.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "aqe/util/exit_code.h"

namespace aqe {

// A failure a user can act on: a stable code for machines, a message naming the
// file/line/flag at fault, a hint on how to fix it, and the exit code it maps to.
struct Error {
  std::string code;     // e.g. "CONFIG_INVALID"
  std::string message;  // e.g. "config/qe-fleet.json:3:5: unknown key 'executee'"
  std::string hint;     // e.g. "did you mean 'execute'?"
  ExitCode exit_code = ExitCode::kUsage;
};

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }
  Error& error() { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// For operations with no value.
struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() { return Unit{}; }

inline Error make_error(std::string code, std::string message, std::string hint = {},
                        ExitCode exit_code = ExitCode::kUsage) {
  return Error{std::move(code), std::move(message), std::move(hint), exit_code};
}

}  // namespace aqe
