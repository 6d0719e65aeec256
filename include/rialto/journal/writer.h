// The journal writer of one shard: appends sequenced records to segment files
// with group commit (docs/JOURNAL.md#group-commit).
//
// Design: two batch buffers. The caller's thread (the shard) encodes records
// into the current one — no syscall, no allocation — and hands it to a
// background sync thread, which owns the file: it write()s the batch
// completely, fdatasync()s it under Policy::fsync, publishes durable_seq and
// returns the buffer. While the disk works the caller fills the other buffer,
// so everything appended during one sync goes out in the next: the batch size
// follows the disk's latency. Worst case: both buffers full (the disk is
// slower than the appends), and append() waits for the sync in flight.
//
// Thread safety: append, poll, flush, close and set_on_durable are called by
// one thread (the owner). durable_seq, failed and error may be called from any
// thread. The on_durable callback runs on the sync thread.
//
// Invariants: seqs are consecutive from the next_seq given to open();
// durable_seq() <= the last appended seq and only grows; a record <= durable_seq
// is in the file (and fdatasync'ed under fsync). After a write or sync failure
// nothing more is written and durable_seq stays where it was (sticky).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "rialto/journal/fs.h"

namespace rialto::journal {

enum class Policy : uint8_t {
  fsync,  // written and fdatasync'ed before durable (group commit)
  async,  // written (in the page cache) before durable, never synced per batch
  none,   // nothing is written; every record is "durable" when appended
};

/// "fsync", "async", "none".
[[nodiscard]] std::string_view to_string(Policy p);
/// The policy named by `text`, or nullopt.
[[nodiscard]] std::optional<Policy> parse_policy(std::string_view text);

struct WriterOptions {
  std::string dir;  // the shard's directory, e.g. DATA/shard-0 (created if missing)
  uint32_t shard = 0;
  Policy policy = Policy::fsync;
  uint64_t segment_bytes = 64 << 20;  // a batch that starts at or past this size starts a new segment
  uint32_t batch_bytes = 1 << 20;     // each of the two batch buffers; >= the largest record
  // Latency budget of a batch, counted from the first poll() that saw it. A
  // batch is handed off at the first poll() that finds the sync thread idle,
  // so it waits at most for the sync in flight; poll() never blocks. A poll
  // that finds the thread still busy past the budget counts in Stats::late_polls
  // (the disk is slower than the budget).
  uint32_t group_commit_us = 200;
};

class Writer {
 public:
  /// Starts a new segment `journal-<next_seq>.rj` (a file of that name that
  /// holds no record, as recovery can leave, is replaced; one with records is
  /// an error), fdatasyncs it and the directory, and starts the sync thread.
  /// Under Policy::none no file is touched. Returns nullptr and sets *error on
  /// failure.
  static std::unique_ptr<Writer> open(const WriterOptions& options, Fs& fs, uint64_t next_seq, std::string* error);

  ~Writer();  // close()
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  /// Appends one record and returns its seq. Copies into the current batch; if
  /// the batch has no room, hands it off first (waiting for the other buffer
  /// if the disk is behind). Precondition: n <= kMaxPayload (asserted).
  uint64_t append(uint8_t type, const void* payload, uint32_t n);

  /// Hands the current batch (if not empty) to the sync thread if the thread
  /// is idle; never waits. `now_ns` (any monotonic clock) measures the batch
  /// against the budget (WriterOptions::group_commit_us).
  void poll(uint64_t now_ns);

  /// Hands the current batch off now (may wait for the sync in flight).
  void flush();

  /// Every record <= this is written (and fdatasync'ed under fsync); under none
  /// the last appended seq. Acquire: pairs with the sync thread's release store.
  [[nodiscard]] uint64_t durable_seq() const { return durable_seq_.load(std::memory_order_acquire); }

  /// Blocks until durable_seq() >= seq or the writer has failed; returns
  /// durable_seq() >= seq. The caller must have handed `seq` off (flush).
  bool wait_durable(uint64_t seq);

  /// Owner thread: records are appended but not handed off, and the sync
  /// thread is idle (so poll() would hand them off now). The sync thread
  /// clears `busy` before it calls on_durable, so an owner that checks this
  /// after announcing it sleeps cannot miss the wake-up.
  [[nodiscard]] bool batch_waiting() const { return fill_ > 0 && !busy_.load(std::memory_order_acquire); }
  /// The seq the next append will return.
  [[nodiscard]] uint64_t next_seq() const { return next_seq_; }

  /// A write or sync failure happened; error() names the file, offset and errno.
  [[nodiscard]] bool failed() const { return failed_.load(std::memory_order_acquire); }
  /// Valid once failed() returned true (written before failed_ is released).
  [[nodiscard]] const std::string& error() const { return error_; }

  /// Called on the sync thread after durable_seq advances or on failure. Set it
  /// before the first append.
  void set_on_durable(std::function<void()> f);

  /// Flushes, waits until everything appended is durable (or failed), stops the
  /// sync thread and closes the file (fdatasync'ed under fsync and async).
  void close();

  struct Stats {
    uint64_t batches = 0;    // batches written
    uint64_t bytes = 0;      // bytes written, headers included
    uint64_t syncs = 0;      // fdatasync calls
    uint64_t segments = 1;   // segment files started
    uint64_t late_polls = 0; // polls that found the thread busy with a batch older than the budget
  };
  /// Counters; call from the owner's thread. The sync thread's are exact after close().
  [[nodiscard]] Stats stats() const;

 private:
  Writer(const WriterOptions& options, Fs& fs, uint64_t next_seq);
  bool start(std::string* error);
  void hand_off();
  void run();
  bool write_all(const std::byte* p, size_t n, const char* what);
  bool roll(uint64_t first_seq);
  void fail(std::string message);

  const WriterOptions options_;
  Fs& fs_;

  // Owner thread only.
  uint64_t next_seq_;
  std::unique_ptr<std::byte[]> buffers_[2];
  int current_ = 0;
  size_t fill_ = 0;
  uint64_t batch_first_seq_ = 0;
  uint64_t batch_seen_ns_ = 0;  // 0: poll has not seen the current batch yet
  uint64_t late_polls_ = 0;
  bool closed_ = false;

  // Sync thread only (and open()/close() while it is not running).
  int file_ = -1;
  std::string path_;
  uint64_t segment_size_ = 0;
  Stats stats_;

  // The hand-off, under mu_: the owner sets in_flight_ to a buffer index and
  // notifies; the sync thread sets it back to -1 when the buffer is free.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int in_flight_ = -1;
  size_t in_flight_size_ = 0;
  uint64_t in_flight_last_seq_ = 0;
  uint64_t in_flight_first_seq_ = 0;
  bool stop_ = false;
  Stats published_stats_;  // a copy of stats_, taken after each batch
  // Mirror of in_flight_ != -1 for poll's check without the lock. Release by
  // the sync thread after the buffer is free, acquire by poll; a stale `true`
  // only delays the hand-off to the next poll.
  std::atomic<bool> busy_{false};

  std::function<void()> on_durable_;
  std::atomic<uint64_t> durable_seq_{0};
  std::atomic<bool> failed_{false};  // release after error_ is written
  std::string error_;
  std::thread thread_;
};

}  // namespace rialto::journal
