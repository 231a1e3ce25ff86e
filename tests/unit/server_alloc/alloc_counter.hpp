// Counts heap allocations made by threads that opt in, so a test can show that a code path
// allocates nothing. alloc_counter.cpp replaces the global operator new/delete of the whole
// binary, which is why these tests are an executable of their own.
//
// With FERRY_ALLOC_TRACE set in the environment, every counted allocation also records its
// call stack, and print_traces() shows where they came from (symbolised with addr2line).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ferry::alloc_count {

// Turns counting on or off for the calling thread (off by default).
void set_counting(bool on);
bool counting();

// Allocations counted so far, by every counting thread together.
std::uint64_t allocations();

// Whether call stacks are being recorded (FERRY_ALLOC_TRACE).
bool tracing();
// Forgets the recorded stacks. Only while no thread is counting, or on the counting thread.
void reset_traces();
// Prints the recorded stacks, most frequent first, to stderr. Same rule as reset_traces().
void print_traces(std::size_t max_stacks);

}  // namespace ferry::alloc_count
