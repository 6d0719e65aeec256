// Script lines rebuilt from execution reports: what `rialto client --script`
// prints, identical to what `rialto script` prints for the same input.
//
// The reports of one input (from every session of the script) are collected,
// ordered by (engine_seq, event_index), turned back into rialto::Event values
// and fed to the script's TextSink. A trade arrives as two reports (taker's
// and maker's, same match_id, same engine_seq and event_index) and becomes
// one `trade` line; the taker is the report with kFlagAggressor.
//
// Thread safety: none.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "rialto/core/types.h"
#include "rialto/protocol/messages.h"
#include "rialto/script/scenario.h"
#include "rialto/script/text_sink.h"

namespace rialto::client {

/// "new_order", "filled", ... and "duplicate_id", "throttled", ...
[[nodiscard]] std::string_view to_string(protocol::ExecType t);
[[nodiscard]] std::string_view to_string(protocol::RejectCode c);
[[nodiscard]] std::string_view to_string(protocol::InstrumentStatus s);

/// A wire decimal as exact text: {10050, -2} is "100.50", {5, 1} is "50".
[[nodiscard]] std::string format_wire(int64_t mantissa, int8_t exponent);

/// One report on one line, for the interactive client, e.g.
/// `report exec=filled id=5 order=4294967297 px=100.50 qty=10 leaves=0 cum=10 match=3 seq=12`.
[[nodiscard]] std::string format_report(const protocol::ExecutionReport& r);

/// The reports of one input, turned into script lines.
class InputReports {
 public:
  explicit InputReports(size_t reserve = 1024) { reports_.reserve(reserve); }

  void add(const protocol::ExecutionReport& r) { reports_.push_back(r); }
  [[nodiscard]] bool empty() const { return reports_.empty(); }
  [[nodiscard]] size_t size() const { return reports_.size(); }
  void clear() { reports_.clear(); }

  /// Writes the lines of the collected reports to `sink` and clears them.
  /// False with `error` set when the reports cannot be script lines: a
  /// symbol or price the script does not know, a gateway reject the scenario
  /// format has no word for (throttled, not_authorized, ...), or a trade
  /// whose other side is not among the reports. Lines before the problem
  /// are written.
  [[nodiscard]] bool emit(const script::SymbolTable& symbols, script::TextSink& sink, std::string& error);

 private:
  std::vector<protocol::ExecutionReport> reports_;
  std::vector<size_t> order_;
};

/// The Event a single (non-trade) report stands for; for a fill, the trade
/// seen from this report's side (id = this order, maker unset). nullopt with
/// `error` set when it cannot be one (see InputReports::emit).
[[nodiscard]] std::optional<Event> to_event(const protocol::ExecutionReport& r, const script::SymbolTable& symbols,
                                            std::string& error);

}  // namespace rialto::client
