// schema/rialto-order-entry.xml against include/rialto/protocol/messages.h:
// every message's template id and block length, every field's offset, size
// and type, and every enum's values. A small XML reader lives here (the schema
// is plain XML: elements, attributes, comments, no entities beyond the five
// predefined ones), so the test needs no library.
#include <gtest/gtest.h>

#include <bit>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rialto/core/types.h"
#include "rialto/protocol/messages.h"

#ifndef RIALTO_SCHEMA_XML
#error "RIALTO_SCHEMA_XML must name schema/rialto-order-entry.xml"
#endif

namespace rialto::protocol {
namespace {

// ---- A minimal XML reader ------------------------------------------------------

struct Element {
  std::string name;
  std::map<std::string, std::string> attrs;
  std::string text;  // character data directly inside, concatenated
  std::vector<std::unique_ptr<Element>> children;

  [[nodiscard]] std::string attr(const std::string& k) const {
    auto it = attrs.find(k);
    return it == attrs.end() ? std::string() : it->second;
  }
  [[nodiscard]] bool has(const std::string& k) const { return attrs.count(k) != 0; }
  [[nodiscard]] std::vector<const Element*> all(std::string_view n) const {
    std::vector<const Element*> out;
    for (const auto& c : children) {
      if (c->name == n) out.push_back(c.get());
    }
    return out;
  }
};

class XmlReader {
 public:
  explicit XmlReader(std::string text) : s_(std::move(text)) {}

  // The root element, or null with error() set.
  std::unique_ptr<Element> parse() {
    skip_misc();
    auto root = element();
    if (root) {
      skip_misc();
      if (pos_ != s_.size()) fail("content after the root element");
    }
    return error_.empty() ? std::move(root) : nullptr;
  }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  void fail(const std::string& what) {
    if (error_.empty()) error_ = what + " at offset " + std::to_string(pos_);
  }
  bool starts(std::string_view p) const { return s_.compare(pos_, p.size(), p) == 0; }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  void skip_past(std::string_view end) {
    size_t e = s_.find(end, pos_);
    if (e == std::string::npos) {
      fail("unterminated markup");
      pos_ = s_.size();
    } else {
      pos_ = e + end.size();
    }
  }
  // Whitespace, comments, the XML declaration.
  void skip_misc() {
    for (;;) {
      skip_space();
      if (starts("<!--")) {
        skip_past("-->");
      } else if (starts("<?")) {
        skip_past("?>");
      } else {
        return;
      }
    }
  }
  std::string name() {
    size_t b = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_' ||
                                s_[pos_] == ':' || s_[pos_] == '-' || s_[pos_] == '.')) {
      ++pos_;
    }
    if (b == pos_) fail("expected a name");
    return s_.substr(b, pos_ - b);
  }
  std::string unescape(std::string_view v) {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] != '&') {
        out += v[i];
        continue;
      }
      static const std::pair<std::string_view, char> kEntities[] = {
          {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
      bool known = false;
      for (auto [e, c] : kEntities) {
        if (v.substr(i, e.size()) == e) {
          out += c;
          i += e.size() - 1;
          known = true;
          break;
        }
      }
      if (!known) fail("unknown entity");
    }
    return out;
  }
  std::unique_ptr<Element> element() {
    if (!starts("<")) {
      fail("expected an element");
      return nullptr;
    }
    ++pos_;
    auto e = std::make_unique<Element>();
    e->name = name();
    for (;;) {
      skip_space();
      if (!error_.empty() || pos_ >= s_.size()) {
        fail("unterminated start tag");
        return nullptr;
      }
      if (starts("/>")) {
        pos_ += 2;
        return e;
      }
      if (starts(">")) {
        ++pos_;
        break;
      }
      std::string k = name();
      skip_space();
      if (!starts("=")) {
        fail("expected = after attribute " + k);
        return nullptr;
      }
      ++pos_;
      skip_space();
      if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\'')) {
        fail("expected a quoted value");
        return nullptr;
      }
      const char q = s_[pos_++];
      size_t end = s_.find(q, pos_);
      if (end == std::string::npos) {
        fail("unterminated attribute value");
        return nullptr;
      }
      if (e->attrs.count(k) != 0) fail("repeated attribute " + k);
      e->attrs[k] = unescape(std::string_view(s_).substr(pos_, end - pos_));
      pos_ = end + 1;
    }
    // Content: text, comments, child elements, then the end tag.
    for (;;) {
      if (!error_.empty()) return nullptr;
      if (pos_ >= s_.size()) {
        fail("missing end tag of " + e->name);
        return nullptr;
      }
      if (starts("<!--")) {
        skip_past("-->");
      } else if (starts("</")) {
        pos_ += 2;
        std::string n = name();
        skip_space();
        if (n != e->name || !starts(">")) {
          fail("end tag " + n + " does not close " + e->name);
          return nullptr;
        }
        ++pos_;
        return e;
      } else if (starts("<")) {
        auto c = element();
        if (!c) return nullptr;
        e->children.push_back(std::move(c));
      } else {
        size_t end = s_.find('<', pos_);
        if (end == std::string::npos) end = s_.size();
        e->text += unescape(std::string_view(s_).substr(pos_, end - pos_));
        pos_ = end;
      }
    }
  }

  std::string s_;
  size_t pos_ = 0;
  std::string error_;
};

