// `rialto load`: an open-loop load generator for the rialto server, and a
// plain TCP echo pair over the same loopback as its physical floor.
//
// Open loop: the k-th message's intended send time is start + k / rate, the
// messages go round-robin over the sessions, and nothing waits for replies
// before sending. A message's latency is the arrival of its first answer
// (the first ExecutionReport of a NewOrder, the cancelled/rejected report of
// a CancelOrder; for the echo, the echoed frame) minus its *scheduled* send
// time, so a generator that falls behind shows the delay in its latencies
// instead of hiding it (no coordinated omission). The order flow and the
// summary's format are in docs/BENCHMARKS.md ("Server load").
//
// Thread safety: run_load and run_echo_load use the calling thread only
// (the echo server they may start runs on a thread of its own).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

namespace rialto::loadgen {

struct LoadOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 7001;
  bool connect_given = false;  // echo: false starts an in-process echo server
  double rate = 10'000;        // offered messages per second, all sessions together
  uint32_t sessions = 1;
  uint32_t symbols = 4;        // LOAD0..LOAD{symbols-1}, defined with AddInstrument
  double duration_s = 5;       // used when orders == 0
  uint64_t orders = 0;         // messages to send; 0: rate x duration
  double warmup_s = 1;         // messages scheduled in the first warmup_s are not recorded
  std::string cdf;             // file for the latency CDF (Histogram::write_cdf), empty: none
  int server_pid = 0;          // > 0: the progress line shows this process's RSS
  uint32_t lifetime = 64;      // a resting order is cancelled after this many of its session's messages
  uint64_t seed = 1;
  double drain_s = 3;          // after the last send, how long to wait for the missing answers
  bool progress = true;        // the once-a-second line on stderr
};

/// Runs the load against a rialto server; prints the summary on `out`,
/// progress and errors on `err`. 0 when the run completed (even with
/// misses: they are in the summary), 1 when it could not run.
int run_load(const LoadOptions& options, std::ostream& out, std::ostream& err);

/// The same schedule against a TCP echo server, frames of a NewOrder's size.
int run_echo_load(const LoadOptions& options, std::ostream& out, std::ostream& err);

/// A plain TCP echo server (epoll, one thread) until SIGINT or SIGTERM.
/// Prints "rialto load: echo server listening on HOST:PORT" on `out`.
int run_echo_server(const std::string& host, uint16_t port, std::ostream& out, std::ostream& err);

}  // namespace rialto::loadgen
