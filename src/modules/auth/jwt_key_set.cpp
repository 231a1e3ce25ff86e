#include "modules/auth/jwt_key_set.hpp"

#include <sys/stat.h>

#include <array>
#include <atomic>
#include <fstream>
#include <sstream>

#include "modules/auth/jwt_jwks.hpp"

namespace ferry {
namespace {

std::atomic<std::uint64_t> next_generation{1};

// Largest key file read (PEM, secret); JWKS files have their own, larger bound.
constexpr std::size_t max_key_file_bytes = 64 * 1024;

bool read_file(const std::string& path, std::size_t limit, std::string& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open";
    return false;
  }
  out.clear();
  std::array<char, 4096> buffer{};
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    out.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
    if (out.size() > limit) {
      error = path + ": larger than " + std::to_string(limit) + " bytes";
      return false;
    }
  }
  if (in.bad()) {
    error = path + ": read error";
    return false;
  }
  return true;
}

bool load_source(const jwt_key_source& source, std::vector<jwt_key>& keys,
                 std::vector<std::string>& warnings, std::string& error) {
  using kind = jwt_key_source::kind;
  std::string text;
  if (source.type != kind::secret &&
      !read_file(source.path, source.type == kind::jwks_file ? jwt_max_jwks_bytes
                                                             : max_key_file_bytes,
                 text, error)) {
    return false;
  }
  if (source.type == kind::jwks_file) {
    return parse_jwks(text, source.algorithm, source.path, keys, warnings, error);
  }
  const std::string origin = source.type == kind::secret ? "secret" : source.path;
  if (!source.algorithm) {
    error = origin + ": no algorithm configured for this key";
    return false;
  }
  jwt_key key;
  bool ok = false;
  switch (source.type) {
    case kind::public_key_pem:
      ok = make_jwt_key_from_pem(text, *source.algorithm, source.kid, origin, key, error);
      break;
    case kind::secret_file:
      // Editors end files with a newline; it is not part of the secret.
      if (text.ends_with("\r\n")) {
        text.resize(text.size() - 2);
      } else if (text.ends_with('\n')) {
        text.pop_back();
      }
      ok = make_jwt_key_from_secret(text, *source.algorithm, source.kid, origin, key, error);
      break;
    case kind::secret:
      ok = make_jwt_key_from_secret(source.secret, *source.algorithm, source.kid, origin, key,
                                    error);
      break;
    case kind::jwks_file:
      break;
  }
  if (ok) keys.push_back(std::move(key));
  return ok;
}

bool has_path(const jwt_key_source& source) {
  return source.type != jwt_key_source::kind::secret;
}

}  // namespace

jwt_key_set::jwt_key_set(std::vector<jwt_key> keys, std::vector<jwt_key_source> sources,
                         std::vector<jwt_file_stamp> stamps)
    : keys_(std::move(keys)),
      sources_(std::move(sources)),
      stamps_(std::move(stamps)),
      generation_(next_generation.fetch_add(1, std::memory_order_relaxed)) {}

void jwt_key_set::candidates(jwt_algorithm alg, const std::string* kid, std::size_t limit,
                             std::vector<const jwt_key*>& out, bool& alg_mismatch) const {
  out.clear();
  alg_mismatch = false;
  bool kid_known = false;
  if (kid != nullptr) {
    for (const auto& key : keys_) {
      if (key.kid != *kid) continue;
      kid_known = true;
      if (key.algorithm == alg && out.size() < limit) out.push_back(&key);
    }
    if (kid_known) {
      alg_mismatch = out.empty();
      return;
    }
  }
  for (const auto& key : keys_) {
    if (out.size() >= limit) break;
    if (key.algorithm != alg) continue;
    if (kid != nullptr && !key.kid.empty()) continue;  // an unknown kid reaches kid-less keys only
    out.push_back(&key);
  }
}

jwt_file_stamp stamp_jwt_file(const std::string& path) {
  jwt_file_stamp stamp;
  struct stat info {};
  if (path.empty() || ::stat(path.c_str(), &info) != 0) return stamp;
  stamp.exists = true;
  stamp.device = static_cast<std::uint64_t>(info.st_dev);
  stamp.inode = static_cast<std::uint64_t>(info.st_ino);
  stamp.size = static_cast<std::int64_t>(info.st_size);
  stamp.mtime_ns = static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 +
                   static_cast<std::int64_t>(info.st_mtim.tv_nsec);
  return stamp;
}

jwt_key_set_load load_jwt_key_set(const std::vector<jwt_key_source>& sources) {
  jwt_key_set_load result;
  if (sources.empty()) {
    result.error = "no JWT keys configured";
    return result;
  }
  std::vector<jwt_key> keys;
  std::vector<jwt_file_stamp> stamps;
  for (const auto& source : sources) {
    // Stamp before reading: a change during the read then shows at the next reload.
    stamps.push_back(has_path(source) ? stamp_jwt_file(source.path) : jwt_file_stamp{});
    if (!load_source(source, keys, result.warnings, result.error)) return result;
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    for (std::size_t j = i + 1; j < keys.size(); ++j) {
      if (!keys[i].kid.empty() && keys[i].kid == keys[j].kid &&
          keys[i].algorithm == keys[j].algorithm) {
        result.error = "two " + std::string(to_string(keys[i].algorithm)) + " keys with kid \"" +
                       keys[i].kid + "\" (" + keys[i].origin + ", " + keys[j].origin + ")";
        return result;
      }
    }
  }
  result.keys = std::make_shared<const jwt_key_set>(std::move(keys), sources, std::move(stamps));
  result.changed = true;
  return result;
}

jwt_key_set_load reload_jwt_key_set(const std::shared_ptr<const jwt_key_set>& current) {
  jwt_key_set_load result;
  result.keys = current;
  if (!current) {
    result.error = "no key set to reload";
    return result;
  }
  const auto& sources = current->sources();
  const auto& stamps = current->stamps();
  bool changed = stamps.size() != sources.size();
  for (std::size_t i = 0; !changed && i < sources.size(); ++i) {
    if (has_path(sources[i])) changed = stamp_jwt_file(sources[i].path) != stamps[i];
  }
  if (!changed) return result;
  jwt_key_set_load fresh = load_jwt_key_set(sources);
  if (!fresh.error.empty()) {
    result.error = std::move(fresh.error);
    result.warnings = std::move(fresh.warnings);
    return result;
  }
  return fresh;
}

}  // namespace ferry
