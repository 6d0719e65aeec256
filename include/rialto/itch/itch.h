// NASDAQ TotalView-ITCH 5.0 messages: the 23 message types as plain structs
// with host-order fields, their big-endian wire encoding and checked decoding.
// The wire layouts, field by field, and how rialto uses them: docs/MARKET_DATA.md.
//
// Every message starts with the same 11 bytes:
//
//    0        1        3        5                          11
//    +--------+--------+--------+--------------------------+------------
//    | type   | locate | track  | timestamp (ns since      | body ...
//    | 1 char | u16 BE | u16 BE | midnight, 48-bit BE)     |
//    +--------+--------+--------+--------------------------+------------
//
// Data types, as the spec defines them:
//   Integer      unsigned, big-endian (network order), 1/2/4/6/8 bytes.
//   Alpha        ASCII, left-justified, padded on the right with spaces.
//   Price (4)    uint32 with 4 implied decimal places (1010000 = 101.0000).
//   Price (8)    uint64 with 8 implied decimal places (MWCB levels only).
//   Timestamp    6-byte integer, nanoseconds since midnight.
//
// Thread safety: free functions over caller-owned data; no state.
// No exceptions; encode() and decode() do not allocate (the text functions do).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace rialto::itch {

/// An ITCH Alpha field of N characters (left-justified, space-padded).
template <std::size_t N>
using Alpha = std::array<char, N>;

/// `text` left-justified in N characters, padded with spaces (truncated if longer).
template <std::size_t N>
constexpr Alpha<N> make_alpha(std::string_view text) noexcept {
  Alpha<N> a{};
  for (std::size_t i = 0; i < N; ++i) a[i] = i < text.size() ? text[i] : ' ';
  return a;
}

/// The field without its right padding.
template <std::size_t N>
constexpr std::string_view trimmed(const Alpha<N>& a) noexcept {
  std::size_t n = N;
  while (n > 0 && a[n - 1] == ' ') --n;
  return std::string_view(a.data(), n);
}

using Stock = Alpha<8>;

/// The largest timestamp the 6-byte field holds.
inline constexpr std::uint64_t kMaxTimestamp = (std::uint64_t{1} << 48) - 1;

// Alpha fields default to all spaces (an empty field), as on the wire.

/// Bytes 1..10 of every message.
struct Header {
  std::uint16_t stock_locate = 0;  ///< 0 for messages not about one stock
  std::uint16_t tracking_number = 0;
  std::uint64_t timestamp = 0;  ///< ns since midnight; at most kMaxTimestamp
  bool operator==(const Header&) const = default;
};

// 4.1 System Event (S), 12 bytes.
struct SystemEvent {
  static constexpr char kType = 'S';
  static constexpr std::size_t kSize = 12;
  Header header;
  char event_code = 'O';  ///< O S Q M E C
  bool operator==(const SystemEvent&) const = default;
};

// 4.2.1 Stock Directory (R), 39 bytes.
struct StockDirectory {
  static constexpr char kType = 'R';
  static constexpr std::size_t kSize = 39;
  Header header;
  Stock stock = make_alpha<8>("");
  char market_category = ' ';
  char financial_status_indicator = ' ';
  std::uint32_t round_lot_size = 0;
  char round_lots_only = 'N';
  char issue_classification = ' ';
  Alpha<2> issue_sub_type = make_alpha<2>("");
  char authenticity = 'P';
  char short_sale_threshold_indicator = ' ';
  char ipo_flag = ' ';
  char luld_reference_price_tier = ' ';
  char etp_flag = ' ';
  std::uint32_t etp_leverage_factor = 0;
  char inverse_indicator = 'N';
  bool operator==(const StockDirectory&) const = default;
};

// 4.2.2 Stock Trading Action (H), 25 bytes.
struct StockTradingAction {
  static constexpr char kType = 'H';
  static constexpr std::size_t kSize = 25;
  Header header;
  Stock stock = make_alpha<8>("");
  char trading_state = 'T';  ///< H P Q T
  char reserved = ' ';
  Alpha<4> reason = make_alpha<4>("");
  bool operator==(const StockTradingAction&) const = default;
};

