#include "rialto/script/script.h"

#include <array>
#include <cassert>
#include <cerrno>
#include <charconv>
#include <concepts>
#include <cstring>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <unordered_map>
#include <vector>

#include "rialto/core/decimal.h"
#include "rialto/core/types.h"
#include "rialto/script/lifetime_ids.h"
#include "rialto/script/scenario.h"
#include "rialto/script/text_sink.h"

namespace rialto::script {

std::string quote_for_message(std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'";
  std::string_view shown = value.substr(0, kMaxEchoBytes);
  for (char ch : shown) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '\'' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c >= 0x20 && c < 0x7f) {
      out += ch;
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  out += '\'';
  if (shown.size() < value.size()) out += "...";
  return out;
}

namespace {

// ---- Parsing ---------------------------------------------------------------

struct Token {
  std::string_view raw;    // the whole token
  std::string_view key;    // empty for a bare token
  std::string_view value;  // the whole token for a bare token
  bool bare;
};

/// Splits a line (comment already removed) on spaces and tabs.
std::vector<Token> tokenize(std::string_view line) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i == start) break;
    std::string_view tok = line.substr(start, i - start);
    size_t eq = tok.find('=');
    if (eq == std::string_view::npos) {
      out.push_back({tok, {}, tok, true});
    } else {
      out.push_back({tok, tok.substr(0, eq), tok.substr(eq + 1), false});
    }
  }
  return out;
}

/// Thrown only inside this file, caught by run(): the edge reports, never crashes.
struct Malformed {
  std::string what;
};

/// A value from the input shown in an error message: always through quote_for_message().
struct Q {
  std::string_view s;
};
inline void append(std::string& out, std::string_view s) { out.append(s); }
inline void append(std::string& out, Q q) { out += quote_for_message(q.s); }

template <class... Parts>
[[noreturn]] void fail(const Parts&... parts) {
  std::string what;
  (append(what, parts), ...);
  throw Malformed{std::move(what)};
}


/// The key=value pairs and flags of one command, checked against what the
/// command allows.
class Args {
 public:
  Args(std::string_view command, const std::vector<Token>& tokens, std::initializer_list<std::string_view> keys,
       std::initializer_list<std::string_view> flags = {}, bool takes_name = false)
      : command_(command) {
    for (size_t t = 1; t < tokens.size(); ++t) {
      const Token& tok = tokens[t];
      if (tok.bare) {
        if (takes_name && !name_) {
          if (contains(flags, tok.value)) fail(command_, ": ", Q{tok.value}, " is a flag, not a name");
          name_ = tok.value;
          continue;
        }
        if (!contains(flags, tok.value)) {
          fail(command_, ": unknown flag ", Q{tok.value}, " (", allowed(flags, "flag"), ")");
        }
        if (has(tok.value)) fail(command_, ": repeated flag ", Q{tok.value});
        seen_.push_back({tok.value, {}});
        continue;
      }
      if (contains(flags, tok.key)) fail(command_, ": flag ", Q{tok.key}, " takes no value");
      if (!contains(keys, tok.key)) fail(command_, ": unknown key ", Q{tok.key}, " (", allowed(keys, "key"), ")");
      if (has(tok.key)) fail(command_, ": repeated key ", Q{tok.key});
      if (tok.value.empty()) fail(command_, ": key ", Q{tok.key}, " has an empty value");
      seen_.push_back({tok.key, tok.value});
    }
  }

  [[nodiscard]] bool has(std::string_view key) const {
    for (const auto& kv : seen_) {
      if (kv.first == key) return true;
    }
    return false;
  }
  [[nodiscard]] std::optional<std::string_view> get(std::string_view key) const {
    for (const auto& kv : seen_) {
      if (kv.first == key) return kv.second;
    }
    return std::nullopt;
  }
  [[nodiscard]] std::string_view require(std::string_view key) const {
    auto v = get(key);
    if (!v) fail(command_, ": missing required key ", Q{key});
    return *v;
  }
  [[nodiscard]] std::optional<std::string_view> name() const { return name_; }
  [[nodiscard]] const std::string& command() const { return command_; }

