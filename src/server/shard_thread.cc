#include "shard_thread.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "rialto/journal/reader.h"
#include "rialto/journal/snapshot.h"
#include "rialto/mdfeed/publish_resting.h"

namespace rialto::server {

namespace {

uint64_t mono_ns() {
  using namespace std::chrono;
  return static_cast<uint64_t>(duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count());
}

/// Drops the first `head` elements once they are most of the vector, so that
/// a queue that never empties under load stays bounded by what is in flight.
template <class T>
void compact(std::vector<T>& v, size_t& head) {
  if (head == v.size()) {
    v.clear();
    head = 0;
  } else if (head >= 4096 && head * 2 >= v.size()) {
    v.erase(v.begin(), v.begin() + static_cast<ptrdiff_t>(head));
    head = 0;
  }
}

}  // namespace

EventFdWake::EventFdWake() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

EventFdWake::~EventFdWake() {
  if (fd_ >= 0) ::close(fd_);
}

void EventFdWake::notify() noexcept {
  if (!pending_.exchange(true, std::memory_order_acq_rel)) {
    const uint64_t one = 1;
    ssize_t r;
    do {
      r = ::write(fd_, &one, sizeof one);
    } while (r < 0 && errno == EINTR);  // EAGAIN: the counter is saturated, a wake-up is pending anyway
  }
}

void EventFdWake::consume() noexcept {
  uint64_t v;
  while (::read(fd_, &v, sizeof v) < 0 && errno == EINTR) {
  }
  // Pairs with the exchange in notify(): every push before a notify that saw
  // `true` here is visible to the drain that follows.
  pending_.exchange(false, std::memory_order_acq_rel);
}

ShardThread::ShardThread(const engine::EngineConfig& config, size_t queue_capacity, EventFdWake& gateway,
                         uint32_t index, ShardDurability durability, Log* log)
    : gateway_(gateway),
      index_(index),
      durability_(std::move(durability)),
      log_(log),
      in_(std::make_unique<Channel<ShardInput>>(queue_capacity)),
      out_(std::make_unique<Channel<ShardOutput>>(queue_capacity)),
      matcher_(config, output_) {}

ShardThread::~ShardThread() {
  stop();
  if (event_log_ != nullptr) std::fclose(event_log_);
}

void ShardThread::attach_market_data(mdfeed::Publisher& publisher) {
  publisher_ = &publisher;
  md_ = &publisher.queue(index_);
}

void ShardThread::publish(const ShardOutput& o) {
  if (md_ == nullptr) return;
  if (o.kind == OutputKind::event) {
    (void)mdfeed::publish(*md_, o.event, md_ts_);  // false: the feed is broken; matching goes on
  } else if (o.kind == OutputKind::symbol_added && o.symbol != kNoSymbol && o.token < 0xFFFF) {
    const SymbolDef& d = matcher_.symbols()[o.symbol.value()].def;
    (void)mdfeed::publish_symbol(*md_, o.symbol, static_cast<uint16_t>(o.token + 1),
                                 std::string_view(d.name, strnlen(d.name, sizeof d.name)), d.tick, d.spec.lot,
                                 md_ts_);
  }
}

void ShardThread::publish_recovered_state() {
  if (md_ == nullptr) return;
  md_ts_ = mdfeed::ns_since_midnight();
  const auto& symbols = matcher_.symbols();
  for (uint32_t s = 0; s < symbols.size(); ++s) {
    ShardOutput o;
    o.kind = OutputKind::symbol_added;
    o.symbol = SymbolId(s);
    o.token = symbols[s].token;
    publish(o);
  }
  // Waits for room (the publisher is running): a recovered book larger than
  // the queue must not break the feed.
  mdfeed::publish_resting(*publisher_, index_, matcher_.engine(), md_ts_);
}

void ShardThread::trace(const ShardOutput& o) {
  if (event_log_ == nullptr || o.kind != OutputKind::event) return;
  event_line_.clear();
  format_event(o.event, event_line_);
  std::fwrite(event_line_.data(), 1, event_line_.size(), event_log_);
}

void ShardThread::log(const std::string& line) {
  if (log_ != nullptr) log_->line("shard " + std::to_string(index_) + ": " + line);
}

bool ShardThread::recover(std::string* error) {
  if (!durability_.event_log.empty()) {
    event_log_ = std::fopen(durability_.event_log.c_str(), "a");
    if (event_log_ == nullptr) {
      *error = durability_.event_log + ": " + std::strerror(errno);
      return false;
    }
  }
  if (durability_.fs == nullptr) return true;
  journal::Fs& fs = *durability_.fs;
  const std::string& dir = durability_.dir;
  if (int rc = fs.make_dir(dir); rc < 0) {
    *error = dir + ": cannot create: " + journal::errno_text(rc);
    return false;
  }
  replaying_ = true;
  journal::LoadedSnapshot snap;
  if (!journal::load_newest_snapshot(fs, dir, &snap, error)) return false;
  for (const std::string& w : snap.warnings) log("WARNING: " + w);
  uint64_t from = 1;
  if (snap.found) {
    std::string why;
    if (!matcher_.load(reinterpret_cast<const uint8_t*>(snap.payload.data()), snap.payload.size(), &why)) {
      *error = snap.path + ": " + why;
      return false;
    }
    from = snap.seq + 1;
    last_snapshot_seq_ = snap.seq;
    log("snapshot " + snap.path + " loaded (journal seq " + std::to_string(snap.seq) + ", " +
        std::to_string(matcher_.engine().resting_orders()) + " resting orders)");
  }
  journal::ReaderOptions ro;
  ro.dir = dir;
  ro.from_seq = from;
  ro.salvage = durability_.salvage;
  journal::Recovery rec;
  const bool ok = journal::recover(
      fs, ro,
      [&](const journal::Record& r) {
        ShardInput in;
        std::string why;
        if (!decode_input(r.type, reinterpret_cast<const uint8_t*>(r.payload.data()), r.payload.size(), &in,
                          &why)) {
          *error = std::string(r.file) + ": record at offset " + std::to_string(r.offset) + " (seq " +
                   std::to_string(r.seq) + "): " + why;
          return false;
        }
        matcher_.apply(in);
        return true;
      },
      &rec, error);
  replaying_ = false;
  if (!ok) return false;
  for (const std::string& w : rec.warnings) log("WARNING: " + w);
  recovered_inputs_ = rec.records;
  if (snap.found || rec.records > 0) {
    log("recovered to journal seq " + std::to_string(rec.next_seq - 1) + " (" + std::to_string(rec.records) +
        " records replayed), output hash " + to_hex(matcher_.output_hash()));
  }
  journal::WriterOptions wo = durability_.writer;
  wo.dir = dir;
  wo.shard = index_;
  writer_ = journal::Writer::open(wo, fs, rec.next_seq, error);
  if (!writer_) return false;
  writer_->set_on_durable([this] { parking_.unpark(); });
  current_seq_ = rec.next_seq - 1;
  return true;
}

void ShardThread::start() { thread_ = std::thread([this] { run(); }); }

void ShardThread::request_stop() {
  stop_.store(true, std::memory_order_release);
  parking_.unpark();
}

void ShardThread::stop() {
  if (!thread_.joinable()) return;
  request_stop();
  thread_.join();
}

bool ShardThread::try_push(const ShardInput& in) {
  if (!in_->try_push(in)) return false;
  parking_.unpark();
  return true;
}

void ShardThreadOutput::push(const ShardOutput& o) {
  ShardThread& s = shard;
  if (s.replaying_) return;
  if (!s.writer_) {
    s.trace(o);
    s.publish(o);
    return s.deliver(o);
  }
  s.staged_.push_back({s.current_seq_, o});
}

void ShardThread::deliver(const ShardOutput& o) {
  while (!out_->try_push(o)) {
    // The gateway is behind: make sure it is awake, then let it run.
    gateway_.notify();
    std::this_thread::yield();
  }
}

void ShardThread::journal_and_apply(const ShardInput& in) {
  if (journaled(in.kind)) {
    uint8_t buf[kMaxInputPayload];
    const size_t n = encode_input(in, buf);
    current_seq_ = writer_->append(static_cast<uint8_t>(in.kind), buf, static_cast<uint32_t>(n));
  }
  // A sync or book input waits for the journaled inputs before it, and is
  // answered `halted` with them if they never become durable.
  pending_.push_back({current_seq_, in});
  matcher_.apply(in);
  if (++polls_ % 16 == 0) writer_->poll(mono_ns());
  if (durability_.snapshot_every != 0 && journaled(in.kind) && ++since_snapshot_ >= durability_.snapshot_every) {
    since_snapshot_ = 0;
    writer_->flush();
    writer_->wait_durable(current_seq_);
    std::string error;
    if (!writer_->failed() && !snapshot(&error)) log("WARNING: periodic snapshot failed: " + error);
  }
}

void ShardThread::release() {
  const uint64_t durable = writer_->durable_seq();
  if (staged_head_ < staged_.size() && staged_[staged_head_].seq <= durable) {
    if (md_ != nullptr) md_ts_ = mdfeed::ns_since_midnight();
    while (staged_head_ < staged_.size() && staged_[staged_head_].seq <= durable) {
      const ShardOutput& o = staged_[staged_head_++].out;
      trace(o);
      publish(o);
      deliver(o);
    }
    if (publisher_ != nullptr) publisher_->notify();
  }
  compact(staged_, staged_head_);
  while (pending_head_ < pending_.size() && pending_[pending_head_].seq <= durable) ++pending_head_;
  compact(pending_, pending_head_);
}

void ShardThread::answer_halted(const ShardInput& in) {
  ShardOutput o;
  o.session = in.session;
  o.cl_ord_id = in.cl_ord_id;
  o.token = in.token;
  Event& e = o.event;
  e.type = EventType::rejected;
  e.reject = RejectReason::halted;
  switch (in.kind) {
    case InputKind::new_order:
      e.id = in.new_order.id;
      e.symbol = in.new_order.symbol;
      e.command = CommandType::new_order;
      break;
    case InputKind::cancel:
      e.id = in.cancel.id;
      e.command = CommandType::cancel;
      break;
    case InputKind::modify:
      e.id = in.modify.id;
      e.command = CommandType::modify;
      break;
    case InputKind::mass_cancel:
      o.kind = OutputKind::mass_cancel_done;
      break;
    case InputKind::sync:
      o.kind = OutputKind::sync_done;
      break;
    case InputKind::book:
      o.kind = OutputKind::book_end;
      o.symbol = in.book.symbol;
      break;
    case InputKind::add_symbol:
      o.kind = OutputKind::symbol_added;
      o.symbol = kNoSymbol;
      break;
    case InputKind::expire:
    case InputKind::account:
      return;
  }
  deliver(o);
}

void ShardThread::halt() {
  halted_ = true;
  release();  // what is durable still goes out
  const uint64_t durable = writer_->durable_seq();
  log("HALTED: " + writer_->error() + "; journal durable to seq " + std::to_string(durable) + ", " +
      std::to_string(pending_.size() - pending_head_) +
      " undurable input(s) answered halted; every later order input is rejected (restart to recover)");
  staged_.clear();
  staged_head_ = 0;
  for (size_t i = pending_head_; i < pending_.size(); ++i) answer_halted(pending_[i].in);
  pending_.clear();
  pending_head_ = 0;
  ShardOutput o;
  o.kind = OutputKind::halted;
  o.count = index_;
  deliver(o);
  gateway_.notify();
}

bool ShardThread::snapshot(std::string* error) {
  if (current_seq_ == last_snapshot_seq_) return true;
  std::vector<uint8_t> bytes;
  matcher_.save(bytes);
  const auto* b = reinterpret_cast<const std::byte*>(bytes.data());
  if (!journal::write_snapshot(*durability_.fs, durability_.dir, current_seq_, {b, bytes.size()}, error)) {
    return false;
  }
  last_snapshot_seq_ = current_seq_;
  std::vector<std::string> removed;
  std::string why;
  if (!journal::apply_retention(*durability_.fs, durability_.dir, 2, &removed, &why)) {
    log("WARNING: retention: " + why);
  }
  return true;
}

void ShardThread::finish() {
  if (writer_) {
    if (!halted_) {
      writer_->flush();
      writer_->wait_durable(current_seq_);
      if (writer_->failed()) {
        halt();
      } else {
        release();
      }
    }
    if (!halted_) {
      std::string error;
      if (!snapshot(&error)) log("WARNING: shutdown snapshot failed: " + error);
    }
    writer_->close();
    if (event_log_ != nullptr) std::fflush(event_log_);
    const journal::Writer::Stats st = writer_->stats();
    log("journal: " + std::to_string(st.batches) + " batches, " + std::to_string(st.syncs) + " syncs, " +
        std::to_string(st.bytes) + " bytes, " + std::to_string(st.late_polls) + " late");
    log("journal seq " + std::to_string(current_seq_) + ", output hash " + to_hex(matcher_.output_hash()));
  }
  finished_.store(true, std::memory_order_release);
  gateway_.notify();
}

void ShardThread::run() {
  constexpr int kSpins = 2000;
  ShardInput in;
  auto releasable = [&] {
    if (!writer_ || halted_) return false;
    if (writer_->failed()) return true;
    return staged_head_ < staged_.size() && staged_[staged_head_].seq <= writer_->durable_seq();
  };
  for (;;) {
    bool got = in_->try_pop(in);
    for (int i = 0; !got && i < kSpins; ++i) {
      __builtin_ia32_pause();
      got = in_->try_pop(in);
    }
    if (!got) {
      if (writer_ && !halted_) {
        writer_->poll(mono_ns());
        if (writer_->failed()) halt();
        release();
      }
      gateway_.notify();
      // Stop only once everything pushed before stop() has been applied.
      if (stop_.load(std::memory_order_acquire)) {
        if (!in_->try_pop(in)) return finish();
        got = true;
      } else {
        parking_.park([&] {
          got = in_->try_pop(in);
          return !got && !stop_.load(std::memory_order_acquire) && !releasable() &&
                 !(writer_ && !halted_ && writer_->batch_waiting());
        });
        if (!got) continue;
      }
    }
    if (halted_) {
      answer_halted(in);
    } else if (writer_) {
      journal_and_apply(in);
      if (writer_->failed()) {
        halt();
      } else {
        release();
      }
    } else {
      if (md_ != nullptr) md_ts_ = mdfeed::ns_since_midnight();
      matcher_.apply(in);
      if (publisher_ != nullptr) publisher_->notify();
    }
    gateway_.notify();
  }
}

}  // namespace rialto::server
