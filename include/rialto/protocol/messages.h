// Order-entry wire protocol: Simple Open Framing Header + SBE 1.0 messages.
// The full specification is docs/PROTOCOL.md; the machine-readable schema that
// any SBE tool reads is schema/rialto-order-entry.xml (this header and that file
// must agree; tests/protocol/schema_test.cc checks every offset).
//
// A frame on the TCP stream:
//
//   0      4      6            14                         14+blockLength
//   +------+------+------------+--------------------------+
//   | len  | 0xEB50| SBE header | message block (fixed)    |
//   +------+------+------------+--------------------------+
//     len: uint32 big-endian, the whole frame including these 6 bytes
//     encoding type: uint16 big-endian 0xEB50 (SBE 1.0 little-endian)
//     SBE header: blockLength, templateId, schemaId, version (uint16 LE each)
//
// Every message is one fixed-size block (no groups, no variable data), so a
// block is laid out exactly as the packed struct below, little-endian. Fields
// are ordered widest first. Every message starts with `seq`: the sender's
// session sequence number, 1 for the first message of a session (Logon, or the
// server's first message), +1 for every message after it, in each direction.
//
// Prices are SBE decimals: `mantissa × 10^exponent`, exact. A null price
// (absent) is mantissa kNullInt64. Quantities are int64 units; kNullInt64 is
// absent where a field is optional. Char fields are ASCII, NUL-padded.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>