 private:
  /// "new takes the keys id, sym, ...", "cancel takes no flags": what the command allows.
  [[nodiscard]] std::string allowed(std::initializer_list<std::string_view> set, std::string_view what) const {
    std::string out = command_ + " takes ";
    if (set.size() == 0) return out + "no " + std::string(what) + "s";
    out += "the " + std::string(what) + (set.size() == 1 ? " " : "s ");
    bool first = true;
    for (auto x : set) {
      if (!first) out += ", ";
      out.append(x);
      first = false;
    }
    return out;
  }

  static bool contains(std::initializer_list<std::string_view> set, std::string_view s) {
    for (auto x : set) {
      if (x == s) return true;
    }
    return false;
  }

  std::string command_;
  std::vector<std::pair<std::string_view, std::string_view>> seen_;
  std::optional<std::string_view> name_;
};

uint64_t parse_id(const Args& a, std::string_view key, std::string_view v) {
  uint64_t out = 0;
  auto r = std::from_chars(v.data(), v.data() + v.size(), out);
  bool digits_only = !v.empty() && v.front() != '-' && v.front() != '+';
  if (!digits_only || r.ec != std::errc() || r.ptr != v.data() + v.size()) {
    fail(a.command(), ": ", key, " ", Q{v}, " is not a uint64");
  }
  return out;
}

/// `-?[0-9]+` as an int64; nullopt when the integer does not fit.
std::optional<int64_t> parse_int(const Args& a, std::string_view key, std::string_view v) {
  std::string_view digits = !v.empty() && v.front() == '-' ? v.substr(1) : v;
  if (digits.empty()) fail(a.command(), ": ", key, " ", Q{v}, " is not an integer");
  for (char c : digits) {
    if (c < '0' || c > '9') fail(a.command(), ": ", key, " ", Q{v}, " is not an integer");
  }
  int64_t out = 0;
  auto r = std::from_chars(v.data(), v.data() + v.size(), out);
  if (r.ec != std::errc()) return std::nullopt;
  return out;
}

/// A quantity; one that does not fit int64 is a range problem, so it becomes
/// Qty{0}, which every check rejects as invalid_qty just as it would the value.
Qty parse_qty(const Args& a, std::string_view v) { return Qty(parse_int(a, "qty", v).value_or(0)); }

std::string_view parse_decimal(const Args& a, std::string_view key, std::string_view v) {
  if (!is_decimal(v)) fail(a.command(), ": ", key, " ", Q{v}, " is not a decimal number");
  return v;
}

template <class E, size_t N>
E parse_enum(const Args& a, std::string_view key, std::string_view v,
             const std::array<std::pair<std::string_view, E>, N>& words) {
  std::string all;
  for (const auto& [w, e] : words) {
    if (w == v) return e;
    if (!all.empty()) all += '|';
    all += w;
  }
  fail(a.command(), ": ", key, " ", Q{v}, " is not one of ", all);
}

constexpr std::array<std::pair<std::string_view, Side>, 2> kSides{{{"buy", Side::buy}, {"sell", Side::sell}}};
constexpr std::array<std::pair<std::string_view, OrderType>, 2> kTypes{
    {{"limit", OrderType::limit}, {"market", OrderType::market}}};
constexpr std::array<std::pair<std::string_view, TimeInForce>, 4> kTifs{
    {{"gtc", TimeInForce::gtc}, {"day", TimeInForce::day}, {"ioc", TimeInForce::ioc}, {"fok", TimeInForce::fok}}};
constexpr std::array<std::pair<std::string_view, StpMode>, 4> kStps{{{"none", StpMode::none},
                                                                     {"cancel_taker", StpMode::cancel_taker},
                                                                     {"cancel_maker", StpMode::cancel_maker},
                                                                     {"cancel_both", StpMode::cancel_both}}};

// ---- The parser ----------------------------------------------------------

constexpr std::string_view kCommands = "commands are symbol, new, cancel, modify, expire, book";

int64_t positive(const Args& a, std::string_view key, std::string_view v) {
  std::optional<int64_t> n = parse_int(a, key, v);
  if (!n || *n < 1) fail("symbol: ", key, " ", Q{v}, " must be an integer >= 1");
  return *n;
}

}  // namespace

