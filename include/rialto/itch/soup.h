// SoupBinTCP 3.00: the session layer the ITCH feed travels in over TCP.
// Every logical packet:
//
//    0         2        3
//    +---------+--------+------------------------------+
//    | len u16 | type   | payload (len - 1 bytes)      |
//    | BE      | 1 char |                              |
//    +---------+--------+------------------------------+
//
// len counts the type byte and the payload, not itself.
//
//   from the server                        from the client
//   '+' Debug           text               '+' Debug              text
//   'A' Login Accepted  session 10 Alpha,  'L' Login Request      username 6 Alpha,
//                       sequence 20 Num.                          password 10 Alpha,
//   'J' Login Rejected  reason 1 ('A','S')                        requested session 10 Alpha,
//   'S' Sequenced Data  one ITCH message                          requested sequence 20 Num.
//   'H' Server Heartbeat  -                'U' Unsequenced Data   message
//   'Z' End of Session    -                'R' Client Heartbeat   -
//   'U' Unsequenced Data  message (*)      'O' Logout Request     -
//
// Alpha fields are left-justified and padded with spaces on the right;
// Numeric fields are ASCII digits, right-justified and padded with spaces on
// the left (the session, by the spec's Login Accepted and Login Request
// tables, is padded on the left too). Decoding accepts padding on either side.
//
// (*) An extension: rialto's publisher sends the late-join snapshot (the
// books as Add Order messages) as Unsequenced Data from the server, before the
// sequenced stream. docs/MARKET_DATA.md, "SoupBinTCP framing".
//
// Thread safety: encoders are free functions; one thread owns a SoupDecoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "rialto/itch/itch.h"

namespace rialto::itch::soup {

enum class PacketType : char {
  debug = '+',
  login_accepted = 'A',
  login_rejected = 'J',
  sequenced_data = 'S',
  server_heartbeat = 'H',
  end_of_session = 'Z',
  login_request = 'L',
  unsequenced_data = 'U',
  client_heartbeat = 'R',
  logout_request = 'O',
};

enum class RejectReason : char {
  not_authorized = 'A',         ///< bad username or password
  session_not_available = 'S',  ///< the requested session is not available
};
/// "not authorized", "session not available", or "reason 'x'".
std::string to_string(RejectReason r);

/// The length prefix and type: the bytes before the payload.
inline constexpr std::size_t kHeaderSize = 3;
/// The largest packet length the 2-byte field can carry (type + payload).
inline constexpr std::size_t kMaxPacketLength = 65535;

inline constexpr std::size_t kSessionSize = 10;
inline constexpr std::size_t kSequenceSize = 20;
inline constexpr std::size_t kUsernameSize = 6;
inline constexpr std::size_t kPasswordSize = 10;
inline constexpr std::size_t kLoginAcceptedPayload = kSessionSize + kSequenceSize;                                 // 30
inline constexpr std::size_t kLoginRequestPayload = kUsernameSize + kPasswordSize + kSessionSize + kSequenceSize;  // 46

// ---- Encoding: each appends one whole packet to `out`. ----------------------
// Text longer than its field is truncated; payloads longer than
// kMaxPacketLength - 1 are a precondition violation (asserted).

/// Writes the 3 header bytes for a payload of `payload_size` bytes to out[0, 3).
void put_header(char* out, PacketType type, std::size_t payload_size) noexcept;

void append_debug(std::string& out, std::string_view text);
void append_login_accepted(std::string& out, std::string_view session, std::uint64_t next_sequence);
void append_login_rejected(std::string& out, RejectReason reason);
/// Sequenced Data carrying the wire bytes of one message.
void append_sequenced(std::string& out, std::string_view message);
/// Sequenced Data carrying `m`, encoded.
void append_sequenced(std::string& out, const Message& m);
void append_unsequenced(std::string& out, std::string_view message);
void append_unsequenced(std::string& out, const Message& m);
void append_server_heartbeat(std::string& out);
void append_end_of_session(std::string& out);
void append_login_request(std::string& out, std::string_view username, std::string_view password,
                          std::string_view requested_session, std::uint64_t requested_sequence);
void append_client_heartbeat(std::string& out);
void append_logout_request(std::string& out);

// ---- Decoding ---------------------------------------------------------------

/// Which end sent the bytes: it decides which packet types are valid.
enum class Direction : std::uint8_t { from_server, from_client };

/// One decoded packet. Views point into the decoder's buffer and stay valid
/// until its next append() or next().
struct Packet {
  PacketType type = PacketType::debug;
  std::string_view payload;  ///< everything after the type byte

  // Login Accepted
  std::string_view session;  ///< without padding
  std::uint64_t sequence = 0;
  // Login Rejected
  RejectReason reject_reason = RejectReason::not_authorized;
  // Login Request (session and sequence above are the requested ones)
  std::string_view username;  ///< without padding
  std::string_view password;  ///< without padding
};

/// Frames a byte stream into packets: partial packets wait for more bytes,
/// many packets per append() come out one by one. Malformed input stops the
/// decoder with a reason: length 0, length above the maximum, a payload length
/// wrong for the type, a type not valid from that end, a non-numeric sequence
/// or a reject reason other than 'A'/'S'.
///
/// Invariants: the buffered bytes are the unconsumed suffix of the stream;
/// offset() is the stream position of the first of them. Memory is bounded by
/// one packet (max_packet_length + 2) plus one append().
class SoupDecoder {
 public:
  enum class Next : std::uint8_t { packet, need_more, error };

  explicit SoupDecoder(Direction from, std::size_t max_packet_length = kMaxPacketLength) noexcept;

  void append(const char* p, std::size_t n);
  /// The next whole packet. After `error`, error() says what and every later
  /// call returns `error`.
  Next next(Packet* out);

  const std::string& error() const noexcept { return error_; }
  std::uint64_t offset() const noexcept { return offset_; }
  std::uint64_t packets() const noexcept { return packets_; }
  /// Bytes received and not yet returned as packets.
  std::size_t buffered() const noexcept { return buffer_.size() - start_; }

 private:
  Next fail(std::string what);

  Direction from_;
  std::size_t max_packet_length_;
  std::string buffer_;
  std::size_t start_ = 0;
  std::uint64_t offset_ = 0;
  std::uint64_t packets_ = 0;
  bool failed_ = false;
  std::string error_;
};

/// Parses a Numeric field: optional spaces, at least one digit, optional
/// spaces; false if anything else or above 2^64-1.
bool parse_numeric(std::string_view field, std::uint64_t* out) noexcept;

}  // namespace rialto::itch::soup
