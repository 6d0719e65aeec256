#include "rialto/script/script.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <ios>
#include <sstream>
#include <streambuf>
#include <string>
#include <system_error>

namespace rialto::script {
namespace {

struct Result {
  int status;
  std::string out;
  std::string err;
};

Result run_text(const std::string& text, const Options& options = {}) {
  std::istringstream in(text);
  std::ostringstream out;
  std::ostringstream err;
  int status = run(in, "t.script", out, err, options);
  return {status, out.str(), err.str()};
}

constexpr const char* kPrelude =
    "symbol X tick=0.01\n"
    "new id=1 sym=X side=buy qty=10 px=1.00\n";  // line 2; a bad line 3 follows

struct BadLine {
  const char* line;
  const char* message;  // expected text after "t.script:3: "
};

class MalformedLine : public ::testing::TestWithParam<BadLine> {};

TEST_P(MalformedLine, shouldReportFileLineAndStopWithStatus2) {
  const BadLine& c = GetParam();
  Result r = run_text(std::string(kPrelude) + c.line + "\nnew id=2 sym=X side=sell qty=1 px=1.00\n");
  EXPECT_EQ(r.status, kMalformed);
  EXPECT_EQ(r.out, "accepted id=1\n") << "events before the bad line stay printed, none after";
  EXPECT_EQ(r.err, std::string("t.script:3: ") + c.message + "\n");
}

INSTANTIATE_TEST_SUITE_P(
    EveryKind, MalformedLine,
    ::testing::Values(
        BadLine{"launch id=2", "unknown command 'launch' (commands are symbol, new, cancel, modify, expire, book)"},
        BadLine{"id=2 new", "unknown command 'id=2' (commands are symbol, new, cancel, modify, expire, book)"},
        BadLine{"new id=2 sym=X side=buy qty=1 px=1 colour=red",
                "new: unknown key 'colour' (new takes the keys id, sym, side, qty, type, px, tif, acct, stp)"},
        BadLine{"new id=2 sym=X side=buy qty=1 qty=2 px=1", "new: repeated key 'qty'"},
        BadLine{"new sym=X side=buy qty=1 px=1", "new: missing required key 'id'"},
        BadLine{"new id=2 side=buy qty=1 px=1", "new: missing required key 'sym'"},
        BadLine{"new id=2 sym=X qty=1 px=1", "new: missing required key 'side'"},
        BadLine{"new id=2 sym=X side=buy px=1", "new: missing required key 'qty'"},
        BadLine{"new id=2 sym=X side=buy qty=1.5 px=1", "new: qty '1.5' is not an integer"},
        BadLine{"new id=2 sym=X side=buy qty= px=1", "new: key 'qty' has an empty value"},
        BadLine{"new id=2 sym=X side=buy qty=1 px=1 acct=", "new: key 'acct' has an empty value"},
        BadLine{"new id=2 sym= side=buy qty=1 px=1", "new: key 'sym' has an empty value"},
        BadLine{"new id=2 sym=X side=buy qty=1 px=abc", "new: px 'abc' is not a decimal number"},
        BadLine{"new id=2 sym=X side=buy qty=1 px=1e5", "new: px '1e5' is not a decimal number"},
        BadLine{"new id=2 sym=X side=buy qty=1 px=+5", "new: px '+5' is not a decimal number"},
        BadLine{"new id=-2 sym=X side=buy qty=1 px=1", "new: id '-2' is not a uint64"},
        BadLine{"new id=18446744073709551616 sym=X side=buy qty=1 px=1",
                "new: id '18446744073709551616' is not a uint64"},
        BadLine{"new id=2 sym=X side=up qty=1 px=1", "new: side 'up' is not one of buy|sell"},
        BadLine{"new id=2 sym=X side=buy qty=1 type=stop", "new: type 'stop' is not one of limit|market"},
        BadLine{"new id=2 sym=X side=buy qty=1 px=1 tif=gtd", "new: tif 'gtd' is not one of gtc|day|ioc|fok"},
        BadLine{"new id=2 sym=X side=buy qty=1 px=1 stp=all",
                "new: stp 'all' is not one of none|cancel_taker|cancel_maker|cancel_both"},
        BadLine{"new id=2 sym=X side=buy qty=1 px=1 post_only=1", "new: flag 'post_only' takes no value"},
        BadLine{"new id=2 sym=X side=buy qty=1 px=1 hidden",
                "new: unknown flag 'hidden' (new takes the flag post_only)"},
        BadLine{"cancel", "cancel: missing required key 'id'"},
        BadLine{"cancel id=1 px=2", "cancel: unknown key 'px' (cancel takes the key id)"},
        BadLine{"modify id=1", "modify: needs px, qty or both"},
        BadLine{"modify qty=5", "modify: missing required key 'id'"},
        BadLine{"expire now", "expire: unknown flag 'now' (expire takes no flags)"},
        BadLine{"book", "book: missing required key 'sym'"},
        BadLine{"book sym=Y", "book: unknown symbol 'Y'"},
        BadLine{"symbol X tick=0.01", "symbol: 'X' is already defined"},
        BadLine{"symbol tick=0.01", "symbol: missing name"},
        BadLine{"symbol Y", "symbol: missing required key 'tick'"},
        BadLine{"symbol Y tick=0", "symbol: tick '0' is not a decimal > 0 with at most 18 decimals and at most 10^18"},
        BadLine{"symbol Y tick=0.01 lot=0", "symbol: lot '0' must be an integer >= 1"},
        BadLine{"symbol Y tick=0.01 max_qty=-3", "symbol: max_qty '-3' must be an integer >= 1"},
        BadLine{"symbol Y tick=1 max_qty=8796093022208",
                "symbol: max_qty 8796093022208 is above 8796093022207, the largest for --max-orders 1048576 "
                "(a level's total must fit int64)"},
        BadLine{"symbol Y tick=1 max_qty=9223372036854775807",
                "symbol: max_qty 9223372036854775807 is above 8796093022207, the largest for --max-orders 1048576 "
                "(a level's total must fit int64)"}));

TEST(Script, shouldAcceptMaxQtyUpToInt64MaxDividedByMaxOrders) {
  Result r = run_text(
      "symbol X tick=1 max_qty=8796093022207\n"  // INT64_MAX / 2^20, the default --max-orders
      "new id=1 sym=X side=buy qty=8796093022207 px=1\n");
  EXPECT_EQ(r.status, kOk) << r.err;
  EXPECT_EQ(r.out, "accepted id=1\n");

  Options one;
  one.engine.max_orders = 1;
  Result all = run_text("symbol X tick=1 max_qty=9223372036854775807\nbook sym=X\n", one);
  EXPECT_EQ(all.status, kOk) << all.err;
  EXPECT_EQ(all.out, "book sym=X\nend\n");

  Options three;
  three.engine.max_orders = 3;  // INT64_MAX / 3 = 3074457345618258602 (rounded down)
  Result over = run_text("symbol X tick=1 max_qty=3074457345618258603\n", three);
  EXPECT_EQ(over.status, kMalformed);
  EXPECT_EQ(over.err,
            "t.script:1: symbol: max_qty 3074457345618258603 is above 3074457345618258602, the largest for "
            "--max-orders 3 (a level's total must fit int64)\n");
}

TEST(Quoted, shouldShowPrintableAsciiAsIsAndEscapeQuoteAndBackslash) {
  EXPECT_EQ(quote_for_message("abc=1.5"), "'abc=1.5'");
  EXPECT_EQ(quote_for_message(""), "''");
  EXPECT_EQ(quote_for_message("it's\\"), "'it\\'s\\\\'");
  EXPECT_EQ(quote_for_message(" ~"), "' ~'");
}

TEST(Quoted, shouldEscapeControlBytesAndNonAsciiAsHex) {
  EXPECT_EQ(quote_for_message(std::string("a\0b", 3)), "'a\\x00b'");
  EXPECT_EQ(quote_for_message("\x01\x1f\x7f\n\r\t"), "'\\x01\\x1f\\x7f\\x0a\\x0d\\x09'");
  EXPECT_EQ(quote_for_message("caf\xc3\xa9"), "'caf\\xc3\\xa9'");  // UTF-8 too: bytes, not characters
  EXPECT_EQ(quote_for_message("\xff\x80"), "'\\xff\\x80'");
}

TEST(Quoted, shouldShowAtMost40BytesThenDots) {
  const std::string forty(40, 'a');
  EXPECT_EQ(quote_for_message(forty), "'" + forty + "'");
  EXPECT_EQ(quote_for_message(forty + "b"), "'" + forty + "'...");
  // The limit counts input bytes; their escapes may be longer.
  EXPECT_EQ(quote_for_message(std::string(39, 'a') + "\x01\x02"), "'" + std::string(39, 'a') + "\\x01'...");
}

TEST(Script, shouldTruncateAHugeTokenInTheMessage) {
  const std::string huge(10u << 20, 'k');  // a 10 MiB key
  Result r = run_text(std::string(kPrelude) + "new id=2 sym=X side=buy qty=1 px=1 " + huge + "=1\n");
  EXPECT_EQ(r.status, kMalformed);
  EXPECT_EQ(r.out, "accepted id=1\n");
  EXPECT_EQ(r.err, "t.script:3: new: unknown key '" + std::string(40, 'k') +
                       "'... (new takes the keys id, sym, side, qty, type, px, tif, acct, stp)\n");
}

TEST(Script, shouldEscapeBinaryBytesInTheMessage) {
  Result r = run_text(std::string(kPrelude) + "new id=2 sym=X side=b\x01\xff'\\ qty=1 px=1\n");
  EXPECT_EQ(r.status, kMalformed);
  EXPECT_EQ(r.err, "t.script:3: new: side 'b\\x01\\xff\\'\\\\' is not one of buy|sell\n");

  Result cmd = run_text(std::string("\x7f\x45LF\x02\x01\x01\0\0 id=1\n", 15));
  EXPECT_EQ(cmd.status, kMalformed);
  EXPECT_EQ(cmd.out, "");
  EXPECT_EQ(cmd.err,
            "t.script:1: unknown command '\\x7fELF\\x02\\x01\\x01\\x00\\x00' "
            "(commands are symbol, new, cancel, modify, expire, book)\n");
}

TEST(Script, shouldTurnBadValuesInWellFormedCommandsIntoRejections) {
  Result r = run_text(
      "symbol X tick=0.01 lot=5 max_qty=100\n"
      "new id=1 sym=X side=buy qty=-5 px=1\n"
      "new id=2 sym=X side=buy qty=99999999999999999999 px=1\n"
      "new id=3 sym=X side=buy qty=7 px=1\n"
      "new id=4 sym=X side=buy qty=105 px=1\n"
      "new id=5 sym=X side=buy qty=5 px=-1\n"
      "new id=6 sym=X side=buy qty=5 px=0\n"
      "new id=7 sym=X side=buy qty=5 px=999999999999999999999999\n"
      "new id=8 sym=X side=buy qty=5 px=1.001\n"
      "new id=9 sym=X side=buy qty=5\n"
      "new id=10 sym=X side=buy qty=5 type=market px=1\n"
      "new id=11 sym=X side=buy qty=5 type=market tif=day\n"
      "new id=12 sym=Z side=buy qty=5 px=1\n"
      "new id=13 sym=X side=buy qty=5 px=1 tif=ioc post_only\n");
  EXPECT_EQ(r.status, kOk);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out,
            "rejected id=1 reason=invalid_qty\n"
            "rejected id=2 reason=invalid_qty\n"
            "rejected id=3 reason=invalid_qty\n"
            "rejected id=4 reason=invalid_qty\n"
            "rejected id=5 reason=invalid_price\n"
            "rejected id=6 reason=invalid_price\n"
            "rejected id=7 reason=invalid_price\n"
            "rejected id=8 reason=price_not_on_tick\n"
            "rejected id=9 reason=invalid_price\n"
            "rejected id=10 reason=invalid_price\n"
            "rejected id=11 reason=invalid_tif\n"
            "rejected id=12 reason=unknown_symbol\n"
            "rejected id=13 reason=invalid_tif\n");
}

TEST(Script, shouldIgnoreCommentsBlankLinesTabsAndCarriageReturns) {
  Result r = run_text(
      "# a comment\n"
      "\n"
      "   \t \n"
      "symbol X\ttick=0.5 # tick of a half\r\n"
      "new\tid=18446744073709551615 sym=X  side=sell qty=3 px=99.5#no space needed\r\n"
      "book sym=X\n");
  EXPECT_EQ(r.status, kOk) << r.err;
  EXPECT_EQ(r.out,
            "accepted id=18446744073709551615\n"
            "book sym=X\n"
            "ask px=99.5 qty=3 orders=1\n"
            "end\n");
}

TEST(Script, shouldRejectOrdersBeyondConfiguredCapacity) {
  Options small;
  small.engine.max_orders = 1;
  small.max_ids = 3;
  Result r = run_text(
      "symbol X tick=1\n"
      "new id=1 sym=X side=buy qty=1 px=10\n"
      "new id=2 sym=X side=buy qty=1 px=9\n"           // pool full: gtc refused
      "new id=3 sym=X side=sell qty=1 px=12 tif=ioc\n" // ioc needs no slot
      "new id=4 sym=X side=sell qty=1 px=10\n"         // gtc, pool full: refused although it would trade
      "new id=5 sym=X side=sell qty=1 px=10 tif=ioc\n" // third id: fills
      "new id=6 sym=X side=sell qty=1 px=10 tif=ioc\n", // the script's id memory full
      small);
  EXPECT_EQ(r.out,
            "accepted id=1\n"
            "rejected id=2 reason=capacity\n"
            "accepted id=3\n"
            "cancelled id=3 reason=remainder qty=1\n"
            "rejected id=4 reason=capacity\n"
            "accepted id=5\n"
            "trade px=10 qty=1 taker=5 maker=1\n"
            "rejected id=6 reason=capacity\n");
}

TEST(Script, shouldRefuseTheSymbolAfterMaxSymbolsByDefault65536) {
  Options options;  // the default max_symbols; small books keep the test light
  options.engine.levels_reserved_per_side = 1;
  std::string text;
  for (int i = 0; i < 65536; ++i) text += "symbol S" + std::to_string(i) + " tick=1\n";
  text += "new id=1 sym=S65535 side=buy qty=1 px=1\n";
  text += "symbol S65536 tick=1\n";
  Result r = run_text(text, options);
  EXPECT_EQ(r.status, kMalformed);
  EXPECT_EQ(r.out, "accepted id=1\n");
  EXPECT_EQ(r.err,
            "t.script:65538: symbol: 'S65536' would be symbol 65537, above the limit of 65536 (--max-symbols)\n");
}

/// Serves `text`, then fails the next read as a disk would (EIO).
class FailingReadBuf : public std::streambuf {
 public:
  explicit FailingReadBuf(std::string text) : text_(std::move(text)) {
    setg(text_.data(), text_.data(), text_.data() + text_.size());
  }

