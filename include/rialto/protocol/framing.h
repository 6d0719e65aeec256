// Frames on a byte stream: encoding one message, and finding and checking the
// next complete frame in received bytes (docs/PROTOCOL.md#framing). No I/O, no
// allocation; the decoder never reads outside the bytes it is given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "rialto/protocol/messages.h"

namespace rialto::protocol {

/// Bytes a frame of message type M occupies on the wire.
template <class M>
inline constexpr size_t kFrameSize = kSofhSize + kHeaderSize + sizeof(M);

/// Writes the frame of `m` (SOFH, SBE header, block) at `out`, which has room
/// for kFrameSize<M> bytes; returns kFrameSize<M>.
template <class M>
size_t encode(const M& m, char* out) {
  constexpr size_t n = kFrameSize<M>;
  static_assert(n <= kMaxFrameSize);
  out[0] = static_cast<char>((n >> 24) & 0xFF);
  out[1] = static_cast<char>((n >> 16) & 0xFF);
  out[2] = static_cast<char>((n >> 8) & 0xFF);
  out[3] = static_cast<char>(n & 0xFF);
  out[4] = static_cast<char>(kEncodingType >> 8);
  out[5] = static_cast<char>(kEncodingType & 0xFF);
  const MessageHeader h{static_cast<uint16_t>(sizeof(M)), static_cast<uint16_t>(M::kTemplate), kSchemaId,
                        kSchemaVersion};
  std::memcpy(out + kSofhSize, &h, sizeof h);
  std::memcpy(out + kSofhSize + kHeaderSize, &m, sizeof m);
  return n;
}

/// The block size of a known template id; 0 for an unknown one.
[[nodiscard]] size_t block_length_of(uint16_t template_id);

/// Name of a template id ("NewOrder"), or "unknown".
[[nodiscard]] std::string_view template_name(uint16_t template_id);

enum class DecodeStatus : uint8_t {
  frame,      // a complete, well-formed frame: see Decoded::template_id / block
  need_more,  // the bytes end inside a frame (or before a whole SOFH)
  error,      // a protocol error; Decoded::reason and ::what say which
};

struct Decoded {
  DecodeStatus status = DecodeStatus::need_more;
  uint16_t template_id = 0;
  const char* block = nullptr;  // the message block (sizeof the template's struct)
  size_t frame_size = 0;        // bytes consumed by this frame
  LogoutReason reason = LogoutReason::malformed_frame;  // when status == error
  const char* what = "";        // static text naming the error, e.g. "frame length is above 512"
                                // (the offending number is `value`, not in the text)
  uint64_t value = 0;           // the offending value (length, template id, ...)
};

/// Finds the frame at the start of `data[0, size)`. Checks, in order: the
/// SOFH length (>= 14 and <= kMaxFrameSize), the encoding type, then — once
/// the whole frame is there — the schema id and version, the template id and
/// the block length, which must equal the template's exactly.
[[nodiscard]] Decoded decode(const char* data, size_t size);

/// Copies a decoded block into its struct. Precondition: d.status == frame
/// and d.template_id == M::kTemplate.
template <class M>
[[nodiscard]] M read(const Decoded& d) {
  M m;
  std::memcpy(&m, d.block, sizeof m);
  return m;
}

}  // namespace rialto::protocol
