// Frames: every message type through encode and decode, every decode error
// with its exact reason, text and value, and need_more at every split point.
#include "rialto/protocol/framing.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace rialto::protocol {
namespace {

// Every message block filled with bytes that differ per offset and per type,
// so a field swapped, shifted or dropped changes the comparison.
template <class M>
M patterned() {
  M m;
  auto* p = reinterpret_cast<unsigned char*>(&m);
  for (size_t i = 0; i < sizeof m; ++i) p[i] = static_cast<unsigned char>(0x11 * static_cast<unsigned>(M::kTemplate) + 7 * i + 1);
  return m;
}

template <class M>
std::string frame_of(const M& m) {
  std::string s(kFrameSize<M>, '\0');
  EXPECT_EQ(encode(m, s.data()), kFrameSize<M>);
  return s;
}

std::string hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

// The whole Decoded value compared at once.
std::string show(const Decoded& d, const char* base) {
  return "status=" + std::to_string(static_cast<int>(d.status)) + " template=" + std::to_string(d.template_id) +
         " block_offset=" + (d.block ? std::to_string(d.block - base) : std::string("null")) +
         " frame_size=" + std::to_string(d.frame_size) + " reason=" + std::to_string(static_cast<int>(d.reason)) +
         " what=\"" + d.what + "\" value=" + std::to_string(d.value);
}

std::string need_more() { return "status=1 template=0 block_offset=null frame_size=0 reason=6 what=\"\" value=0"; }

std::string error(LogoutReason r, std::string_view what, uint64_t value) {
  return "status=2 template=0 block_offset=null frame_size=0 reason=" + std::to_string(static_cast<int>(r)) +
         " what=\"" + std::string(what) + "\" value=" + std::to_string(value);
}

std::string framed(uint16_t template_id, size_t frame_size) {
  return "status=0 template=" + std::to_string(template_id) + " block_offset=14 frame_size=" +
         std::to_string(frame_size) + " reason=6 what=\"\" value=0";
}

std::string decode_show(const std::string& bytes) { return show(decode(bytes.data(), bytes.size()), bytes.data()); }

// ---- Round trips -----------------------------------------------------------

template <class M>
class FramingRoundTrip : public ::testing::Test {};

using AllMessages = ::testing::Types<Logon, LogonAck, Logout, Heartbeat, NewOrder, CancelOrder, ModifyOrder, MassCancel,
                                     Sync, BookRequest, AddInstrument, Expire, ExecutionReport, SyncAck, BookLevel,
                                     BookEnd, InstrumentReport, MassCancelReport>;
TYPED_TEST_SUITE(FramingRoundTrip, AllMessages);

TYPED_TEST(FramingRoundTrip, shouldEncodeTheHeadersAndDecodeTheSameBlock) {
  using M = TypeParam;
  const M m = patterned<M>();
  const std::string f = frame_of(m);
  const auto n = static_cast<uint32_t>(14 + sizeof(M));
  const auto tid = static_cast<uint16_t>(M::kTemplate);
  // SOFH: length big-endian, 0xEB50 big-endian; SBE header little-endian.
  const std::string expected_head{static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                                  static_cast<char>(n),       '\xEB',                    '\x50',
                                  static_cast<char>(sizeof(M)), '\0',
                                  static_cast<char>(tid),     '\0',
                                  '\x59',                     '\x1B',  // 7001
                                  '\x01',                     '\0'};
  EXPECT_EQ(hex(f.substr(0, 14)), hex(expected_head));
  EXPECT_EQ(hex(f.substr(14)), hex(std::string_view(reinterpret_cast<const char*>(&m), sizeof m)));

  const Decoded d = decode(f.data(), f.size());
  EXPECT_EQ(show(d, f.data()), framed(tid, n));
  const M back = read<M>(d);
  EXPECT_EQ(0, std::memcmp(&back, &m, sizeof m));
  EXPECT_EQ(block_length_of(tid), sizeof(M));
}

TEST(Framing, shouldNameEveryTemplate) {
  const std::vector<std::pair<uint16_t, std::string_view>> names = {
      {1, "Logon"},         {2, "LogonAck"},        {3, "Logout"},        {4, "Heartbeat"},
      {10, "NewOrder"},     {11, "CancelOrder"},    {12, "ModifyOrder"},  {13, "MassCancel"},
      {14, "Sync"},         {15, "BookRequest"},    {16, "AddInstrument"}, {17, "Expire"},
      {30, "ExecutionReport"}, {31, "SyncAck"},     {32, "BookLevel"},    {33, "BookEnd"},
      {34, "InstrumentReport"}, {35, "MassCancelReport"}};
  for (auto [id, name] : names) EXPECT_EQ(template_name(id), name) << id;
  for (uint16_t id : {0, 5, 9, 18, 29, 36, 0xFFFF}) {
    EXPECT_EQ(template_name(id), "unknown") << id;
    EXPECT_EQ(block_length_of(id), 0u) << id;
  }
}

TEST(Framing, shouldDecodeAFrameWithTrailingBytesAsJustThatFrame) {
  std::string s = frame_of(patterned<Heartbeat>()) + std::string("\x00\x00", 2);
  EXPECT_EQ(decode_show(s), framed(4, 22));
}

// ---- Errors ----------------------------------------------------------------

std::string with_length(std::string f, uint32_t n) {
  f[0] = static_cast<char>(n >> 24);
  f[1] = static_cast<char>(n >> 16);
  f[2] = static_cast<char>(n >> 8);
  f[3] = static_cast<char>(n);
  return f;
}
std::string with_u16le(std::string f, size_t at, uint16_t v) {
  f[at] = static_cast<char>(v & 0xFF);
  f[at + 1] = static_cast<char>(v >> 8);
  return f;
}

constexpr std::string_view kBelow = "frame length is below the 14 bytes of SOFH and SBE header";
constexpr std::string_view kAbove = "frame length is above 512";
constexpr std::string_view kEncoding = "encoding type is not 0xEB50 (SBE 1.0 little-endian)";
constexpr std::string_view kSchema = "schema id is not 7001";
constexpr std::string_view kVersion = "schema version is not 1";
constexpr std::string_view kTemplate = "unknown template id";
constexpr std::string_view kBlock = "block length does not match the template";
constexpr std::string_view kFrameVsBlock = "frame length does not match the block length";

TEST(FramingErrors, shouldRefuseALengthBelowTheHeaders) {
  const std::string hb = frame_of(patterned<Heartbeat>());
  for (uint32_t n : {0u, 1u, 6u, 13u}) {
    // Known from the SOFH alone: the 6 bytes are enough.
    EXPECT_EQ(decode_show(with_length(hb, n).substr(0, 6)), error(LogoutReason::malformed_frame, kBelow, n)) << n;
    EXPECT_EQ(decode_show(with_length(hb, n)), error(LogoutReason::malformed_frame, kBelow, n)) << n;
  }
  EXPECT_EQ(decode_show(with_length(hb, 14).substr(0, 6)), need_more());
}

TEST(FramingErrors, shouldRefuseALengthAboveTheMaximum) {
  const std::string hb = frame_of(patterned<Heartbeat>());
  for (uint32_t n : {513u, 514u, 0x10000u, 0xFFFFFFFFu}) {
    EXPECT_EQ(decode_show(with_length(hb, n).substr(0, 6)), error(LogoutReason::malformed_frame, kAbove, n)) << n;
  }
  EXPECT_EQ(decode_show(with_length(hb, 512).substr(0, 6)), need_more());
}

TEST(FramingErrors, shouldRefuseAnotherEncodingType) {
  std::string hb = frame_of(patterned<Heartbeat>());
  for (uint16_t e : {0x50EB, 0xEB51, 0x5BE0, 0x0000, 0xFFFF}) {
    std::string f = hb;
    f[4] = static_cast<char>(e >> 8);
    f[5] = static_cast<char>(e & 0xFF);
    EXPECT_EQ(decode_show(f.substr(0, 6)), error(LogoutReason::malformed_frame, kEncoding, e)) << e;
  }
  // The length is checked first.
  std::string f = with_length(hb, 9);
  f[4] = 0;
  EXPECT_EQ(decode_show(f), error(LogoutReason::malformed_frame, kBelow, 9));
}

TEST(FramingErrors, shouldRefuseAnotherSchemaOrVersionOnceTheFrameIsWhole) {
  const std::string no = frame_of(patterned<NewOrder>());
  for (uint16_t id : {0, 7000, 7002, 0x591B}) {
    std::string f = with_u16le(no, 10, id);
    EXPECT_EQ(decode_show(f), error(LogoutReason::bad_schema, kSchema, id)) << id;
    EXPECT_EQ(decode_show(f.substr(0, f.size() - 1)), need_more()) << id;
  }
  for (uint16_t v : {0, 2, 0x0100}) {
    std::string f = with_u16le(no, 12, v);
    EXPECT_EQ(decode_show(f), error(LogoutReason::bad_schema, kVersion, v)) << v;
    EXPECT_EQ(decode_show(f.substr(0, f.size() - 1)), need_more()) << v;
  }
  // Schema before version, both before the template.
  EXPECT_EQ(decode_show(with_u16le(with_u16le(with_u16le(no, 10, 1), 12, 2), 8, 99)),
            error(LogoutReason::bad_schema, kSchema, 1));
  EXPECT_EQ(decode_show(with_u16le(with_u16le(no, 12, 2), 8, 99)), error(LogoutReason::bad_schema, kVersion, 2));
}

TEST(FramingErrors, shouldRefuseAnUnknownTemplate) {
  const std::string no = frame_of(patterned<NewOrder>());
  for (uint16_t t : {0, 5, 9, 18, 29, 36, 1000, 0xFFFF}) {
    EXPECT_EQ(decode_show(with_u16le(no, 8, t)), error(LogoutReason::unknown_template, kTemplate, t)) << t;
  }
  // A known template wins over a block length that does not fit it.
  EXPECT_EQ(decode_show(with_u16le(with_u16le(no, 8, 99), 6, 3)), error(LogoutReason::unknown_template, kTemplate, 99));
}

TEST(FramingErrors, shouldRequireTheTemplatesExactBlockLength) {
  const std::string no = frame_of(patterned<NewOrder>());  // block 46, frame 60
  for (uint16_t b : {0, 45, 47, 53, 0xFFFF}) {
    EXPECT_EQ(decode_show(with_u16le(no, 6, b)), error(LogoutReason::bad_block_length, kBlock, b)) << b;
  }
  // A consistent frame of another template's length: still NewOrder's block is 46.
  std::string longer = with_length(with_u16le(no, 6, 47), 61) + "x";
  EXPECT_EQ(decode_show(longer), error(LogoutReason::bad_block_length, kBlock, 47));
  // A Logon header on a Heartbeat-sized block.
  std::string hb = frame_of(patterned<Heartbeat>());
  EXPECT_EQ(decode_show(with_u16le(hb, 8, 1)), error(LogoutReason::bad_block_length, kBlock, 8));
}

TEST(FramingErrors, shouldRequireTheFrameLengthToMatchTheBlock) {
  const std::string no = frame_of(patterned<NewOrder>());  // frame 60
  EXPECT_EQ(decode_show(with_length(no, 61) + "x"), error(LogoutReason::bad_block_length, kFrameVsBlock, 61));
  EXPECT_EQ(decode_show(with_length(no, 512) + std::string(512 - 60, 'x')),
            error(LogoutReason::bad_block_length, kFrameVsBlock, 512));
  EXPECT_EQ(decode_show(with_length(no, 59).substr(0, 59)), error(LogoutReason::bad_block_length, kFrameVsBlock, 59));
  EXPECT_EQ(decode_show(with_length(no, 14).substr(0, 14)), error(LogoutReason::bad_block_length, kFrameVsBlock, 14));
  // Not reported before the whole (claimed) frame is there.
  EXPECT_EQ(decode_show(with_length(no, 61)), need_more());
}

// ---- Split points ------------------------------------------------------------

TEST(FramingSplits, shouldNeedMoreAtEverySplitOfOneFrame) {
  const std::string f = frame_of(patterned<ExecutionReport>());
  for (size_t n = 0; n < f.size(); ++n) {
    // The prefix copied alone, so a read past its end would show under ASan.
    std::vector<char> prefix(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_EQ(show(decode(prefix.data(), n), prefix.data()), need_more()) << n;
  }
  EXPECT_EQ(decode_show(f), framed(30, 123));
}

TEST(FramingSplits, shouldDecodeTwoFramesAtEverySplit) {
  const NewOrder a = patterned<NewOrder>();
  const Logout b = patterned<Logout>();
  const std::string stream = frame_of(a) + frame_of(b);  // 60 + 71 bytes
  for (size_t n = 0; n <= stream.size(); ++n) {
    std::vector<char> got(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(n));
    const Decoded first = decode(got.data(), n);
    if (n < 60) {
      EXPECT_EQ(show(first, got.data()), need_more()) << n;
      continue;
    }
    ASSERT_EQ(show(first, got.data()), framed(10, 60)) << n;
    EXPECT_EQ(0, std::memcmp(&a, first.block, sizeof a));
    const char* rest = got.data() + first.frame_size;
    const Decoded second = decode(rest, n - first.frame_size);
    if (n < stream.size()) {
      EXPECT_EQ(show(second, rest), need_more()) << n;
    } else {
      ASSERT_EQ(show(second, rest), framed(3, 71)) << n;
      const Logout back = read<Logout>(second);
      EXPECT_EQ(0, std::memcmp(&b, &back, sizeof b));
    }
  }
}

}  // namespace
}  // namespace rialto::protocol
