// The exchange server: `rialto serve`. Gateway thread (asio event loop,
// sessions, routing) -> per-shard SPSC queues -> one matching thread per shard
// -> SPSC queues back -> gateway. docs/ARCHITECTURE.md draws it;
// docs/PROTOCOL.md is the wire protocol; docs/CONFIG.md the configuration.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "rialto/config/venue_config.h"

namespace rialto::server {

struct RunOptions {
  /// Written once listening: "listening on HOST:PORT" (the bound port, so that
  /// `--listen 127.0.0.1:0` can be used by tests). Also every log line.
  std::ostream* log = nullptr;
  /// Recover past corruption in the middle of a journal: stop replaying
  /// there and drop the rest (the operator's explicit choice; RUNBOOK).
  bool salvage = false;
  /// Non-empty: each shard K appends every engine event it releases to
  /// `<event_log>.shard-K`, one line each as `rialto replay` prints them (a
  /// drop copy; replay of the journal reproduces it byte for byte).
  std::string event_log;
};

/// Runs the venue until SIGINT or SIGTERM, then shuts down cleanly: stops
/// accepting, lets every shard finish the inputs it was given, sends every
/// report, logs every session out (reason shutdown) and returns 0. Returns 1
/// (with a message in the log) if it cannot start: the address cannot be
/// bound, the engine's tables cannot be allocated; 3 if the data directory
/// cannot be recovered (corruption, a configuration that contradicts it).
int serve(const config::VenueConfig& venue, const RunOptions& options);

}  // namespace rialto::server
