#include "rialto/loop/event_loop.h"

#include <algorithm>
#include <cerrno>
#include <exception>
#include <system_error>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "rialto/loop/log.h"
#include "rialto/loop/notifier.h"

namespace rialto::loop {
namespace {

std::int64_t to_ns(Deadline t) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
std::int64_t now_ns() noexcept { return to_ns(Clock::now()); }

}  // namespace

// ---------------------------------------------------------------------------
// Task completion

namespace detail {

void on_root_done(PromiseBase& p, std::coroutine_handle<> frame) noexcept {
  if (p.role != Role::spawned) return;  // block_on reads the result itself
  if (p.error) {
    try {
      std::rethrow_exception(p.error);
    } catch (const std::exception& e) {
      log(LogLevel::error, "task ended by exception: %s", e.what());
    } catch (...) {
      log(LogLevel::error, "task ended by an exception of unknown type");
    }
  }
  p.live.unlink();
  if (p.live.owner == nullptr) frame.destroy();  // detached: nobody will look at it
}

// ---------------------------------------------------------------------------
// Timer wheel

TimerWheel::TimerWheel(std::int64_t now) : current_tick_(static_cast<std::uint64_t>(now / kTickNs)) {
  expired_.reserve(64);
}

void TimerWheel::arm(TimerNode& t, std::int64_t deadline_ns, List& ready) {
  assert(!t.linked());
  t.deadline_ns = deadline_ns;
  t.seq = next_seq_++;
  t.tick = deadline_ns <= 0 ? 0 : static_cast<std::uint64_t>((deadline_ns + kTickNs - 1) / kTickNs);
  if (t.tick <= current_tick_) {
    ready.push_back(t);  // already due
    return;
  }
  const std::size_t slot = t.tick % kSlots;
  slots_[slot].push_back(t);
  maybe_used_[slot / 64] |= std::uint64_t{1} << (slot % 64);
}

void TimerWheel::advance(std::int64_t now, List& ready) {
  const auto now_tick = static_cast<std::uint64_t>(now / kTickNs);
  if (now_tick <= current_tick_) return;
  const std::uint64_t steps = std::min<std::uint64_t>(now_tick - current_tick_, kSlots);
  for (std::uint64_t i = 1; i <= steps; ++i) {
    const std::size_t index = (current_tick_ + i) % kSlots;
    if ((maybe_used_[index / 64] & (std::uint64_t{1} << (index % 64))) == 0) continue;
    List& slot = slots_[index];
    for (ListNode* n = slot.first(); n != slot.end();) {
      ListNode* next = n->next;
      auto* t = static_cast<TimerNode*>(n);
      if (t->tick <= now_tick) {
        t->unlink();
        expired_.push_back(t);
      }
      n = next;
    }
    if (slot.empty()) maybe_used_[index / 64] &= ~(std::uint64_t{1} << (index % 64));
  }
  current_tick_ = now_tick;
  if (expired_.empty()) return;
  std::sort(expired_.begin(), expired_.end(), [](const TimerNode* a, const TimerNode* b) {
    return a->deadline_ns != b->deadline_ns ? a->deadline_ns < b->deadline_ns : a->seq < b->seq;
  });
  for (TimerNode* t : expired_) ready.push_back(*t);
  expired_.clear();
}

int TimerWheel::timeout_ms(std::int64_t now) const {
  // Visit marked slots in tick order starting after current_tick_: the ring is
  // walked word by word (kWords + 1 words, the first one masked).
  const std::size_t start = (current_tick_ + 1) % kSlots;
  for (std::size_t w = 0; w <= kWords; ++w) {
    const std::size_t word = (start / 64 + w) % kWords;
    std::uint64_t bits = maybe_used_[word];
    if (w == 0) bits &= ~std::uint64_t{0} << (start % 64);  // slots before start come last
    if (w == kWords) bits &= (start % 64) == 0 ? 0 : ~(~std::uint64_t{0} << (start % 64));
    while (bits != 0) {
      const std::size_t index = word * 64 + static_cast<std::size_t>(__builtin_ctzll(bits));
      bits &= bits - 1;
      if (slots_[index].empty()) {
        maybe_used_[word] &= ~(std::uint64_t{1} << (index % 64));
        continue;
      }
      const std::uint64_t tick = current_tick_ + 1 + (index + kSlots - start) % kSlots;
      const std::int64_t wait_ns = static_cast<std::int64_t>(tick) * kTickNs - now;
      if (wait_ns <= 0) return 0;
      return static_cast<int>((wait_ns + 999'999) / 1'000'000);
    }
  }
  return -1;
}

}  // namespace detail

// ---------------------------------------------------------------------------
// EventLoop

EventLoop::EventLoop(LoopConfig config) : config_(config), wheel_(now_ns()) {
  epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  events_.resize(static_cast<std::size_t>(std::max(1, config_.max_events)));
}

EventLoop::~EventLoop() {
  // Cancel what is still running. Destroying a frame runs its awaiters'
  // destructors, which deregister from this (still intact) loop.
  while (auto* n = live_.pop_front()) {
    auto* live = static_cast<detail::LiveNode*>(n);
    if (live->owner != nullptr) live->owner->orphan();
    live->frame.destroy();
  }
  ::close(epfd_);
}

JoinHandle EventLoop::spawn(Task<void> task) {
  auto h = task.release();
  assert(h && !h.promise().done);
  auto& p = h.promise();
  p.role = detail::Role::spawned;
  p.live.frame = h;
  live_.push_back(p.live);
  p.start.handle = h;
  schedule(p.start);
  return JoinHandle(h);
}

std::size_t EventLoop::live_tasks() const noexcept {
  std::size_t n = 0;
  for (const auto* node = live_.first(); node != live_.end(); node = node->next) ++n;
  return n;
}

void EventLoop::run() {
  assert(!running_ && "run() inside a running loop");
  running_ = true;
  stop_requested_ = false;
  while (!stop_requested_ && !live_.empty()) run_round(nullptr);
  running_ = false;
}

void EventLoop::run_round(const bool* finished) {
  // 1. Run the batch that is ready now.
  {
    detail::List batch;
    batch.splice_back(ready_);
    while (auto* n = batch.pop_front()) {
      auto& w = static_cast<detail::Waiter&>(*n);
      w.run(w);
    }
  }
  // 2. Poll the reactor; without blocking if the caller is about to return.
  const bool leaving = stop_requested_ || (finished != nullptr ? *finished : live_.empty());
  int timeout = 0;
  if (ready_.empty() && !config_.busy_poll && !leaving) {
    timeout = wheel_.timeout_ms(now_ns());
  }
  const int n = ::epoll_wait(epfd_, events_.data(), static_cast<int>(events_.size()), timeout);
  for (int i = 0; i < n; ++i) dispatch(events_[static_cast<std::size_t>(i)]);
  if (config_.busy_poll) poll_notifiers();
  // 3. Expire timers.
  wheel_.advance(now_ns(), ready_);
}

void EventLoop::dispatch(const epoll_event& ev) noexcept {
  const auto fd = static_cast<std::size_t>(ev.data.fd);
  if (fd >= fds_.size() || fds_[fd] == nullptr) return;
  detail::IoState& io = *fds_[fd];
  if ((ev.events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) io.read_closed = true;
  if ((ev.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
    io.readable = true;
    if (io.reader != nullptr) ready_.push_back(*std::exchange(io.reader, nullptr));
  }
  if ((ev.events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0) {
    io.writable = true;
    if (io.writer != nullptr) ready_.push_back(*std::exchange(io.writer, nullptr));
  }
}

void EventLoop::register_fd(detail::IoState& io) {
  assert(io.fd >= 0);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.fd = io.fd;
  if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, io.fd, &ev) != 0) {
    throw std::system_error(errno, std::generic_category(), "epoll_ctl ADD");
  }
  const auto fd = static_cast<std::size_t>(io.fd);
  if (fd >= fds_.size()) fds_.resize(std::max(fd + 1, fds_.size() * 2), nullptr);
  fds_[fd] = &io;
}

void EventLoop::deregister_fd(detail::IoState& io) {
  assert(io.reader == nullptr && io.writer == nullptr && "socket closed under a pending operation");
  ::epoll_ctl(epfd_, EPOLL_CTL_DEL, io.fd, nullptr);
  const auto fd = static_cast<std::size_t>(io.fd);
  if (fd < fds_.size() && fds_[fd] == &io) fds_[fd] = nullptr;
}

void EventLoop::rebind_fd(detail::IoState& io) noexcept {
  const auto fd = static_cast<std::size_t>(io.fd);
  assert(fd < fds_.size());
  fds_[fd] = &io;
}

void EventLoop::arm_timer(detail::TimerNode& t, Deadline d) noexcept {
  wheel_.arm(t, to_ns(d), ready_);
}

void EventLoop::poll_notifiers() noexcept {
  for (auto* n = notifiers_.first(); n != notifiers_.end(); n = n->next) {
    Notifier& notifier = *static_cast<Notifier::Node*>(n)->owner;
    // Relaxed peek: a stale `false` only delays the wake-up to the next round;
    // the waiter's consume() does the acquiring exchange.
    if (notifier.io_.reader != nullptr && notifier.pending_.load(std::memory_order_relaxed)) {
      ready_.push_back(*std::exchange(notifier.io_.reader, nullptr));
    }
  }
}

// ---------------------------------------------------------------------------
// Notifier

Notifier::Notifier(EventLoop& loop) : loop_(loop) {
  io_.fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (io_.fd < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  loop_.register_fd(io_);
  in_loop_.owner = this;
  loop_.notifiers_.push_back(in_loop_);
}

Notifier::~Notifier() {
  loop_.deregister_fd(io_);
  ::close(io_.fd);
}

void Notifier::notify() noexcept {
  if (pending_.exchange(true, std::memory_order_acq_rel)) return;  // a wake-up is on its way
  if (loop_.config_.busy_poll) return;  // the loop looks at pending_ every round
  const std::uint64_t one = 1;
  // EAGAIN only if the counter would overflow: then it is non-zero anyway.
  [[maybe_unused]] const auto r = ::write(io_.fd, &one, sizeof one);
}

void Notifier::drain_eventfd() noexcept {
  std::uint64_t count = 0;
  [[maybe_unused]] const auto r = ::read(io_.fd, &count, sizeof count);
}

Notifier::WaitAwaiter::~WaitAwaiter() {
  if (n_.io_.reader == &waiter_) n_.io_.reader = nullptr;
}

void Notifier::WaitAwaiter::await_suspend(std::coroutine_handle<> h) noexcept {
  waiter_.handle = h;
  assert(n_.io_.reader == nullptr && "one waiter per Notifier");
  n_.io_.reader = &waiter_;
}

void Notifier::WaitAwaiter::on_ready(detail::Waiter& w) noexcept {
  auto& self = *static_cast<WaitAwaiter*>(w.ctx);
  if (!self.n_.loop_.config_.busy_poll) self.n_.drain_eventfd();
  // Drain first, then consume: a notify() after the drain leaves a new edge.
  if (!self.n_.consume()) {
    self.n_.io_.reader = &self.waiter_;  // spurious: wait for the next edge
    return;
  }
  w.handle.resume();
}

}  // namespace rialto::loop
