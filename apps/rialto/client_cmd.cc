#include "client_cmd.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "rialto/client/script_backend.h"
#include "rialto/script/scenario.h"
#include "rialto/script/script.h"

namespace rialto::app {

namespace {

constexpr std::string_view kCli = "rialto client: ";

struct ClientOptions {
  std::string connect = "127.0.0.1:7001";
  std::string script;  // empty: interactive
  std::string account = "-";
  std::string password;
  uint32_t heartbeat_ms = 1000;
  int timeout_ms = 10000;
  uint64_t max_ids = script::LifetimeIds::kDefaultMaxIds;
};

ClientOptions& options() {
  static ClientOptions o;
  return o;
}

/// "HOST:PORT" or "[V6]:PORT"; false if it is neither.
bool split_host_port(std::string_view s, std::string& host, uint16_t& port) {
  const size_t colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view h = s.substr(0, colon);
  std::string_view p = s.substr(colon + 1);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  unsigned v = 0;
  auto r = std::from_chars(p.data(), p.data() + p.size(), v);
  if (p.empty() || r.ec != std::errc() || r.ptr != p.data() + p.size() || v == 0 || v > 65535) return false;
  host = std::string(h);
  port = static_cast<uint16_t>(v);
  return true;
}

int run_script(client::RemoteBackend& backend, const std::string& path) {
  if (path == "-") return script::run(std::cin, "<stdin>", std::cout, std::cerr, backend, kCli);
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int e = errno;
    std::cerr << kCli << "cannot open " << path << ": " << (e != 0 ? std::strerror(e) : "the file stream failed")
              << '\n';
    return script::kIoError;
  }
  return script::run(in, path, std::cout, std::cerr, backend, kCli);
}

/// Reads lines from stdin as they are typed while the sessions' reports
/// keep arriving: one poll() over stdin and every session.
int run_interactive(client::RemoteBackend& backend, const std::string& account) {
  if (!backend.open(account)) return 1;
  std::string pending;
  uint64_t line_no = 0;
  char buf[4096];
  bool eof = false;
  while (!eof) {
    std::vector<pollfd> fds;
    fds.push_back({STDIN_FILENO, POLLIN, 0});
    for (int fd : backend.fds()) fds.push_back({fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), 200) < 0 && errno != EINTR) {
      std::cerr << kCli << "poll failed: " << std::strerror(errno) << '\n';
      return 1;
    }
    if (!backend.poll_idle()) return 1;
    std::cout.flush();
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::cerr << kCli << "cannot read <stdin>: " << std::strerror(errno) << '\n';
      return 1;
    }
    if (n == 0) {
      eof = true;
      if (pending.empty()) break;
      pending.push_back('\n');  // the last line without a newline
    } else {
      pending.append(buf, static_cast<size_t>(n));
    }
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      ++line_no;
      script::LineResult r = script::execute_line(std::string_view(pending).substr(start, nl - start), backend);
      backend.sink().flush_to(std::cout);
      std::cout.flush();
      if (r.status == script::LineStatus::failed) return 1;
      if (r.status == script::LineStatus::malformed) std::cerr << "<stdin>:" << line_no << ": " << r.message << '\n';
    }
    pending.erase(0, start);
  }
  return std::cout.good() ? 0 : 1;
}

}  // namespace

CLI::App* add_client_command(CLI::App& app) {
  ClientOptions& o = options();
  CLI::App* c = app.add_subcommand(
      "client",
      "Order-entry client: --script runs a scenario script against a venue and prints what `rialto script` "
      "prints; without --script, type scenario lines and see every execution report");
  c->add_option("--connect", o.connect, "the venue, HOST:PORT")->capture_default_str();
  c->add_option("--script", o.script, "scenario script file, or - for stdin");
  c->add_option("--account", o.account,
                "interactive: the account of orders without acct= (and of symbol, "
                "expire, book)")
      ->capture_default_str();
  c->add_option("--password", o.password, "the password of every account (a venue with configured accounts)");
  c->add_option("--heartbeat-ms", o.heartbeat_ms, "heartbeat interval asked for at logon")
      ->capture_default_str()
      ->check(CLI::Range(100u, 60000u));
  c->add_option("--timeout-ms", o.timeout_ms, "how long to wait for each answer of the venue")
      ->capture_default_str()
      ->check(CLI::Range(1, 3'600'000));
  c->add_option("--max-ids", o.max_ids, "order ids a script may use (lifetime duplicate_id)")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 30));
  return c;
}

int run_client_command() {
  const ClientOptions& o = options();
  client::RemoteOptions r;
  if (!split_host_port(o.connect, r.host, r.port)) {
    std::cerr << kCli << "--connect " << script::quote_for_message(o.connect) << " is not HOST:PORT\n";
    return 2;
  }
  r.password = o.password;
  r.heartbeat_ms = o.heartbeat_ms;
  r.timeout_ms = o.timeout_ms;
  r.max_ids = o.max_ids;
  if (!o.script.empty()) {
    client::RemoteBackend backend(r, std::cerr);
    return run_script(backend, o.script);
  }
  r.default_account = o.account;
  r.echo = &std::cout;
  r.learn_symbols = true;
  client::RemoteBackend backend(r, std::cerr);
  return run_interactive(backend, o.account);
}

}  // namespace rialto::app