// 4.2.3 Reg SHO Short Sale Price Test Restricted Indicator (Y), 20 bytes.
struct RegShoRestriction {
  static constexpr char kType = 'Y';
  static constexpr std::size_t kSize = 20;
  Header header;
  Stock stock = make_alpha<8>("");
  char reg_sho_action = '0';  ///< 0 1 2
  bool operator==(const RegShoRestriction&) const = default;
};

// 4.2.4 Market Participant Position (L), 26 bytes.
struct MarketParticipantPosition {
  static constexpr char kType = 'L';
  static constexpr std::size_t kSize = 26;
  Header header;
  Alpha<4> mpid = make_alpha<4>("");
  Stock stock = make_alpha<8>("");
  char primary_market_maker = 'N';
  char market_maker_mode = 'N';
  char market_participant_state = 'A';
  bool operator==(const MarketParticipantPosition&) const = default;
};

// 4.2.5.1 MWCB Decline Level (V), 35 bytes. Prices are Price (8).
struct MwcbDeclineLevel {
  static constexpr char kType = 'V';
  static constexpr std::size_t kSize = 35;
  Header header;
  std::uint64_t level1 = 0;
  std::uint64_t level2 = 0;
  std::uint64_t level3 = 0;
  bool operator==(const MwcbDeclineLevel&) const = default;
};

// 4.2.5.2 MWCB Status (W), 12 bytes.
struct MwcbStatus {
  static constexpr char kType = 'W';
  static constexpr std::size_t kSize = 12;
  Header header;
  char breached_level = '1';  ///< 1 2 3
  bool operator==(const MwcbStatus&) const = default;
};

// 4.2.6 IPO Quoting Period Update (K), 28 bytes.
struct IpoQuotingPeriodUpdate {
  static constexpr char kType = 'K';
  static constexpr std::size_t kSize = 28;
  Header header;
  Stock stock = make_alpha<8>("");
  std::uint32_t ipo_quotation_release_time = 0;  ///< seconds since midnight
  char ipo_quotation_release_qualifier = 'A';    ///< A C
  std::uint32_t ipo_price = 0;                   ///< Price (4)
  bool operator==(const IpoQuotingPeriodUpdate&) const = default;
};

// 4.2.7 LULD Auction Collar (J), 35 bytes.
struct LuldAuctionCollar {
  static constexpr char kType = 'J';
  static constexpr std::size_t kSize = 35;
  Header header;
  Stock stock = make_alpha<8>("");
  std::uint32_t auction_collar_reference_price = 0;  ///< Price (4)
  std::uint32_t upper_auction_collar_price = 0;      ///< Price (4)
  std::uint32_t lower_auction_collar_price = 0;      ///< Price (4)
  std::uint32_t auction_collar_extension = 0;
  bool operator==(const LuldAuctionCollar&) const = default;
};

// 4.2.8 Operational Halt (h), 21 bytes.
struct OperationalHalt {
  static constexpr char kType = 'h';
  static constexpr std::size_t kSize = 21;
  Header header;
  Stock stock = make_alpha<8>("");
  char market_code = 'Q';              ///< Q B X
  char operational_halt_action = 'H';  ///< H T
  bool operator==(const OperationalHalt&) const = default;
};

// 4.3.1 Add Order, no MPID attribution (A), 36 bytes.
struct AddOrder {
  static constexpr char kType = 'A';
  static constexpr std::size_t kSize = 36;
  Header header;
  std::uint64_t order_reference_number = 0;
  char buy_sell_indicator = 'B';  ///< B S
  std::uint32_t shares = 0;
  Stock stock = make_alpha<8>("");
  std::uint32_t price = 0;  ///< Price (4)
  bool operator==(const AddOrder&) const = default;
};

// 4.3.2 Add Order with MPID attribution (F), 40 bytes.
struct AddOrderMpid {
  static constexpr char kType = 'F';
  static constexpr std::size_t kSize = 40;
  Header header;
  std::uint64_t order_reference_number = 0;
  char buy_sell_indicator = 'B';  ///< B S
  std::uint32_t shares = 0;
  Stock stock = make_alpha<8>("");
  std::uint32_t price = 0;  ///< Price (4)
  Alpha<4> attribution = make_alpha<4>("");
  bool operator==(const AddOrderMpid&) const = default;
};

