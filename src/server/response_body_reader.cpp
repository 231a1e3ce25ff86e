#include "server/response_body_reader.hpp"

#include <algorithm>
#include <cstring>

namespace ferry {

namespace {

constexpr std::size_t encode_chunk = 64 * 1024;

}  // namespace

void response_body_reader::reset(response& r, std::string& file_chunk) {
  r_ = &r;
  file_chunk_ = &file_chunk;
  segment_ = 0;
  segment_done_ = 0;
  pending_.clear();
  pending_sent_ = 0;
  encoder_finished_ = false;
  file_bytes_ = 0;
}

std::size_t response_body_reader::copy_pending(std::span<char> into) {
  const std::size_t n = std::min(into.size(), pending_.size() - pending_sent_);
  std::memcpy(into.data(), pending_.data() + pending_sent_, n);
  pending_sent_ += n;
  return n;
}

// Reads the next input piece of the (file) segments and runs it through the encoder; after the
// last one, finishes the encoder.
bool response_body_reader::encode_next() {
  pending_.clear();
  pending_sent_ = 0;
  if (segment_ >= r_->segments.size()) {
    encoder_finished_ = true;
    return !r_->encoder->encode({}, true, pending_);
  }
  const auto& seg = r_->segments[segment_];
  const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(seg.length - segment_done_, encode_chunk));
  file_chunk_->resize(want);
  const auto n = platform::read_at(r_->file->fd(), file_chunk_->data(), want, seg.offset + segment_done_);
  if (n <= 0) return false;  // the file shrank under us
  file_chunk_->resize(static_cast<std::size_t>(n));
  segment_done_ += static_cast<std::uint64_t>(n);
  file_bytes_ += static_cast<std::uint64_t>(n);
  if (segment_done_ == seg.length) {
    ++segment_;
    segment_done_ = 0;
  }
  return !r_->encoder->encode(*file_chunk_, false, pending_);
}

std::ptrdiff_t response_body_reader::read(std::span<char> into, bool& eof) {
  std::size_t n = 0;
  eof = false;
  if (r_->encoder) {
    while (n < into.size()) {
      if (pending_sent_ < pending_.size()) {
        n += copy_pending(into.subspan(n));
        continue;
      }
      if (encoder_finished_) break;
      if (!encode_next()) return -1;
    }
    eof = encoder_finished_ && pending_sent_ == pending_.size();
    return static_cast<std::ptrdiff_t>(n);
  }
  while (n < into.size() && segment_ < r_->segments.size()) {
    const auto& seg = r_->segments[segment_];
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(seg.length - segment_done_, into.size() - n));
    const auto at = static_cast<std::size_t>(seg.offset + segment_done_);
    if (!seg.from_file) {
      std::memcpy(into.data() + n, r_->text.data() + at, want);
    } else if (r_->file->in_memory()) {
      std::memcpy(into.data() + n, r_->file->content.data() + at, want);
    } else {
      const auto got = platform::read_at(r_->file->fd(), into.data() + n, want, at);
      if (got <= 0) {
        // The file shrank under us: the promised length cannot be kept. Hand out what was
        // read; the next call reports the error.
        return n > 0 ? static_cast<std::ptrdiff_t>(n) : -1;
      }
      if (static_cast<std::size_t>(got) < want) {
        n += static_cast<std::size_t>(got);
        segment_done_ += static_cast<std::uint64_t>(got);
        file_bytes_ += static_cast<std::uint64_t>(got);
        continue;
      }
    }
    if (seg.from_file) file_bytes_ += want;
    n += want;
    segment_done_ += want;
    if (segment_done_ == seg.length) {
      ++segment_;
      segment_done_ = 0;
    }
  }
  eof = segment_ >= r_->segments.size();
  return static_cast<std::ptrdiff_t>(n);
}

}  // namespace ferry
