// The gateway's session layer under a libFuzzer-chosen schedule: 2 inline
// shards, 3 connection slots. The input is a small op language (below); valid
// frames are built from fuzz bytes too, so that logged-on sessions with live
// orders, barriers in flight and full outbound buffers are reached, not just
// framing errors. After every op, for every session:
//   - every outbound frame decodes and is a server-to-client template;
//   - its seq is the previous one + 1;
//   - an ExecutionReport names an order of that session (or none);
//   - SyncAcks come back in the order the Syncs were sent;
// and at the end, once every session is closed and the books are empty, the
// gateway holds no session state.
// ASan/UBSan catch the rest (use after free, bad enum loads, overflow).
//
// Ops (one byte, then its arguments):
//   0 connect a slot       1 raw bytes to a slot   2 Logon (fields from input)
//   3 application message  4 clock + tick          5 close a slot
//   6 toggle reading       7 shard queue limit      8 shutdown logout
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "gateway.h"
#include "inline_shard.h"
#include "rialto/protocol/framing.h"
#include "rialto/protocol/messages.h"

namespace {

using namespace rialto;
using namespace rialto::server;
namespace p = rialto::protocol;

[[noreturn]] void fail(const char* what, uint64_t a = 0, uint64_t b = 0) {
  std::fprintf(stderr, "session_fuzz invariant broken: %s (%llu, %llu)\n", what, static_cast<unsigned long long>(a),
               static_cast<unsigned long long>(b));
  std::abort();
}

class Input {
 public:
  Input(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  [[nodiscard]] bool empty() const { return at_ >= n_; }
  uint8_t u8() { return at_ < n_ ? d_[at_++] : 0; }
  uint16_t u16() { return static_cast<uint16_t>(u8() | (u8() << 8)); }
  uint64_t u64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{u8()} << (8 * i);
    return v;
  }
  size_t take(char* out, size_t max) {
    const size_t k = std::min(max, n_ - std::min(at_, n_));
    std::memcpy(out, d_ + at_, k);
    at_ += k;
    return k;
  }

 private:
  const uint8_t* d_;
  size_t n_;
  size_t at_ = 0;
};

struct NullLog final : Log {
  void line(std::string_view) override {}
};

struct Slot {
  Session* session = nullptr;
  uint32_t id = 0;
  uint64_t seq = 0;     // last sent
  uint64_t in_seq = 0;  // last received
  bool reading = true;
  bool raw = false;  // raw bytes were fed: stop predicting its Syncs
  std::deque<uint64_t> syncs;
};

const char* const kSymbols[] = {"ABC", "XYZ", "NEW", "ZED", "", "NOPE", "ABC\0X"};

void pick_symbol(Input& in, char (&field)[p::kSymbolSize]) {
  std::memset(field, 0, sizeof field);
  const uint8_t k = in.u8();
  if (k < 224) {
    const char* s = kSymbols[k % std::size(kSymbols)];
    std::memcpy(field, s, std::strlen(s));
    if (k % std::size(kSymbols) == 6) std::memcpy(field, "ABC\0X", 5);
  } else {
    in.take(field, sizeof field);
  }
}

int64_t small(Input& in) {
  const uint8_t b = in.u8();
  if (b == 255) return static_cast<int64_t>(in.u64());
  if (b == 254) return p::kNullInt64;
  return static_cast<int64_t>(b % 64) - 4;
}

class Driver {
 public:
  Driver(Input& in) : in_(in) {
    GatewayOptions o;
    const uint8_t cfg = in.u8();
    if (cfg & 1) {
      o.accounts = {{"root", "pw", true}, {"bob", "pw", false}, {"-", "", false}};
    }
    o.shards = 2;
    o.max_orders_per_shard = 64;
    o.max_symbols_per_shard = 4;
    o.max_sessions = 3;
    o.max_live_orders = 8;
    o.rate_per_second = 1000;
    o.burst = 12;
    o.outbound_buffer_bytes = (cfg & 2) ? 600 : 1u << 16;
    o.symbols.push_back(GatewaySymbol{"ABC", TickSize{1, 2}, engine::SymbolSpec{Qty(1), Qty(1000)}, 0});
    o.symbols.push_back(GatewaySymbol{"XYZ", TickSize{5, 1}, engine::SymbolSpec{Qty(10), Qty(1000)}, 1});
    o.shard_for = [](std::string_view name) { return static_cast<uint32_t>(name[0] & 1); };
    for (int k = 0; k < 2; ++k)
      shards_.push_back(std::make_unique<testing::InlineShard>(testing::engine_config_for(o)));
    gateway_ =
        std::make_unique<Gateway>(std::move(o), std::vector<ShardLink*>{shards_[0].get(), shards_[1].get()}, log_);
    pump();
  }

