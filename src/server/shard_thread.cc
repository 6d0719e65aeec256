#include "shard_thread.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

namespace rialto::server {

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

ShardThread::ShardThread(const engine::EngineConfig& config, size_t queue_capacity, EventFdWake& gateway)
    : gateway_(gateway),
      in_(std::make_unique<Channel<ShardInput>>(queue_capacity)),
      out_(std::make_unique<Channel<ShardOutput>>(queue_capacity)),
      matcher_(config, output_) {}

ShardThread::~ShardThread() { stop(); }

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

void ShardThread::Output::push(const ShardOutput& o) {
  while (!shard.out_->try_push(o)) {
    // The gateway is behind: make sure it is awake, then let it run.
    shard.gateway_.notify();
    std::this_thread::yield();
  }
}

void ShardThread::run() {
  constexpr int kSpins = 2000;
  ShardInput in;
  for (;;) {
    bool got = in_->try_pop(in);
    for (int i = 0; !got && i < kSpins; ++i) {
      __builtin_ia32_pause();
      got = in_->try_pop(in);
    }
    if (!got) {
      gateway_.notify();
      // Stop only once everything pushed before stop() has been applied.
      if (stop_.load(std::memory_order_acquire)) {
        if (!in_->try_pop(in)) {
          finished_.store(true, std::memory_order_release);
          gateway_.notify();
          return;
        }
        got = true;
      } else {
        parking_.park([&] {
          got = in_->try_pop(in);
          return !got && !stop_.load(std::memory_order_acquire);
        });
        if (!got) continue;
      }
    }
    matcher_.apply(in);
    gateway_.notify();
  }
}

}  // namespace rialto::server
