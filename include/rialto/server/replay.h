// `rialto replay`: re-runs a journal through a fresh matching engine and
// prints its output, every engine event of every journaled input, one line
// each (docs/JOURNAL.md "Replay"), or only the running output hash that the
// server logs, so that any two runs over the same inputs can be compared.
//
// Thread safety: none needed (one call, one thread). Read-only: a torn tail
// is reported, never repaired (the server repairs at start-up).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "rialto/config/venue_config.h"

namespace rialto::server {

struct ReplayOptions {
  std::string path;           // a data directory (shard-K/ inside), a shard directory, or one journal file
  std::string from_snapshot;  // a snapshot file: start from its state, replay the records after it
  bool hash_only = false;     // print only the per-shard hash lines
  /// The engine's limits must be the server's (a capacity reject depends on
  /// them): max_orders_per_shard and max_symbols_per_shard are taken from here.
  config::VenueConfig venue;
};

/// 0: replayed (output on `out`); 2: bad arguments; 3: the journal or the
/// snapshot is unreadable or corrupt (the error names file and offset, on `err`).
int replay(const ReplayOptions& options, std::ostream& out, std::ostream& err);

}  // namespace rialto::server