  void run() {
    while (!in_.empty()) {
      step();
      pump();
    }
    for (Slot& s : slots_) {
      if (s.session != nullptr) close(s);
    }
    pump();
    for (auto& sh : shards_) sh->max_queued = SIZE_MAX;
    pump();
    // Every session is closed: the gateway keeps state only for sessions with
    // orders still resting, so with empty books it keeps none.
    if (shards_[0]->resting_orders() + shards_[1]->resting_orders() == 0 && gateway_->sessions() != 0) {
      fail("closed sessions without resting orders are still held", gateway_->sessions());
    }
  }

 private:
  Slot& slot() { return slots_[in_.u8() % 3]; }

  void step() {
    const uint8_t op = in_.u8() % 9;
    switch (op) {
      case 0: {
        Slot& s = slot();
        if (s.session != nullptr) return;
        s = Slot{};
        s.session = gateway_->open(now_, "fuzz");
        if (s.session != nullptr) s.id = gateway_->session_id(*s.session);
        return;
      }
      case 1: {
        Slot& s = slot();
        if (!usable(s)) return;
        const size_t n =
            in_.take(Gateway::read_space(*s.session), std::min<size_t>(in_.u8(), Gateway::read_room(*s.session)));
        s.raw = true;
        gateway_->received(*s.session, n, now_);
        return;
      }
      case 2: {
        Slot& s = slot();
        if (!usable(s)) return;
        p::Logon m{};
        static const char* const kAccounts[] = {"root", "bob", "-", "alice", "a b", ""};
        const uint8_t a = in_.u8();
        const char* acct = kAccounts[a % std::size(kAccounts)];
        std::memcpy(m.account, acct, std::strlen(acct));
        std::memcpy(m.password, (a & 8) ? "pw" : "no", 2);
        const uint8_t hb = in_.u8();
        m.heartbeat_ms = hb == 255 ? in_.u16() : 100u + hb * 10u;
        m.cancel_on_disconnect = in_.u8() & 1;
        send(s, m);
        return;
      }
      case 3: return application(slot());
      case 4: {
        now_ += in_.u16();
        gateway_->tick(now_);
        return;
      }
      case 5: {
        Slot& s = slot();
        if (s.session != nullptr) close(s);
        return;
      }
      case 6: {
        Slot& s = slot();
        s.reading = !s.reading;
        return;
      }
      case 7: {
        const uint8_t v = in_.u8();
        // At least 1: a limit of 0 is a queue that never takes anything.
        shards_[v & 1]->max_queued = (v >> 1) == 0 ? SIZE_MAX : 1 + (v >> 1) % 8;
        return;
      }
      case 8:
        if ((in_.u8() & 15) == 0) gateway_->logout_all("shutdown");
        return;
    }
  }

  static bool usable(const Slot& s) { return s.session != nullptr && !Gateway::wants_close(*s.session); }

  template <class M>
  void send(Slot& s, M m) {
    const uint8_t skew = in_.u8();
    m.seq = skew < 250 ? ++s.seq : s.seq + skew - 251;  // now and then a gap or a repeat
    if (skew >= 250) s.raw = true;
    char buf[p::kFrameSize<M>];
    p::encode(m, buf);
    std::memcpy(Gateway::read_space(*s.session), buf, sizeof buf);
    gateway_->received(*s.session, sizeof buf, now_);
    if constexpr (std::is_same_v<M, p::Sync>) s.syncs.push_back(m.token);
  }