 protected:
  int_type underflow() override {
    throw std::ios_base::failure("read", std::error_code(EIO, std::generic_category()));
  }

 private:
  std::string text_;
};

/// Takes nothing: every write fails with ENOSPC, as on /dev/full.
class FullWriteBuf : public std::streambuf {
 protected:
  int_type overflow(int_type) override {
    errno = ENOSPC;
    return traits_type::eof();
  }
  std::streamsize xsputn(const char*, std::streamsize) override {
    errno = ENOSPC;
    return 0;
  }
};

TEST(ScriptIo, shouldReportAReadErrorAfterTheEventsOfTheLinesReadWithStatus1) {
  FailingReadBuf buf("symbol X tick=1\nnew id=1 sym=X side=buy qty=1 px=1\n");
  std::istream in(&buf);
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(run(in, "t.script", out, err), kIoError);
  EXPECT_EQ(out.str(), "accepted id=1\n");
  EXPECT_EQ(err.str(), "rialto script: cannot read t.script after line 2: Input/output error\n");
  EXPECT_EQ(in.exceptions(), std::ios::goodbit) << "run() must restore the caller's exception mask";
}

TEST(ScriptIo, shouldReportAReadErrorOnTheFirstLine) {
  FailingReadBuf buf("");
  std::istream in(&buf);
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(run(in, "dir", out, err), kIoError);
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(err.str(), "rialto script: cannot read dir: Input/output error\n");
}

TEST(ScriptIo, shouldReportOutputThatCannotBeWrittenWithStatus1) {
  std::istringstream in("symbol X tick=1\nnew id=1 sym=X side=buy qty=1 px=1\n");
  FullWriteBuf full;
  std::ostream out(&full);
  std::ostringstream err;
  EXPECT_EQ(run(in, "t.script", out, err), kIoError);
  EXPECT_EQ(err.str(), "rialto script: cannot write output: No space left on device\n");
}

TEST(ScriptIo, shouldStillReportTheMalformedLineWhenItsEventsCannotBeWritten) {
  std::istringstream in("symbol X tick=1\nnew id=1 sym=X side=buy qty=1 px=1\nlaunch\n");
  FullWriteBuf full;
  std::ostream out(&full);
  std::ostringstream err;
  EXPECT_EQ(run(in, "t.script", out, err), kIoError);
  EXPECT_EQ(err.str(),
            "rialto script: cannot write output: No space left on device\n"
            "t.script:3: unknown command 'launch' (commands are symbol, new, cancel, modify, expire, book)\n");
}

TEST(ScriptIo, shouldStopAtTheFirstFailedWriteInTheMiddleOfTheRun) {
  // Far more than the 64 KiB the runner buffers; a malformed last line shows
  // whether the run went on after the failed write.
  std::string text = "symbol X tick=1\n";
  for (int i = 1; i <= 20000; ++i) text += "new id=" + std::to_string(i) + " sym=X side=buy qty=1 px=1 tif=ioc\n";
  text += "launch\n";
  std::istringstream in(text);
  FullWriteBuf full;
  std::ostream out(&full);
  std::ostringstream err;
  EXPECT_EQ(run(in, "t.script", out, err), kIoError);
  EXPECT_EQ(err.str(), "rialto script: cannot write output: No space left on device\n");
}

}  // namespace
}  // namespace rialto::script