/// Parses lines and hands the commands to a backend; throws Malformed.
struct LineExecutor {
  Backend& backend;

  /// False when the backend could not go on.
  [[nodiscard]] bool line(std::string_view text) {
    size_t hash = text.find('#');
    if (hash != std::string_view::npos) text = text.substr(0, hash);
    while (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    std::vector<Token> tokens = tokenize(text);
    if (tokens.empty()) return true;
    if (!tokens[0].bare) fail("unknown command ", Q{tokens[0].raw}, " (", kCommands, ")");
    std::string_view cmd = tokens[0].value;
    if (cmd == "symbol") return do_symbol(tokens);
    if (cmd == "new") return do_new(tokens);
    if (cmd == "cancel") return do_cancel(tokens);
    if (cmd == "modify") return do_modify(tokens);
    if (cmd == "expire") return do_expire(tokens);
    if (cmd == "book") return do_book(tokens);
    fail("unknown command ", Q{cmd}, " (", kCommands, ")");
  }

  bool do_symbol(const std::vector<Token>& tokens) {
    Args a("symbol", tokens, {"tick", "lot", "max_qty"}, {}, /*takes_name=*/true);
    if (!a.name()) fail("symbol: missing name");
    SymbolDef def;
    def.name = *a.name();
    def.tick_text = a.require("tick");
    std::optional<TickSize> tick = parse_tick(def.tick_text);
    if (!tick) {
      fail("symbol: tick ", Q{def.tick_text}, " is not a decimal > 0 with at most 18 decimals and at most 10^18");
    }
    def.tick = *tick;
    if (auto v = a.get("lot")) def.spec.lot = Qty(positive(a, "lot", *v));
    if (auto v = a.get("max_qty")) def.spec.max_qty = Qty(positive(a, "max_qty", *v));
    if (backend.symbols_.find(def.name)) fail("symbol: ", Q{def.name}, " is already defined");
    if (std::string why = backend.refuse_symbol(def); !why.empty()) throw Malformed{std::move(why)};
    def.id = SymbolId(backend.symbols_.size());
    if (!backend.symbol(def)) return false;
    backend.symbols_.add(def.name, def.tick, def.spec);
    return true;
  }

  bool do_new(const std::vector<Token>& tokens) {
    Args a("new", tokens, {"id", "sym", "side", "qty", "type", "px", "tif", "acct", "stp"}, {"post_only"});
    NewCommand o;
    o.id = OrderId(parse_id(a, "id", a.require("id")));
    o.symbol = a.require("sym");
    o.side = parse_enum(a, "side", a.require("side"), kSides);
    o.qty = parse_qty(a, a.require("qty"));
    if (auto v = a.get("type")) o.type = parse_enum(a, "type", *v, kTypes);
    if (auto v = a.get("px")) o.px = parse_decimal(a, "px", *v);
    o.tif = o.type == OrderType::market ? TimeInForce::ioc : TimeInForce::gtc;
    if (auto v = a.get("tif")) o.tif = parse_enum(a, "tif", *v, kTifs);
    if (auto v = a.get("acct")) o.account = *v;
    if (auto v = a.get("stp")) o.stp = parse_enum(a, "stp", *v, kStps);
    o.post_only = a.has("post_only");
    o.symbol_id = backend.symbols_.find(o.symbol).value_or(kNoSymbol);
    return backend.new_order(o);  // semantic problems from here on are rejects, the backend's to make
  }

  bool do_cancel(const std::vector<Token>& tokens) {
    Args a("cancel", tokens, {"id"});
    return backend.cancel(CancelCommand{OrderId(parse_id(a, "id", a.require("id")))});
  }

  bool do_modify(const std::vector<Token>& tokens) {
    Args a("modify", tokens, {"id", "px", "qty"});
    ModifyCommand m;
    m.id = OrderId(parse_id(a, "id", a.require("id")));
    if (auto v = a.get("px")) m.px = parse_decimal(a, "px", *v);
    if (auto v = a.get("qty")) {
      m.has_qty = true;
      m.qty = parse_qty(a, *v);
    }
    if (!m.px && !m.has_qty) fail("modify: needs px, qty or both");
    return backend.modify(m);
  }

  bool do_expire(const std::vector<Token>& tokens) {
    Args a("expire", tokens, {});
    return backend.expire();
  }

  bool do_book(const std::vector<Token>& tokens) {
    Args a("book", tokens, {"sym"});
    std::string_view name = a.require("sym");
    std::optional<SymbolId> s = backend.symbols_.find(name);
    if (!s) fail("book: unknown symbol ", Q{name});
    return backend.book(BookCommand{name, *s});
  }
};

LineResult execute_line(std::string_view text, Backend& backend) {
  try {
    LineExecutor x{backend};
    return x.line(text) ? LineResult{} : LineResult{LineStatus::failed, {}};
  } catch (Malformed& m) {
    return LineResult{LineStatus::malformed, std::move(m.what)};
  }
}

// ---- The local engine backend -------------------------------------------

namespace {

/// Today's `rialto script`: an Engine fed the commands, under the scenario's
/// lifetime id rule (LifetimeIds).
class EngineBackend final : public Backend {
 public:
  explicit EngineBackend(const Options& options) : engine_(options.engine, sink()), ids_(options.max_ids) {}

