// rialto_loop_bench: the same TCP echo server on three event loops — rialto's
// (this module), asio (C++20 coroutines: co_spawn / use_awaitable) and libuv —
// driven over loopback by one open-loop load client.
//
// Method (docs/perf/loop.md):
//   - the server runs on its own thread pinned to CPU 0, the client on CPU 1;
//   - fixed offered rates: message i is *scheduled* at start + i/rate and its
//     latency is measured from that scheduled time to the arrival of its echo
//     (no coordinated omission: a stalled server is charged for the queue);
//   - messages are 64 bytes, round-robin over the connections;
//   - servers are interleaved round by round; each cell is the median over
//     rounds of that round's percentile;
//   - saturated throughput: closed loop, 16 connections each keeping a window
//     of 8 messages in flight, messages echoed per second (median of rounds);
//   - server CPU ns/msg: CPU time of the server thread (its thread CPU clock)
//     over the run divided by messages echoed. Unlike wall-clock latency it is
//     barely disturbed by other processes sharing the machine.
//
// Usage: rialto_loop_bench --help
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio.hpp>
#include <uv.h>

#include "rialto/loop/event_loop.h"
#include "rialto/loop/notifier.h"
#include "rialto/loop/tcp.h"

namespace {

constexpr std::size_t kMsg = 64;
constexpr std::size_t kServerBuf = 16 * 1024;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

// A server under test: started on its own pinned thread, stopped from outside.
struct RunningServer {
  std::thread thread;
  std::uint16_t port = 0;
  std::function<void()> stop;
  clockid_t cpu_clock{};  // the server thread's CPU-time clock
};

std::int64_t cpu_ns(clockid_t c) {
  timespec ts{};
  clock_gettime(c, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// ---------------------------------------------------------------------------
// rialto

namespace rl = rialto::loop;

rl::Task<void> rialto_session(rl::TcpStream s) {
  std::array<std::byte, kServerBuf> buf;
  for (;;) {
    auto r = co_await s.read_some(buf);
    if (!r.ok() || r.value() == 0) co_return;
    auto w = co_await s.write_all(std::span<const std::byte>(buf.data(), r.value()));
    if (!w.ok()) co_return;
  }
}

rl::Task<void> rialto_accept(rl::EventLoop& loop, rl::TcpListener& l) {
  for (;;) {
    auto r = co_await l.accept();
    if (r.ok()) loop.spawn(rialto_session(std::move(r).value())).detach();
  }
}

rl::Task<void> rialto_stopper(rl::EventLoop& loop, rl::Notifier& n) {
  co_await n.wait();
  loop.stop();
}

RunningServer start_rialto(bool busy_poll) {
  RunningServer s;
  std::promise<std::pair<std::uint16_t, rl::Notifier*>> ready;
  auto f = ready.get_future();
  s.thread = std::thread([busy_poll, &ready] {
    pin_to_cpu(0);
    rl::EventLoop loop(rl::LoopConfig{.busy_poll = busy_poll});
    auto l = rl::TcpListener::bind(loop, rl::Endpoint::loopback(0));
    if (!l.ok()) {
      std::fprintf(stderr, "rialto bind: %s\n", l.message().c_str());
      std::exit(1);
    }
    rl::TcpListener listener = std::move(l).value();
    rl::Notifier stop(loop);
    rl::JoinHandle acceptor = loop.spawn(rialto_accept(loop, listener));
    loop.spawn(rialto_stopper(loop, stop)).detach();
    ready.set_value({listener.local_endpoint().port, &stop});
    loop.run();
    acceptor.cancel();
  });
  auto [port, notifier] = f.get();
  s.port = port;
  s.stop = [notifier] { notifier->notify(); };
  return s;
}

// ---------------------------------------------------------------------------
// asio, C++20 coroutines

asio::awaitable<void> asio_session(asio::ip::tcp::socket sock) {
  std::array<char, kServerBuf> buf;
  asio::error_code ec;
  for (;;) {
    const std::size_t n = co_await sock.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    co_await asio::async_write(sock, asio::buffer(buf.data(), n), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

asio::awaitable<void> asio_accept(asio::ip::tcp::acceptor& acceptor) {
  asio::error_code ec;
  for (;;) {
    asio::ip::tcp::socket sock = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) continue;
    sock.set_option(asio::ip::tcp::no_delay(true), ec);
    asio::co_spawn(acceptor.get_executor(), asio_session(std::move(sock)), asio::detached);
  }
}

RunningServer start_asio() {
  RunningServer s;
  std::promise<std::pair<std::uint16_t, asio::io_context*>> ready;
  auto f = ready.get_future();
  s.thread = std::thread([&ready] {
    pin_to_cpu(0);
    asio::io_context ctx(1);  // concurrency hint: one thread
    asio::ip::tcp::acceptor acceptor(ctx, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    asio::co_spawn(ctx, asio_accept(acceptor), asio::detached);
    ready.set_value({acceptor.local_endpoint().port(), &ctx});
    ctx.run();
  });
  auto [port, ctx] = f.get();
  s.port = port;
  s.stop = [ctx] { ctx->stop(); };
  return s;
}

// ---------------------------------------------------------------------------
// libuv

struct UvConn {
  uv_tcp_t handle;
  char buf[kServerBuf];
};
struct UvWrite {
  uv_write_t req;
  uv_buf_t buf;
};

void uv_on_close(uv_handle_t* h) {
  if (h->data != nullptr) delete static_cast<UvConn*>(h->data);
}

void uv_on_alloc(uv_handle_t* h, std::size_t, uv_buf_t* b) {
  auto* c = static_cast<UvConn*>(h->data);
  *b = uv_buf_init(c->buf, sizeof c->buf);
}

void uv_on_write(uv_write_t* req, int) {
  auto* w = reinterpret_cast<UvWrite*>(req);
  std::free(w->buf.base);
  delete w;
}

void uv_on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* b) {
  if (nread < 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(stream), uv_on_close);
    return;
  }
  if (nread == 0) return;
  uv_buf_t out = uv_buf_init(b->base, static_cast<unsigned>(nread));
  // The fast path an optimised libuv server takes: write at once, queue
  // (allocate, copy) only what the socket did not take.
  int done = uv_try_write(stream, &out, 1);
  if (done == nread) return;
  if (done < 0 && done != UV_EAGAIN) {
    uv_close(reinterpret_cast<uv_handle_t*>(stream), uv_on_close);
    return;
  }
  if (done < 0) done = 0;
  auto* w = new UvWrite;
  const auto rest = static_cast<std::size_t>(nread - done);
  w->buf = uv_buf_init(static_cast<char*>(std::malloc(rest)), static_cast<unsigned>(rest));
  std::memcpy(w->buf.base, b->base + done, rest);
  uv_write(&w->req, stream, &w->buf, 1, uv_on_write);
}

void uv_on_connection(uv_stream_t* server, int status) {
  if (status < 0) return;
  auto* c = new UvConn;
  uv_tcp_init(server->loop, &c->handle);
  c->handle.data = c;
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&c->handle)) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&c->handle), uv_on_close);
    return;
  }
  uv_tcp_nodelay(&c->handle, 1);
  uv_read_start(reinterpret_cast<uv_stream_t*>(&c->handle), uv_on_alloc, uv_on_read);
}

