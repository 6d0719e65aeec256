// `rialto md`: a market-data viewer. It logs in to a SoupBinTCP server that
// carries ITCH 5.0 (rialto's publisher, by default on 127.0.0.1:7002), applies
// every message to an itch::Book, and shows one symbol's ladder redrawn in
// place, or (--raw) every message as a line of text.
//
// Login: requested session blank; requested sequence number 0, which rialto's
// publisher answers with a snapshot of the current books (Unsequenced Data
// packets) and then the live stream; --from-seq N asks for a replay from N.
// docs/MARKET_DATA.md, "rialto md".
//
// Thread safety: run_md() runs on the calling thread; `stop` may be set from
// another thread or a signal handler.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <iosfwd>
#include <optional>
#include <string>

#include "rialto/itch/book.h"

namespace CLI {
class App;
}

namespace rialto::mdview {

struct MdOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 7002;
  bool raw = false;
  std::string user;
  std::string password;
  std::optional<std::uint64_t> from_seq;  ///< empty: 0, snapshot then live
  std::string symbol;                     ///< required for the ladder; filters --raw
  std::size_t depth = 10;                 ///< levels shown per side
  int login_timeout_ms = 10000;
  /// Logged in, nothing at all (not even a heartbeat) from the server for this
  /// long: the link is taken as down (SoupBinTCP servers heartbeat every second).
  int server_silence_ms = 15000;
  /// Ladder frames are written on `out` with ANSI cursor-home + clear before
  /// each, and the cursor hidden while running (a terminal). Off: frames
  /// separated by a form feed line, for logs and tests.
  bool ansi = true;
};

/// One trade print, from an Order Executed (E), Order Executed With Price (C,
/// printable) or Trade (P) of the shown symbol.
struct TradePrint {
  std::uint32_t price = 0;  ///< Price (4)
  std::uint32_t shares = 0;
  std::uint64_t timestamp = 0;  ///< ns since midnight
};

/// What the ladder shows beside the book.
struct Stats {
  std::string symbol;
  std::uint64_t last_sequence = 0;  ///< of the last Sequenced Data message; 0: none yet
  std::uint64_t messages = 0;       ///< messages applied, sequenced and not
  double messages_per_second = 0;   ///< over the last whole second
  std::deque<TradePrint> trades;    ///< newest first, at most kTradesShown
  std::uint64_t book_errors = 0;    ///< messages the book rejected
  std::string last_book_error;
  std::string status = "connecting";  ///< "connected", "end of session", "disconnected: REASON"
  std::size_t depth = 10;

  static constexpr std::size_t kTradesShown = 8;
};

/// The whole ladder screen of one stock (no escape codes; lines end in '\n',
/// none longer than `width`). `locate` empty: the symbol is not in the feed yet.
std::string render_ladder(const itch::Book& book, std::optional<std::uint16_t> locate, const Stats& stats,
                          std::size_t width);

/// Runs the viewer until end of session (0), `stop` (0), or a connection or
/// login error (1, after a message on `err` such as
/// "rialto md: login rejected: session not available").
int run_md(const MdOptions& options, std::ostream& out, std::ostream& err, const std::atomic<bool>& stop);

/// run_md() on stdout/stderr, stopped by SIGINT or SIGTERM; the terminal's
/// cursor is restored before returning.
int md_main(const MdOptions& options);

/// Adds the `md` subcommand to `app`; returns it. run_md_command() runs it
/// after a successful parse and returns the exit status.
CLI::App* add_md_command(CLI::App& app);
int run_md_command();

}  // namespace rialto::mdview
