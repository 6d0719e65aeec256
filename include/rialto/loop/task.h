// Task<T>: a lazily started C++20 coroutine, and the intrusive plumbing the
// event loop schedules it with. docs/EVENT_LOOP.md describes the whole design.
//
// A Task owns its coroutine frame. Nothing runs until the task is awaited by
// another task (`co_await child()`), handed to EventLoop::spawn, or driven by
// EventLoop::block_on. Destroying a Task that has not finished destroys its
// frame: that is cancellation. Every awaiter in this module withdraws itself
// from the reactor, the timer wheel and the ready queue in its destructor, so a
// frame can be destroyed at any suspension point.
//
// Thread safety: none. A task, and everything it awaits, belongs to the thread
// that runs its loop. The only cross-thread entry point is Notifier::notify.
//
// Invariants:
//   - a ListNode is linked into at most one List at a time; destroying a node
//     unlinks it (so a destroyed waiter can never be resumed);
//   - a frame suspended at its final point is never resumed, only destroyed.
#pragma once

#include <cassert>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <optional>
#include <utility>

namespace rialto::loop {

class EventLoop;
class JoinHandle;
template <class T = void>
class Task;

namespace detail {

// Doubly linked, intrusive: no allocation to enqueue, O(1) removal from
// whichever list the node is in. Used by the ready queue, the timer wheel and
// the loop's list of live spawned tasks.
struct ListNode {
  ListNode* prev = nullptr;
  ListNode* next = nullptr;

  ListNode() noexcept = default;
  ListNode(const ListNode&) = delete;
  ListNode& operator=(const ListNode&) = delete;
  ~ListNode() { unlink(); }

  [[nodiscard]] bool linked() const noexcept { return next != nullptr; }
  void unlink() noexcept {
    if (next != nullptr) {
      prev->next = next;
      next->prev = prev;
      prev = nullptr;
      next = nullptr;
    }
  }
};

// Circular list with a sentinel. Not movable: nodes point at the sentinel.
class List {
 public:
  List() noexcept { head_.prev = head_.next = &head_; }
  List(const List&) = delete;
  List& operator=(const List&) = delete;
  ~List() {
    while (!empty()) head_.next->unlink();
    head_.prev = head_.next = nullptr;  // the sentinel's own destructor is then a no-op
  }

  [[nodiscard]] bool empty() const noexcept { return head_.next == &head_; }
  [[nodiscard]] ListNode* front() const noexcept { return empty() ? nullptr : head_.next; }
  // Iteration: for (n = first(); n != end(); n = n->next). Read `next` before
  // unlinking `n`.
  [[nodiscard]] ListNode* first() const noexcept { return head_.next; }
  [[nodiscard]] const ListNode* end() const noexcept { return &head_; }

  void push_back(ListNode& n) noexcept {
    assert(!n.linked());
    n.prev = head_.prev;
    n.next = &head_;
    head_.prev->next = &n;
    head_.prev = &n;
  }
  ListNode* pop_front() noexcept {
    if (empty()) return nullptr;
    ListNode* n = head_.next;
    n->unlink();
    return n;
  }
  // Moves every node of `other` to the back of this list, keeping their order.
  void splice_back(List& other) noexcept {
    if (other.empty()) return;
    ListNode* first = other.head_.next;
    ListNode* last = other.head_.prev;
    other.head_.prev = other.head_.next = &other.head_;
    first->prev = head_.prev;
    head_.prev->next = first;
    last->next = &head_;
    head_.prev = last;
  }

 private:
  ListNode head_;
};

// Something the loop can run when it reaches the front of the ready queue.
// Usually that means resuming a coroutine; I/O awaiters install their own
// `run` that retries the system call first and resumes only when the
// operation has completed (so one co_await costs one resumption).
struct Waiter : ListNode {
  using RunFn = void (*)(Waiter&) noexcept;

  explicit Waiter(RunFn fn = &resume_handle, void* context = nullptr) noexcept
      : run(fn), ctx(context) {}

  static void resume_handle(Waiter& w) noexcept { w.handle.resume(); }

  RunFn run;
  void* ctx;
  std::coroutine_handle<> handle;
};

enum class Role : std::uint8_t { child, spawned, blocking };

// Membership of a spawned task in EventLoop's list of live tasks.
struct LiveNode : ListNode {
  std::coroutine_handle<> frame;
  JoinHandle* owner = nullptr;  // the attached JoinHandle, if any
};

struct PromiseBase {
  std::coroutine_handle<> continuation;  // the awaiting parent, for a child task
  std::exception_ptr error;
  Waiter start;   // queued once by spawn / block_on
  LiveNode live;  // linked while a spawned task has not finished
  Role role = Role::child;
  bool done = false;

