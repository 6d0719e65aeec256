#include "rialto/itch/soup.h"

#include <cassert>
#include <cstdio>

namespace rialto::itch::soup {

namespace {

void append_header(std::string& out, PacketType type, std::size_t payload_size) {
  char h[kHeaderSize];
  put_header(h, type, payload_size);
  out.append(h, kHeaderSize);
}

/// Left-justified, padded with spaces on the right (Alpha).
void append_left(std::string& out, std::string_view text, std::size_t width) {
  const std::size_t n = text.size() < width ? text.size() : width;
  out.append(text.data(), n);
  out.append(width - n, ' ');
}

/// Right-justified, padded with spaces on the left (Numeric, and the session).
void append_right(std::string& out, std::string_view text, std::size_t width) {
  if (text.size() >= width) {
    out.append(text.data() + (text.size() - width), width);
    return;
  }
  out.append(width - text.size(), ' ');
  out.append(text);
}

std::string_view strip(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool valid_from(Direction from, char type) {
  switch (type) {
    case '+':
    case 'U':  // from the server: rialto's snapshot extension
      return true;
    case 'A':
    case 'J':
    case 'S':
    case 'H':
    case 'Z': return from == Direction::from_server;
    case 'L':
    case 'R':
    case 'O': return from == Direction::from_client;
    default: return false;
  }
}

/// The payload length the type requires, or -1 if any length is valid.
long required_payload(char type) {
  switch (type) {
    case 'A': return static_cast<long>(kLoginAcceptedPayload);
    case 'J': return 1;
    case 'H':
    case 'Z':
    case 'R':
    case 'O': return 0;
    case 'L': return static_cast<long>(kLoginRequestPayload);
    default: return -1;
  }
}

std::string printable(char c) {
  char buf[16];
  const auto u = static_cast<unsigned char>(c);
  if (u > 0x20 && u < 0x7f) {
    std::snprintf(buf, sizeof buf, "'%c'", c);
  } else {
    std::snprintf(buf, sizeof buf, "0x%02x", u);
  }
  return buf;
}

}  // namespace

std::string to_string(RejectReason r) {
  switch (r) {
    case RejectReason::not_authorized: return "not authorized";
    case RejectReason::session_not_available: return "session not available";
  }
  return "reason " + printable(static_cast<char>(r));
}

void put_header(char* out, PacketType type, std::size_t payload_size) noexcept {
  assert(payload_size + 1 <= kMaxPacketLength);
  const std::size_t len = payload_size + 1;
  out[0] = static_cast<char>((len >> 8) & 0xff);
  out[1] = static_cast<char>(len & 0xff);
  out[2] = static_cast<char>(type);
}

void append_debug(std::string& out, std::string_view text) {
  if (text.size() > kMaxPacketLength - 1) text = text.substr(0, kMaxPacketLength - 1);
  append_header(out, PacketType::debug, text.size());
  out.append(text);
}

void append_login_accepted(std::string& out, std::string_view session, std::uint64_t next_sequence) {
  append_header(out, PacketType::login_accepted, kLoginAcceptedPayload);
  append_right(out, session, kSessionSize);
  append_right(out, std::to_string(next_sequence), kSequenceSize);
}

void append_login_rejected(std::string& out, RejectReason reason) {
  append_header(out, PacketType::login_rejected, 1);
  out += static_cast<char>(reason);
}

void append_sequenced(std::string& out, std::string_view message) {
  append_header(out, PacketType::sequenced_data, message.size());
  out.append(message);
}

void append_sequenced(std::string& out, const Message& m) {
  char buf[kMaxMessageSize];
  append_sequenced(out, std::string_view(buf, encode(m, buf)));
}

void append_unsequenced(std::string& out, std::string_view message) {
  append_header(out, PacketType::unsequenced_data, message.size());
  out.append(message);
}

void append_unsequenced(std::string& out, const Message& m) {
  char buf[kMaxMessageSize];
  append_unsequenced(out, std::string_view(buf, encode(m, buf)));
}

void append_server_heartbeat(std::string& out) { append_header(out, PacketType::server_heartbeat, 0); }
void append_end_of_session(std::string& out) { append_header(out, PacketType::end_of_session, 0); }
void append_client_heartbeat(std::string& out) { append_header(out, PacketType::client_heartbeat, 0); }
void append_logout_request(std::string& out) { append_header(out, PacketType::logout_request, 0); }

void append_login_request(std::string& out, std::string_view username, std::string_view password,
                          std::string_view requested_session, std::uint64_t requested_sequence) {
  append_header(out, PacketType::login_request, kLoginRequestPayload);
  append_left(out, username, kUsernameSize);
  append_left(out, password, kPasswordSize);
  append_right(out, requested_session, kSessionSize);
  append_right(out, std::to_string(requested_sequence), kSequenceSize);
}

bool parse_numeric(std::string_view field, std::uint64_t* out) noexcept {
  field = strip(field);
  if (field.empty()) return false;
  std::uint64_t v = 0;
  for (char c : field) {
    if (c < '0' || c > '9') return false;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

SoupDecoder::SoupDecoder(Direction from, std::size_t max_packet_length) noexcept
    : from_(from), max_packet_length_(max_packet_length < kMaxPacketLength ? max_packet_length : kMaxPacketLength) {}

void SoupDecoder::append(const char* p, std::size_t n) {
  if (failed_ || n == 0) return;
  if (start_ > 0) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(p, n);
}

SoupDecoder::Next SoupDecoder::fail(std::string what) {
  failed_ = true;
  error_ = "packet " + std::to_string(packets_) + " at offset " + std::to_string(offset_) + ": " + what;
  return Next::error;
}

SoupDecoder::Next SoupDecoder::next(Packet* out) {
  if (failed_) return Next::error;
  const std::size_t avail = buffer_.size() - start_;
  if (avail < 2) return Next::need_more;
  const char* b = buffer_.data() + start_;
  const std::size_t len = (std::size_t{static_cast<unsigned char>(b[0])} << 8) | static_cast<unsigned char>(b[1]);
  if (len == 0) return fail("packet length 0");
  if (len > max_packet_length_) {
    return fail("packet length " + std::to_string(len) + " above the maximum " + std::to_string(max_packet_length_));
  }
  // The type and its length rule are checked as soon as the type byte is in.
  if (avail < 3) return Next::need_more;
  const char type = b[2];
  if (!valid_from(from_, type)) {
    const bool known = valid_from(Direction::from_server, type) || valid_from(Direction::from_client, type);
    return fail(
        std::string(known ? "packet type " : "unknown packet type ") + printable(type) +
        (known ? (from_ == Direction::from_server ? " is not sent by a server" : " is not sent by a client") : ""));
  }
  const long required = required_payload(type);
  if (required >= 0 && len - 1 != static_cast<std::size_t>(required)) {
    return fail("packet type " + printable(type) + ": payload length " + std::to_string(len - 1) + ", expected " +
                std::to_string(required));
  }
  if (avail < 2 + len) return Next::need_more;

  Packet p;
  p.type = static_cast<PacketType>(type);
  p.payload = std::string_view(b + 3, len - 1);
  if (type == 'A') {
    p.session = strip(p.payload.substr(0, kSessionSize));
    if (!parse_numeric(p.payload.substr(kSessionSize, kSequenceSize), &p.sequence)) {
      return fail("login accepted: sequence number is not numeric");
    }
  } else if (type == 'J') {
    const char r = p.payload[0];
    if (r != 'A' && r != 'S') return fail("login rejected: unknown reason " + printable(r));
    p.reject_reason = static_cast<RejectReason>(r);
  } else if (type == 'L') {
    p.username = strip(p.payload.substr(0, kUsernameSize));
    p.password = strip(p.payload.substr(kUsernameSize, kPasswordSize));
    p.session = strip(p.payload.substr(kUsernameSize + kPasswordSize, kSessionSize));
    if (!parse_numeric(p.payload.substr(kUsernameSize + kPasswordSize + kSessionSize, kSequenceSize), &p.sequence)) {
      return fail("login request: requested sequence number is not numeric");
    }
  }
  start_ += 2 + len;
  offset_ += 2 + len;
  ++packets_;
  *out = p;
  return Next::packet;
}

}  // namespace rialto::itch::soup
