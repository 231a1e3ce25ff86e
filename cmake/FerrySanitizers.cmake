# FERRY_SANITIZE=ON builds everything with ASan and UBSan.
if(FERRY_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# FERRY_FUZZ=ON (clang): instrument everything for coverage-guided fuzzing with ASan/UBSan.
if(FERRY_FUZZ AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