RunningServer start_uv() {
  RunningServer s;
  std::promise<std::pair<std::uint16_t, uv_async_t*>> ready;
  auto f = ready.get_future();
  s.thread = std::thread([&ready] {
    pin_to_cpu(0);
    uv_loop_t loop;
    uv_loop_init(&loop);
    uv_tcp_t server;
    uv_tcp_init(&loop, &server);
    server.data = nullptr;
    sockaddr_in addr{};
    uv_ip4_addr("127.0.0.1", 0, &addr);
    uv_tcp_bind(&server, reinterpret_cast<const sockaddr*>(&addr), 0);
    uv_listen(reinterpret_cast<uv_stream_t*>(&server), 1024, uv_on_connection);
    sockaddr_in bound{};
    int len = sizeof bound;
    uv_tcp_getsockname(&server, reinterpret_cast<sockaddr*>(&bound), &len);
    uv_async_t stop;
    stop.data = nullptr;
    uv_async_init(&loop, &stop, [](uv_async_t* a) { uv_stop(a->loop); });
    ready.set_value({ntohs(bound.sin_port), &stop});
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_walk(
        &loop,
        [](uv_handle_t* h, void*) {
          if (!uv_is_closing(h)) uv_close(h, uv_on_close);
        },
        nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
  });
  auto [port, async] = f.get();
  s.port = port;
  s.stop = [async] { uv_async_send(async); };
  return s;
}

// ---------------------------------------------------------------------------
// Load client

struct ClientConn {
  int fd = -1;
  std::vector<char> in;
  std::size_t in_len = 0;
  std::string out;  // bytes the socket did not take yet
};

std::vector<ClientConn> connect_all(std::uint16_t port, int n) {
  std::vector<ClientConn> conns(static_cast<std::size_t>(n));
  for (auto& c : conns) {
    c.fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(c.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      std::perror("client connect");
      std::exit(1);
    }
    int one = 1;
    ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::fcntl(c.fd, F_SETFL, ::fcntl(c.fd, F_GETFL) | O_NONBLOCK);
    c.in.resize(64 * 1024);
  }
  return conns;
}

void close_all(std::vector<ClientConn>& conns) {
  for (auto& c : conns) ::close(c.fd);
}

void send_bytes(ClientConn& c, const char* p, std::size_t n) {
  if (c.out.empty()) {
    const ssize_t w = ::send(c.fd, p, n, MSG_NOSIGNAL);
    if (w == static_cast<ssize_t>(n)) return;
    const std::size_t done = w > 0 ? static_cast<std::size_t>(w) : 0;
    c.out.append(p + done, n - done);
    return;
  }
  c.out.append(p, n);
}

void flush_pending(ClientConn& c) {
  if (c.out.empty()) return;
  const ssize_t w = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
  if (w > 0) c.out.erase(0, static_cast<std::size_t>(w));
}

// Reads what is there; calls on_msg(sched_ns, seq) for every complete message.
template <class F>
void receive(ClientConn& c, F&& on_msg) {
  for (;;) {
    const ssize_t n = ::recv(c.fd, c.in.data() + c.in_len, c.in.size() - c.in_len, 0);
    if (n <= 0) return;
    c.in_len += static_cast<std::size_t>(n);
    std::size_t off = 0;
    while (c.in_len - off >= kMsg) {
      std::int64_t sched;
      std::uint64_t seq;
      std::memcpy(&sched, c.in.data() + off, 8);
      std::memcpy(&seq, c.in.data() + off + 8, 8);
      on_msg(sched, seq);
      off += kMsg;
    }
    std::memmove(c.in.data(), c.in.data() + off, c.in_len - off);
    c.in_len -= off;
  }
}

struct Percentiles {
  double p50 = 0, p99 = 0, p999 = 0, max = 0;  // microseconds
  double cpu_ns_per_msg = 0;                   // server thread CPU time / messages echoed
  std::uint64_t lost = 0;                      // not echoed within 2 s of the end
  bool ok = false;
};

Percentiles fixed_rate(const RunningServer& srv, int nconn, double rate, double warmup_s, double measure_s) {
  auto conns = connect_all(srv.port, nconn);
  const int ep = ::epoll_create1(0);
  for (std::size_t i = 0; i < conns.size(); ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let the server accept
  const auto total = static_cast<std::uint64_t>((warmup_s + measure_s) * rate);
  const auto first_measured = static_cast<std::uint64_t>(warmup_s * rate);
  const double interval = 1e9 / rate;
  std::vector<std::int64_t> lat;
  lat.reserve(total - first_measured + 16);
  std::uint64_t received = 0;
  const std::int64_t cpu_before = cpu_ns(srv.cpu_clock);
  const std::int64_t start = now_ns() + 1'000'000;
  const std::int64_t give_up = start + static_cast<std::int64_t>((warmup_s + measure_s + 2.0) * 1e9);
  std::uint64_t i = 0;
  std::array<epoll_event, 256> evs;
  char msg[kMsg] = {};
  bool any_pending = false;
  while (received < total) {
    const std::int64_t t = now_ns();
    if (t > give_up) break;
    while (i < total) {
      const std::int64_t sched = start + static_cast<std::int64_t>(static_cast<double>(i) * interval);
      if (sched > t) break;
      std::memcpy(msg, &sched, 8);
      std::memcpy(msg + 8, &i, 8);
      ClientConn& c = conns[i % conns.size()];
      send_bytes(c, msg, kMsg);
      if (!c.out.empty()) any_pending = true;
      ++i;
    }
    if (any_pending) {
      any_pending = false;
      for (auto& c : conns) {
        flush_pending(c);
        if (!c.out.empty()) any_pending = true;
      }
    }
    const int n = ::epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), 0);
    for (int k = 0; k < n; ++k) {
      ClientConn& c = conns[evs[static_cast<std::size_t>(k)].data.u64];
      receive(c, [&](std::int64_t sched, std::uint64_t seq) {
        ++received;
        if (seq >= first_measured) lat.push_back(now_ns() - sched);
      });
    }
  }
  const std::int64_t cpu_after = cpu_ns(srv.cpu_clock);
  ::close(ep);
  close_all(conns);
  Percentiles p;
  p.lost = total - received;
  p.cpu_ns_per_msg = received > 0 ? static_cast<double>(cpu_after - cpu_before) / static_cast<double>(received) : 0;
  if (lat.empty()) return p;
  std::sort(lat.begin(), lat.end());
  auto at = [&](double q) {
    const auto idx = std::min(lat.size() - 1, static_cast<std::size_t>(q * static_cast<double>(lat.size())));
    return static_cast<double>(lat[idx]) / 1000.0;
  };
  p.p50 = at(0.50);
  p.p99 = at(0.99);
  p.p999 = at(0.999);
  p.max = static_cast<double>(lat.back()) / 1000.0;
  p.ok = true;
  return p;
}

