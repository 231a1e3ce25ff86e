// What optional modules contribute to the request path. The core consults these objects
// without knowing which module made them; an absent module leaves its slot empty.
#pragma once

#include <memory>

#include "modules/content_encoder.hpp"

namespace ferry {

struct pipeline_extensions {
  // On-the-fly compression (FERRY_WITH_COMPRESSION). Null: responses are never compressed on
  // the fly (precompressed sidecars are core and still served).
  std::shared_ptr<const content_encoder_factory> encoders;
};

}  // namespace ferry