  std::suspend_always initial_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { error = std::current_exception(); }
};

// Called when a spawned or blocking task finishes: logs an exception (the rule:
// a throwing task ends, the loop does not) and destroys a detached frame.
void on_root_done(PromiseBase& p, std::coroutine_handle<> frame) noexcept;

struct FinalAwaiter {
  bool await_ready() const noexcept { return false; }
  template <class P>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
    PromiseBase& p = h.promise();
    p.done = true;
    if (p.continuation) return p.continuation;  // symmetric transfer to the parent
    on_root_done(p, h);                          // may destroy the frame
    return std::noop_coroutine();
  }
  void await_resume() const noexcept {}
};

template <class T>
struct Promise : PromiseBase {
  std::optional<T> value;

  Task<T> get_return_object() noexcept;
  FinalAwaiter final_suspend() noexcept { return {}; }
  template <class U>
  void return_value(U&& v) {
    value.emplace(std::forward<U>(v));
  }
  T take() {
    if (error) std::rethrow_exception(error);
    return std::move(*value);
  }
};

template <>
struct Promise<void> : PromiseBase {
  Task<void> get_return_object() noexcept;
  FinalAwaiter final_suspend() noexcept { return {}; }
  void return_void() noexcept {}
  void take() const {
    if (error) std::rethrow_exception(error);
  }
};

}  // namespace detail

// An owned, lazily started coroutine returning T. `co_await std::move(t)` (or
// `co_await t`) runs it as a child of the awaiting task and yields its value, or
// rethrows what it threw. Destroying an unfinished Task cancels it.
template <class T>
class [[nodiscard]] Task {
 public:
  using promise_type = detail::Promise<T>;
  using Handle = std::coroutine_handle<promise_type>;

  Task() noexcept = default;
  explicit Task(Handle h) noexcept : h_(h) {}
  Task(Task&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  Task& operator=(Task&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { reset(); }

  // Destroys the frame, finished or not.
  void reset() noexcept {
    if (h_) std::exchange(h_, {}).destroy();
  }
  [[nodiscard]] bool valid() const noexcept { return static_cast<bool>(h_); }
  [[nodiscard]] bool done() const noexcept { return h_ && h_.promise().done; }
  [[nodiscard]] Handle handle() const noexcept { return h_; }
  [[nodiscard]] Handle release() noexcept { return std::exchange(h_, {}); }

  struct Awaiter {
    Handle h;
    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> parent) noexcept {
      assert(h && !h.promise().done && "awaiting an empty or finished task");
      h.promise().continuation = parent;
      return h;  // symmetric transfer: start the child on this stack
    }
    T await_resume() { return h.promise().take(); }
  };
  Awaiter operator co_await() & noexcept { return Awaiter{h_}; }
  Awaiter operator co_await() && noexcept { return Awaiter{h_}; }

 private:
  Handle h_;
};

namespace detail {
template <class T>
Task<T> Promise<T>::get_return_object() noexcept {
  return Task<T>(std::coroutine_handle<Promise<T>>::from_promise(*this));
}
inline Task<void> Promise<void>::get_return_object() noexcept {
  return Task<void>(std::coroutine_handle<Promise<void>>::from_promise(*this));
}
}  // namespace detail

// Returned by EventLoop::spawn. Dropping it detaches the task (the loop keeps
// running it and frees it when it finishes); cancel() destroys it at its current
// suspension point. When the loop is destroyed first, the loop cancels the task
// and the handle becomes empty.
class JoinHandle {
 public:
  using Handle = std::coroutine_handle<detail::Promise<void>>;

  JoinHandle() noexcept = default;
  explicit JoinHandle(Handle h) noexcept : h_(h) {
    if (h_) h_.promise().live.owner = this;
  }
  JoinHandle(JoinHandle&& o) noexcept : h_(std::exchange(o.h_, {})) {
    if (h_) h_.promise().live.owner = this;
  }
  JoinHandle& operator=(JoinHandle&& o) noexcept {
    if (this != &o) {
      detach();
      h_ = std::exchange(o.h_, {});
      if (h_) h_.promise().live.owner = this;
    }
    return *this;
  }
  JoinHandle(const JoinHandle&) = delete;
  JoinHandle& operator=(const JoinHandle&) = delete;
  ~JoinHandle() { detach(); }

  // True once the task has returned, thrown, or been cancelled.
  [[nodiscard]] bool done() const noexcept { return !h_ || h_.promise().done; }
  // True if the task ended by throwing (the loop has logged it).
  [[nodiscard]] bool failed() const noexcept { return h_ && h_.promise().error != nullptr; }

  // Cancellation: destroys the frame, running the destructors of its locals and
  // of the awaiter it is suspended in. Must not be called from inside the task.
  void cancel() noexcept {
    if (h_) std::exchange(h_, {}).destroy();  // ~LiveNode unlinks from the loop
  }
  void detach() noexcept {
    if (!h_) return;
    Handle h = std::exchange(h_, {});
    if (h.promise().done) {
      h.destroy();
    } else {
      h.promise().live.owner = nullptr;  // the loop frees it when it finishes
    }
  }

 private:
  friend class EventLoop;
  void orphan() noexcept { h_ = {}; }  // the loop destroyed the frame
  Handle h_;
};

}  // namespace rialto::loop
