// Writes a SoupBinTCP session made with rialto's encoders as a text2pcap hex
// dump, one packet per frame ("I": client to server, "O": server to client),
// for soup_tshark_test.sh to read back with Wireshark's SoupBinTCP dissector.
#include <cstdio>
#include <string>

#include "rialto/itch/soup.h"

using namespace rialto::itch;

namespace {

void frame(const char* direction, const std::string& b) {
  std::printf("%s\n", direction);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i % 16 == 0) std::printf("%06zx ", i);
    std::printf(" %02x", static_cast<unsigned char>(b[i]));
    if (i % 16 == 15 || i + 1 == b.size()) std::printf("\n");
  }
}

template <class F>
void client(F&& append) {
  std::string s;
  append(s);
  frame("I", s);
}

template <class F>
void server(F&& append) {
  std::string s;
  append(s);
  frame("O", s);
}

}  // namespace

int main() {
  client([](std::string& s) { soup::append_login_request(s, "bob", "secret", "", 0); });
  server([](std::string& s) { soup::append_debug(s, "rialto market data"); });
  server([](std::string& s) { soup::append_login_accepted(s, "S1", 3); });
  StockDirectory r;
  r.header = Header{1, 0, 1000};
  r.stock = make_alpha<8>("ACME");
  r.round_lot_size = 100;
  server([&](std::string& s) { soup::append_unsequenced(s, r); });
  server([](std::string& s) { soup::append_server_heartbeat(s); });
  // One Sequenced Data packet per ITCH message type, default fields.
  const std::string types = "SRHYLVWKJhAFECXDUPQBINO";
  for (char t : types) {
    std::string m(message_size(t), ' ');
    m[0] = t;
    server([&](std::string& s) { soup::append_sequenced(s, m); });
  }
  client([](std::string& s) { soup::append_client_heartbeat(s); });
  client([](std::string& s) { soup::append_unsequenced(s, std::string_view("hello", 5)); });
  server([](std::string& s) { soup::append_end_of_session(s); });
  client([](std::string& s) { soup::append_logout_request(s); });
  client([](std::string& s) { soup::append_login_request(s, "alice", "pw", "S1", 2000000000); });
  server([](std::string& s) { soup::append_login_rejected(s, soup::RejectReason::session_not_available); });
  return 0;
}