TEST(XmlReader, shouldReadElementsAttributesAndText) {
  XmlReader r(R"(<?xml version="1.0"?><!-- c --><a x="1" y='&lt;2&gt;'><b/><!-- d --><c>3</c> t </a>)");
  auto root = r.parse();
  ASSERT_TRUE(root) << r.error();
  EXPECT_EQ(root->name, "a");
  EXPECT_EQ(root->attrs, (std::map<std::string, std::string>{{"x", "1"}, {"y", "<2>"}}));
  ASSERT_EQ(root->children.size(), 2u);
  EXPECT_EQ(root->children[0]->name, "b");
  EXPECT_EQ(root->children[1]->text, "3");
  EXPECT_EQ(root->text, " t ");
}

TEST(XmlReader, shouldRefuseMalformedXml) {
  for (const char* bad : {"<a>", "<a></b>", "<a x=1/>", "<a x=\"1/>", "<a/><b/>", "<a>&nbsp;</a>", "<a x='1' x='2'/>"}) {
    XmlReader r(bad);
    EXPECT_EQ(r.parse(), nullptr) << bad;
    EXPECT_FALSE(r.error().empty()) << bad;
  }
}

// ---- The schema ----------------------------------------------------------------

struct Schema {
  std::unique_ptr<Element> root;
  std::string error;
};

