#include "rialto/journal/writer.h"

#include <cassert>
#include <cerrno>
#include <utility>

#include "rialto/journal/format.h"

namespace rialto::journal {

std::string_view to_string(Policy p) {
  switch (p) {
    case Policy::fsync: return "fsync";
    case Policy::async: return "async";
    case Policy::none: return "none";
  }
  return "?";
}

std::optional<Policy> parse_policy(std::string_view text) {
  if (text == "fsync") return Policy::fsync;
  if (text == "async") return Policy::async;
  if (text == "none") return Policy::none;
  return std::nullopt;
}

Writer::Writer(const WriterOptions& options, Fs& fs, uint64_t next_seq)
    : options_(options), fs_(fs), next_seq_(next_seq) {
  durable_seq_.store(next_seq - 1, std::memory_order_relaxed);  // before any other thread exists
}

std::unique_ptr<Writer> Writer::open(const WriterOptions& options, Fs& fs, uint64_t next_seq, std::string* error) {
  if (next_seq == 0) {
    *error = "journal: next seq must be >= 1";
    return nullptr;
  }
  if (options.batch_bytes < kRecordHeaderSize + kMaxPayload) {
    *error = "journal: batch_bytes " + std::to_string(options.batch_bytes) + " is below the largest record (" +
             std::to_string(kRecordHeaderSize + kMaxPayload) + " bytes)";
    return nullptr;
  }
  std::unique_ptr<Writer> w(new Writer(options, fs, next_seq));
  if (!w->start(error)) return nullptr;
  return w;
}

bool Writer::start(std::string* error) {
  if (options_.policy == Policy::none) {
    closed_ = false;
    return true;
  }
  if (const int rc = fs_.make_dir(options_.dir); rc < 0) {
    *error = options_.dir + ": cannot create the journal directory: " + errno_text(rc);
    return false;
  }
  // A segment named for next_seq can only be left by an earlier run that wrote
  // no record into it (recovery would otherwise have continued after it).
  const std::string path = join_path(options_.dir, segment_name(next_seq_));
  if (const int64_t size = fs_.file_size(path); size >= 0) {
    if (static_cast<uint64_t>(size) > kSegmentHeaderSize) {
      *error = path + ": exists and holds records (" + std::to_string(size) +
               " bytes); recover the journal before writing";
      return false;
    }
    if (const int rc = fs_.remove(path); rc < 0) {
      *error = path + ": cannot replace the empty segment: " + errno_text(rc);
      return false;
    }
  }
  for (auto& b : buffers_) b = std::make_unique<std::byte[]>(options_.batch_bytes);
  if (!roll(next_seq_)) {
    *error = error_;
    return false;
  }
  stats_.segments = 1;
  published_stats_ = stats_;
  thread_ = std::thread([this] { run(); });
  return true;
}

Writer::~Writer() { close(); }

void Writer::set_on_durable(std::function<void()> f) {
  std::lock_guard lock(mu_);
  on_durable_ = std::move(f);
}

uint64_t Writer::append(uint8_t type, const void* payload, uint32_t n) {
  assert(n <= kMaxPayload && "record payload above kMaxPayload");
  assert(!closed_ && "append after close");
  const uint64_t seq = next_seq_++;
  if (options_.policy == Policy::none) {
    // Single writer: the owner is the only thread that stores; release pairs
    // with the acquire in durable_seq().
    durable_seq_.store(seq, std::memory_order_release);
    return seq;
  }
  const size_t need = kRecordHeaderSize + size_t{n};
  if (fill_ + need > options_.batch_bytes) hand_off();
  if (fill_ == 0) batch_first_seq_ = seq;
  encode_record(seq, type, payload, n, buffers_[current_].get() + fill_);
  fill_ += need;
  return seq;
}

void Writer::poll(uint64_t now_ns) {
  if (fill_ == 0 || options_.policy == Policy::none) return;
  if (batch_seen_ns_ == 0) batch_seen_ns_ = now_ns == 0 ? 1 : now_ns;
  // Acquire pairs with the sync thread's release store of false: a stale true
  // only postpones the hand-off to a later poll. A busy thread is never waited
  // for here: the batch could not reach the disk before the sync in flight
  // ends anyway, and the owner keeps appending meanwhile.
  if (!busy_.load(std::memory_order_acquire)) {
    hand_off();
  } else if (now_ns - batch_seen_ns_ >= uint64_t{options_.group_commit_us} * 1000) {
    ++late_polls_;
  }
}

void Writer::flush() {
  if (fill_ > 0 && options_.policy != Policy::none) hand_off();
}

void Writer::hand_off() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return in_flight_ == -1 || stop_; });
  if (failed_.load(std::memory_order_relaxed)) {
    // Nothing more is written after a failure: the batch is dropped (its
    // records never become durable).
    fill_ = 0;
    batch_seen_ns_ = 0;
    return;
  }
  in_flight_ = current_;
  in_flight_size_ = fill_;
  in_flight_first_seq_ = batch_first_seq_;
  in_flight_last_seq_ = next_seq_ - 1;
  busy_.store(true, std::memory_order_relaxed);  // under mu_; poll's stale read is harmless
  lock.unlock();
  cv_.notify_all();
  current_ ^= 1;
  fill_ = 0;
  batch_seen_ns_ = 0;
}