// 4.4.1 Order Executed (E), 31 bytes: at the resting order's price.
struct OrderExecuted {
  static constexpr char kType = 'E';
  static constexpr std::size_t kSize = 31;
  Header header;
  std::uint64_t order_reference_number = 0;
  std::uint32_t executed_shares = 0;
  std::uint64_t match_number = 0;
  bool operator==(const OrderExecuted&) const = default;
};

// 4.4.2 Order Executed With Price (C), 36 bytes.
struct OrderExecutedWithPrice {
  static constexpr char kType = 'C';
  static constexpr std::size_t kSize = 36;
  Header header;
  std::uint64_t order_reference_number = 0;
  std::uint32_t executed_shares = 0;
  std::uint64_t match_number = 0;
  char printable = 'Y';               ///< Y N
  std::uint32_t execution_price = 0;  ///< Price (4)
  bool operator==(const OrderExecutedWithPrice&) const = default;
};

// 4.4.3 Order Cancel (X), 23 bytes: a partial cancel, the order keeps its place.
struct OrderCancel {
  static constexpr char kType = 'X';
  static constexpr std::size_t kSize = 23;
  Header header;
  std::uint64_t order_reference_number = 0;
  std::uint32_t cancelled_shares = 0;
  bool operator==(const OrderCancel&) const = default;
};

// 4.4.4 Order Delete (D), 19 bytes.
struct OrderDelete {
  static constexpr char kType = 'D';
  static constexpr std::size_t kSize = 19;
  Header header;
  std::uint64_t order_reference_number = 0;
  bool operator==(const OrderDelete&) const = default;
};

// 4.4.5 Order Replace (U), 35 bytes: the original is deleted and a new order
// (new reference, same side and stock) is added at the back of its level.
struct OrderReplace {
  static constexpr char kType = 'U';
  static constexpr std::size_t kSize = 35;
  Header header;
  std::uint64_t original_order_reference_number = 0;
  std::uint64_t new_order_reference_number = 0;
  std::uint32_t shares = 0;
  std::uint32_t price = 0;  ///< Price (4)
  bool operator==(const OrderReplace&) const = default;
};

// 4.5.1 Trade, non-cross (P), 44 bytes: a match against a non-displayed order.
struct Trade {
  static constexpr char kType = 'P';
  static constexpr std::size_t kSize = 44;
  Header header;
  std::uint64_t order_reference_number = 0;  ///< 0 on the live feed
  char buy_sell_indicator = 'B';
  std::uint32_t shares = 0;
  Stock stock = make_alpha<8>("");
  std::uint32_t price = 0;  ///< Price (4)
  std::uint64_t match_number = 0;
  bool operator==(const Trade&) const = default;
};

// 4.5.2 Cross Trade (Q), 40 bytes.
struct CrossTrade {
  static constexpr char kType = 'Q';
  static constexpr std::size_t kSize = 40;
  Header header;
  std::uint64_t shares = 0;  ///< 8 bytes in this message
  Stock stock = make_alpha<8>("");
  std::uint32_t cross_price = 0;  ///< Price (4)
  std::uint64_t match_number = 0;
  char cross_type = 'O';  ///< O C H I
  bool operator==(const CrossTrade&) const = default;
};

// 4.5.3 Broken Trade / Order Execution (B), 19 bytes.
struct BrokenTrade {
  static constexpr char kType = 'B';
  static constexpr std::size_t kSize = 19;
  Header header;
  std::uint64_t match_number = 0;
  bool operator==(const BrokenTrade&) const = default;
};

// 4.6 Net Order Imbalance Indicator (I), 50 bytes.
struct Noii {
  static constexpr char kType = 'I';
  static constexpr std::size_t kSize = 50;
  Header header;
  std::uint64_t paired_shares = 0;
  std::uint64_t imbalance_shares = 0;
  char imbalance_direction = 'N';  ///< B S N O
  Stock stock = make_alpha<8>("");
  std::uint32_t far_price = 0;                ///< Price (4)
  std::uint32_t near_price = 0;               ///< Price (4)
  std::uint32_t current_reference_price = 0;  ///< Price (4)
  char cross_type = 'O';
  char price_variation_indicator = ' ';
  bool operator==(const Noii&) const = default;
};

