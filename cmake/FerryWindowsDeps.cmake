# Dependencies of a Windows cross-build (cmake/toolchains/mingw-w64-x86_64.cmake). mingw-w64
# has no packages of its own here, so the header-only libraries come from the host's Debian
# packages (only their own directories are put on the include path, never /usr/include
# itself, whose C headers are glibc's), spdlog and fmt are used header-only, llhttp is built
# from node-llhttp's C sources as on Linux, and googletest from libgtest-dev's sources.
set(_ferry_host_headers ${PROJECT_BINARY_DIR}/host-headers)
file(MAKE_DIRECTORY ${_ferry_host_headers})
foreach(_entry asio asio.hpp toml++ CLI spdlog fmt)
  if(NOT EXISTS /usr/include/${_entry})
    message(FATAL_ERROR "Windows build: /usr/include/${_entry} is missing (scripts/install-deps.sh installs it)")
  endif()
  file(CREATE_LINK /usr/include/${_entry} ${_ferry_host_headers}/${_entry} SYMBOLIC)
endforeach()

add_library(ferry_host_headers INTERFACE)
target_include_directories(ferry_host_headers SYSTEM INTERFACE ${_ferry_host_headers})
add_library(spdlog::spdlog ALIAS ferry_host_headers)
add_library(CLI11::CLI11 ALIAS ferry_host_headers)
add_library(tomlplusplus::tomlplusplus ALIAS ferry_host_headers)
target_compile_definitions(ferry_host_headers INTERFACE SPDLOG_HEADER_ONLY FMT_HEADER_ONLY)
set(ASIO_INCLUDE_DIR ${_ferry_host_headers})

set(LLHTTP_INCLUDE_DIR /usr/share/include/llhttp CACHE PATH "llhttp.h (node-llhttp)")
set(LLHTTP_SOURCE_DIR /usr/share/llhttp CACHE PATH "llhttp C sources (node-llhttp)")
find_package(Llhttp REQUIRED)

if(FERRY_BUILD_TESTS)
  set(gtest_force_shared_crt ON CACHE BOOL "" FORCE)
  set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
  set(BUILD_GMOCK OFF CACHE BOOL "" FORCE)
  add_subdirectory(/usr/src/googletest ${PROJECT_BINARY_DIR}/googletest EXCLUDE_FROM_ALL)  # defines GTest::gtest, GTest::gtest_main
endif()
