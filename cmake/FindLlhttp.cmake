# Finds llhttp as shipped by Debian's node-llhttp: C sources, not a library.
# Builds them into the static library llhttp::llhttp.
find_path(LLHTTP_INCLUDE_DIR llhttp.h PATHS /usr/share/include/llhttp /usr/include/llhttp /usr/local/include)
find_path(LLHTTP_SOURCE_DIR llhttp.c PATHS /usr/share/llhttp /usr/local/share/llhttp)
if(LLHTTP_INCLUDE_DIR)
  file(STRINGS "${LLHTTP_INCLUDE_DIR}/llhttp.h" _major REGEX "#define LLHTTP_VERSION_MAJOR")
  file(STRINGS "${LLHTTP_INCLUDE_DIR}/llhttp.h" _minor REGEX "#define LLHTTP_VERSION_MINOR")
  string(REGEX MATCH "[0-9]+" _major "${_major}")
  string(REGEX MATCH "[0-9]+" _minor "${_minor}")
  set(Llhttp_VERSION "${_major}.${_minor}")
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Llhttp REQUIRED_VARS LLHTTP_INCLUDE_DIR LLHTTP_SOURCE_DIR VERSION_VAR Llhttp_VERSION)
if(Llhttp_FOUND AND NOT TARGET llhttp::llhttp)
  add_library(ferry_llhttp STATIC
    ${LLHTTP_SOURCE_DIR}/llhttp.c ${LLHTTP_SOURCE_DIR}/api.c ${LLHTTP_SOURCE_DIR}/http.c)
  target_include_directories(ferry_llhttp SYSTEM PUBLIC ${LLHTTP_INCLUDE_DIR})
  set_target_properties(ferry_llhttp PROPERTIES POSITION_INDEPENDENT_CODE ON C_STANDARD 99)
  # Generated code: its warnings are not ours to fix.
  target_compile_options(ferry_llhttp PRIVATE -w -O2)
  add_library(llhttp::llhttp ALIAS ferry_llhttp)
endif()