const Schema& schema() {
  static const Schema s = [] {
    Schema out;
    std::ifstream in(RIALTO_SCHEMA_XML, std::ios::binary);
    if (!in) {
      out.error = std::string("cannot open ") + RIALTO_SCHEMA_XML;
      return out;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    XmlReader r(ss.str());
    out.root = r.parse();
    out.error = r.error();
    return out;
  }();
  return s;
}

const Element* types() {
  const Element* root = schema().root.get();
  if (root == nullptr) return nullptr;
  auto t = root->all("types");
  return t.size() == 1 ? t[0] : nullptr;
}

// Bytes a field of this type occupies: a primitive, a <type> (times its
// length), an <enum> or <set> (its encoding type). 0 if unknown.
size_t primitive_size(std::string_view p) {
  if (p == "char" || p == "int8" || p == "uint8") return 1;
  if (p == "int16" || p == "uint16") return 2;
  if (p == "int32" || p == "uint32" || p == "float") return 4;
  if (p == "int64" || p == "uint64" || p == "double") return 8;
  return 0;
}

size_t type_size(const std::string& type) {
  if (size_t n = primitive_size(type)) return n;
  const Element* t = types();
  if (t == nullptr) return 0;
  for (const auto& c : t->children) {
    if (c->attr("name") != type) continue;
    if (c->name == "type") {
      const size_t length = c->has("length") ? std::stoul(c->attr("length")) : 1;
      return primitive_size(c->attr("primitiveType")) * length;
    }
    if (c->name == "enum" || c->name == "set") return primitive_size(c->attr("encodingType"));
    return 0;
  }
  return 0;
}

TEST(Schema, shouldBeWellFormedForXmllint) {
  if (!std::filesystem::exists("/usr/bin/xmllint")) GTEST_SKIP() << "xmllint not installed (libxml2-utils)";
  const std::string cmd = std::string("/usr/bin/xmllint --noout '") + RIALTO_SCHEMA_XML + "'";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

TEST(Schema, shouldBeTheSbeSchemaOfThisProtocol) {
  ASSERT_TRUE(schema().root) << schema().error;
  const Element& r = *schema().root;
  EXPECT_EQ(r.name, "sbe:messageSchema");
  EXPECT_EQ(r.attr("xmlns:sbe"), "http://fixprotocol.io/2016/sbe");
  EXPECT_EQ(r.attr("package"), "rialto");
  EXPECT_EQ(r.attr("id"), std::to_string(kSchemaId));
  EXPECT_EQ(r.attr("version"), std::to_string(kSchemaVersion));
  EXPECT_EQ(r.attr("byteOrder"), "littleEndian");
  std::vector<std::string> top;
  for (const auto& c : r.children) top.push_back(c->name);
  ASSERT_FALSE(top.empty());
  EXPECT_EQ(top[0], "types");
  for (size_t i = 1; i < top.size(); ++i) EXPECT_EQ(top[i], "sbe:message") << i;
}

TEST(Schema, shouldDeclareTheStandardMessageHeader) {
  ASSERT_NE(types(), nullptr) << schema().error;
  const Element* header = nullptr;
  for (const Element* c : types()->all("composite")) {
    if (c->attr("name") == "messageHeader") header = c;
  }
  ASSERT_NE(header, nullptr);
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& c : header->children) fields.emplace_back(c->name + " " + c->attr("name"), c->attr("primitiveType"));
  EXPECT_EQ(fields, (std::vector<std::pair<std::string, std::string>>{{"type blockLength", "uint16"},
                                                                    {"type templateId", "uint16"},
                                                                    {"type schemaId", "uint16"},
                                                                    {"type version", "uint16"}}));
  static_assert(offsetof(MessageHeader, block_length) == 0 && offsetof(MessageHeader, template_id) == 2 &&
                offsetof(MessageHeader, schema_id) == 4 && offsetof(MessageHeader, version) == 6);
}

TEST(Schema, shouldDeclareCharArraysAndTheOptionalInt64) {
  ASSERT_NE(types(), nullptr) << schema().error;
  std::map<std::string, std::string> got;
  for (const Element* t : types()->all("type")) {
    got[t->attr("name")] = t->attr("primitiveType") + " length=" + t->attr("length") + " presence=" +
                           t->attr("presence") + " null=" + t->attr("nullValue");
  }
  const std::string null = std::to_string(kNullInt64);
  EXPECT_EQ(got, (std::map<std::string, std::string>{
                     {"Symbol", "char length=" + std::to_string(kSymbolSize) + " presence= null="},
                     {"Account", "char length=" + std::to_string(kAccountSize) + " presence= null="},
                     {"Password", "char length=" + std::to_string(kPasswordSize) + " presence= null="},
                     {"Text", "char length=" + std::to_string(kTextSize) + " presence= null="},
                     {"OptionalInt64", "int64 length= presence=optional null=" + null},
                 }));
}

// ---- Messages ------------------------------------------------------------------

struct FieldSpec {
  std::string name;
  size_t offset;
  size_t size;
  std::string type;  // the XML type the field must use
};
struct MessageSpec {
  std::string name;
  TemplateId id;
  size_t block;
  std::vector<FieldSpec> fields;
};

#define F(M, field, type) FieldSpec{#field, offsetof(M, field), sizeof(M::field), type}

const std::vector<MessageSpec>& messages() {
  static const std::vector<MessageSpec> specs = {
      {"Logon", Logon::kTemplate, sizeof(Logon),
       {F(Logon, seq, "uint64"), F(Logon, heartbeat_ms, "uint32"), F(Logon, account, "Account"),
        F(Logon, password, "Password"), F(Logon, cancel_on_disconnect, "uint8")}},
      {"LogonAck", LogonAck::kTemplate, sizeof(LogonAck),
       {F(LogonAck, seq, "uint64"), F(LogonAck, session_id, "uint32"), F(LogonAck, heartbeat_ms, "uint32"),
        F(LogonAck, admin, "uint8")}},
      {"Logout", Logout::kTemplate, sizeof(Logout),
       {F(Logout, seq, "uint64"), F(Logout, reason, "LogoutReason"), F(Logout, text, "Text")}},
      {"Heartbeat", Heartbeat::kTemplate, sizeof(Heartbeat), {F(Heartbeat, seq, "uint64")}},
      {"NewOrder", NewOrder::kTemplate, sizeof(NewOrder),
       {F(NewOrder, seq, "uint64"), F(NewOrder, cl_ord_id, "uint64"), F(NewOrder, qty, "int64"),
        F(NewOrder, price, "OptionalInt64"), F(NewOrder, symbol, "Symbol"), F(NewOrder, price_exponent, "int8"),
        F(NewOrder, side, "Side"), F(NewOrder, ord_type, "OrdType"), F(NewOrder, tif, "Tif"), F(NewOrder, stp, "Stp"),
        F(NewOrder, post_only, "uint8")}},
      {"CancelOrder", CancelOrder::kTemplate, sizeof(CancelOrder),
       {F(CancelOrder, seq, "uint64"), F(CancelOrder, cl_ord_id, "uint64")}},
      {"ModifyOrder", ModifyOrder::kTemplate, sizeof(ModifyOrder),
       {F(ModifyOrder, seq, "uint64"), F(ModifyOrder, cl_ord_id, "uint64"), F(ModifyOrder, qty, "OptionalInt64"),
        F(ModifyOrder, price, "OptionalInt64"), F(ModifyOrder, price_exponent, "int8")}},
      {"MassCancel", MassCancel::kTemplate, sizeof(MassCancel),
       {F(MassCancel, seq, "uint64"), F(MassCancel, symbol, "Symbol")}},
      {"Sync", Sync::kTemplate, sizeof(Sync), {F(Sync, seq, "uint64"), F(Sync, token, "uint64")}},
      {"BookRequest", BookRequest::kTemplate, sizeof(BookRequest),
       {F(BookRequest, seq, "uint64"), F(BookRequest, symbol, "Symbol")}},
      {"AddInstrument", AddInstrument::kTemplate, sizeof(AddInstrument),
       {F(AddInstrument, seq, "uint64"), F(AddInstrument, tick, "int64"), F(AddInstrument, lot, "int64"),
        F(AddInstrument, max_qty, "int64"), F(AddInstrument, symbol, "Symbol"),
        F(AddInstrument, tick_exponent, "int8")}},
      {"Expire", Expire::kTemplate, sizeof(Expire), {F(Expire, seq, "uint64")}},
      {"ExecutionReport", ExecutionReport::kTemplate, sizeof(ExecutionReport),
       {F(ExecutionReport, seq, "uint64"), F(ExecutionReport, engine_seq, "uint64"),
        F(ExecutionReport, cl_ord_id, "uint64"), F(ExecutionReport, order_id, "uint64"),
        F(ExecutionReport, match_id, "uint64"), F(ExecutionReport, last_px, "int64"),
        F(ExecutionReport, last_qty, "int64"), F(ExecutionReport, leaves_qty, "int64"),
        F(ExecutionReport, cum_qty, "int64"), F(ExecutionReport, price, "int64"), F(ExecutionReport, qty, "int64"),
        F(ExecutionReport, event_index, "uint32"), F(ExecutionReport, symbol, "Symbol"),
        F(ExecutionReport, price_exponent, "int8"), F(ExecutionReport, exec_type, "ExecType"),
        F(ExecutionReport, side, "Side"), F(ExecutionReport, ord_type, "OrdType"), F(ExecutionReport, tif, "Tif"),
        F(ExecutionReport, reject_reason, "RejectCode"), F(ExecutionReport, cancel_reason, "CancelReason"),
        F(ExecutionReport, command, "CommandType"), F(ExecutionReport, flags, "ExecFlags")}},
      {"SyncAck", SyncAck::kTemplate, sizeof(SyncAck), {F(SyncAck, seq, "uint64"), F(SyncAck, token, "uint64")}},
      {"BookLevel", BookLevel::kTemplate, sizeof(BookLevel),
       {F(BookLevel, seq, "uint64"), F(BookLevel, price, "int64"), F(BookLevel, qty, "int64"),
        F(BookLevel, orders, "uint32"), F(BookLevel, symbol, "Symbol"), F(BookLevel, price_exponent, "int8"),
        F(BookLevel, side, "Side")}},
      {"BookEnd", BookEnd::kTemplate, sizeof(BookEnd),
       {F(BookEnd, seq, "uint64"), F(BookEnd, symbol, "Symbol"), F(BookEnd, status, "BookStatus")}},
      {"InstrumentReport", InstrumentReport::kTemplate, sizeof(InstrumentReport),
       {F(InstrumentReport, seq, "uint64"), F(InstrumentReport, tick, "int64"), F(InstrumentReport, lot, "int64"),
        F(InstrumentReport, max_qty, "int64"), F(InstrumentReport, symbol, "Symbol"),
        F(InstrumentReport, tick_exponent, "int8"), F(InstrumentReport, status, "InstrumentStatus")}},
      {"MassCancelReport", MassCancelReport::kTemplate, sizeof(MassCancelReport),
       {F(MassCancelReport, seq, "uint64"), F(MassCancelReport, cancelled, "uint32"),
        F(MassCancelReport, symbol, "Symbol")}},
  };
  return specs;
}

#undef F

TEST(SchemaMessages, shouldListEveryStructMemberInTheTestTable) {
  // The table names every member: their sizes add up to the packed struct
  // (no padding in a packed struct), and they tile it from offset 0.
  for (const MessageSpec& m : messages()) {
    size_t at = 0;
    for (const FieldSpec& f : m.fields) {
      EXPECT_EQ(f.offset, at) << m.name << "." << f.name;
      at = f.offset + f.size;
    }
    EXPECT_EQ(at, m.block) << m.name;
  }
}

TEST(SchemaMessages, shouldDescribeEveryMessageAsTheStructs) {
  ASSERT_TRUE(schema().root) << schema().error;
  std::map<std::string, const Element*> xml;
  for (const Element* e : schema().root->all("sbe:message")) {
    EXPECT_EQ(xml.count(e->attr("name")), 0u) << "repeated message " << e->attr("name");
    xml[e->attr("name")] = e;
  }
  std::set<std::string> expected_names;
  for (const MessageSpec& m : messages()) expected_names.insert(m.name);
  std::set<std::string> xml_names;
  for (const auto& [n, e] : xml) xml_names.insert(n);
  EXPECT_EQ(xml_names, expected_names);

  for (const MessageSpec& m : messages()) {
    auto it = xml.find(m.name);
    if (it == xml.end()) continue;
    const Element& e = *it->second;
    EXPECT_EQ(e.attr("id"), std::to_string(static_cast<unsigned>(m.id))) << m.name;
    EXPECT_EQ(e.attr("blockLength"), std::to_string(m.block)) << m.name;
    // Only fields: no groups or variable data.
    for (const auto& c : e.children) EXPECT_EQ(c->name, "field") << m.name;

    std::vector<std::string> want;
    for (const FieldSpec& f : m.fields) {
      want.push_back(f.name + " offset=" + std::to_string(f.offset) + " size=" + std::to_string(f.size) +
                     " type=" + f.type);
    }
    std::vector<std::string> got;
    std::set<std::string> ids;
    for (const Element* f : e.all("field")) {
      got.push_back(f->attr("name") + " offset=" + f->attr("offset") + " size=" +
                    std::to_string(type_size(f->attr("type"))) + " type=" + f->attr("type"));
      EXPECT_FALSE(f->attr("id").empty()) << m.name << "." << f->attr("name");
      EXPECT_TRUE(ids.insert(f->attr("id")).second) << m.name << ": repeated field id " << f->attr("id");
    }
    EXPECT_EQ(got, want) << m.name;
  }
}

TEST(SchemaMessages, shouldUseDistinctTemplateIds) {
  ASSERT_TRUE(schema().root) << schema().error;
  std::set<std::string> ids;
  for (const Element* e : schema().root->all("sbe:message")) {
    EXPECT_TRUE(ids.insert(e->attr("id")).second) << e->attr("id");
  }
}

// ---- Enums -----------------------------------------------------------------------

using Values = std::map<std::string, unsigned>;

std::map<std::string, Values> xml_enums(std::string_view kind, std::string_view item, std::string* encodings) {
  std::map<std::string, Values> out;
  if (types() == nullptr) return out;
  for (const Element* e : types()->all(kind)) {
    *encodings += e->attr("name") + ":" + e->attr("encodingType") + " ";
    Values& v = out[e->attr("name")];
    for (const auto& c : e->children) {
      EXPECT_EQ(c->name, item) << e->attr("name");
      EXPECT_EQ(v.count(c->attr("name")), 0u) << e->attr("name") << "." << c->attr("name");
      v[c->attr("name")] = static_cast<unsigned>(std::stoul(c->text));
    }
  }
  return out;
}

template <class E>
unsigned u(E e) {
  return static_cast<unsigned>(e);
}

TEST(SchemaEnums, shouldHaveTheValuesOfTheCppEnums) {
  ASSERT_NE(types(), nullptr) << schema().error;
  std::string encodings;
  const std::map<std::string, Values> got = xml_enums("enum", "validValue", &encodings);
  const std::map<std::string, Values> want = {
      {"Side", {{"buy", u(Side::buy)}, {"sell", u(Side::sell)}}},
      {"OrdType", {{"limit", u(OrdType::limit)}, {"market", u(OrdType::market)}}},
      {"Tif", {{"gtc", u(Tif::gtc)}, {"day", u(Tif::day)}, {"ioc", u(Tif::ioc)}, {"fok", u(Tif::fok)}}},
      {"Stp",
       {{"none", u(Stp::none)},
        {"cancel_taker", u(Stp::cancel_taker)},
        {"cancel_maker", u(Stp::cancel_maker)},
        {"cancel_both", u(Stp::cancel_both)}}},
      {"ExecType",
       {{"new_order", u(ExecType::new_order)},
        {"partially_filled", u(ExecType::partially_filled)},
        {"filled", u(ExecType::filled)},
        {"cancelled", u(ExecType::cancelled)},
        {"replaced", u(ExecType::replaced)},
        {"rejected", u(ExecType::rejected)}}},
      {"RejectCode",
       {{"none", u(RejectCode::none)},
        {"duplicate_id", u(RejectCode::duplicate_id)},
        {"unknown_symbol", u(RejectCode::unknown_symbol)},
        {"invalid_qty", u(RejectCode::invalid_qty)},
        {"invalid_price", u(RejectCode::invalid_price)},
        {"price_not_on_tick", u(RejectCode::price_not_on_tick)},
        {"invalid_tif", u(RejectCode::invalid_tif)},
        {"would_cross", u(RejectCode::would_cross)},
        {"unknown_order", u(RejectCode::unknown_order)},
        {"capacity", u(RejectCode::capacity)},
        {"halted", u(RejectCode::halted)},
        {"throttled", u(RejectCode::throttled)},
        {"not_authorized", u(RejectCode::not_authorized)},
        {"invalid_field", u(RejectCode::invalid_field)}}},
      {"LogoutReason",
       {{"user_request", u(LogoutReason::user_request)},
        {"bad_credentials", u(LogoutReason::bad_credentials)},
        {"not_logged_on", u(LogoutReason::not_logged_on)},
        {"sequence_gap", u(LogoutReason::sequence_gap)},
        {"heartbeat_timeout", u(LogoutReason::heartbeat_timeout)},
        {"rate_limit", u(LogoutReason::rate_limit)},
        {"malformed_frame", u(LogoutReason::malformed_frame)},
        {"unknown_template", u(LogoutReason::unknown_template)},
        {"bad_block_length", u(LogoutReason::bad_block_length)},
        {"bad_schema", u(LogoutReason::bad_schema)},
        {"slow_consumer", u(LogoutReason::slow_consumer)},
        {"shutdown", u(LogoutReason::shutdown)},
        {"already_logged_on", u(LogoutReason::already_logged_on)},
        {"bad_logon", u(LogoutReason::bad_logon)},
        {"server_busy", u(LogoutReason::server_busy)}}},
      {"InstrumentStatus",
       {{"added", u(InstrumentStatus::added)},
        {"unchanged", u(InstrumentStatus::unchanged)},
        {"conflict", u(InstrumentStatus::conflict)},
        {"too_many_symbols", u(InstrumentStatus::too_many_symbols)},
        {"invalid_lot", u(InstrumentStatus::invalid_lot)},
        {"invalid_max_qty", u(InstrumentStatus::invalid_max_qty)},
        {"qty_overflow", u(InstrumentStatus::qty_overflow)},
        {"invalid_tick", u(InstrumentStatus::invalid_tick)},
        {"not_authorized", u(InstrumentStatus::not_authorized)},
        {"invalid_symbol", u(InstrumentStatus::invalid_symbol)},
        {"halted", u(InstrumentStatus::halted)}}},
      {"BookStatus", {{"ok", u(BookStatus::ok)}, {"unknown_symbol", u(BookStatus::unknown_symbol)}}},
      {"CancelReason",
       {{"none", u(rialto::CancelReason::none)},
        {"user", u(rialto::CancelReason::user)},
        {"remainder", u(rialto::CancelReason::remainder)},
        {"unfilled", u(rialto::CancelReason::unfilled)},
        {"self_trade", u(rialto::CancelReason::self_trade)},
        {"expired", u(rialto::CancelReason::expired)}}},
      {"CommandType",
       {{"none", u(rialto::CommandType::none)},
        {"new_order", u(rialto::CommandType::new_order)},
        {"cancel", u(rialto::CommandType::cancel)},
        {"modify", u(rialto::CommandType::modify)}}},
  };
  EXPECT_EQ(got, want);
  EXPECT_EQ(encodings,
            "Side:uint8 OrdType:uint8 Tif:uint8 Stp:uint8 ExecType:uint8 RejectCode:uint8 LogoutReason:uint8 "
            "InstrumentStatus:uint8 BookStatus:uint8 CancelReason:uint8 CommandType:uint8 ");
}

TEST(SchemaEnums, shouldHaveTheFlagBits) {
  ASSERT_NE(types(), nullptr) << schema().error;
  std::string encodings;
  const std::map<std::string, Values> got = xml_enums("set", "choice", &encodings);
  // A choice is a bit number.
  EXPECT_EQ(got, (std::map<std::string, Values>{{"ExecFlags", {{"aggressor", std::countr_zero(kFlagAggressor)},
                                                               {"kept_priority", std::countr_zero(kFlagKeptPriority)}}}}));
  EXPECT_EQ(kFlagAggressor, 1);
  EXPECT_EQ(kFlagKeptPriority, 2);
  EXPECT_EQ(encodings, "ExecFlags:uint8 ");
}

// The core enums the wire carries as they are: every value the core names
// (to_string is not "?") is in the schema, with the same number.
TEST(SchemaEnums, shouldCoverEveryCoreValue) {
  std::string encodings;
  const std::map<std::string, Values> got = xml_enums("enum", "validValue", &encodings);
  auto count_named = [](auto tag) {
    using E = decltype(tag);
    std::set<unsigned> named;
    for (unsigned v = 0; v < 256; ++v) {
      if (rialto::to_string(static_cast<E>(v)) != "?") named.insert(v);
    }
    return named;
  };
  auto values_of = [&](const std::string& n) {
    std::set<unsigned> s;
    auto it = got.find(n);
    if (it != got.end()) {
      for (const auto& [k, v] : it->second) s.insert(v);
    }
    return s;
  };
  EXPECT_EQ(values_of("CancelReason"), count_named(rialto::CancelReason{}));
  EXPECT_EQ(values_of("CommandType"), count_named(rialto::CommandType{}));
  // Side and OrderType have no "?" name (two values each): compared directly.
  EXPECT_EQ(values_of("Side"), (std::set<unsigned>{u(rialto::Side::buy), u(rialto::Side::sell)}));
  EXPECT_EQ(values_of("OrdType"), (std::set<unsigned>{u(rialto::OrderType::limit), u(rialto::OrderType::market)}));
  EXPECT_EQ(values_of("Tif"), count_named(rialto::TimeInForce{}));
  EXPECT_EQ(values_of("Stp"), count_named(rialto::StpMode{}));
  std::set<unsigned> engine_rejects = count_named(rialto::RejectReason{});
  std::set<unsigned> wire_rejects;
  for (unsigned v : values_of("RejectCode")) {
    if (v < 32) wire_rejects.insert(v);
  }
  EXPECT_EQ(wire_rejects, engine_rejects);
}

}  // namespace
}  // namespace rialto::protocol
