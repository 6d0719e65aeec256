#include "rialto/itch/file_reader.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace rialto::itch {

void LengthPrefixedReader::append(const char* p, std::size_t n) {
  if (failed_ || n == 0) return;
  // Drop what was consumed before growing, so the buffer holds at most one
  // unfinished message (< 65537 bytes) plus the bytes of this call.
  if (start_ > 0) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(p, n);
}

LengthPrefixedReader::Next LengthPrefixedReader::fail(std::string what) {
  failed_ = true;
  error_.offset = offset_;
  error_.index = index_;
  error_.what = "message " + std::to_string(index_) + " at offset " + std::to_string(offset_) + ": " + what;
  return Next::error;
}

LengthPrefixedReader::Next LengthPrefixedReader::next(Message* out, std::string_view* raw) {
  if (failed_) return Next::error;
  const std::size_t avail = buffer_.size() - start_;
  if (avail < 2) return Next::need_more;
  const auto* b = reinterpret_cast<const unsigned char*>(buffer_.data() + start_);
  const std::size_t len = (std::size_t{b[0]} << 8) | b[1];
  if (len == 0) return fail("length 0");
  // Check the type as soon as it is here: a bad prefix is reported at once,
  // not after waiting for bytes that may never come.
  if (avail >= 3) {
    DecodeStatus st;
    st.type = static_cast<char>(b[2]);
    st.length = len;
    st.expected = message_size(st.type);
    if (st.expected == 0)
      st.error = DecodeError::unknown_type;
    else if (st.expected != len)
      st.error = DecodeError::bad_length;
    if (!st.ok()) return fail(st.message());
  }
  if (avail < 2 + len) return Next::need_more;
  const char* msg = buffer_.data() + start_ + 2;
  const DecodeStatus st = decode(msg, len, out);
  if (!st.ok()) return fail(st.message());
  if (raw != nullptr) *raw = std::string_view(msg, len);
  start_ += 2 + len;
  offset_ += 2 + len;
  ++index_;
  return Next::message;
}

LengthPrefixedReader::Next LengthPrefixedReader::finish() {
  if (failed_) return Next::error;
  const std::size_t avail = buffer_.size() - start_;
  if (avail == 0) return Next::need_more;
  if (avail < 2) return fail("truncated: 1 byte of a 2-byte length prefix at the end of the input");
  const auto* b = reinterpret_cast<const unsigned char*>(buffer_.data() + start_);
  const std::size_t len = (std::size_t{b[0]} << 8) | b[1];
  return fail("truncated: length " + std::to_string(len) + " but only " + std::to_string(avail - 2) + " bytes follow");
}

FileReadStatus read_file(const std::string& path,
                         const std::function<bool(const Message&, std::uint64_t index)>& on_message) {
  FileReadStatus st;
  errno = 0;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    st.ok = false;
    st.error = path + ": cannot open: " + std::strerror(errno);
    return st;
  }
  LengthPrefixedReader reader;
  Message m;
  std::uint64_t bytes_read = 0;
  char chunk[64 * 1024];
  for (;;) {
    const std::size_t got = std::fread(chunk, 1, sizeof chunk, f.get());
    if (got == 0) {
      if (std::ferror(f.get()) != 0) {
        st.ok = false;
        st.messages = reader.messages();
        st.error = path + ": read error after " + std::to_string(bytes_read) + " bytes: " + std::strerror(errno);
        return st;
      }
      break;
    }
    bytes_read += got;
    reader.append(chunk, got);
    for (;;) {
      const auto next = reader.next(&m);
      if (next == LengthPrefixedReader::Next::need_more) break;
      if (next == LengthPrefixedReader::Next::error) {
        st.ok = false;
        st.messages = reader.messages();
        st.error = path + ": " + reader.error().what;
        return st;
      }
      if (!on_message(m, reader.messages() - 1)) {
        st.messages = reader.messages();
        return st;
      }
    }
  }
  st.messages = reader.messages();
  if (reader.finish() == LengthPrefixedReader::Next::error) {
    st.ok = false;
    st.error = path + ": " + reader.error().what;
  }
  return st;
}

}  // namespace rialto::itch
