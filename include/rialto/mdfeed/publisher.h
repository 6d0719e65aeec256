// The market-data publisher: one thread with its own asio io_context. It
// drains the shards' MdQueues, turns their records into ITCH 5.0 messages
// (FeedEncoder), appends each as a SoupBinTCP Sequenced Data packet to a
// bounded retained log, and serves subscribers over TCP from that log.
// Protocol and behaviour: docs/MARKET_DATA.md#publisher.
//
// Thread safety:
//   - queue(k): the shard k's matching thread is the only producer of it
//     (publish(), publish_symbol() in md_input.h); call notify() after a batch
//     (after each input is fine: while inputs flow it is one atomic exchange,
//     the publisher draining every drain_interval_us; an eventfd write only
//     when the publisher had found the queues empty).
//   - start(), port(), session(), stop(), ~Publisher(): the owning thread.
//   - stats(): any thread (each figure is read on its own; relaxed).
//   The publisher never blocks a shard: a full queue breaks the feed (every
//   subscriber gets End of Session, new logins are refused), matching goes on.
//
// Lifecycle: construct, start() (binds, logs "market data on HOST:PORT",
// publishes System Events O S Q), shards push, stop() once the shards have
// stopped pushing (drains every queue, publishes System Events M E C, sends
// End of Session to every subscriber, closes, joins).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "rialto/mdfeed/feed_encoder.h"
#include "rialto/mdfeed/md_input.h"

namespace rialto::mdfeed {

struct PublisherOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 7002;           // 0: any free port (port() says which)
  uint32_t shards = 1;
  size_t queue_capacity = 1u << 20;       // MdInputs per shard queue (96 bytes each)
  bool prefault_queues = true;            // touch the queues' pages at construction
  size_t retained_bytes = 64u << 20;      // the retained log's bytes (~1.9 M messages)
  size_t retained_messages = 1u << 21;    // ... and messages (8 bytes of index each)
  size_t max_snapshot_bytes = 256u << 20; // a late join whose snapshot is larger is refused
  size_t write_chunk_bytes = 256u << 10;  // bytes handed to one socket write at most
  uint32_t drain_interval_us = 50;        // while inputs flow, the queues are drained this often
  uint32_t end_grace_ms = 2000;           // stop(): time subscribers get to read the rest
  uint32_t heartbeat_ms = 1000;           // a Server Heartbeat after this long without sending
  uint32_t client_timeout_ms = 15000;     // no bytes from a subscriber this long: disconnected
  uint32_t login_timeout_ms = 15000;      // no Login Request this long after connecting: disconnected
  size_t max_subscribers = 1024;          // connections beyond it are closed at once (logged)
  int socket_send_buffer = 0;             // SO_SNDBUF of subscriber sockets; 0: the system's
  std::string session;                    // 10 chars at most; empty: the start time (see session())
};

struct PublisherStats {
  uint64_t inputs = 0;          // MdInputs drained
  uint64_t messages = 0;        // sequenced messages published (the last sequence number)
  uint64_t subscribers = 0;     // logged in now
  uint64_t logins = 0;          // Login Accepted sent
  uint64_t rejected = 0;        // Login Rejected sent
  uint64_t disconnected = 0;    // connections closed by the publisher for a reason (slow, malformed, timeout)
  uint64_t slow = 0;            // ... of which slow subscribers
  uint64_t bytes_sent = 0;
  bool broken = false;          // a shard queue overflowed
};

class Publisher {
 public:
  Publisher(PublisherOptions options, LogFn log);
  ~Publisher();  // stop() if still running
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  /// Binds and starts the thread. False with *error set if it cannot listen.
  [[nodiscard]] bool start(std::string* error);
  /// Shard `k`'s queue (k < options.shards); valid from construction on.
  [[nodiscard]] MdQueue& queue(uint32_t k);
  /// Any shard thread, after pushing.
  void notify() noexcept;
  /// The bound port (after start()).
  [[nodiscard]] uint16_t port() const;
  /// The SoupBinTCP session name: options.session, or the start time as
  /// seconds since the epoch (10 digits until the year 2286).
  [[nodiscard]] const std::string& session() const;
  void stop();
  [[nodiscard]] PublisherStats stats() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace rialto::mdfeed
