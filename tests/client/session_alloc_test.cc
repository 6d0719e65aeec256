// The session's send and receive path allocates nothing per message: the
// global operator new is counted on the client's thread while it sends and
// receives many messages (heartbeats included).
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include "fake_server.h"
#include "rialto/client/session.h"

namespace {
thread_local long g_allocations = 0;
}

void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace rialto::client {
namespace {

namespace p = rialto::protocol;
using test::Conn;
using test::FakeServer;

TEST(SessionAllocations, shouldNotAllocateInTheSendAndReceivePath) {
  constexpr int kMessages = 2000;
  FakeServer server([](Conn& c) {
    c.accept_logon();
    for (int i = 0; i < kMessages; ++i) {
      auto in = c.read();
      if (!in) return;
      if (in->id == p::TemplateId::sync) {
        c.send(p::Heartbeat{});  // consumed by the client, never returned
        c.send(p::SyncAck{0, in->as<p::Sync>().token});
      }
    }
    test::wait_for_close(c);
  });
  auto s = std::make_unique<Session>();
  ASSERT_TRUE(s->connect("127.0.0.1", server.port()));
  ASSERT_EQ(s->logon("-", "", 100, false).status, LogonResult::Status::ok);
  const long before = g_allocations;
  ASSERT_GT(before, 0) << "the counter sees this thread's allocations (connect and logon make some)";
  for (uint64_t token = 1; token <= kMessages; ++token) {
    ASSERT_TRUE(s->send(p::Sync{0, token}));
    Frame f;
    ASSERT_EQ(s->receive(f, 2000), RecvStatus::frame);
    ASSERT_EQ(uint64_t{f.as<p::SyncAck>().token}, token);
    ASSERT_TRUE(s->service(Session::Clock::now()));
  }
  EXPECT_EQ(g_allocations - before, 0);
  s->close();
}

}  // namespace
}  // namespace rialto::client