  void application(Slot& s) {
    if (!usable(s)) return;
    switch (in_.u8() % 10) {
      case 0: {
        p::NewOrder m{};
        m.cl_ord_id = in_.u8() % 10;
        m.qty = small(in_);
        m.price = small(in_);
        pick_symbol(in_, m.symbol);
        m.price_exponent = static_cast<int8_t>(static_cast<int>(in_.u8() % 5) - 3);
        const uint8_t f = in_.u8();
        m.side = f & 1;
        m.ord_type = (f >> 1) & 1;
        m.tif = (f >> 2) & 3;
        m.stp = (f >> 4) & 3;
        m.post_only = (f >> 6) & 1;
        if (f == 255) m.side = 7;
        return send(s, m);
      }
      case 1: return send(s, p::CancelOrder{0, uint64_t{in_.u8()} % 10});
      case 2: {
        p::ModifyOrder m{};
        m.cl_ord_id = in_.u8() % 10;
        m.qty = small(in_);
        m.price = small(in_);
        m.price_exponent = static_cast<int8_t>(static_cast<int>(in_.u8() % 5) - 3);
        return send(s, m);
      }
      case 3: {
        p::MassCancel m{};
        pick_symbol(in_, m.symbol);
        return send(s, m);
      }
      case 4: return send(s, p::Sync{0, in_.u64()});
      case 5: {
        p::BookRequest m{};
        pick_symbol(in_, m.symbol);
        return send(s, m);
      }
      case 6: {
        p::AddInstrument m{};
        m.tick = small(in_);
        m.lot = small(in_);
        m.max_qty = small(in_);
        pick_symbol(in_, m.symbol);
        m.tick_exponent = static_cast<int8_t>(in_.u8());
        return send(s, m);
      }
      case 7: return send(s, p::Expire{});
      case 8: return send(s, p::Heartbeat{});
      case 9: return send(s, p::Logout{});
    }
  }

  void close(Slot& s) {
    gateway_->closed(*s.session, "fuzz");
    s.session = nullptr;
  }

  void pump() {
    while (gateway_->drain() > 0) {
    }
    std::vector<Session*> dirty;
    gateway_->take_dirty(dirty);
    for (Slot& s : slots_) {
      if (s.session == nullptr) continue;
      std::string& out = Gateway::outbound(*s.session);
      if (s.reading) {
        check(s, out);
        out.clear();
      }
      // The shell writes out what it can, then closes a session that wants it.
      if (Gateway::wants_close(*s.session) && (s.reading || out.empty() || (in_.u8() & 3) == 0)) close(s);
    }
  }

  void check(Slot& s, const std::string& out) {
    size_t at = 0;
    while (at < out.size()) {
      p::Decoded d = p::decode(out.data() + at, out.size() - at);
      if (d.status != p::DecodeStatus::frame) fail("an outbound frame does not decode", at, d.value);
      uint64_t seq;
      std::memcpy(&seq, d.block, sizeof seq);
      if (seq != s.in_seq + 1) fail("outbound seq is not the previous + 1", s.in_seq, seq);
      s.in_seq = seq;
      switch (static_cast<p::TemplateId>(d.template_id)) {
        case p::TemplateId::execution_report: {
          const auto r = p::read<p::ExecutionReport>(d);
          if (r.order_id != 0 && (r.order_id >> 32) != s.id)
            fail("a report names another session's order", s.id, r.order_id);
          if (r.exec_type > 5) fail("bad exec_type", r.exec_type);
          break;
        }
        case p::TemplateId::sync_ack: {
          const auto a = p::read<p::SyncAck>(d);
          if (!s.raw) {
            if (s.syncs.empty() || s.syncs.front() != a.token) fail("SyncAck out of order", a.token);
            s.syncs.pop_front();
          }
          break;
        }
        case p::TemplateId::logon_ack:
        case p::TemplateId::logout:
        case p::TemplateId::heartbeat:
        case p::TemplateId::book_level:
        case p::TemplateId::book_end:
        case p::TemplateId::instrument_report:
        case p::TemplateId::mass_cancel_report: break;
        default: fail("the server sent a client-direction template", d.template_id);
      }
      at += d.frame_size;
    }
  }

  Input& in_;
  NullLog log_;
  std::vector<std::unique_ptr<testing::InlineShard>> shards_;
  std::unique_ptr<Gateway> gateway_;
  Slot slots_[3];
  uint64_t now_ = 1'000'000;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  Driver(in).run();
  return 0;
}
