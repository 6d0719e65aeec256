// rialto_mdfeed_bench: the market-data publisher behind a matching engine.
//
// One "shard" thread runs a realistic order flow (bench/engine workload,
// normal regime) through an engine whose sink pushes every market-data event
// into the publisher's queue (publish(), one notify() per command); the
// publisher thread encodes and serves N loopback subscribers (SoupBinTCP,
// from sequence 1), read by up to 4 threads that decode every ITCH message.
//
//   throughput: the engine flat out; commands/s and events/s of the engine
//               thread (N = none: no publisher at all; 0, 1, 8, 64 attached),
//               and feed messages/s delivered to all subscribers together.
//   latency:    the engine paced at --rate commands/s (open loop: each
//               command at its scheduled time); per message, subscriber
//               decode time minus the ITCH timestamp, which the shard takes
//               (CLOCK_REALTIME, ns since midnight) when it publishes.
//
// Medians of --rounds rounds. Not a test: it reports numbers.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/engine/clock.h"
#include "bench/engine/histogram.h"
#include "bench/engine/workload.h"
#include "rialto/engine/engine.h"
#include "rialto/itch/itch.h"
#include "rialto/itch/soup.h"
#include "rialto/mdfeed/publisher.h"

namespace {

using namespace rialto;
namespace soup = itch::soup;

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// The shard's sink: every market-data event into the queue.
struct FeedSink {
  mdfeed::MdQueue* q = nullptr;
  uint64_t ts = 0;
  uint64_t events = 0;
  uint64_t lost = 0;
  void on_event(const Event& e) {
    ++events;
    if (q != nullptr && !mdfeed::publish(*q, e, ts)) ++lost;
  }
};

struct Readers {
  std::vector<std::thread> threads;
  std::atomic<uint64_t> messages{0};
  std::atomic<int> ended{0};
  std::vector<bench::Histogram> latency;  // one per thread
  std::atomic<uint64_t> measure_from_ns{UINT64_MAX};  // messages stamped earlier (warm-up) are not timed
  std::atomic<bool> failed{false};
};

int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  std::string login;
  soup::append_login_request(login, "bench", "", "", 1);
  if (::send(fd, login.data(), login.size(), 0) != static_cast<ssize_t>(login.size())) return -1;
  return fd;
}

