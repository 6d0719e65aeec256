// SoupBinTCP 3.00: the exact bytes of every packet type, the decoder over
// every split point of a stream, and every malformed input it must reject.
#include "rialto/itch/soup.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "wire.h"

namespace rialto::itch::soup {
namespace {

using testing::hex;

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s += static_cast<char>(c);
  return s;
}

TEST(SoupEncode, everyServerPacketHasTheSpecsBytes) {
  std::string out;
  append_debug(out, "hi");
  EXPECT_EQ(hex(out), hex(bytes({0, 3}) + "+hi"));
  out.clear();
  append_login_accepted(out, "SESSION1", 42);
  EXPECT_EQ(out, bytes({0, 31}) + "A" + "  SESSION1" + std::string(18, ' ') + "42");
  out.clear();
  append_login_rejected(out, RejectReason::session_not_available);
  EXPECT_EQ(out, bytes({0, 2}) + "JS");
  out.clear();
  append_sequenced(out, "xyz");
  EXPECT_EQ(out, bytes({0, 4}) + "Sxyz");
  out.clear();
  append_unsequenced(out, "xyz");
  EXPECT_EQ(out, bytes({0, 4}) + "Uxyz");
  out.clear();
  append_server_heartbeat(out);
  append_end_of_session(out);
  EXPECT_EQ(out, bytes({0, 1}) + "H" + bytes({0, 1}) + "Z");
}

TEST(SoupEncode, everyClientPacketHasTheSpecsBytes) {
  std::string out;
  append_login_request(out, "bob", "secret", "", 0);
  ASSERT_EQ(out.size(), 49u);
  EXPECT_EQ(out, bytes({0, 47}) + "L" + "bob   " + "secret    " + std::string(10, ' ') + std::string(19, ' ') + "0");
  out.clear();
  append_client_heartbeat(out);
  append_logout_request(out);
  EXPECT_EQ(out, bytes({0, 1}) + "R" + bytes({0, 1}) + "O");
}

TEST(SoupEncode, aMessageIsCarriedAsItsEncodedBytes) {
  std::string out;
  const AddOrder a{Header{1, 0, 5}, 7, 'B', 100, make_alpha<8>("ACME"), 1010000};
  append_sequenced(out, a);
  ASSERT_EQ(out.size(), 3u + 36u);
  EXPECT_EQ(out.substr(0, 3), bytes({0, 37}) + "S");
  Message back;
  ASSERT_TRUE(decode(out.data() + 3, 36, &back).ok());
  EXPECT_EQ(back, Message(a));
}

TEST(SoupDecoder, decodesLoginAcceptedAndRejected) {
  std::string in;
  append_login_accepted(in, "S1", 17);
  append_login_rejected(in, RejectReason::not_authorized);
  SoupDecoder d(Direction::from_server);
  d.append(in.data(), in.size());
  Packet p;
  ASSERT_EQ(d.next(&p), SoupDecoder::Next::packet);
  EXPECT_EQ(p.type, PacketType::login_accepted);
  EXPECT_EQ(p.session, "S1");
  EXPECT_EQ(p.sequence, 17u);
  ASSERT_EQ(d.next(&p), SoupDecoder::Next::packet);
  EXPECT_EQ(p.type, PacketType::login_rejected);
  EXPECT_EQ(p.reject_reason, RejectReason::not_authorized);
  EXPECT_EQ(to_string(p.reject_reason), "not authorized");
  EXPECT_EQ(d.next(&p), SoupDecoder::Next::need_more);
  EXPECT_EQ(d.packets(), 2u);
}

TEST(SoupDecoder, decodesALoginRequestWithPaddingOnEitherSide) {
  std::string in;
  append_login_request(in, "alice", "pw", "SESS", 12345);
  // The same, with the session and sequence left-justified instead.
  in += bytes({0, 47}) + "L" + "alice " + "pw        " + "SESS      " + "12345" + std::string(15, ' ');
  SoupDecoder d(Direction::from_client);
  d.append(in.data(), in.size());
  for (int i = 0; i < 2; ++i) {
    Packet p;
    ASSERT_EQ(d.next(&p), SoupDecoder::Next::packet) << d.error();
    EXPECT_EQ(p.type, PacketType::login_request);
    EXPECT_EQ(p.username, "alice");
    EXPECT_EQ(p.password, "pw");
    EXPECT_EQ(p.session, "SESS");
    EXPECT_EQ(p.sequence, 12345u);
  }
}

TEST(SoupDecoder, acceptsUnsequencedDataFromBothEnds) {
  for (Direction from : {Direction::from_server, Direction::from_client}) {
    std::string in;
    append_unsequenced(in, "abc");
    SoupDecoder d(from);
    d.append(in.data(), in.size());
    Packet p;
    ASSERT_EQ(d.next(&p), SoupDecoder::Next::packet) << d.error();
    EXPECT_EQ(p.type, PacketType::unsequenced_data);
    EXPECT_EQ(p.payload, "abc");
  }
}

struct Bad {
  Direction from;
  std::string input;
  std::string error;
};

TEST(SoupDecoder, rejectsMalformedInputWithAReason) {
  const std::vector<Bad> cases = {
      {Direction::from_server, bytes({0, 0}), "packet 0 at offset 0: packet length 0"},
      {Direction::from_server, bytes({0xff, 0xff}) + "S",
       "packet 0 at offset 0: packet length 65535 above the maximum 1000"},
      {Direction::from_server, bytes({0, 1}) + "x", "packet 0 at offset 0: unknown packet type 'x'"},
      {Direction::from_server, bytes({0, 1, 0}), "packet 0 at offset 0: unknown packet type 0x00"},
      {Direction::from_server, bytes({0, 1}) + "L", "packet 0 at offset 0: packet type 'L' is not sent by a server"},
      {Direction::from_client, bytes({0, 1}) + "S", "packet 0 at offset 0: packet type 'S' is not sent by a client"},
      {Direction::from_server, bytes({0, 2}) + "HX",
       "packet 0 at offset 0: packet type 'H': payload length 1, expected 0"},
      {Direction::from_server, bytes({0, 2}) + "ZX",
       "packet 0 at offset 0: packet type 'Z': payload length 1, expected 0"},
      {Direction::from_client, bytes({0, 2}) + "RX",
       "packet 0 at offset 0: packet type 'R': payload length 1, expected 0"},
      {Direction::from_client, bytes({0, 2}) + "OX",
       "packet 0 at offset 0: packet type 'O': payload length 1, expected 0"},
      {Direction::from_server, bytes({0, 1}) + "J",
       "packet 0 at offset 0: packet type 'J': payload length 0, expected 1"},
      {Direction::from_server, bytes({0, 30}) + "A",
       "packet 0 at offset 0: packet type 'A': payload length 29, expected 30"},
      {Direction::from_client, bytes({0, 48}) + "L",
       "packet 0 at offset 0: packet type 'L': payload length 47, expected 46"},
      {Direction::from_server, bytes({0, 2}) + "JX", "packet 0 at offset 0: login rejected: unknown reason 'X'"},
      {Direction::from_server, bytes({0, 31}) + "A" + "SESSION1  " + "        12a         ",
       "packet 0 at offset 0: login accepted: sequence number is not numeric"},
      {Direction::from_server, bytes({0, 31}) + "A" + "SESSION1  " + std::string(20, ' '),
       "packet 0 at offset 0: login accepted: sequence number is not numeric"},
      {Direction::from_server, bytes({0, 31}) + "A" + "SESSION1  " + "99999999999999999999",
       "packet 0 at offset 0: login accepted: sequence number is not numeric"},
      {Direction::from_client, bytes({0, 47}) + "L" + std::string(26, ' ') + "1 2" + std::string(17, ' '),
       "packet 0 at offset 0: login request: requested sequence number is not numeric"},
      {Direction::from_server, bytes({0, 1}) + "H" + bytes({0, 0}), "packet 1 at offset 3: packet length 0"},
  };
  for (const Bad& c : cases) {
    SoupDecoder d(c.from, 1000);
    d.append(c.input.data(), c.input.size());
    Packet p;
    SoupDecoder::Next n;
    while ((n = d.next(&p)) == SoupDecoder::Next::packet) {
    }
    EXPECT_EQ(n, SoupDecoder::Next::error) << hex(c.input);
    EXPECT_EQ(d.error(), c.error) << hex(c.input);
    // It stays stopped, whatever follows.
    std::string more;
    append_server_heartbeat(more);
    d.append(more.data(), more.size());
    EXPECT_EQ(d.next(&p), SoupDecoder::Next::error);
  }
}

TEST(SoupDecoder, parseNumericTakesDigitsWithSpacePaddingOnly) {
  std::uint64_t v = 7;
  EXPECT_TRUE(parse_numeric("0", &v));
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(parse_numeric("   18446744073709551615", &v));
  EXPECT_EQ(v, UINT64_MAX);
  EXPECT_TRUE(parse_numeric("12   ", &v));
  EXPECT_EQ(v, 12u);
  EXPECT_FALSE(parse_numeric("18446744073709551616", &v));
  EXPECT_FALSE(parse_numeric("", &v));
  EXPECT_FALSE(parse_numeric("   ", &v));
  EXPECT_FALSE(parse_numeric("-1", &v));
  EXPECT_FALSE(parse_numeric("1 2", &v));
  EXPECT_FALSE(parse_numeric("+1", &v));
}

// A stream of several server packets, cut at any one or two points, decodes
// to the same packets as the whole stream.
std::string server_stream(std::vector<std::string>* payloads) {
  std::string s;
  append_login_accepted(s, "S1", 1);
  append_debug(s, "hello");
  const AddOrder a{Header{1, 0, 5}, 7, 'B', 100, make_alpha<8>("ACME"), 1010000};
  append_unsequenced(s, a);
  append_sequenced(s, OrderDelete{Header{1, 0, 6}, 7});
  append_server_heartbeat(s);
  append_sequenced(s, std::string_view());
  append_end_of_session(s);
  SoupDecoder d(Direction::from_server);
  d.append(s.data(), s.size());
  Packet p;
  while (d.next(&p) == SoupDecoder::Next::packet) payloads->push_back(char(p.type) + std::string(p.payload));
  EXPECT_EQ(payloads->size(), 7u);
  return s;
}

std::vector<std::string> decode_in_pieces(const std::string& s, const std::vector<std::size_t>& cuts) {
  SoupDecoder d(Direction::from_server);
  std::vector<std::string> got;
  std::size_t from = 0;
  auto feed = [&](std::size_t to) {
    d.append(s.data() + from, to - from);
    from = to;
    Packet p;
    SoupDecoder::Next n;
    while ((n = d.next(&p)) == SoupDecoder::Next::packet) got.push_back(char(p.type) + std::string(p.payload));
    EXPECT_NE(n, SoupDecoder::Next::error) << d.error();
  };
  for (std::size_t c : cuts) feed(c);
  feed(s.size());
  EXPECT_EQ(d.buffered(), 0u);
  return got;
}

TEST(SoupDecoder, everySplitPointGivesTheSamePackets) {
  std::vector<std::string> whole;
  const std::string s = server_stream(&whole);
  for (std::size_t i = 0; i <= s.size(); ++i) EXPECT_EQ(decode_in_pieces(s, {i}), whole) << "split at " << i;
}

RC_GTEST_PROP(SoupDecoderProperty, anyCutsGiveTheSamePackets, ()) {
  std::vector<std::string> whole;
  const std::string s = server_stream(&whole);
  auto cuts = *rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(0, s.size() + 1));
  std::sort(cuts.begin(), cuts.end());
  RC_ASSERT(decode_in_pieces(s, cuts) == whole);
}

}  // namespace
}  // namespace rialto::itch::soup
