# report/ HTML page: the embedded sources are gzip-compressed (zlib), which the browser's
# DecompressionStream reads back; it keeps a 2,000-file report well under 10 MB.
find_package(ZLIB REQUIRED)
target_link_libraries(aqe_core PUBLIC ZLIB::ZLIB)
