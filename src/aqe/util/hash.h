// Content digests (OpenSSL's libcrypto).
#pragma once

#include <string>
#include <string_view>

namespace aqe {

// The SHA-256 of `data` as 64 lower-case hex digits; "" only when libcrypto cannot allocate.
std::string sha256_hex(std::string_view data);

}  // namespace aqe
