// The scenario script adapter: reads the text format of docs/SEMANTICS.md
// ("Scenario format v1"), drives an Engine, and prints its events.
//
// This is the edge: it parses and reports errors, it allocates, it does I/O.
// The engine it drives does none of that.
#pragma once

#include <iosfwd>
#include <string_view>

#include "rialto/engine/engine.h"
#include "rialto/script/lifetime_ids.h"

namespace rialto::script {

struct Options {
  engine::EngineConfig engine;
  uint64_t max_ids = LifetimeIds::kDefaultMaxIds;  // ids a script may use (lifetime duplicate_id)
};

/// Exit statuses of run().
inline constexpr int kOk = 0;
inline constexpr int kMalformed = 2;
inline constexpr int kNoMemory = 1;  // the engine's tables could not be mapped

/// Runs the script read from `in`. Events go to `out`, one per line; a
/// malformed line stops the run with `NAME:LINE: <what is wrong>` on `err`
/// (after flushing the events of earlier lines) and returns kMalformed.
int run(std::istream& in, std::string_view name, std::ostream& out, std::ostream& err,
        const Options& options = {});

}  // namespace rialto::script
