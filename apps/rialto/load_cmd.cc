#include "load_cmd.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

#include "rialto/config/venue_config.h"
#include "rialto/loadgen/load.h"

namespace rialto::app {

namespace {

struct LoadCommand {
  loadgen::LoadOptions load;
  std::string connect;
  std::string listen = "127.0.0.1:7002";
  bool echo = false;
  bool echo_server = false;
  bool quiet = false;
};

LoadCommand& cmd() {
  static LoadCommand c;
  return c;
}

}  // namespace

CLI::App* add_load_command(CLI::App& app) {
  LoadCommand& c = cmd();
  CLI::App* load = app.add_subcommand(
      "load", "Open-loop load generator: orders at a fixed rate over N sessions, latency from the scheduled send time");
  load->add_option("--connect", c.connect, "HOST:PORT of the server (default 127.0.0.1:7001; --echo: an echo server, "
                                           "default one started in this process)");
  load->add_option("--rate", c.load.rate, "offered messages per second, all sessions together")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e8));
  load->add_option("--sessions", c.load.sessions, "sessions (connections), driven by one thread")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000u));
  load->add_option("--symbols", c.load.symbols, "symbols LOAD0.. defined with AddInstrument")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000u));
  auto* duration = load->add_option("--duration", c.load.duration_s, "seconds of schedule")
                       ->capture_default_str()
                       ->check(CLI::Range(0.001, 1e6));
  load->add_option("--orders", c.load.orders, "messages to send (instead of --duration)")->excludes(duration);
  load->add_option("--warmup", c.load.warmup_s, "seconds at the start not recorded in the histogram")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6));
  load->add_option("--cdf", c.load.cdf, "write the latency CDF here (value_ns,fraction,count,percentile_axis)");
  load->add_option("--server-pid", c.load.server_pid, "show this process's RSS in the progress line")
      ->check(CLI::Range(1, 1 << 30));
  load->add_option("--lifetime", c.load.lifetime, "a resting order is cancelled after this many messages of its session")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1u << 20));
  load->add_option("--seed", c.load.seed, "order flow seed")->capture_default_str();
  load->add_option("--drain", c.load.drain_s, "seconds to wait for missing answers after the last send")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 600.0));
  load->add_flag("--quiet", c.quiet, "no progress line");
  load->add_flag("--echo", c.echo, "measure the TCP echo floor instead (same schedule, NewOrder-sized frames)");
  auto* es = load->add_flag("--echo-server", c.echo_server, "run a plain TCP echo server until SIGINT/SIGTERM");
  load->add_option("--listen", c.listen, "--echo-server: HOST:PORT to listen on")->capture_default_str()->needs(es);
  return load;
}

int run_load_command() {
  LoadCommand& c = cmd();
  if (c.echo_server) {
    auto hp = config::parse_host_port(c.listen);
    if (!hp) {
      std::cerr << "rialto load: --listen " << c.listen.substr(0, 40) << " is not HOST:PORT\n";
      return 2;
    }
    return loadgen::run_echo_server(hp->first, hp->second, std::cout, std::cerr);
  }
  if (!c.connect.empty()) {
    auto hp = config::parse_host_port(c.connect);
    if (!hp) {
      std::cerr << "rialto load: --connect " << c.connect.substr(0, 40)
                << " is not HOST:PORT (e.g. 127.0.0.1:7001)\n";
      return 2;
    }
    c.load.host = hp->first;
    c.load.port = hp->second;
    c.load.connect_given = true;
  }
  c.load.progress = !c.quiet;
  return c.echo ? loadgen::run_echo_load(c.load, std::cout, std::cerr)
                : loadgen::run_load(c.load, std::cout, std::cerr);
}

}  // namespace rialto::app
