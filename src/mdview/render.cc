// The ladder screen: a pure function of the book and the viewer's counters.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "rialto/mdview/mdview.h"

namespace rialto::mdview {

namespace {

std::string time_of_day(std::uint64_t ns) {
  const std::uint64_t s = ns / 1000000000u;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%02llu:%02llu:%02llu.%09llu", static_cast<unsigned long long>(s / 3600),
                static_cast<unsigned long long>(s / 60 % 60), static_cast<unsigned long long>(s % 60),
                static_cast<unsigned long long>(ns % 1000000000u));
  return buf;
}

std::string level_line(const char* side, const itch::Level& l) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%-4s %12s %12llu %8u", side, itch::format_price4(l.price).c_str(),
                static_cast<unsigned long long>(l.shares), l.orders);
  return buf;
}

}  // namespace

std::string render_ladder(const itch::Book& book, std::optional<std::uint16_t> locate, const Stats& stats,
                          std::size_t width) {
  std::vector<std::string> lines;
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s   seq %llu   %.0f msg/s   %llu messages", stats.symbol.c_str(),
                static_cast<unsigned long long>(stats.last_sequence), stats.messages_per_second,
                static_cast<unsigned long long>(stats.messages));
  lines.emplace_back(buf);
  lines.emplace_back();
  if (!locate) {
    lines.push_back(stats.symbol + ": not in the feed (no Stock Directory or order for it yet)");
  } else {
    std::snprintf(buf, sizeof buf, "%-4s %12s %12s %8s", "", "PRICE", "SHARES", "ORDERS");
    lines.emplace_back(buf);
    auto asks = book.levels(*locate, itch::Side::sell, stats.depth);
    const auto bids = book.levels(*locate, itch::Side::buy, stats.depth);
    if (asks.empty()) lines.emplace_back("     (no asks)");
    std::reverse(asks.begin(), asks.end());  // best ask next to the spread
    for (const auto& l : asks) lines.push_back(level_line("ask", l));
    if (!asks.empty() && !bids.empty() && asks.back().price > bids.front().price) {
      lines.push_back("     ---- spread " + itch::format_price4(asks.back().price - bids.front().price) + " ----");
    } else {
      lines.emplace_back("     ----");
    }
    for (const auto& l : bids) lines.push_back(level_line("bid", l));
    if (bids.empty()) lines.emplace_back("     (no bids)");
  }
  lines.emplace_back();
  lines.emplace_back("last trades");
  if (stats.trades.empty()) lines.emplace_back("  (none)");
  for (const auto& t : stats.trades) {
    std::snprintf(buf, sizeof buf, "  %s %12s %12u", time_of_day(t.timestamp).c_str(),
                  itch::format_price4(t.price).c_str(), t.shares);
    lines.emplace_back(buf);
  }
  lines.emplace_back();
  if (stats.book_errors > 0) {
    lines.push_back("book: " + std::to_string(stats.book_errors) +
                    " inconsistent messages, last: " + stats.last_book_error);
  }
  lines.push_back("status: " + stats.status);

  std::string out;
  for (auto& l : lines) {
    if (l.size() > width) l.resize(width);
    out += l;
    out += '\n';
  }
  return out;
}

}  // namespace rialto::mdview