// 4.7 Retail Price Improvement Indicator (N), 20 bytes.
struct RetailPriceImprovement {
  static constexpr char kType = 'N';
  static constexpr std::size_t kSize = 20;
  Header header;
  Stock stock = make_alpha<8>("");
  char interest_flag = 'N';  ///< B S A N
  bool operator==(const RetailPriceImprovement&) const = default;
};

// 4.8 Direct Listing with Capital Raise Price Discovery (O), 48 bytes.
struct DirectListingPriceDiscovery {
  static constexpr char kType = 'O';
  static constexpr std::size_t kSize = 48;
  Header header;
  Stock stock = make_alpha<8>("");
  char open_eligibility_status = 'N';          ///< N Y
  std::uint32_t minimum_allowable_price = 0;   ///< Price (4)
  std::uint32_t maximum_allowable_price = 0;   ///< Price (4)
  std::uint32_t near_execution_price = 0;      ///< Price (4)
  std::uint64_t near_execution_time = 0;       ///< ns since midnight (8 bytes)
  std::uint32_t lower_price_range_collar = 0;  ///< Price (4)
  std::uint32_t upper_price_range_collar = 0;  ///< Price (4)
  bool operator==(const DirectListingPriceDiscovery&) const = default;
};

/// One decoded message; the alternative names its type.
using Message =
    std::variant<SystemEvent, StockDirectory, StockTradingAction, RegShoRestriction, MarketParticipantPosition,
                 MwcbDeclineLevel, MwcbStatus, IpoQuotingPeriodUpdate, LuldAuctionCollar, OperationalHalt, AddOrder,
                 AddOrderMpid, OrderExecuted, OrderExecutedWithPrice, OrderCancel, OrderDelete, OrderReplace, Trade,
                 CrossTrade, BrokenTrade, Noii, RetailPriceImprovement, DirectListingPriceDiscovery>;

/// The longest message (Noii): a buffer this big holds any encoded message.
inline constexpr std::size_t kMaxMessageSize = 50;

/// The fixed length on the wire of messages of `type`, 0 if the type is unknown.
std::size_t message_size(char type) noexcept;

/// The type character of `m` ('A' for AddOrder, ...).
char message_type(const Message& m) noexcept;

/// The header of any message.
const Header& header_of(const Message& m) noexcept;

/// Writes `m` to `out` (at least message_size(message_type(m)) bytes, so
/// kMaxMessageSize always suffices) in big-endian wire order; returns the
/// length written. Timestamps above kMaxTimestamp keep their low 48 bits.
std::size_t encode(const Message& m, char* out) noexcept;

enum class DecodeError : std::uint8_t {
  ok,
  empty,         ///< no bytes at all
  unknown_type,  ///< the first byte is not one of the 23 types
  bad_length,    ///< n is not the type's fixed length
};

/// The outcome of decode(); free when ok.
struct [[nodiscard]] DecodeStatus {
  DecodeError error = DecodeError::ok;
  char type = 0;             ///< the first byte, when there was one
  std::size_t length = 0;    ///< the length given
  std::size_t expected = 0;  ///< the type's length (bad_length)

  bool ok() const noexcept { return error == DecodeError::ok; }
  /// e.g. "unknown message type 0x7a", "message 'A': length 35, expected 36".
  std::string message() const;
};

/// Decodes exactly one message from p[0, n): the type must be known and n must
/// be its length. Never reads past n; *out is written only when ok.
DecodeStatus decode(const char* p, std::size_t n, Message* out) noexcept;

/// "34200.000000123": seconds and nanoseconds since midnight.
std::string format_timestamp(std::uint64_t ns);
/// "101.0000": a Price (4).
std::string format_price4(std::uint32_t price);
/// "1.00000000": a Price (8).
std::string format_price8(std::uint64_t price);

/// One readable line, no newline, every field named, e.g.
/// "A locate=1 track=0 ts=34200.000000123 ref=5 side=B shares=100 stock=ACME price=101.0000".
std::string to_text(const Message& m);

}  // namespace rialto::itch
