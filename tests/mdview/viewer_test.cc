// The viewer against an in-test SoupBinTCP server on loopback that plays a
// scripted session: login accepted, a snapshot as Unsequenced Data,
// Sequenced Data, End of Session. The --raw output is compared whole.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "rialto/itch/soup.h"
#include "rialto/mdview/mdview.h"

namespace rialto::mdview {
namespace {

using namespace rialto::itch;

/// Accepts one connection, reads the Login Request, writes `script` in
/// pieces of `piece` bytes, then reads what the client sends for `linger`
/// before closing.
class FakeServer {
 public:
  FakeServer(std::string script, std::size_t piece = 7, std::chrono::milliseconds linger = std::chrono::milliseconds(0))
      : script_(std::move(script)), piece_(piece), linger_(linger) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(listen_fd_, 1), 0);
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeServer() {
    if (thread_.joinable()) thread_.join();
    ::close(listen_fd_);
  }
  std::uint16_t port() const { return port_; }
  /// The packets the client sent, as type + payload; valid after join().
  const std::vector<std::string>& received() {
    if (thread_.joinable()) thread_.join();
    return received_;
  }

 private:
  void serve() {
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    soup::SoupDecoder d(soup::Direction::from_client);
    char buf[4096];
    auto read_some = [&]() {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      d.append(buf, static_cast<std::size_t>(n));
      soup::Packet p;
      while (d.next(&p) == soup::SoupDecoder::Next::packet) {
        std::string s(1, static_cast<char>(p.type));
        if (p.type == soup::PacketType::login_request) {
          s += " user=" + std::string(p.username) + " password=" + std::string(p.password) +
               " session=" + std::string(p.session) + " seq=" + std::to_string(p.sequence);
        }
        received_.push_back(s);
      }
      return true;
    };
    while (received_.empty() && read_some()) {
    }
    for (std::size_t at = 0; at < script_.size(); at += piece_) {
      ::send(fd, script_.data() + at, std::min(piece_, script_.size() - at), MSG_NOSIGNAL);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    if (linger_.count() > 0) {
      timeval tv{0, 100000};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      const auto until = std::chrono::steady_clock::now() + linger_;
      while (std::chrono::steady_clock::now() < until) {
        if (!read_some() && errno != EAGAIN && errno != EWOULDBLOCK) break;
      }
    }
    ::close(fd);
  }

  std::string script_;
  std::size_t piece_;
  std::chrono::milliseconds linger_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::vector<std::string> received_;
};

StockDirectory directory(std::uint16_t locate, const char* name) {
  StockDirectory r;
  r.header = Header{locate, 0, 1000};
  r.stock = make_alpha<8>(name);
  r.round_lot_size = 100;
  return r;
}

std::string session_script() {
  std::string s;
  soup::append_debug(s, "rialto market data");
  soup::append_login_accepted(s, "", 3);
  // Snapshot: the books as they are, unsequenced.
  soup::append_unsequenced(s, directory(1, "ACME"));
  soup::append_unsequenced(s, directory(2, "GLOBEX"));
  soup::append_unsequenced(s, AddOrder{Header{1, 0, 2000}, 1, 'S', 100, make_alpha<8>("ACME"), 1010000});
  soup::append_unsequenced(s, AddOrder{Header{2, 0, 2000}, 2, 'B', 7, make_alpha<8>("GLOBEX"), 500000});
  soup::append_server_heartbeat(s);
  // Live, from sequence 3.
  soup::append_sequenced(s, AddOrder{Header{1, 0, 34200000000123ull}, 3, 'B', 50, make_alpha<8>("ACME"), 1000000});
  soup::append_sequenced(s, OrderExecuted{Header{1, 0, 34200000000456ull}, 1, 40, 9});
  soup::append_sequenced(s, OrderDelete{Header{2, 0, 34200000000500ull}, 2});
  soup::append_sequenced(s, SystemEvent{Header{0, 0, 57600000000000ull}, 'C'});
  soup::append_end_of_session(s);
  return s;
}

MdOptions options_for(std::uint16_t port) {
  MdOptions o;
  o.port = port;
  o.raw = true;
  o.login_timeout_ms = 5000;
  return o;
}

TEST(MdViewer, rawPrintsEverySnapshotAndLiveMessageThenEndOfSession) {
  FakeServer server(session_script());
  MdOptions o = options_for(server.port());
  o.user = "bob";
  o.password = "pw";
  std::ostringstream out, err;
  std::atomic<bool> stop{false};
  EXPECT_EQ(run_md(o, out, err, stop), 0) << err.str();
  EXPECT_EQ(out.str(),
            "+ rialto market data\n"
            "U R locate=1 track=0 ts=0.000001000 stock=ACME market_category=\\s financial_status=\\s round_lot=100 "
            "round_lots_only=N issue_class=\\s issue_sub_type= authenticity=P short_sale_threshold=\\s ipo_flag=\\s "
            "luld_tier=\\s etp_flag=\\s etp_leverage=0 inverse=N\n"
            "U R locate=2 track=0 ts=0.000001000 stock=GLOBEX market_category=\\s financial_status=\\s round_lot=100 "
            "round_lots_only=N issue_class=\\s issue_sub_type= authenticity=P short_sale_threshold=\\s ipo_flag=\\s "
            "luld_tier=\\s etp_flag=\\s etp_leverage=0 inverse=N\n"
            "U A locate=1 track=0 ts=0.000002000 ref=1 side=S shares=100 stock=ACME price=101.0000\n"
            "U A locate=2 track=0 ts=0.000002000 ref=2 side=B shares=7 stock=GLOBEX price=50.0000\n"
            "3 A locate=1 track=0 ts=34200.000000123 ref=3 side=B shares=50 stock=ACME price=100.0000\n"
            "4 E locate=1 track=0 ts=34200.000000456 ref=1 shares=40 match=9\n"
            "5 D locate=2 track=0 ts=34200.000000500 ref=2\n"
            "6 S locate=0 track=0 ts=57600.000000000 event=C\n"
            "end of session\n");
  EXPECT_EQ(err.str(), "");
  ASSERT_FALSE(server.received().empty());
  EXPECT_EQ(server.received()[0], "L user=bob password=pw session= seq=0");
}

TEST(MdViewer, rawWithASymbolShowsOnlyItsMessagesAndThoseOfNoStock) {
  FakeServer server(session_script(), 1000);
  MdOptions o = options_for(server.port());
  o.symbol = "GLOBEX";
  o.from_seq = 3;
  std::ostringstream out, err;
  std::atomic<bool> stop{false};
  EXPECT_EQ(run_md(o, out, err, stop), 0) << err.str();
  EXPECT_EQ(out.str(),
            "+ rialto market data\n"
            "U R locate=2 track=0 ts=0.000001000 stock=GLOBEX market_category=\\s financial_status=\\s round_lot=100 "
            "round_lots_only=N issue_class=\\s issue_sub_type= authenticity=P short_sale_threshold=\\s ipo_flag=\\s "
            "luld_tier=\\s etp_flag=\\s etp_leverage=0 inverse=N\n"
            "U A locate=2 track=0 ts=0.000002000 ref=2 side=B shares=7 stock=GLOBEX price=50.0000\n"
            "5 D locate=2 track=0 ts=34200.000000500 ref=2\n"
            "6 S locate=0 track=0 ts=57600.000000000 event=C\n"
            "end of session\n");
  EXPECT_EQ(server.received()[0], "L user= password= session= seq=3");
}

TEST(MdViewer, ladderEndsWithTheFinalBookAndEndOfSession) {
  FakeServer server(session_script());
  MdOptions o = options_for(server.port());
  o.raw = false;
  o.ansi = false;
  o.symbol = "ACME";
  std::ostringstream out, err;
  std::atomic<bool> stop{false};
  EXPECT_EQ(run_md(o, out, err, stop), 0) << err.str();
  const std::string all = out.str();
  const std::string last = all.substr(all.rfind("\f\n") + 2);
  // The rate is whatever it was over the last whole second: leave it out.
  const std::string body = last.substr(last.find('\n'));
  EXPECT_EQ(last.substr(0, last.find("   ", 8)), "ACME   seq 6");
  EXPECT_EQ(body,
            "\n"
            "\n"
            "            PRICE       SHARES   ORDERS\n"
            "ask      101.0000           60        1\n"
            "     ---- spread 1.0000 ----\n"
            "bid      100.0000           50        1\n"
            "\n"
            "last trades\n"
            "  09:30:00.000000456     101.0000           40\n"
            "\n"
            "status: end of session\n");
}

TEST(MdViewer, loginRejectedExitsOneWithTheReasonAndTheServersText) {
  std::string s;
  soup::append_debug(s, "replay from 99 not available: the feed holds 1..10");
  soup::append_login_rejected(s, soup::RejectReason::session_not_available);
  FakeServer server(s);
  MdOptions o = options_for(server.port());
  o.from_seq = 99;
  std::ostringstream out, err;
  std::atomic<bool> stop{false};
  EXPECT_EQ(run_md(o, out, err, stop), 1);
  EXPECT_EQ(err.str(),
            "rialto md: login rejected: session not available (server said: replay from 99 not available: the feed "
            "holds 1..10)\n");
}

TEST(MdViewer, aClosedConnectionBeforeEndOfSessionExitsOne) {
  std::string s;
  soup::append_login_accepted(s, "", 1);
  FakeServer server(s);
  std::ostringstream out, err;
  std::atomic<bool> stop{false};
  EXPECT_EQ(run_md(options_for(server.port()), out, err, stop), 1);
  EXPECT_EQ(err.str(), "rialto md: connection closed by the server\n");
}

TEST(MdViewer, aBadMessageInTheFeedIsNamedWithItsSequenceNumber) {
  std::string s;
  soup::append_login_accepted(s, "", 7);
  soup::append_sequenced(s, std::string_view("A12345", 6));
  FakeServer server(s);
  std::ostringstream out, err;
  std::atomic<bool> stop{false};
  EXPECT_EQ(run_md(options_for(server.port()), out, err, stop), 1);
  EXPECT_EQ(err.str(), "rialto md: bad message at sequence 7: message 'A': length 6, expected 36\n");
}

TEST(MdViewer, aSilentServerIsTakenAsDisconnected) {
  std::string s;
  soup::append_login_accepted(s, "", 1);
  FakeServer server(s, 1000, std::chrono::milliseconds(1500));
  MdOptions o = options_for(server.port());
  o.server_silence_ms = 1000;
  std::ostringstream out, err;
  std::atomic<bool> stop{false};
  EXPECT_EQ(run_md(o, out, err, stop), 1);
  EXPECT_EQ(err.str(), "rialto md: nothing from the server for 1 s\n");
}

TEST(MdViewer, refusedConnectionExitsOneNamingTheAddress) {
  // A port that was free a moment ago.
  std::uint16_t port = 0;
  {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    ::close(fd);
  }
  std::ostringstream out, err;
  std::atomic<bool> stop{false};
  EXPECT_EQ(run_md(options_for(port), out, err, stop), 1);
  EXPECT_EQ(err.str(), "rialto md: cannot connect to 127.0.0.1:" + std::to_string(port) + ": Connection refused\n");
}

TEST(MdViewer, sendsClientHeartbeatsAndLogsOutWhenStopped) {
  std::string s;
  soup::append_login_accepted(s, "", 1);
  FakeServer server(s, 1000, std::chrono::milliseconds(2600));
  std::ostringstream out, err;
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(2300));
    stop = true;
  });
  EXPECT_EQ(run_md(options_for(server.port()), out, err, stop), 0) << err.str();
  stopper.join();
  const auto& got = server.received();
  ASSERT_GE(got.size(), 3u);
  EXPECT_EQ(got.front(), "L user= password= session= seq=0");
  EXPECT_EQ(got.back(), "O");
  // About one a second over 2.3 s.
  const auto beats = std::count(got.begin(), got.end(), "R");
  EXPECT_GE(beats, 1);
  EXPECT_LE(beats, 3);
}

}  // namespace
}  // namespace rialto::mdview
