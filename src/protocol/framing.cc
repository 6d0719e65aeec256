#include "rialto/protocol/framing.h"

namespace rialto::protocol {

namespace {

struct TemplateInfo {
  uint16_t id;
  size_t block;
  std::string_view name;
};

constexpr TemplateInfo kTemplates[] = {
    {static_cast<uint16_t>(TemplateId::logon), sizeof(Logon), "Logon"},
    {static_cast<uint16_t>(TemplateId::logon_ack), sizeof(LogonAck), "LogonAck"},
    {static_cast<uint16_t>(TemplateId::logout), sizeof(Logout), "Logout"},
    {static_cast<uint16_t>(TemplateId::heartbeat), sizeof(Heartbeat), "Heartbeat"},
    {static_cast<uint16_t>(TemplateId::new_order), sizeof(NewOrder), "NewOrder"},
    {static_cast<uint16_t>(TemplateId::cancel_order), sizeof(CancelOrder), "CancelOrder"},
    {static_cast<uint16_t>(TemplateId::modify_order), sizeof(ModifyOrder), "ModifyOrder"},
    {static_cast<uint16_t>(TemplateId::mass_cancel), sizeof(MassCancel), "MassCancel"},
    {static_cast<uint16_t>(TemplateId::sync), sizeof(Sync), "Sync"},
    {static_cast<uint16_t>(TemplateId::book_request), sizeof(BookRequest), "BookRequest"},
    {static_cast<uint16_t>(TemplateId::add_instrument), sizeof(AddInstrument), "AddInstrument"},
    {static_cast<uint16_t>(TemplateId::expire), sizeof(Expire), "Expire"},
    {static_cast<uint16_t>(TemplateId::execution_report), sizeof(ExecutionReport), "ExecutionReport"},
    {static_cast<uint16_t>(TemplateId::sync_ack), sizeof(SyncAck), "SyncAck"},
    {static_cast<uint16_t>(TemplateId::book_level), sizeof(BookLevel), "BookLevel"},
    {static_cast<uint16_t>(TemplateId::book_end), sizeof(BookEnd), "BookEnd"},
    {static_cast<uint16_t>(TemplateId::instrument_report), sizeof(InstrumentReport), "InstrumentReport"},
    {static_cast<uint16_t>(TemplateId::mass_cancel_report), sizeof(MassCancelReport), "MassCancelReport"},
};

const TemplateInfo* find(uint16_t id) {
  for (const TemplateInfo& t : kTemplates) {
    if (t.id == id) return &t;
  }
  return nullptr;
}


Decoded error(LogoutReason reason, const char* what, uint64_t value) {
  Decoded d;
  d.status = DecodeStatus::error;
  d.reason = reason;
  d.what = what;
  d.value = value;
  return d;
}

}  // namespace

size_t block_length_of(uint16_t template_id) {
  const TemplateInfo* t = find(template_id);
  return t ? t->block : 0;
}

std::string_view template_name(uint16_t template_id) {
  const TemplateInfo* t = find(template_id);
  return t ? t->name : std::string_view("unknown");
}

Decoded decode(const char* data, size_t size) {
  if (size < kSofhSize) return Decoded{};
  const auto* u = reinterpret_cast<const unsigned char*>(data);
  const uint32_t length = (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
  const uint16_t encoding = static_cast<uint16_t>((u[4] << 8) | u[5]);
  if (length < kSofhSize + kHeaderSize) {
    return error(LogoutReason::malformed_frame, "frame length is below the 14 bytes of SOFH and SBE header", length);
  }
  if (length > kMaxFrameSize) return error(LogoutReason::malformed_frame, "frame length is above 512", length);
  if (encoding != kEncodingType) {
    return error(LogoutReason::malformed_frame, "encoding type is not 0xEB50 (SBE 1.0 little-endian)", encoding);
  }
  if (size < length) return Decoded{};
  MessageHeader h;
  std::memcpy(&h, data + kSofhSize, sizeof h);
  if (h.schema_id != kSchemaId) return error(LogoutReason::bad_schema, "schema id is not 7001", h.schema_id);
  if (h.version != kSchemaVersion) return error(LogoutReason::bad_schema, "schema version is not 1", h.version);
  const TemplateInfo* t = find(h.template_id);
  if (t == nullptr) return error(LogoutReason::unknown_template, "unknown template id", h.template_id);
  if (h.block_length != t->block) {
    return error(LogoutReason::bad_block_length, "block length does not match the template", h.block_length);
  }
  if (length != kSofhSize + kHeaderSize + h.block_length) {
    return error(LogoutReason::bad_block_length, "frame length does not match the block length", length);
  }
  Decoded d;
  d.status = DecodeStatus::frame;
  d.template_id = h.template_id;
  d.block = data + kSofhSize + kHeaderSize;
  d.frame_size = length;
  return d;
}

}  // namespace rialto::protocol