  [[nodiscard]] bool engine_ok() const { return engine_.ok(); }

  [[nodiscard]] std::string refuse_symbol(const SymbolDef& def) const override {
    const engine::EngineConfig& config = engine_.config();
    std::string what;
    switch (engine_.check_symbol(def.spec)) {
      case SymbolError::none:
        break;
      case SymbolError::too_many_symbols:
        what = "symbol: " + quote_for_message(def.name) + " would be symbol " +
               std::to_string(uint64_t{config.max_symbols} + 1) + ", above the limit of " +
               std::to_string(config.max_symbols) + " (--max-symbols)";
        break;
      case SymbolError::qty_overflow:  // a level's total sums up to max_orders quantities
        what = "symbol: max_qty " + std::to_string(def.spec.max_qty.value()) + " is above " +
               std::to_string(engine::Engine<TextSink>::max_qty_limit(config.max_orders)) +
               ", the largest for --max-orders " + std::to_string(config.max_orders) +
               " (a level's total must fit int64)";
        break;
      case SymbolError::invalid_lot:
      case SymbolError::invalid_max_qty:  // the parser refused these already
        what = "symbol: lot and max_qty must be integers >= 1";
        break;
    }
    return what;
  }

  bool symbol(const SymbolDef& def) override {
    [[maybe_unused]] SymbolId id = engine_.add_symbol(def.spec);
    assert(id == def.id);  // the engine numbers symbols in definition order too
    return true;
  }

  bool new_order(const NewCommand& cmd) override {
    NewOrder o;
    o.id = cmd.id;
    o.side = cmd.side;
    o.qty = cmd.qty;
    o.type = cmd.type;
    o.tif = cmd.tif;
    o.stp = cmd.stp;
    o.post_only = cmd.post_only;
    o.account = account(cmd.account);
    o.symbol = cmd.symbol_id;
    if (cmd.px) {
      if (o.symbol != kNoSymbol) {
        TickConversion c = to_ticks(*cmd.px, symbols().tick(o.symbol));
        o.price_status = c.status;
        o.price = c.ticks;
      } else {
        o.price_status = PriceStatus::ok;  // unknown_symbol is rejected before any price check
      }
    }
    ids_.submit(engine_, o);  // the scenario's lifetime duplicate_id, then the engine
    return true;
  }

  bool cancel(const CancelCommand& cmd) override {
    engine_.cancel(CancelOrder{cmd.id});
    return true;
  }

  bool modify(const ModifyCommand& cmd) override {
    ModifyOrder m;
    m.id = cmd.id;
    m.has_qty = cmd.has_qty;
    m.qty = cmd.qty;
    if (cmd.px) {
      // The price converts with the tick of the order's symbol; an order that
      // is not resting is rejected as unknown_order before any price check.
      std::optional<engine::OrderView> o = engine_.find_order(cmd.id);
      if (o) {
        TickConversion c = to_ticks(*cmd.px, symbols().tick(o->symbol));
        m.price_status = c.status;
        m.price = c.ticks;
      } else {
        m.price_status = PriceStatus::ok;
      }
    }
    engine_.modify(m);
    return true;
  }

