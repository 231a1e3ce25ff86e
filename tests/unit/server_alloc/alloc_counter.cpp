#include "server_alloc/alloc_counter.hpp"

#include <dlfcn.h>
#include <execinfo.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <new>
#include <string>
#include <vector>

namespace ferry::alloc_count {

namespace {

std::atomic<std::uint64_t> counted{0};
// Constant-initialised and trivially destructible, so reading them inside operator new never
// runs a TLS initialiser (which could itself allocate).
thread_local bool counting_on = false;
thread_local bool in_trace = false;

// Read at start-up; an operator new that runs earlier sees false, and nothing counts then.
const bool trace_enabled = std::getenv("FERRY_ALLOC_TRACE") != nullptr;

// Recorded stacks live in a fixed table: operator new must not allocate to remember itself.
constexpr int max_frames = 40;
constexpr std::size_t max_stacks = 1024;
// The recording function and operator new itself; not interesting.
constexpr int skipped_frames = 2;

struct stack_record {
  void* frames[max_frames];
  int depth;
  std::uint64_t count;
  std::uint64_t bytes;
};

stack_record stacks[max_stacks];
std::size_t stack_count = 0;
std::uint64_t stacks_dropped = 0;

[[gnu::noinline]] void record_stack(std::size_t size) {
  in_trace = true;  // backtrace() may allocate the first time (it loads the unwinder)
  void* frames[max_frames];
  const int depth = ::backtrace(frames, max_frames);
  const auto bytes = static_cast<std::size_t>(depth) * sizeof(void*);
  stack_record* slot = nullptr;
  for (std::size_t i = 0; i < stack_count; ++i) {
    if (stacks[i].depth == depth && std::memcmp(stacks[i].frames, frames, bytes) == 0) {
      slot = &stacks[i];
      break;
    }
  }
  if (slot == nullptr && stack_count < max_stacks) {
    slot = &stacks[stack_count++];
    std::memcpy(slot->frames, frames, bytes);
    slot->depth = depth;
    slot->count = 0;
    slot->bytes = 0;
  }
  if (slot != nullptr) {
    ++slot->count;
    slot->bytes += size;
  } else {
    ++stacks_dropped;
  }
  in_trace = false;
}

void note_allocation(std::size_t size) {
  if (!counting_on || in_trace) return;
  counted.fetch_add(1, std::memory_order_relaxed);
  if (trace_enabled) record_stack(size);
}

void* allocate(std::size_t size) {
  note_allocation(size);
  return std::malloc(size == 0 ? 1 : size);
}

void* allocate_aligned(std::size_t size, std::align_val_t alignment) {
  note_allocation(size);
  const auto align = std::max(static_cast<std::size_t>(alignment), sizeof(void*));
  void* p = nullptr;
  if (::posix_memalign(&p, align, size == 0 ? 1 : size) != 0) return nullptr;
  return p;
}

void* allocate_or_throw(std::size_t size) {
  if (void* p = allocate(size)) return p;
  throw std::bad_alloc();
}

void* allocate_aligned_or_throw(std::size_t size, std::align_val_t alignment) {
  if (void* p = allocate_aligned(size, alignment)) return p;
  throw std::bad_alloc();
}

// One symbolised line per frame (with the frames inlined into it), by running addr2line once
// per module over every address the stacks hold from it.
std::map<void*, std::string> symbolise(const std::vector<void*>& addresses) {
  struct module_addresses {
    std::string path;
    std::vector<std::pair<void*, std::uintptr_t>> entries;  // frame, offset in the module
  };
  std::map<const void*, module_addresses> modules;
  Dl_info self{};
  ::dladdr(reinterpret_cast<void*>(&print_traces), &self);
  // dladdr names the main program as it was started, which need not open from here.
  std::error_code ec;
  const auto self_path = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  for (void* address : addresses) {
    Dl_info info{};
    if (::dladdr(address, &info) == 0 || info.dli_fbase == nullptr) continue;
    auto& m = modules[info.dli_fbase];
    m.path = info.dli_fbase == self.dli_fbase && !ec ? self_path : info.dli_fname;
    // A return address points after the call; one byte back is the call's line.
    const auto offset = reinterpret_cast<std::uintptr_t>(address) - reinterpret_cast<std::uintptr_t>(info.dli_fbase);
    m.entries.emplace_back(address, offset - 1);
  }
  std::map<void*, std::string> names;
  for (auto& [base, m] : modules) {
    std::string command = "addr2line -a -C -f -i -p -e '" + m.path + "'";
    for (const auto& [address, offset] : m.entries) {
      char hex[32];
      std::snprintf(hex, sizeof hex, " 0x%jx", static_cast<std::uintmax_t>(offset));
      command += hex;
    }
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) continue;
    std::size_t index = 0;
    std::string* current = nullptr;
    char line[4096];
    while (std::fgets(line, sizeof line, pipe) != nullptr) {
      std::string text(line);
      while (!text.empty() && text.back() == '\n') text.pop_back();
      if (text.rfind("0x", 0) == 0) {
        // "0xOFFSET: function at file:line" starts the next address.
        if (index >= m.entries.size()) break;
        current = &names[m.entries[index++].first];
        const auto colon = text.find(": ");
        *current = colon == std::string::npos ? text : text.substr(colon + 2);
      } else if (current != nullptr) {
        *current += "\n        " + text;  // " (inlined by) caller at file:line"
      }
    }
    ::pclose(pipe);
  }
  return names;
}

}  // namespace

