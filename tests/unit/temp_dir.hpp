// A temporary directory for a test, removed with everything in it when the test ends.
#pragma once

#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace ferry::test {

class temp_dir {
 public:
  temp_dir() {
    // As mkdtemp, on every platform: a new directory under a random name.
    std::random_device random;
    for (int attempt = 0; attempt < 100; ++attempt) {
      path_ = std::filesystem::temp_directory_path() / ("ferry-test-" + std::to_string(random()));
      if (std::filesystem::create_directory(path_)) return;
    }
    throw std::runtime_error("cannot create a temporary directory");
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(std::string_view name) const { return (path_ / name).string(); }
  // Writes `content` to a new file that replaces any old one (a new inode, as editors do);
  // parent directories are created. Returns the file's path.
  std::string write(std::string_view name, std::string_view content) const {
    const std::filesystem::path target = path_ / name;
    std::filesystem::create_directories(target.parent_path());
    const std::filesystem::path staging = target.string() + ".tmp";
    {
      std::ofstream out(staging, std::ios::binary | std::ios::trunc);
      out.write(content.data(), static_cast<std::streamsize>(content.size()));
    }
    std::filesystem::rename(staging, target);
    return target.string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace ferry::test