// Closed loop: each connection keeps `window` messages in flight; returns
// messages echoed per second during the measurement window.
struct Throughput {
  double msg_per_s = 0;
  double cpu_ns_per_msg = 0;
};

Throughput saturated(const RunningServer& srv, int nconn, int window, double warmup_s, double measure_s) {
  auto conns = connect_all(srv.port, nconn);
  const int ep = ::epoll_create1(0);
  for (std::size_t i = 0; i < conns.size(); ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::vector<char> burst(kMsg * static_cast<std::size_t>(window), 'x');
  for (auto& c : conns) send_bytes(c, burst.data(), burst.size());
  const std::int64_t start = now_ns();
  const std::int64_t measure_from = start + static_cast<std::int64_t>(warmup_s * 1e9);
  const std::int64_t end = measure_from + static_cast<std::int64_t>(measure_s * 1e9);
  std::uint64_t counted = 0;
  std::array<epoll_event, 256> evs;
  std::int64_t cpu_from = -1;
  for (;;) {
    const std::int64_t t = now_ns();
    if (t >= end) break;
    if (cpu_from < 0 && t >= measure_from) cpu_from = cpu_ns(srv.cpu_clock);
    const int n = ::epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), 0);
    for (int k = 0; k < n; ++k) {
      ClientConn& c = conns[evs[static_cast<std::size_t>(k)].data.u64];
      std::size_t got = 0;
      receive(c, [&](std::int64_t, std::uint64_t) { ++got; });
      if (t >= measure_from) counted += got;
      if (got > 0) send_bytes(c, burst.data(), got * kMsg);
      flush_pending(c);
    }
  }
  const std::int64_t cpu_to = cpu_ns(srv.cpu_clock);
  ::close(ep);
  close_all(conns);
  Throughput r;
  r.msg_per_s = static_cast<double>(counted) / measure_s;
  r.cpu_ns_per_msg = counted > 0 ? static_cast<double>(cpu_to - cpu_from) / static_cast<double>(counted) : 0;
  return r;
}

