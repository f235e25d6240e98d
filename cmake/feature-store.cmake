# store/: artifact compression with libzstd (streaming) and zlib (gzip); SHA-256 from libcrypto.
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
find_package(ZLIB REQUIRED)
target_link_libraries(aqe_core PRIVATE PkgConfig::ZSTD ZLIB::ZLIB)
