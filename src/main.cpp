#include <cstdio>
#include "ferry/build_info.hpp"
int main() { std::printf("ferry %s (%s)\n", ferry::build_info::version, ferry::build_info::modules); }
