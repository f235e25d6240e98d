# net/: the HTTP client, over libcurl (Debian 12: 7.88; CURLOPT_AWS_SIGV4 needs >= 7.75,
# CURLOPT_PROTOCOLS_STR >= 7.85).
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl>=7.85)
target_link_libraries(aqe_core PRIVATE PkgConfig::CURL)
