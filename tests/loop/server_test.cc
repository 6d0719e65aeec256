// Server and Connection: configured limits disconnect the offending peer with
// a logged reason; well-behaved peers are served.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "rialto/loop/event_loop.h"
#include "rialto/loop/server.h"
#include "rialto/loop/tcp.h"
#include "test_util.h"

namespace rialto::loop {
namespace {

using namespace std::chrono_literals;
using test::bytes;
using test::LogCapture;
using test::text;

Deadline soon() { return Clock::now() + 10s; }

// Echo through Connection: read into its buffer, send, consume.
Task<void> echo_handler(Connection& c) {
  for (;;) {
    auto r = co_await c.read();
    if (!r.ok() || r.value() == 0) co_return;
    if (!c.send(c.received())) co_return;
    c.consume(c.received().size());
  }
}

struct Fixture {
  explicit Fixture(ServerConfig config, Server::Handler h = &echo_handler)
      : server(loop, bind(loop), config, std::move(h)), accept_task(loop.spawn(server.serve())) {}
  ~Fixture() { accept_task.cancel(); }  // the accept loop must end before the Server
  static TcpListener bind(EventLoop& loop) {
    auto l = TcpListener::bind(loop, Endpoint::loopback(0));
    EXPECT_TRUE(l.ok()) << l.message();
    return std::move(l).value();
  }
  EventLoop loop;
  Server server;
  JoinHandle accept_task;
};

// Connects, sends `msg`, and returns what comes back before EOF/error/timeout.
Task<std::string> exchange(EventLoop& loop, Endpoint to, std::string msg, std::size_t expect) {
  auto c = co_await TcpStream::connect(loop, to, soon());
  if (!c.ok()) co_return "connect: " + c.message();
  TcpStream s = std::move(c).value();
  if (!msg.empty()) (void)co_await s.write_all(bytes(msg), soon());
  std::string out;
  std::byte buf[4096];
  while (out.size() < expect) {
    auto r = co_await s.read_some(buf, Clock::now() + 5s);
    if (!r.ok() || r.value() == 0) break;
    out += text(std::span<const std::byte>(buf, r.value()));
  }
  co_return out;
}

TEST(Server, shouldEchoThroughConnectionBuffers) {
  Fixture f(ServerConfig{});
  const std::string msg(100'000, 'e');
  EXPECT_EQ(f.loop.block_on(exchange(f.loop, f.server.local_endpoint(), msg, msg.size())), msg);
}

TEST(Server, shouldRefuseConnectionsBeyondTheLimitWithLoggedReason) {
  LogCapture logs;
  ServerConfig config;
  config.max_connections = 2;
  Fixture f(config);
  auto body = [](EventLoop& loop, Server& srv) -> Task<void> {
    const Endpoint at = srv.local_endpoint();
    std::vector<TcpStream> held;
    for (int i = 0; i < 2; ++i) {
      auto c = co_await TcpStream::connect(loop, at, soon());
      EXPECT_TRUE(c.ok());
      held.push_back(std::move(c).value());
      (void)co_await held.back().write_all(bytes("x"), soon());
      std::byte b[1];
      auto r = co_await held.back().read_some(b, soon());  // echoed: accepted and served
      EXPECT_TRUE(r.ok() && r.value() == 1u);
    }
    EXPECT_EQ(srv.active_connections(), 2u);
    auto third = co_await TcpStream::connect(loop, at, soon());
    EXPECT_TRUE(third.ok());  // the kernel completes the handshake...
    std::byte b[1];
    auto r = co_await third.value().read_some(b, soon());  // ...then the server drops it
    EXPECT_TRUE(!r.ok() || r.value() == 0u);
    EXPECT_EQ(srv.active_connections(), 2u);
    held.clear();
    for (int i = 0; i < 100 && srv.active_connections() > 0; ++i) co_await loop.sleep_for(1ms);
    EXPECT_EQ(srv.active_connections(), 0u);
  };
  f.loop.block_on(body(f.loop, f.server));
  EXPECT_TRUE(logs.contains("connection limit of 2 reached")) << logs.all();
}

TEST(Server, shouldDisconnectSlowReaderAtWriteBufferLimit) {
  LogCapture logs;
  ServerConfig config;
  config.write_buffer_limit = 256 * 1024;
  std::size_t max_buffered = 0;
  bool dropped = false;
  // A publisher: sends 16 KiB updates without waiting for the peer.
  auto publisher = [&](Connection& c) -> Task<void> {
    std::vector<std::byte> update(16 * 1024, std::byte{'u'});
    for (int i = 0; i < 100'000; ++i) {
      if (!c.send(update)) {
        dropped = true;
        co_return;
      }
      max_buffered = std::max(max_buffered, c.buffered());
      co_await c.stream().loop()->yield();
    }
  };
  Fixture f(config, publisher);
  auto client = [](EventLoop& loop, Endpoint at) -> Task<void> {
    auto c = co_await TcpStream::connect(loop, at, soon());
    EXPECT_TRUE(c.ok());
    // Never read; wait until the server gives up on us.
    for (int i = 0; i < 5000; ++i) {
      co_await loop.sleep_for(1ms);
      if (LogCapture::contains("slow reader")) break;
    }
  };
  f.loop.block_on(client(f.loop, f.server.local_endpoint()));
  EXPECT_TRUE(dropped);
  EXPECT_LE(max_buffered, config.write_buffer_limit);
  EXPECT_TRUE(logs.contains("slow reader")) << logs.all();
  EXPECT_TRUE(logs.contains("262144-byte write buffer limit")) << logs.all();
}

TEST(Server, shouldDrainBeforeSendingMoreWhenProducerWaits) {
  // The cooperative producer: awaits drained() and is never dropped.
  ServerConfig config;
  config.write_buffer_limit = 64 * 1024;
  constexpr std::size_t kTotal = 8u << 20;
  auto producer = [](Connection& c) -> Task<void> {
    std::vector<std::byte> block(32 * 1024, std::byte{'p'});
    for (std::size_t sent = 0; sent < kTotal; sent += block.size()) {
      if (!c.send(block)) co_return;
      co_await c.drained();
    }
  };
  Fixture f(config, producer);
  auto got = f.loop.block_on(exchange(f.loop, f.server.local_endpoint(), "", kTotal));
  EXPECT_EQ(got.size(), kTotal);
}

TEST(Server, shouldDisconnectPeerWhoseFrameExceedsReceiveBuffer) {
  LogCapture logs;
  ServerConfig config;
  config.read_buffer_bytes = 1024;
  // Frames end with '\n'; the handler never consumes a partial frame.
  auto line_handler = [](Connection& c) -> Task<void> {
    for (;;) {
      auto r = co_await c.read();
      if (!r.ok() || r.value() == 0) co_return;
      for (;;) {
        auto in = c.received();
        std::size_t i = 0;
        while (i < in.size() && in[i] != std::byte{'\n'}) ++i;
        if (i == in.size()) break;
        if (!c.send(in.first(i + 1))) co_return;
        c.consume(i + 1);
      }
    }
  };
  Fixture f(config, line_handler);
  const std::string ok_line = "short line\n";
  const std::string huge(5000, 'h');
  auto out = f.loop.block_on(exchange(f.loop, f.server.local_endpoint(), ok_line + huge, 10'000));
  EXPECT_EQ(out, ok_line);  // answered the good frame, then dropped us
  EXPECT_TRUE(logs.contains("frame exceeds the 1024-byte receive buffer")) << logs.all();
}

TEST(Server, shouldDisconnectIdlePeer) {
  LogCapture logs;
  ServerConfig config;
  config.idle_timeout = 30ms;
  Fixture f(config);
  auto start = Clock::now();
  auto out = f.loop.block_on(exchange(f.loop, f.server.local_endpoint(), "", 1));
  EXPECT_EQ(out, "");
  EXPECT_GE(Clock::now() - start, 30ms);
  EXPECT_LT(Clock::now() - start, 4s);  // closed by the server, not by our 5 s read deadline
  EXPECT_TRUE(logs.contains("idle for 30 ms")) << logs.all();
}

}  // namespace
}  // namespace rialto::loop
