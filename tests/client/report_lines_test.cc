// Script lines rebuilt from recorded execution reports, compared whole.
#include "rialto/client/report_lines.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "rialto/script/scenario.h"
#include "rialto/script/text_sink.h"

namespace rialto::client {
namespace {

namespace p = rialto::protocol;

/// A report of symbol ACME (tick 0.01), prices as wire decimals of exponent -2.
p::ExecutionReport report(p::ExecType type, uint64_t id, uint64_t engine_seq, uint32_t index) {
  p::ExecutionReport r{};
  r.exec_type = static_cast<uint8_t>(type);
  r.cl_ord_id = id;
  r.order_id = (uint64_t{1} << 32) | id;
  r.engine_seq = engine_seq;
  r.event_index = index;
  r.price_exponent = -2;
  (void)p::set_field(r.symbol, "ACME");
  return r;
}

p::ExecutionReport accepted(uint64_t id, uint64_t seq, uint32_t index = 0) {
  return report(p::ExecType::new_order, id, seq, index);
}

p::ExecutionReport fill(uint64_t id, uint64_t seq, uint32_t index, uint64_t match, int64_t px, int64_t qty,
                        int64_t leaves, bool aggressor) {
  p::ExecutionReport r = report(leaves == 0 ? p::ExecType::filled : p::ExecType::partially_filled, id, seq, index);
  r.match_id = match;
  r.last_px = px;
  r.last_qty = qty;
  r.leaves_qty = leaves;
  r.flags = aggressor ? p::kFlagAggressor : 0;
  return r;
}

p::ExecutionReport cancelled(uint64_t id, uint64_t seq, uint32_t index, CancelReason why, int64_t qty) {
  p::ExecutionReport r = report(p::ExecType::cancelled, id, seq, index);
  r.cancel_reason = static_cast<uint8_t>(why);
  r.qty = qty;
  return r;
}

p::ExecutionReport rejected(uint64_t id, uint64_t seq, p::RejectCode why, CommandType cmd) {
  p::ExecutionReport r = report(p::ExecType::rejected, id, seq, 0);
  r.order_id = 0;
  r.reject_reason = static_cast<uint8_t>(why);
  r.command = static_cast<uint8_t>(cmd);
  return r;
}

p::ExecutionReport replaced(uint64_t id, uint64_t seq, uint32_t index, int64_t px, int64_t qty) {
  p::ExecutionReport r = report(p::ExecType::replaced, id, seq, index);
  r.price = px;
  r.qty = qty;
  r.leaves_qty = qty;
  return r;
}

/// A symbol table with ACME (tick 0.01) and the output of each input.
class Rebuild : public ::testing::Test {
 protected:
  Rebuild() : sink_(symbols_.ticks()) {
    (void)symbols_.add("ACME", TickSize{1, 2}, engine::SymbolSpec{});
    (void)symbols_.add("HALF", TickSize{5, 1}, engine::SymbolSpec{});
  }

  /// Feeds each input's reports in the order given; returns the whole output.
  std::string lines(const std::vector<std::vector<p::ExecutionReport>>& inputs) {
    for (const auto& input : inputs) {
      for (const auto& r : input) reports_.add(r);
      std::string error;
      EXPECT_TRUE(reports_.emit(symbols_, sink_, error)) << error;
    }
    return std::string(sink_.text());
  }

  /// The error of emitting `input`.
  std::string error_of(const std::vector<p::ExecutionReport>& input) {
    for (const auto& r : input) reports_.add(r);
    std::string error;
    EXPECT_FALSE(reports_.emit(symbols_, sink_, error));
    EXPECT_TRUE(reports_.empty()) << "the reports of a failed input are dropped";
    return error;
  }