namespace rialto::protocol {

static_assert(std::endian::native == std::endian::little, "SBE blocks are mapped onto little-endian memory");

inline constexpr uint16_t kEncodingType = 0xEB50;  // SOFH: SBE 1.0 little-endian
inline constexpr uint16_t kSchemaId = 7001;
inline constexpr uint16_t kSchemaVersion = 1;
inline constexpr size_t kSofhSize = 6;
inline constexpr size_t kHeaderSize = 8;
inline constexpr size_t kMaxFrameSize = 512;  // a longer length field is a protocol error
inline constexpr int64_t kNullInt64 = std::numeric_limits<int64_t>::min();
inline constexpr size_t kSymbolSize = 8;
inline constexpr size_t kAccountSize = 16;
inline constexpr size_t kPasswordSize = 24;
inline constexpr size_t kTextSize = 48;

enum class TemplateId : uint16_t {
  // session (both directions unless noted)
  logon = 1,         // client -> server
  logon_ack = 2,     // server -> client
  logout = 3,
  heartbeat = 4,
  // application, client -> server
  new_order = 10,
  cancel_order = 11,
  modify_order = 12,
  mass_cancel = 13,
  sync = 14,
  book_request = 15,
  add_instrument = 16,  // admin
  expire = 17,          // admin: cancel every resting day order (end of day)
  // application, server -> client
  execution_report = 30,
  sync_ack = 31,
  book_level = 32,
  book_end = 33,
  instrument_report = 34,
  mass_cancel_report = 35,
};

enum class LogoutReason : uint8_t {
  user_request = 0,       // the peer asked to log out
  bad_credentials = 1,    // unknown account or wrong password
  not_logged_on = 2,      // an application message before Logon
  sequence_gap = 3,       // seq was not the previous + 1
  heartbeat_timeout = 4,  // nothing received for 3 heartbeat intervals
  rate_limit = 5,         // kept sending after being throttled
  malformed_frame = 6,    // truncated, oversize or wrong encoding type
  unknown_template = 7,
  bad_block_length = 8,
  bad_schema = 9,           // wrong schema id or version
  slow_consumer = 10,       // stopped reading; its outbound buffer is full
  shutdown = 11,            // the venue is shutting down
  already_logged_on = 12,   // a second Logon on the session
  bad_logon = 13,           // a Logon field is invalid (heartbeat interval, account name)
  server_busy = 14,         // the session limit is reached
};

enum class Side : uint8_t { buy = 0, sell = 1 };
enum class OrdType : uint8_t { limit = 0, market = 1 };
enum class Tif : uint8_t { gtc = 0, day = 1, ioc = 2, fok = 3 };
enum class Stp : uint8_t { none = 0, cancel_taker = 1, cancel_maker = 2, cancel_both = 3 };

enum class ExecType : uint8_t {
  new_order = 0,         // accepted
  partially_filled = 1,  // a fill with leaves > 0
  filled = 2,            // a fill with leaves == 0
  cancelled = 3,
  replaced = 4,          // modified
  rejected = 5,
};

/// Reject reasons: 0-9 are the engine's (rialto::RejectReason, same values);
/// 32 and up are the gateway's own.
enum class RejectCode : uint8_t {
  none = 0,
  duplicate_id = 1,
  unknown_symbol = 2,
  invalid_qty = 3,
  invalid_price = 4,
  price_not_on_tick = 5,
  invalid_tif = 6,
  would_cross = 7,
  unknown_order = 8,
  capacity = 9,
  halted = 10,           // the shard's journal failed: it accepts nothing until restarted (docs/JOURNAL.md)
  throttled = 32,        // beyond the session's message rate
  not_authorized = 33,   // an admin message from a non-admin session
  invalid_field = 34,    // an enum field out of range
};

/// ExecutionReport.flags
inline constexpr uint8_t kFlagAggressor = 1;     // a fill on the taker's side
inline constexpr uint8_t kFlagKeptPriority = 2;  // replaced in place

enum class InstrumentStatus : uint8_t {
  added = 0,
  unchanged = 1,          // already defined with the same parameters: nothing done
  conflict = 2,           // already defined with other parameters
  too_many_symbols = 3,
  invalid_lot = 4,
  invalid_max_qty = 5,
  qty_overflow = 6,       // max_qty x the shard's max_orders would overflow int64
  invalid_tick = 7,       // not a decimal > 0 with at most 18 decimals, mantissa <= 10^18
  not_authorized = 8,
  invalid_symbol = 9,     // empty or not printable ASCII
  halted = 10,            // the shard's journal failed: not defined (docs/JOURNAL.md)
};

enum class BookStatus : uint8_t { ok = 0, unknown_symbol = 1 };

#pragma pack(push, 1)

struct MessageHeader {
  uint16_t block_length;
  uint16_t template_id;
  uint16_t schema_id;
  uint16_t version;
};

struct Logon {
  static constexpr TemplateId kTemplate = TemplateId::logon;
  uint64_t seq;
  uint32_t heartbeat_ms;  // the client's interval; 100..60000
  char account[kAccountSize];
  char password[kPasswordSize];
  uint8_t cancel_on_disconnect;  // 1: cancel the session's resting orders when it ends
};

struct LogonAck {
  static constexpr TemplateId kTemplate = TemplateId::logon_ack;
  uint64_t seq;
  uint32_t session_id;    // high 32 bits of every venue order id of this session
  uint32_t heartbeat_ms;  // the interval both sides use
  uint8_t admin;          // 1: this session may send AddInstrument and Expire
};

struct Logout {
  static constexpr TemplateId kTemplate = TemplateId::logout;
  uint64_t seq;
  uint8_t reason;  // LogoutReason
  char text[kTextSize];
};

struct Heartbeat {
  static constexpr TemplateId kTemplate = TemplateId::heartbeat;
  uint64_t seq;
};

struct NewOrder {
  static constexpr TemplateId kTemplate = TemplateId::new_order;
  uint64_t seq;
  uint64_t cl_ord_id;
  int64_t qty;
  int64_t price;  // mantissa; kNullInt64 for none (market orders)
  char symbol[kSymbolSize];
  int8_t price_exponent;
  uint8_t side;       // Side
  uint8_t ord_type;   // OrdType
  uint8_t tif;        // Tif
  uint8_t stp;        // Stp
  uint8_t post_only;  // 0 or 1
};

struct CancelOrder {
  static constexpr TemplateId kTemplate = TemplateId::cancel_order;
  uint64_t seq;
  uint64_t cl_ord_id;
};

struct ModifyOrder {
  static constexpr TemplateId kTemplate = TemplateId::modify_order;
  uint64_t seq;
  uint64_t cl_ord_id;
  int64_t qty;    // new open quantity; kNullInt64 keeps it
  int64_t price;  // mantissa; kNullInt64 keeps the price
  int8_t price_exponent;
};

struct MassCancel {
  static constexpr TemplateId kTemplate = TemplateId::mass_cancel;
  uint64_t seq;
  char symbol[kSymbolSize];  // all NUL: every symbol
};

struct Sync {
  static constexpr TemplateId kTemplate = TemplateId::sync;
  uint64_t seq;
  uint64_t token;  // echoed in SyncAck
};

struct BookRequest {
  static constexpr TemplateId kTemplate = TemplateId::book_request;
  uint64_t seq;
  char symbol[kSymbolSize];
};

struct AddInstrument {
  static constexpr TemplateId kTemplate = TemplateId::add_instrument;
  uint64_t seq;
  int64_t tick;  // mantissa
  int64_t lot;
  int64_t max_qty;
  char symbol[kSymbolSize];
  int8_t tick_exponent;
};

struct Expire {
  static constexpr TemplateId kTemplate = TemplateId::expire;
  uint64_t seq;
};

struct ExecutionReport {
  static constexpr TemplateId kTemplate = TemplateId::execution_report;
  uint64_t seq;
  uint64_t engine_seq;  // the shard's input sequence number (0: rejected by the gateway)
  uint64_t cl_ord_id;
  uint64_t order_id;  // the venue's id (session << 32 | n); 0 when rejected
  uint64_t match_id;  // fills: the shard's trade number, the same on both sides
  int64_t last_px;    // fills: the trade price (mantissa)
  int64_t last_qty;   // fills: the traded quantity
  int64_t leaves_qty; // open quantity after this event
  int64_t cum_qty;    // filled so far
  int64_t price;      // the order's limit price (mantissa); new: as ordered, replaced: the new one
  int64_t qty;        // new: as ordered; replaced: the open qty after; cancelled: qty removed
  uint32_t event_index;  // position of the event among the input's events (0-based)
  char symbol[kSymbolSize];
  int8_t price_exponent;  // of last_px and price
  uint8_t exec_type;      // ExecType
  uint8_t side;           // Side
  uint8_t ord_type;       // OrdType
  uint8_t tif;            // Tif
  uint8_t reject_reason;  // RejectCode (rejected)
  uint8_t cancel_reason;  // rialto::CancelReason (cancelled)
  uint8_t command;        // rejected: the rejected command (rialto::CommandType)
  uint8_t flags;          // kFlagAggressor | kFlagKeptPriority
};

struct SyncAck {
  static constexpr TemplateId kTemplate = TemplateId::sync_ack;
  uint64_t seq;
  uint64_t token;
};

struct BookLevel {
  static constexpr TemplateId kTemplate = TemplateId::book_level;
  uint64_t seq;
  int64_t price;  // mantissa
  int64_t qty;
  uint32_t orders;
  char symbol[kSymbolSize];
  int8_t price_exponent;
  uint8_t side;  // Side
};

struct BookEnd {
  static constexpr TemplateId kTemplate = TemplateId::book_end;
  uint64_t seq;
  char symbol[kSymbolSize];
  uint8_t status;  // BookStatus
};

struct InstrumentReport {
  static constexpr TemplateId kTemplate = TemplateId::instrument_report;
  uint64_t seq;
  int64_t tick;
  int64_t lot;
  int64_t max_qty;
  char symbol[kSymbolSize];
  int8_t tick_exponent;
  uint8_t status;  // InstrumentStatus
};

struct MassCancelReport {
  static constexpr TemplateId kTemplate = TemplateId::mass_cancel_report;
  uint64_t seq;
  uint32_t cancelled;  // orders cancelled
  char symbol[kSymbolSize];
};

#pragma pack(pop)

static_assert(sizeof(MessageHeader) == kHeaderSize);
static_assert(sizeof(Logon) == 53);
static_assert(sizeof(LogonAck) == 17);
static_assert(sizeof(Logout) == 57);
static_assert(sizeof(Heartbeat) == 8);
static_assert(sizeof(NewOrder) == 46);
static_assert(sizeof(CancelOrder) == 16);
static_assert(sizeof(ModifyOrder) == 33);
static_assert(sizeof(MassCancel) == 16);
static_assert(sizeof(Sync) == 16);
static_assert(sizeof(BookRequest) == 16);
static_assert(sizeof(AddInstrument) == 41);
static_assert(sizeof(Expire) == 8);
static_assert(sizeof(ExecutionReport) == 109);
static_assert(sizeof(SyncAck) == 16);
static_assert(sizeof(BookLevel) == 38);
static_assert(sizeof(BookEnd) == 17);
static_assert(sizeof(InstrumentReport) == 42);
static_assert(sizeof(MassCancelReport) == 20);

/// A fixed char field as a string (up to the first NUL).
template <size_t N>
[[nodiscard]] inline std::string_view field_view(const char (&f)[N]) {
  return std::string_view(f, strnlen(f, N));
}
/// Copies `s` into a fixed char field, NUL-padded; false (field untouched) if too long.
template <size_t N>
[[nodiscard]] inline bool set_field(char (&f)[N], std::string_view s) {
  if (s.size() > N) return false;
  std::memset(f, 0, N);
  std::memcpy(f, s.data(), s.size());
  return true;
}

}  // namespace rialto::protocol