RunningServer start(const std::string& name) {
  RunningServer s = name == "rialto"        ? start_rialto(false)
                    : name == "rialto-busy" ? start_rialto(true)
                    : name == "asio"        ? start_asio()
                                            : start_uv();
  pthread_getcpuclockid(s.thread.native_handle(), &s.cpu_clock);
  return s;
}

template <class T>
std::vector<T> parse_list(const std::string& csv) {
  std::vector<T> out;
  std::size_t pos = 0;
  while (pos <= csv.size()) {
    const std::size_t comma = std::min(csv.find(',', pos), csv.size());
    const std::string item = csv.substr(pos, comma - pos);
    if constexpr (std::is_same_v<T, std::string>) {
      out.push_back(item);
    } else {
      out.push_back(static_cast<T>(std::atof(item.c_str())));
    }
    pos = comma + 1;
  }
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 3;
  double measure_s = 0.6;
  double warmup_s = 0.2;
  std::vector<double> rates = {20'000, 50'000, 100'000};
  std::vector<int> conn_counts = {1, 16, 256};
  std::vector<std::string> servers = {"rialto", "asio", "libuv", "rialto-busy"};
  bool run_saturated = true;
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    if (arg == "--rounds" && a + 1 < argc) rounds = std::atoi(argv[++a]);
    else if (arg == "--ms" && a + 1 < argc) measure_s = std::atof(argv[++a]) / 1000.0;
    else if (arg == "--rates" && a + 1 < argc) rates = parse_list<double>(argv[++a]);
    else if (arg == "--conns" && a + 1 < argc) conn_counts = parse_list<int>(argv[++a]);
    else if (arg == "--servers" && a + 1 < argc) servers = parse_list<std::string>(argv[++a]);
    else if (arg == "--no-saturated") run_saturated = false;
    else if (arg == "--quick") {
      rounds = 1;
      measure_s = 0.2;
      warmup_s = 0.05;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--rounds N] [--ms MILLIS] [--quick] [--rates 20000,50000] [--conns 1,16]\n"
                   "          [--servers rialto,asio,libuv,rialto-busy] [--no-saturated]\n",
                   argv[0]);
      return 2;
    }
  }
  if (std::thread::hardware_concurrency() < 2) std::fprintf(stderr, "warning: fewer than 2 CPUs; pinning overlaps\n");
  pin_to_cpu(1);

  std::printf("# rialto_loop_bench: %d round(s), %.0f ms measured after %.0f ms warm-up per cell, %zu-byte messages\n",
              rounds, measure_s * 1000, warmup_s * 1000, kMsg);
  std::printf("# latency in microseconds from the scheduled send time; median over rounds\n\n");
  std::printf("| rate msg/s | conns | server | p50 | p99 | p99.9 | max | lost | server CPU ns/msg |\n");
  std::printf("|---:|---:|---|---:|---:|---:|---:|---:|---:|\n");
  for (double rate : rates) {
    for (int nc : conn_counts) {
      std::vector<std::vector<Percentiles>> per(servers.size());
      for (int r = 0; r < rounds; ++r) {
        for (std::size_t s = 0; s < servers.size(); ++s) {
          RunningServer srv = start(servers[s]);
          per[s].push_back(fixed_rate(srv, nc, rate, warmup_s, measure_s));
          srv.stop();
          srv.thread.join();
        }
      }
      for (std::size_t s = 0; s < servers.size(); ++s) {
        std::vector<double> p50, p99, p999, mx, cpu;
        std::uint64_t lost = 0;
        for (auto& p : per[s]) {
          p50.push_back(p.p50);
          p99.push_back(p.p99);
          p999.push_back(p.p999);
          mx.push_back(p.max);
          cpu.push_back(p.cpu_ns_per_msg);
          lost += p.lost;
        }
        std::printf("| %.0f | %d | %s | %.1f | %.1f | %.1f | %.1f | %llu | %.0f |\n", rate, nc, servers[s].c_str(),
                    median(p50), median(p99), median(p999), median(mx), static_cast<unsigned long long>(lost),
                    median(cpu));
      }
      std::fflush(stdout);
    }
  }

  if (!run_saturated) return 0;
  std::printf("\n| saturated, 16 conns x 8 in flight | msg/s (median) | server CPU ns/msg | rounds msg/s |\n");
  std::printf("|---|---:|---:|---|\n");
  std::vector<std::vector<double>> tput(servers.size());
  std::vector<std::vector<double>> tcpu(servers.size());
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t s = 0; s < servers.size(); ++s) {
      RunningServer srv = start(servers[s]);
      const Throughput t = saturated(srv, 16, 8, warmup_s, measure_s * 2);
      tput[s].push_back(t.msg_per_s);
      tcpu[s].push_back(t.cpu_ns_per_msg);
      srv.stop();
      srv.thread.join();
    }
  }
  for (std::size_t s = 0; s < servers.size(); ++s) {
    std::string all;
    for (double v : tput[s]) all += std::to_string(static_cast<long>(v)) + " ";
    std::printf("| %s | %.0f | %.0f | %s|\n", servers[s].c_str(), median(tput[s]), median(tcpu[s]), all.c_str());
  }
  return 0;
}
