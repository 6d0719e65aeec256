// libFuzzer target: any bytes as (1) an ITCH 5.0 file (length-prefixed
// messages), (2) a SoupBinTCP stream from a server and from a client, and
// (3) one bare message. Nothing may read outside the input (libFuzzer's
// buffer is exactly `size` bytes, so ASan sees an overread); every decoded
// message must re-encode to its bytes; every packet must re-encode to an
// equal packet; decoded messages are applied to a Book, whose levels must
// always add up to its live orders.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <utility>

#include "rialto/itch/book.h"
#include "rialto/itch/file_reader.h"
#include "rialto/itch/soup.h"

namespace {

using namespace rialto::itch;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void check_reencodes(const Message& m, const char* bytes, std::size_t n) {
  char out[kMaxMessageSize];
  const std::size_t len = encode(m, out);
  check(len == n && len == message_size(message_type(m)));
  check(std::memcmp(out, bytes, n) == 0);
}

struct CheckedBook {
  Book book;
  std::set<std::uint16_t> locates;

  void apply(const Message& m) {
    Execution e;
    const ApplyStatus st = book.apply(m, &e);
    check(st.ok() == st.message().empty());
    locates.insert(header_of(m).stock_locate);
  }
  void check_invariants() const {
    std::size_t orders = 0;
    for (std::uint16_t l : locates) {
      for (Side side : {Side::buy, Side::sell}) {
        const auto levels = book.levels(l, side);
        for (std::size_t i = 0; i < levels.size(); ++i) {
          check(levels[i].orders > 0 && levels[i].shares > 0);
          if (i > 0)
            check(side == Side::buy ? levels[i].price < levels[i - 1].price : levels[i].price > levels[i - 1].price);
          const auto q = book.orders_at(l, side, levels[i].price);
          check(q.size() == levels[i].orders);
          std::uint64_t shares = 0;
          for (const auto& o : q) shares += o.shares;
          check(shares == levels[i].shares);
        }
        for (const auto& lv : levels) orders += lv.orders;
      }
    }
    check(orders == book.live_orders());
  }
};

void fuzz_file(const char* data, std::size_t size) {
  LengthPrefixedReader reader;
  CheckedBook book;
  // Fed in two pieces, split where the first byte says.
  const std::size_t cut = size == 0 ? 0 : static_cast<unsigned char>(data[0]) % (size + 1);
  for (const auto& [p, n] : {std::pair{data, cut}, std::pair{data + cut, size - cut}}) {
    reader.append(p, n);
    Message m;
    std::string_view raw;
    LengthPrefixedReader::Next next;
    while ((next = reader.next(&m, &raw)) == LengthPrefixedReader::Next::message) {
      check_reencodes(m, raw.data(), raw.size());
      book.apply(m);
    }
    if (next == LengthPrefixedReader::Next::error) {
      check(!reader.error().what.empty());
      break;
    }
  }
  (void)reader.finish();
  book.check_invariants();
}

void check_packet_reencodes(const soup::Packet& p, soup::Direction from) {
  using soup::PacketType;
  std::string out;
  switch (p.type) {
    case PacketType::debug: soup::append_debug(out, p.payload); break;
    case PacketType::login_accepted: soup::append_login_accepted(out, p.session, p.sequence); break;
    case PacketType::login_rejected: soup::append_login_rejected(out, p.reject_reason); break;
    case PacketType::sequenced_data: soup::append_sequenced(out, p.payload); break;
    case PacketType::server_heartbeat: soup::append_server_heartbeat(out); break;
    case PacketType::end_of_session: soup::append_end_of_session(out); break;
    case PacketType::login_request:
      soup::append_login_request(out, p.username, p.password, p.session, p.sequence);
      break;
    case PacketType::unsequenced_data: soup::append_unsequenced(out, p.payload); break;
    case PacketType::client_heartbeat: soup::append_client_heartbeat(out); break;
    case PacketType::logout_request: soup::append_logout_request(out); break;
  }
  // Padding may sit on either side of a field on input, so compare fields.
  soup::SoupDecoder again(from);
  again.append(out.data(), out.size());
  soup::Packet q;
  check(again.next(&q) == soup::SoupDecoder::Next::packet);
  check(q.type == p.type && q.session == p.session && q.sequence == p.sequence && q.username == p.username &&
        q.password == p.password);
  if (p.type != PacketType::login_accepted && p.type != PacketType::login_request) check(q.payload == p.payload);
  if (p.type == PacketType::login_rejected) check(q.reject_reason == p.reject_reason);
}

void fuzz_soup(const char* data, std::size_t size, soup::Direction from) {
  soup::SoupDecoder decoder(from, 1024);
  CheckedBook book;
  // One byte at a time for short inputs (every split point), else whole.
  const std::size_t step = size <= 64 ? 1 : size;
  for (std::size_t at = 0; at < size; at += step) {
    decoder.append(data + at, std::min(step, size - at));
    soup::Packet p;
    soup::SoupDecoder::Next next;
    while ((next = decoder.next(&p)) == soup::SoupDecoder::Next::packet) {
      check(p.payload.size() + 1 <= 1024);
      check_packet_reencodes(p, from);
      if (p.type == soup::PacketType::sequenced_data || p.type == soup::PacketType::unsequenced_data) {
        Message m;
        if (decode(p.payload.data(), p.payload.size(), &m).ok()) {
          check_reencodes(m, p.payload.data(), p.payload.size());
          book.apply(m);
        }
      }
    }
    if (next == soup::SoupDecoder::Next::error) {
      check(!decoder.error().empty());
      break;
    }
  }
  book.check_invariants();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const char* data = reinterpret_cast<const char*>(bytes);
  fuzz_file(data, size);
  fuzz_soup(data, size, soup::Direction::from_server);
  fuzz_soup(data, size, soup::Direction::from_client);
  Message m;
  const DecodeStatus st = decode(data, size, &m);
  if (st.ok()) {
    check_reencodes(m, data, size);
    check(!to_text(m).empty());
  } else {
    check(!st.message().empty());
  }
  return 0;
}
