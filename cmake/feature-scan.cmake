# security-scan: Hyperscan for secrets and trigger tokens, tree-sitter + the Python grammar for
# code rules, and the rule data file compiled into the binary.
#
# Script mode (cmake -P this file -DIN=... -DOUT=...) writes the rules data as a C++ source; the
# shared aqe_embed_resources() writes one fixed generated file, so it cannot be called twice.
if(CMAKE_SCRIPT_MODE_FILE)
  file(READ ${IN} hex HEX)
  string(LENGTH "${hex}" hexlen)
  math(EXPR len "${hexlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
  file(WRITE ${OUT}.tmp "// Generated from src/aqe/scan/resources/rules.json. Do not edit.\n#include <string_view>\nnamespace aqe::scan {\nnamespace {\nconst char kData[] = {${bytes} 0};\n}\nextern const std::string_view kBuiltinRulesJson;\nconst std::string_view kBuiltinRulesJson(kData, ${len});\n}  // namespace aqe::scan\n")
  file(RENAME ${OUT}.tmp ${OUT})
  return()
endif()

pkg_check_modules(HYPERSCAN REQUIRED IMPORTED_TARGET libhs)
pkg_check_modules(TREE_SITTER REQUIRED IMPORTED_TARGET tree-sitter)

set(AQE_TREE_SITTER_PYTHON_DIR "${CMAKE_SOURCE_DIR}/build/deps/tree-sitter-python-0.23.6"
    CACHE PATH "Unpacked npm package tree-sitter-python 0.23.6")
if(NOT EXISTS "${AQE_TREE_SITTER_PYTHON_DIR}/src/parser.c"
   OR NOT EXISTS "${AQE_TREE_SITTER_PYTHON_DIR}/src/scanner.c")
  message(FATAL_ERROR
    "tree-sitter Python grammar not found in ${AQE_TREE_SITTER_PYTHON_DIR}.\n"
    "Run: bash scripts/fetch-tree-sitter-python.sh   (or make deps), then re-run cmake.\n"
    "Elsewhere: scripts/fetch-tree-sitter-python.sh DIR and -DAQE_TREE_SITTER_PYTHON_DIR=DIR/tree-sitter-python-0.23.6")
endif()

# Generated C from the grammar: not our code, so not our warning flags.
add_library(aqe_ts_python STATIC
  ${AQE_TREE_SITTER_PYTHON_DIR}/src/parser.c ${AQE_TREE_SITTER_PYTHON_DIR}/src/scanner.c)
target_include_directories(aqe_ts_python PRIVATE ${AQE_TREE_SITTER_PYTHON_DIR}/src)
target_compile_options(aqe_ts_python PRIVATE -w -O2)
set_target_properties(aqe_ts_python PROPERTIES C_STANDARD 11 POSITION_INDEPENDENT_CODE ON)

set(AQE_SCAN_RULES_JSON ${CMAKE_SOURCE_DIR}/src/aqe/scan/resources/rules.json)
set(AQE_SCAN_RULES_CC ${CMAKE_BINARY_DIR}/generated/aqe/scan_rules_data.cc)
add_custom_command(
  OUTPUT ${AQE_SCAN_RULES_CC}
  COMMAND ${CMAKE_COMMAND} -DIN=${AQE_SCAN_RULES_JSON} -DOUT=${AQE_SCAN_RULES_CC}
          -P ${CMAKE_SOURCE_DIR}/cmake/feature-scan.cmake
  DEPENDS ${AQE_SCAN_RULES_JSON} ${CMAKE_SOURCE_DIR}/cmake/feature-scan.cmake
  COMMENT "Embedding security-scan rules")
target_sources(aqe_core PRIVATE ${AQE_SCAN_RULES_CC})

target_link_libraries(aqe_core PUBLIC PkgConfig::HYPERSCAN PkgConfig::TREE_SITTER aqe_ts_python)
