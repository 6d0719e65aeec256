// The scenario script adapter: reads the text format of docs/SEMANTICS.md
// ("Scenario format v1"), drives an Engine, and prints its events. The
// parser and the output format are shared with other backends (scenario.h,
// text_sink.h); run() below is `rialto script`, the local engine's backend.
//
// This is the edge: it parses and reports errors, it allocates, it does I/O.
// The engine it drives does none of that.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
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
inline constexpr int kIoError = 1;
inline constexpr int kMalformed = 2;
inline constexpr int kNoMemory = 1;  // the engine's tables could not be mapped

/// How many bytes of an input value an error message shows at most.
inline constexpr std::size_t kMaxEchoBytes = 40;

/// An input value as error messages show it (docs/SEMANTICS.md): in single
/// quotes, its first kMaxEchoBytes bytes with `'` and `\` escaped as `\'` and
/// `\\`, every byte outside printable ASCII as `\xNN`, and `...` after the
/// closing quote when the value was longer. Safe to print whatever the input.
[[nodiscard]] std::string quote_for_message(std::string_view value);

/// Runs the script read from `in`. Events go to `out`, one per line; a
/// malformed line stops the run with `NAME:LINE: <what is wrong>` on `err`
/// (after flushing the events of earlier lines) and returns kMalformed.
/// An I/O failure returns kIoError with a message on `err`, after the events
/// of the lines read so far: `in` fails (`rialto script: cannot read NAME
/// after line N: <reason>`; `in` throws on badbit during the run, so that the
/// reason is known), or `out` fails (`rialto script: cannot write output:
/// <reason>`; the run stops there; a malformed line's message still follows).
int run(std::istream& in, std::string_view name, std::ostream& out, std::ostream& err,
        const Options& options = {});

}  // namespace rialto::script