/// Reads its sockets until every one has sent End of Session.
void read_loop(Readers& r, size_t index, std::vector<int> fds, bool measure) {
  std::vector<soup::SoupDecoder> dec;
  for (size_t i = 0; i < fds.size(); ++i) dec.emplace_back(soup::Direction::from_server);
  std::vector<pollfd> pfds;
  for (int fd : fds) pfds.push_back({fd, POLLIN, 0});
  std::vector<char> buf(1 << 16);
  size_t open = fds.size();
  uint64_t local = 0;
  bench::Histogram& h = r.latency[index];
  std::string heartbeat;
  soup::append_client_heartbeat(heartbeat);
  double last_heartbeat = now_s();
  while (open > 0) {
    if (now_s() - last_heartbeat >= 1.0) {  // SoupBinTCP: a client heartbeat every second
      last_heartbeat = now_s();
      for (const pollfd& p : pfds) {
        if (p.fd >= 0) (void)!::send(p.fd, heartbeat.data(), heartbeat.size(), MSG_NOSIGNAL);
      }
    }
    if (::poll(pfds.data(), pfds.size(), 10000) <= 0) {
      r.failed = true;
      break;
    }
    for (size_t i = 0; i < pfds.size(); ++i) {
      if (pfds[i].fd < 0 || !(pfds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::recv(pfds[i].fd, buf.data(), buf.size(), 0);
      if (n <= 0) {
        r.failed = true;
        pfds[i].fd = -1;
        --open;
        continue;
      }
      dec[i].append(buf.data(), static_cast<size_t>(n));
      const uint64_t now = measure ? mdfeed::ns_since_midnight() : 0;
      soup::Packet p;
      while (dec[i].next(&p) == soup::SoupDecoder::Next::packet) {
        if (p.type == soup::PacketType::sequenced_data) {
          itch::Message m;
          if (!itch::decode(p.payload.data(), p.payload.size(), &m).ok()) r.failed = true;
          ++local;
          if (measure) {
            const uint64_t ts = itch::header_of(m).timestamp;
            // relaxed: a stale value only leaves a few messages untimed.
            if (ts >= r.measure_from_ns.load(std::memory_order_relaxed)) h.record(now > ts ? now - ts : 0);
          }
        } else if (p.type == soup::PacketType::end_of_session) {
          ::close(pfds[i].fd);
          pfds[i].fd = -1;
          --open;
          break;
        }
      }
    }
  }
  r.messages += local;
  ++r.ended;
}

struct Result {
  double engine_cmds_per_s = 0;
  double engine_cmds_per_cpu_s = 0;  // per second of the engine thread's CPU time (leaves out preemption)
  double engine_events_per_s = 0;
  double feed_msgs = 0;
  double feed_msgs_per_s = 0;  // delivered to all subscribers together
  uint64_t lost = 0;
  bench::Histogram latency;
  bool ok = true;
};

/// One round: `subs` < 0 runs the engine with no publisher at all.
size_t g_queue_capacity = 1u << 16;

Result round(const bench::Workload& w, int subs, double rate) {
  Result res;
  FeedSink sink;
  engine::Engine<FeedSink> eng(w.engine_config(), sink);
  for (const auto& s : w.symbols) eng.add_symbol(s);
  std::unique_ptr<mdfeed::Publisher> pub;
  Readers readers;
  if (subs >= 0) {
    mdfeed::PublisherOptions o;
    o.port = 0;
    o.queue_capacity = g_queue_capacity;
    o.retained_bytes = 512u << 20;
    o.retained_messages = 1u << 24;
    o.end_grace_ms = 120000;  // every subscriber reads to the end
    pub = std::make_unique<mdfeed::Publisher>(o, [](std::string_view) {});
    std::string error;
    if (!pub->start(&error)) {
      std::fprintf(stderr, "%s\n", error.c_str());
      res.ok = false;
      return res;
    }
    sink.q = &pub->queue(0);
    for (uint32_t s = 0; s < w.symbols.size(); ++s) {
      const std::string name = "SYM" + std::to_string(s);
      if (!mdfeed::publish_symbol(*sink.q, SymbolId(s), static_cast<uint16_t>(s + 1), name, TickSize{1, 2},
                                  w.symbols[s].lot, mdfeed::ns_since_midnight())) {
        res.ok = false;
      }
    }
    const int threads = std::min(subs, 4);
    readers.latency.resize(static_cast<size_t>(std::max(threads, 1)));
    std::vector<std::vector<int>> fds(static_cast<size_t>(std::max(threads, 1)));
    for (int i = 0; i < subs; ++i) {
      int fd = connect_to(pub->port());
      if (fd < 0) res.ok = false;
      fds[static_cast<size_t>(i % threads)].push_back(fd);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // logins done
    for (int t = 0; t < threads; ++t) {
      readers.threads.emplace_back(read_loop, std::ref(readers), static_cast<size_t>(t), fds[static_cast<size_t>(t)],
                                   rate > 0);
    }
  }
  // Warm-up builds the book, unmeasured, unpaced.
  for (size_t i = 0; i < w.warmup; ++i) {
    sink.ts = subs >= 0 ? mdfeed::ns_since_midnight() : 0;
    bench::execute(eng, w.commands[i]);
    if (pub) pub->notify();
  }
  const uint64_t events_before = sink.events;
  readers.measure_from_ns.store(mdfeed::ns_since_midnight(), std::memory_order_relaxed);
  const double t0 = now_s();
  const double c0 = bench::thread_cpu_seconds();
  const double interval = rate > 0 ? 1.0 / rate : 0;
  for (size_t i = w.warmup; i < w.commands.size(); ++i) {
    if (rate > 0) {
      const double due = t0 + static_cast<double>(i - w.warmup) * interval;
      while (now_s() < due) {
      }
    }
    sink.ts = subs >= 0 ? mdfeed::ns_since_midnight() : 0;
    bench::execute(eng, w.commands[i]);
    if (pub) pub->notify();
  }
  const double t1 = now_s();
  res.engine_cmds_per_cpu_s = static_cast<double>(w.measured()) / (bench::thread_cpu_seconds() - c0);
  res.engine_cmds_per_s = static_cast<double>(w.measured()) / (t1 - t0);
  res.engine_events_per_s = static_cast<double>(sink.events - events_before) / (t1 - t0);
  res.lost = sink.lost;
  if (pub) {
    pub->stop();
    for (auto& t : readers.threads) t.join();
    const double t2 = now_s();
    res.feed_msgs = static_cast<double>(readers.messages.load());
    // Delivered from the start of the measured part to the last End of Session.
    res.feed_msgs_per_s = res.feed_msgs / (t2 - t0);
    for (auto& h : readers.latency) res.latency.merge(h);
    const mdfeed::PublisherStats st = pub->stats();
    if (readers.failed || st.broken || st.disconnected > 0) {
      res.ok = false;
      std::printf("  (round failed: readers %s, broken %d, disconnected %llu, slow %llu)\n",
                  readers.failed ? "failed" : "ok", st.broken ? 1 : 0,
                  static_cast<unsigned long long>(st.disconnected), static_cast<unsigned long long>(st.slow));
    }
  }
  return res;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  size_t commands = 1'000'000;
  int rounds = 3;
  double rate = 100'000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--commands" && i + 1 < argc) commands = std::stoul(argv[++i]);
    else if (a == "--rounds" && i + 1 < argc) rounds = std::stoi(argv[++i]);
    else if (a == "--rate" && i + 1 < argc) rate = std::stod(argv[++i]);
    else if (a == "--queue" && i + 1 < argc) g_queue_capacity = std::stoul(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s [--commands N] [--rounds R] [--rate CMDS_PER_S] [--queue RECORDS]\n", argv[0]);
      return 2;
    }
  }
  std::printf("cpu: %s, %u online\n", cpu_model().c_str(), std::thread::hardware_concurrency());
  const bench::Workload w = bench::generate(bench::Regime::normal, 42, commands);
  std::printf("workload: normal regime, %zu warm-up + %zu measured commands; shard queue %zu records\n\n", w.warmup,
              w.measured(), g_queue_capacity);

  std::printf("throughput (engine flat out), median of %d rounds\n", rounds);
  std::printf("%-14s %14s %14s %14s %16s %16s\n", "subscribers", "engine cmd/s", "engine ev/s", "cmd/cpu-s",
              "feed msgs", "feed msgs/s");
  double base = 0;
  double base_none = 0;
  bool all_ok = true;
  for (int subs : {-1, 0, 1, 8, 64}) {
    std::vector<double> c, e, f, fr, cc;
    for (int r = 0; r < rounds; ++r) {
      Result res = round(w, subs, 0);
      all_ok = all_ok && res.ok;
      c.push_back(res.engine_cmds_per_s);
      cc.push_back(res.engine_cmds_per_cpu_s);
      e.push_back(res.engine_events_per_s);
      f.push_back(res.feed_msgs);
      fr.push_back(res.feed_msgs_per_s);
    }
    const std::string label = subs < 0 ? "no publisher" : std::to_string(subs);
    if (subs == 0) base = median(c);
    if (subs < 0) base_none = median(c);
    std::printf("%-14s %14.0f %14.0f %14.0f %16.0f %16.0f", label.c_str(), median(c), median(e), median(cc), median(f),
                median(fr));
    if (subs > 0 && base > 0) std::printf("   (%.2fx of 0 attached, %.2fx of none)", median(c) / base, median(c) / base_none);
    std::printf("\n");
  }
  if (rate > 0) {
    std::printf("\nlatency, engine event -> subscriber decode, engine paced at %.0f cmd/s (all rounds merged)\n", rate);
    std::printf("%-14s %10s %10s %10s %10s %12s\n", "subscribers", "p50 us", "p99 us", "p99.9 us", "max us", "messages");
    const bench::Workload lw =
        bench::generate(bench::Regime::normal, 43, std::min<size_t>(commands, static_cast<size_t>(rate * 3)));
    for (int subs : {1, 8, 64}) {
      bench::Histogram h;
      for (int r = 0; r < rounds; ++r) {
        Result res = round(lw, subs, rate);
        all_ok = all_ok && res.ok;
        h.merge(res.latency);
      }
      std::printf("%-14d %10.1f %10.1f %10.1f %10.1f %12llu\n", subs, static_cast<double>(h.percentile(50)) / 1e3,
                  static_cast<double>(h.percentile(99)) / 1e3, static_cast<double>(h.percentile(99.9)) / 1e3,
                  static_cast<double>(h.max()) / 1e3, static_cast<unsigned long long>(h.count()));
    }
  }
  return all_ok ? 0 : 1;
}
