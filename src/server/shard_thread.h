// One matching shard on its own thread: the gateway pushes ShardInputs into
// `in_`, the thread applies them to its Matcher and pushes every output into
// `out_`, then wakes the gateway. This is the single writer of the shard's
// books. The journal (durability) goes between the pop and Matcher::apply.
//
// Thread safety: try_push/try_pop (the ShardLink) from the gateway thread
// only; start/stop from the thread that owns the ShardThread.
// Invariants: outputs leave in the order the matcher emitted them; an input's
// outputs are all in `out_` before the gateway is woken for it.
#pragma once

#include <atomic>
#include <memory>
#include <thread>

#include "channel.h"
#include "gateway.h"
#include "matcher.h"
#include "wakeup.h"

namespace rialto::server {

class ShardThread final : public ShardLink {
 public:
  /// `queue_capacity`: elements of each of its two queues.
  ShardThread(const engine::EngineConfig& config, size_t queue_capacity, EventFdWake& gateway);
  ~ShardThread() override;
  ShardThread(const ShardThread&) = delete;
  ShardThread& operator=(const ShardThread&) = delete;

  [[nodiscard]] bool ok() const { return matcher_.ok(); }
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
  struct Output {
    ShardThread& shard;
    void push(const ShardOutput& o);
  };
  void run();

  EventFdWake& gateway_;
  std::unique_ptr<Channel<ShardInput>> in_;
  std::unique_ptr<Channel<ShardOutput>> out_;
  Output output_{*this};
  Matcher<Output> matcher_;
  Parking parking_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> finished_{false};
  std::thread thread_;
};

}  // namespace rialto::server
