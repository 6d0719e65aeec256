// Reading ITCH 5.0 files as NASDAQ distributes them: every message preceded
// by its length, a 2-byte big-endian integer.
//
//    +---------+-------------------+---------+-------------------+----
//    | len u16 | message (len B)   | len u16 | message (len B)   | ...
//    +---------+-------------------+---------+-------------------+----
//
// The reader is incremental: feed it bytes as they arrive (a buffer, a file
// read in chunks, a socket) and take messages out. A bad message (unknown
// type, length not the type's) or a file ending inside a message is reported
// with its byte offset and the message's index, and stops the reader.
//
// Thread safety: none; one thread owns a reader.
// Invariants: buffered bytes are always the unconsumed suffix of the input;
// offset() is the input position of the first of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "rialto/itch/itch.h"

namespace rialto::itch {

/// Where and why reading stopped.
struct ReadError {
  std::uint64_t offset = 0;  ///< byte offset of the length prefix of the bad message
  std::uint64_t index = 0;   ///< 0-based index of the bad message
  std::string what;          ///< e.g. "message 3 at offset 120: message 'A': length 35, expected 36"
};

class LengthPrefixedReader {
 public:
  enum class Next : std::uint8_t { message, need_more, error };

  /// Appends input bytes (copied).
  void append(const char* p, std::size_t n);

  /// The next message, if the buffered bytes hold a whole one. On `message`,
  /// *raw (when given) views its wire bytes without the prefix, valid until
  /// the next append()/next(). On `error`, error() says what; every later call
  /// returns `error` again.
  Next next(Message* out, std::string_view* raw = nullptr);

  /// Call at the end of the input: `error` (truncation) if bytes of an
  /// unfinished message remain, else `need_more` (a clean end).
  Next finish();

  const ReadError& error() const noexcept { return error_; }
  /// Messages returned so far.
  std::uint64_t messages() const noexcept { return index_; }
  /// Input bytes consumed so far.
  std::uint64_t offset() const noexcept { return offset_; }

 private:
  Next fail(std::string what);

  std::string buffer_;
  std::size_t start_ = 0;  // first unconsumed byte of buffer_
  std::uint64_t offset_ = 0;
  std::uint64_t index_ = 0;
  bool failed_ = false;
  ReadError error_;
};

struct [[nodiscard]] FileReadStatus {
  bool ok = true;
  std::uint64_t messages = 0;
  std::string error;  ///< "FILE: message 3 at offset 120: ...", or an open/read error
};

/// Reads the whole file at `path`, calling on_message for each message in
/// order; stops early (ok) if on_message returns false.
FileReadStatus read_file(const std::string& path,
                         const std::function<bool(const Message&, std::uint64_t index)>& on_message);

}  // namespace rialto::itch
