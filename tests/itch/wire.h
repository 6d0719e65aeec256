// Test helper: builds a message's bytes field by field at the offsets and
// lengths the spec's tables give, independently of the codec, and checks that
// the fields cover every byte exactly once.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rialto::itch::testing {

class Wire {
 public:
  explicit Wire(std::size_t size) : bytes_(size, '\0'), covered_(size, 0) {}

  /// An unsigned big-endian integer of `length` bytes at `offset`.
  Wire& num(std::size_t offset, std::size_t length, std::uint64_t value) {
    for (std::size_t i = 0; i < length; ++i) {
      mark(offset + i);
      bytes_[offset + i] = static_cast<char>((value >> (8 * (length - 1 - i))) & 0xff);
    }
    return *this;
  }
  /// An Alpha field: left-justified, space-padded.
  Wire& alpha(std::size_t offset, std::size_t length, std::string_view text) {
    for (std::size_t i = 0; i < length; ++i) {
      mark(offset + i);
      bytes_[offset + i] = i < text.size() ? text[i] : ' ';
    }
    return *this;
  }
  Wire& chr(std::size_t offset, char c) { return alpha(offset, 1, std::string_view(&c, 1)); }
  /// The common header: type, stock locate, tracking number, timestamp.
  Wire& header(char type, std::uint16_t locate, std::uint16_t track, std::uint64_t ts) {
    chr(0, type);
    num(1, 2, locate);
    num(3, 2, track);
    return num(5, 6, ts);
  }

  /// The bytes, after checking every one was written exactly once.
  std::string done() const {
    for (std::size_t i = 0; i < covered_.size(); ++i) {
      EXPECT_EQ(covered_[i], 1) << "byte " << i << " written " << int(covered_[i]) << " times";
    }
    return bytes_;
  }

 private:
  void mark(std::size_t i) {
    if (i >= covered_.size()) {
      ADD_FAILURE() << "field beyond the message: byte " << i << " of " << covered_.size();
      covered_.resize(i + 1);
      bytes_.resize(i + 1);
    }
    ++covered_[i];
  }

  std::string bytes_;
  std::vector<int> covered_;
};

inline std::string hex(std::string_view s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    out += digits[u >> 4];
    out += digits[u & 15];
    out += ' ';
  }
  return out;
}

}  // namespace rialto::itch::testing