bool Writer::wait_durable(uint64_t seq) {
  if (options_.policy == Policy::none) return durable_seq() >= seq;
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return durable_seq() >= seq || failed_.load(std::memory_order_acquire) || stop_; });
  return durable_seq() >= seq;
}

void Writer::fail(std::string message) {
  error_ = std::move(message);
  // Release: a thread that sees failed() == true (acquire) reads the whole error_.
  failed_.store(true, std::memory_order_release);
}

bool Writer::write_all(const std::byte* p, size_t n, const char* what) {
  size_t done = 0;
  while (done < n) {
    const int64_t w = fs_.write(file_, p + done, n - done);
    if (w == -EINTR) continue;
    if (w <= 0) {
      fail(path_ + ": write of " + what + " at offset " + std::to_string(segment_size_ + done) + " failed: " +
           (w == 0 ? std::string("wrote 0 bytes") : errno_text(static_cast<int>(w))));
      segment_size_ += done;
      return false;
    }
    done += static_cast<size_t>(w);
  }
  segment_size_ += n;
  stats_.bytes += n;
  return true;
}

// Closes the current segment (fdatasync'ed) and starts `journal-<first_seq>.rj`.
bool Writer::roll(uint64_t first_seq) {
  if (file_ >= 0) {
    if (const int rc = fs_.fdatasync(file_); rc < 0) {
      fail(path_ + ": fdatasync at offset " + std::to_string(segment_size_) + " (closing the segment) failed: " +
           errno_text(rc));
      return false;
    }
    ++stats_.syncs;
    fs_.close(file_);
    file_ = -1;
  }
  path_ = join_path(options_.dir, segment_name(first_seq));
  segment_size_ = 0;
  const int fd = fs_.create_append(path_);
  if (fd < 0) {
    fail(path_ + ": cannot create the segment: " + errno_text(fd));
    return false;
  }
  file_ = fd;
  std::byte header[kSegmentHeaderSize];
  encode_segment_header(SegmentHeader{kJournalVersion, options_.shard, first_seq}, header);
  if (!write_all(header, sizeof header, "the segment header")) return false;
  if (const int rc = fs_.fdatasync(file_); rc < 0) {
    fail(path_ + ": fdatasync at offset " + std::to_string(segment_size_) + " failed: " + errno_text(rc));
    return false;
  }
  ++stats_.syncs;
  if (const int rc = fs_.sync_dir(options_.dir); rc < 0) {
    fail(options_.dir + ": fsync of the directory (after creating " + segment_name(first_seq) +
         ") failed: " + errno_text(rc));
    return false;
  }
  return true;
}

void Writer::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return in_flight_ != -1 || stop_; });
    if (in_flight_ == -1) return;  // stop_ with nothing in flight
    const std::byte* data = buffers_[in_flight_].get();
    const size_t size = in_flight_size_;
    const uint64_t first = in_flight_first_seq_;
    const uint64_t last = in_flight_last_seq_;
    lock.unlock();

    bool ok = !failed_.load(std::memory_order_relaxed);
    if (ok && segment_size_ >= options_.segment_bytes) {
      ok = roll(first);
      if (ok) ++stats_.segments;
    }
    if (ok) ok = write_all(data, size, "a batch");
    if (ok && options_.policy == Policy::fsync) {
      if (const int rc = fs_.fdatasync(file_); rc < 0) {
        fail(path_ + ": fdatasync at offset " + std::to_string(segment_size_) + " failed: " + errno_text(rc));
        ok = false;
      } else {
        ++stats_.syncs;
      }
    }
    if (ok) ++stats_.batches;

    lock.lock();
    // Release: pairs with the acquire in durable_seq(); the records are in
    // the file (and synced) before any thread sees the new value. Stored
    // under mu_ so that wait_durable() and stats() agree with it.
    if (ok) durable_seq_.store(last, std::memory_order_release);
    published_stats_ = stats_;
    in_flight_ = -1;
    busy_.store(false, std::memory_order_release);  // pairs with poll's acquire
    lock.unlock();
    cv_.notify_all();
    if (on_durable_) on_durable_();
    lock.lock();
  }
}

Writer::Stats Writer::stats() const {
  std::lock_guard lock(mu_);
  Stats s = published_stats_;
  s.late_polls = late_polls_;  // the owner's own counter
  return s;
}

void Writer::close() {
  if (closed_) return;
  closed_ = true;
  if (options_.policy == Policy::none) return;
  flush();
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_flight_ == -1; });
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (file_ >= 0) {
    if (!failed_.load(std::memory_order_relaxed)) {
      if (const int rc = fs_.fdatasync(file_); rc < 0) {
        fail(path_ + ": fdatasync at offset " + std::to_string(segment_size_) + " (closing) failed: " +
             errno_text(rc));
      } else {
        ++stats_.syncs;
      }
    }
    fs_.close(file_);
    file_ = -1;
  }
  std::lock_guard lock(mu_);
  published_stats_ = stats_;
}

}  // namespace rialto::journal
