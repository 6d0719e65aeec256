// One matching shard on its own thread: the gateway pushes ShardInputs into
// `in_`, the thread journals each state-changing input, applies it to its
// Matcher and pushes its outputs into `out_` once the input is durable, then
// wakes the gateway. This is the single writer of the shard's books.
//
// Durability (docs/JOURNAL.md): with a journal, outputs wait in `staged_`
// until the writer's durable_seq covers their input; inputs keep being applied
// meanwhile (group commit: the disk's latency sets the batch size, not the
// matching). A journal failure halts the shard: the undurable inputs and every
// later one are answered `halted`, nothing undurable is ever released.
//
// Thread safety: try_push/try_pop (the ShardLink) from the gateway thread
// only; recover/start/stop from the thread that owns the ShardThread.
// Invariants: outputs leave in the order the matcher emitted them; an input's
// outputs are all in `out_` before the gateway is woken for it; no output of a
// journaled input leaves before the input is durable.
#pragma once

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "channel.h"
#include "gateway.h"
#include "matcher.h"
#include "rialto/journal/fs.h"
#include "rialto/journal/writer.h"
#include "rialto/mdfeed/publisher.h"
#include "wakeup.h"

namespace rialto::server {

class ShardThread;

/// The matcher's output sink: the shard decides where each output goes.
struct ShardThreadOutput {
  ShardThread& shard;
  void push(const ShardOutput& o);
};

struct ShardDurability {
  journal::Fs* fs = nullptr;  // null: in memory (no journal, no snapshots)
  std::string dir;            // DATA/shard-K
  journal::WriterOptions writer;
  uint64_t snapshot_every = 0;  // journaled inputs between periodic snapshots (0: only at clean shutdown)
  bool salvage = false;         // recover past mid-journal corruption (the operator's flag)
  std::string event_log;        // non-empty: append every released engine event here, as `rialto replay` prints it
};

class ShardThread final : public ShardLink {
 public:
  /// `queue_capacity`: elements of each of its two queues. `log` must be safe
  /// to call from the matching thread.
  ShardThread(const engine::EngineConfig& config, size_t queue_capacity, EventFdWake& gateway, uint32_t index = 0,
              ShardDurability durability = {}, Log* log = nullptr);
  ~ShardThread() override;
  ShardThread(const ShardThread&) = delete;
  ShardThread& operator=(const ShardThread&) = delete;

  [[nodiscard]] bool ok() const { return matcher_.ok(); }
  /// Before start(): loads the newest valid snapshot, replays the journal
  /// after it (outputs discarded), repairs a torn tail, and opens the writer.
  /// False with `error` set when start-up must stop (corruption, I/O).
  bool recover(std::string* error);
  /// The recovered state, for the gateway (valid after recover(), before start()).
  [[nodiscard]] const Matcher<ShardThreadOutput>& matcher() const { return matcher_; }
  [[nodiscard]] uint64_t recovered_inputs() const { return recovered_inputs_; }

  /// Before recover(): the market-data publisher this shard feeds (its
  /// queue(index)); released events and symbol definitions go to it.
  void attach_market_data(mdfeed::Publisher& publisher);
  /// After recover(), before start(): tells the publisher the recovered state
  /// (every symbol, then every resting order in priority order, as `rested`).
  void publish_recovered_state();

  void start();
  /// Asks the thread to finish every input already pushed and end; the
  /// gateway keeps draining until finished(), then calls stop().
  void request_stop();
  [[nodiscard]] bool finished() const { return finished_.load(std::memory_order_acquire); }
  /// request_stop() and join. Only safe to block in when nobody else drains
  /// if the outbound queue can fill (the thread then waits for room).
  void stop();

  [[nodiscard]] bool try_push(const ShardInput& in) override;
  [[nodiscard]] bool try_pop(ShardOutput& out) override { return out_->try_pop(out); }

 private:
  friend struct ShardThreadOutput;
  void run();
  void deliver(const ShardOutput& o);  // into out_, waiting for room
  void journal_and_apply(const ShardInput& in);
  void release();
  void halt();
  void answer_halted(const ShardInput& in);
  bool snapshot(std::string* error);
  void finish();
  void log(const std::string& line);
  void trace(const ShardOutput& o);
  void publish(const ShardOutput& o);

  struct Staged {
    uint64_t seq;  // the journal seq its outputs wait for
    ShardOutput out;
  };
  struct Pending {
    uint64_t seq;
    ShardInput in;
  };

  EventFdWake& gateway_;
  const uint32_t index_;
  ShardDurability durability_;
  Log* log_;
  std::unique_ptr<Channel<ShardInput>> in_;
  std::unique_ptr<Channel<ShardOutput>> out_;
  ShardThreadOutput output_{*this};
  Matcher<ShardThreadOutput> matcher_;
  std::unique_ptr<journal::Writer> writer_;
  // Matching thread only.
  bool replaying_ = false;
  bool halted_ = false;
  uint64_t current_seq_ = 0;  // the journal seq the current input's outputs wait for
  std::vector<Staged> staged_;
  size_t staged_head_ = 0;
  std::vector<Pending> pending_;  // inputs whose outputs wait for durability (answered `halted` on failure)
  size_t pending_head_ = 0;
  uint64_t since_snapshot_ = 0;
  uint64_t last_snapshot_seq_ = 0;
  uint64_t recovered_inputs_ = 0;
  uint32_t polls_ = 0;
  mdfeed::MdQueue* md_ = nullptr;
  mdfeed::Publisher* publisher_ = nullptr;
  uint64_t md_ts_ = 0;  // the ITCH timestamp of the outputs being released
  std::FILE* event_log_ = nullptr;  // the drop copy of released events (ShardDurability::event_log)
  std::string event_line_;
  Parking parking_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> finished_{false};
  std::thread thread_;
};

}  // namespace rialto::server