  script::SymbolTable symbols_;
  script::TextSink sink_;
  InputReports reports_;
};

// The sweep of basic_book: a resting bid, then a sell that trades with it
// and rests its remainder, as the two sessions' reports arrive.
constexpr const char* kSweepLines =
    "accepted id=1\n"
    "accepted id=2\n"
    "trade px=10.00 qty=4 taker=2 maker=1\n"
    "modified id=1 px=10.01 qty=6\n"
    "cancelled id=2 reason=user qty=6\n"
    "rejected id=9 reason=unknown_order\n";

std::vector<std::vector<p::ExecutionReport>> sweep(bool maker_first, bool other_session_first) {
  const auto acc2 = accepted(2, 2, 0);
  const auto taker = fill(2, 2, 1, 1, 1000, 4, 6, true);
  const auto maker = fill(1, 2, 1, 1, 1000, 4, 6, false);
  std::vector<p::ExecutionReport> input2;
  // Session B (id 2) is synced first; session A's report (the maker's) is
  // collected after it, or before it when A happened to be read first.
  if (other_session_first) {
    input2 = {maker, acc2, taker};
  } else if (maker_first) {
    input2 = {acc2, maker, taker};
  } else {
    input2 = {acc2, taker, maker};
  }
  return {{accepted(1, 1)},
          input2,
          {replaced(1, 3, 0, 1001, 6)},
          {cancelled(2, 4, 0, CancelReason::user, 6)},
          {rejected(9, 5, p::RejectCode::unknown_order, CommandType::cancel)}};
}

TEST_F(Rebuild, shouldPrintTheScriptLinesWhenTheTakersReportComesFirst) {
  EXPECT_EQ(lines(sweep(false, false)), kSweepLines);
}

TEST_F(Rebuild, shouldPrintTheScriptLinesWhenTheMakersReportComesFirst) {
  EXPECT_EQ(lines(sweep(true, false)), kSweepLines);
}

TEST_F(Rebuild, shouldOrderByEngineSeqAndEventIndexWhateverTheSessionOrder) {
  EXPECT_EQ(lines(sweep(false, true)), kSweepLines);
}

TEST_F(Rebuild, shouldPrintASweepOfSeveralMakersAsOneTradeLineEach) {
  // A buy (id 10, session C) sweeps three asks of two sessions; reports of
  // the makers are collected before the taker's.
  std::vector<p::ExecutionReport> input = {
      fill(3, 7, 3, 12, 1002, 1, 0, false), fill(1, 7, 1, 10, 1000, 2, 0, false),
      fill(2, 7, 2, 11, 1001, 3, 0, false), accepted(10, 7, 0),
      fill(10, 7, 1, 10, 1000, 2, 8, true), fill(10, 7, 2, 11, 1001, 3, 5, true),
      fill(10, 7, 3, 12, 1002, 1, 4, true), cancelled(10, 7, 4, CancelReason::remainder, 4),
  };
  EXPECT_EQ(lines({input}),
            "accepted id=10\n"
            "trade px=10.00 qty=2 taker=10 maker=1\n"
            "trade px=10.01 qty=3 taker=10 maker=2\n"
            "trade px=10.02 qty=1 taker=10 maker=3\n"
            "cancelled id=10 reason=remainder qty=4\n");
}

TEST_F(Rebuild, shouldFormatPricesWithTheSymbolsTick) {
  p::ExecutionReport r = replaced(4, 1, 0, 25, 3);
  (void)p::set_field(r.symbol, "HALF");
  r.price_exponent = -1;  // 2.5 with tick 0.5: 5 ticks, printed with one decimal
  EXPECT_EQ(lines({{r}}), "modified id=4 px=2.5 qty=3\n");
}

TEST_F(Rebuild, shouldPrintEveryEngineRejectReasonAsTheScriptDoes) {
  EXPECT_EQ(lines({{rejected(1, 1, p::RejectCode::duplicate_id, CommandType::new_order)},
                   {rejected(2, 0, p::RejectCode::unknown_symbol, CommandType::new_order)},
                   {rejected(3, 2, p::RejectCode::price_not_on_tick, CommandType::new_order)},
                   {rejected(4, 3, p::RejectCode::capacity, CommandType::new_order)}}),
            "rejected id=1 reason=duplicate_id\n"
            "rejected id=2 reason=unknown_symbol\n"
            "rejected id=3 reason=price_not_on_tick\n"
            "rejected id=4 reason=capacity\n");
}

TEST_F(Rebuild, shouldRefuseAGatewayRejectTheScenarioFormatHasNoWordFor) {
  EXPECT_EQ(error_of({rejected(5, 0, p::RejectCode::throttled, CommandType::new_order)}),
            "the venue rejected id=5: throttled");
}

TEST_F(Rebuild, shouldRefuseATradeWhoseOtherSideDidNotArrive) {
  EXPECT_EQ(error_of({accepted(2, 2, 0), fill(2, 2, 1, 7, 1000, 4, 0, true)}),
            "trade match=7 of id=2: the other side's report did not arrive (its order is not one of this "
            "client's)");
}

TEST_F(Rebuild, shouldRefuseATradeWithoutExactlyOneAggressor) {
  EXPECT_EQ(error_of({fill(2, 2, 1, 7, 1000, 4, 0, false), fill(1, 2, 1, 7, 1000, 4, 0, false)}),
            "trade match=7: neither of its reports has the aggressor flag");
}

TEST_F(Rebuild, shouldRefuseASymbolTheScriptDidNotDefine) {
  p::ExecutionReport r = fill(2, 2, 1, 7, 1000, 4, 0, true);
  (void)p::set_field(r.symbol, "OTHER");
  EXPECT_EQ(error_of({r}), "report for id=2 names symbol 'OTHER', which the script did not define");
}

TEST_F(Rebuild, shouldRefuseAPriceOffTheSymbolsTick) {
  p::ExecutionReport r = replaced(1, 3, 0, 10015, 6);
  r.price_exponent = -3;  // 10.015: not a multiple of 0.01
  EXPECT_EQ(error_of({r}), "report for id=1 has price 10.015, not a price of ACME");
}

TEST(FormatWire, shouldWriteTheExactDecimal) {
  EXPECT_EQ(format_wire(10050, -2), "100.50");
  EXPECT_EQ(format_wire(5, 1), "50");
  EXPECT_EQ(format_wire(0, 3), "0");
  EXPECT_EQ(format_wire(5, -3), "0.005");
  EXPECT_EQ(format_wire(-125, -2), "-1.25");
  EXPECT_EQ(format_wire(std::numeric_limits<int64_t>::max(), -2), "92233720368547758.07");
  EXPECT_EQ(format_wire(p::kNullInt64, 0), "null");
}

TEST(FormatReport, shouldWriteOneReadableLine) {
  p::ExecutionReport r = fill(5, 12, 1, 3, 10050, 10, 0, false);
  r.order_id = 4294967297;
  r.cum_qty = 10;
  EXPECT_EQ(format_report(r),
            "report exec=filled id=5 order=4294967297 px=100.50 qty=10 leaves=0 cum=10 match=3 seq=12");
  p::ExecutionReport a = accepted(6, 13);
  a.order_id = 4294967298;
  a.price = 10050;
  a.qty = 7;
  EXPECT_EQ(format_report(a), "report exec=new id=6 order=4294967298 sym=ACME side=buy px=100.50 qty=7 seq=13");
  EXPECT_EQ(format_report(rejected(7, 0, p::RejectCode::throttled, CommandType::new_order)),
            "report exec=rejected id=7 reason=throttled command=new seq=0");
}

}  // namespace
}  // namespace rialto::client
