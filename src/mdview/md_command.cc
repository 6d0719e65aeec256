// `rialto md` flags (CLI11) over md_main().
#include <CLI/CLI.hpp>

#include <charconv>
#include <iostream>
#include <string>
#include <string_view>

#include "rialto/mdview/mdview.h"

namespace rialto::mdview {

namespace {

struct MdCommand {
  MdOptions options;
  std::string connect = "127.0.0.1:7002";
  std::uint64_t from_seq = 0;
  CLI::Option* from_seq_option = nullptr;
};

MdCommand& cmd() {
  static MdCommand c;
  return c;
}

/// "HOST:PORT" or "[V6]:PORT", port 1..65535.
bool split_host_port(std::string_view s, std::string& host, std::uint16_t& port) {
  const std::size_t colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view h = s.substr(0, colon);
  const std::string_view p = s.substr(colon + 1);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  unsigned v = 0;
  const auto r = std::from_chars(p.data(), p.data() + p.size(), v);
  if (p.empty() || r.ec != std::errc() || r.ptr != p.data() + p.size() || v == 0 || v > 65535) return false;
  host = std::string(h);
  port = static_cast<std::uint16_t>(v);
  return true;
}

}  // namespace

CLI::App* add_md_command(CLI::App& app) {
  MdCommand& c = cmd();
  CLI::App* md = app.add_subcommand(
      "md", "Market-data viewer: log in to the ITCH/SoupBinTCP feed and show SYMBOL's ladder (or --raw messages)");
  md->add_option("symbol", c.options.symbol, "the stock to show (--raw: only its messages and those of no stock)");
  md->add_option("--connect", c.connect, "HOST:PORT of the market-data feed")->capture_default_str();
  md->add_flag("--raw", c.options.raw, "print every message as a line of text, prefixed by its sequence number");
  md->add_option("--user", c.options.user, "SoupBinTCP username (6 characters at most)");
  md->add_option("--password", c.options.password, "SoupBinTCP password (10 characters at most)");
  c.from_seq_option = md->add_option("--from-seq", c.from_seq,
                                     "replay from this sequence number (default: a snapshot of the books, then live)")
                          ->check(CLI::Range(std::uint64_t{1}, UINT64_MAX));
  md->add_option("--depth", c.options.depth, "levels shown per side")->capture_default_str()->check(CLI::Range(1, 100));
  return md;
}

int run_md_command() {
  MdCommand& c = cmd();
  MdOptions o = c.options;
  if (!split_host_port(c.connect, o.host, o.port)) {
    std::cerr << "rialto md: --connect " << c.connect << " is not HOST:PORT\n";
    return 2;
  }
  if (o.user.size() > 6 || o.password.size() > 10) {
    std::cerr << "rialto md: --user is at most 6 characters and --password at most 10 (SoupBinTCP)\n";
    return 2;
  }
  if (o.symbol.empty() && !o.raw) {
    std::cerr << "rialto md: SYMBOL is required (except with --raw)\n";
    return 2;
  }
  if (c.from_seq_option != nullptr && c.from_seq_option->count() > 0) o.from_seq = c.from_seq;
  return md_main(o);
}

}  // namespace rialto::mdview