void set_counting(bool on) { counting_on = on; }
bool counting() { return counting_on; }
std::uint64_t allocations() { return counted.load(std::memory_order_relaxed); }
bool tracing() { return trace_enabled; }

void reset_traces() {
  stack_count = 0;
  stacks_dropped = 0;
}

void print_traces(std::size_t max_printed) {
  const bool was_counting = counting_on;
  counting_on = false;
  std::vector<const stack_record*> order;
  std::vector<void*> addresses;
  for (std::size_t i = 0; i < stack_count; ++i) {
    order.push_back(&stacks[i]);
    for (int f = skipped_frames; f < stacks[i].depth; ++f) addresses.push_back(stacks[i].frames[f]);
  }
  std::sort(order.begin(), order.end(),
            [](const stack_record* a, const stack_record* b) { return a->count > b->count; });
  std::sort(addresses.begin(), addresses.end());
  addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
  const auto names = symbolise(addresses);
  std::fprintf(stderr, "allocation call stacks: %zu distinct, %ju not recorded (table full)\n", stack_count,
               static_cast<std::uintmax_t>(stacks_dropped));
  for (std::size_t i = 0; i < order.size() && i < max_printed; ++i) {
    const auto& s = *order[i];
    std::fprintf(stderr, "--- %ju allocations, %ju bytes\n", static_cast<std::uintmax_t>(s.count),
                 static_cast<std::uintmax_t>(s.bytes));
    for (int f = skipped_frames; f < s.depth; ++f) {
      const auto found = names.find(s.frames[f]);
      std::fprintf(stderr, "  #%-2d %s\n", f - skipped_frames,
                   found != names.end() ? found->second.c_str() : "??");
    }
  }
  counting_on = was_counting;
}

}  // namespace ferry::alloc_count

// The replaced global allocation functions: every form a C++20 program can call.
void* operator new(std::size_t size) { return ferry::alloc_count::allocate_or_throw(size); }
void* operator new[](std::size_t size) { return ferry::alloc_count::allocate_or_throw(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return ferry::alloc_count::allocate(size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return ferry::alloc_count::allocate(size);
}
void* operator new(std::size_t size, std::align_val_t alignment) {
  return ferry::alloc_count::allocate_aligned_or_throw(size, alignment);
}
void* operator new[](std::size_t size, std::align_val_t alignment) {
  return ferry::alloc_count::allocate_aligned_or_throw(size, alignment);
}
void* operator new(std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return ferry::alloc_count::allocate_aligned(size, alignment);
}
void* operator new[](std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return ferry::alloc_count::allocate_aligned(size, alignment);
}

void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