  bool expire() override {
    engine_.expire();
    return true;
  }

  bool book(const BookCommand& cmd) override {
    sink().book_begin(cmd.symbol);
    for (Side side : {Side::buy, Side::sell}) {
      engine_.for_each_level(cmd.symbol_id, side, [&](const engine::LevelView& l) {
        sink().book_level(side, l.price, l.total, l.count, cmd.symbol_id);
      });
    }
    sink().book_end();
    return true;
  }

 private:
  AccountId account(std::string_view word) {
    if (word.empty() || word == "-") return kAnonymous;
    auto [it, inserted] = accounts_.try_emplace(std::string(word), static_cast<uint32_t>(accounts_.size() + 1));
    return AccountId(it->second);
  }

  std::unordered_map<std::string, uint32_t> accounts_;
  engine::Engine<TextSink> engine_;
  LifetimeIds ids_;
};

constexpr std::string_view kCli = "rialto script: ";

/// Sets `in` to throw on badbit, so that a read error reaches run() with its
/// reason (std::ios_base::failure::code()); restores the old mask on exit.
class ThrowOnBadbit {
 public:
  explicit ThrowOnBadbit(std::istream& in) : in_(in), old_(in.exceptions()) { in_.exceptions(std::ios::badbit); }
  ThrowOnBadbit(const ThrowOnBadbit&) = delete;
  ThrowOnBadbit& operator=(const ThrowOnBadbit&) = delete;
  ~ThrowOnBadbit() {
    try {
      in_.exceptions(old_);  // sets the mask, then throws if the stream is bad under it
    } catch (const std::ios_base::failure&) {
    }
  }

 private:
  std::istream& in_;
  std::ios::iostate old_;
};

/// Writes the pending events to `out` and flushes it; false (with the
/// message on `err`) when the output cannot be written.
[[nodiscard]] bool flush_events(TextSink& sink, std::ostream& out, std::ostream& err, bool flush_stream,
                                std::string_view cli) {
  errno = 0;
  sink.flush_to(out);
  if (flush_stream) out.flush();
  if (out) return true;
  const int e = errno;
  err << cli << "cannot write output: " << (e != 0 ? std::strerror(e) : "the output stream failed") << '\n';
  return false;
}

}  // namespace

int run(std::istream& in, std::string_view name, std::ostream& out, std::ostream& err, Backend& backend,
        std::string_view cli) {
  std::string text;
  uint64_t line_no = 0;
  std::string read_error;
  if (in.bad()) {
    read_error = "the input stream failed";
  } else {
    ThrowOnBadbit throw_on_badbit(in);
    for (;;) {
      try {
        if (!std::getline(in, text)) break;
      } catch (const std::ios_base::failure& e) {
        read_error = e.code().message();
        break;
      }
      ++line_no;
      LineResult r = execute_line(text, backend);
      if (r.status == LineStatus::malformed) {
        const bool written = flush_events(backend.sink(), out, err, true, cli);
        err << name << ':' << line_no << ": " << r.message << '\n';
        return written ? kMalformed : kIoError;
      }
      if (r.status == LineStatus::failed) {
        (void)flush_events(backend.sink(), out, err, true, cli);
        return kIoError;
      }
      if (backend.sink().pending() >= (1u << 16) && !flush_events(backend.sink(), out, err, false, cli)) {
        return kIoError;
      }
    }
  }
  if (!flush_events(backend.sink(), out, err, true, cli)) return kIoError;
  if (!read_error.empty()) {
    err << cli << "cannot read " << name;
    if (line_no > 0) err << " after line " << line_no;
    err << ": " << read_error << '\n';
    return kIoError;
  }
  return kOk;
}

int run(std::istream& in, std::string_view name, std::ostream& out, std::ostream& err, const Options& options) {
  EngineBackend backend(options);
  if (!backend.engine_ok()) {
    err << kCli << "cannot allocate the engine's tables (--max-orders " << options.engine.max_orders << ")\n";
    return kNoMemory;
  }
  return run(in, name, out, err, backend, kCli);
}

}  // namespace rialto::script
