#include "modules/compression/compression_error.hpp"

#include <string>

namespace ferry {
namespace {

class compression_error_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ferry.compression"; }

  std::string message(int value) const override {
    switch (static_cast<compression_errc>(value)) {
      case compression_errc::finished:
        return "compression stream already finished";
      case compression_errc::out_of_memory:
        return "out of memory while compressing";
      case compression_errc::codec_failure:
        return "compression codec failed";
    }
    return "unknown compression error";
  }
};

}  // namespace

const std::error_category& compression_category() noexcept {
  static const compression_error_category category;
  return category;
}

}  // namespace ferry
