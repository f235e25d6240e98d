# Turns each resource file into a C++ string constant so the binary carries it.
# Resource name = file name (e.g. "aqe_pytest_plugin.py").
function(aqe_embed_resources target)
  set(out_dir ${CMAKE_BINARY_DIR}/generated/aqe)
  set(gen_cc ${out_dir}/resources_data.cc)
  add_custom_command(
    OUTPUT ${gen_cc}
    COMMAND ${CMAKE_COMMAND} -DOUT=${gen_cc} "-DFILES=${ARGN}" -P ${CMAKE_SOURCE_DIR}/cmake/embed_gen.cmake
    DEPENDS ${ARGN} ${CMAKE_SOURCE_DIR}/cmake/embed_gen.cmake
    COMMENT "Embedding resources"
    VERBATIM)
  add_library(${target} STATIC ${gen_cc})
  target_include_directories(${target} PUBLIC ${CMAKE_SOURCE_DIR}/src)
endfunction()
