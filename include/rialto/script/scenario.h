// The scenario format (docs/SEMANTICS.md, "Scenario format v1") split in two:
// the parser, which checks every line and produces the `FILE:LINE: ...`
// malformed-line messages, and a Backend, which executes the parsed commands.
// `rialto script` runs them on a local engine (script.h); `rialto client
// --script` sends them to a venue (rialto/client/script_backend.h). Both
// print through the same TextSink, so a valid script prints the same lines.
//
// Parsed commands keep prices as the decimal text of the line: each backend
// converts them its own way (ticks for the engine, wire decimals for a venue).
// Their string_views point into the line being executed and are valid only
// during the Backend call.
//
// Thread safety: none; one thread runs a script.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rialto/core/decimal.h"
#include "rialto/core/types.h"
#include "rialto/engine/engine.h"
#include "rialto/script/text_sink.h"

namespace rialto::script {

/// `symbol NAME tick=T [lot=L] [max_qty=M]`
struct SymbolDef {
  std::string_view name;
  std::string_view tick_text;
  TickSize tick;
  engine::SymbolSpec spec;  // lot and max_qty (the engine's defaults when not given)
  SymbolId id;              // the id it gets: symbols are numbered in definition order
};

/// `new id=.. sym=.. side=.. qty=.. [type=..] [px=..] [tif=..] [acct=..] [stp=..] [post_only]`
struct NewCommand {
  OrderId id{};
  std::string_view symbol;
  SymbolId symbol_id = kNoSymbol;  // kNoSymbol: not defined by the script (the backend rejects it)
  Side side = Side::buy;
  OrderType type = OrderType::limit;
  TimeInForce tif = TimeInForce::gtc;  // ioc for a market order without tif=
  StpMode stp = StpMode::none;
  bool post_only = false;
  std::string_view account;            // empty: no acct= (the anonymous account "-", or a backend's default)
  Qty qty{};                           // out-of-int64 input arrives as Qty{0}
  std::optional<std::string_view> px;  // decimal text (is_decimal)
};

struct CancelCommand {
  OrderId id{};
};

/// `modify id=.. [px=..] [qty=..]` (at least one of them)
struct ModifyCommand {
  OrderId id{};
  std::optional<std::string_view> px;  // decimal text
  bool has_qty = false;
  Qty qty{};
};

/// `book sym=..` of a symbol the script defined.
struct BookCommand {
  std::string_view symbol;
  SymbolId symbol_id;
};

/// The symbols a script defined, in definition order (the index is the SymbolId).
class SymbolTable {
 public:
  [[nodiscard]] std::optional<SymbolId> find(std::string_view name) const {
    auto it = ids_.find(std::string(name));
    return it == ids_.end() ? std::nullopt : std::optional<SymbolId>(it->second);
  }
  SymbolId add(std::string_view name, const TickSize& tick, const engine::SymbolSpec& spec) {
    SymbolId id(static_cast<uint32_t>(ticks_.size()));
    ids_.emplace(std::string(name), id);
    names_.emplace_back(name);
    ticks_.push_back(tick);
    specs_.push_back(spec);
    return id;
  }
  [[nodiscard]] uint32_t size() const { return static_cast<uint32_t>(ticks_.size()); }
  [[nodiscard]] const std::vector<TickSize>& ticks() const { return ticks_; }
  [[nodiscard]] const TickSize& tick(SymbolId s) const { return ticks_[s.value()]; }
  [[nodiscard]] const engine::SymbolSpec& spec(SymbolId s) const { return specs_[s.value()]; }
  [[nodiscard]] const std::string& name(SymbolId s) const { return names_[s.value()]; }

 private:
  std::unordered_map<std::string, SymbolId> ids_;
  std::vector<std::string> names_;
  std::vector<TickSize> ticks_;
  std::vector<engine::SymbolSpec> specs_;
};

/// Executes parsed commands and writes their lines to sink().
/// Each command returns false when the run cannot go on (a problem the
/// scenario format does not know, e.g. a lost connection); the backend has
/// then said why on its own error stream, and the run ends with kIoError.
class Backend {
 public:
  Backend() : sink_(symbols_.ticks()) {}
  virtual ~Backend() = default;
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  [[nodiscard]] const SymbolTable& symbols() const { return symbols_; }
  [[nodiscard]] TextSink& sink() { return sink_; }

  /// The whole malformed-line message when `def` is refused (e.g. a symbol
  /// limit of the local engine), or empty. Called after every syntax check.
  [[nodiscard]] virtual std::string refuse_symbol(const SymbolDef& def) const {
    (void)def;
    return {};
  }
  /// Defines the symbol; on true the parser adds it to symbols().
  [[nodiscard]] virtual bool symbol(const SymbolDef& def) = 0;
  [[nodiscard]] virtual bool new_order(const NewCommand& cmd) = 0;
  [[nodiscard]] virtual bool cancel(const CancelCommand& cmd) = 0;
  [[nodiscard]] virtual bool modify(const ModifyCommand& cmd) = 0;
  [[nodiscard]] virtual bool expire() = 0;
  [[nodiscard]] virtual bool book(const BookCommand& cmd) = 0;

 protected:
  /// For a backend that learns symbols from elsewhere (the venue).
  SymbolTable& learnt_symbols() { return symbols_; }

 private:
  friend struct LineExecutor;
  SymbolTable symbols_;
  TextSink sink_;
};

enum class LineStatus : uint8_t {
  ok,         // executed (or empty / a comment)
  malformed,  // LineResult::message says what is wrong; nothing was executed
  failed,     // the backend could not go on
};

struct LineResult {
  LineStatus status = LineStatus::ok;
  std::string message;  // malformed: the text after `NAME:LINE: `
};

/// Parses one line (without its newline) and executes it on `backend`.
[[nodiscard]] LineResult execute_line(std::string_view text, Backend& backend);

/// Runs a whole script: the loop, messages and exit statuses of script::run()
/// (script.h), with `cli` ("rialto script: ") opening the I/O messages.
int run(std::istream& in, std::string_view name, std::ostream& out, std::ostream& err, Backend& backend,
        std::string_view cli);

}  // namespace rialto::script
