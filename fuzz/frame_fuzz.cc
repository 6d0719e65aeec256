// libFuzzer target: any bytes as a received TCP stream. decode() is called
// frame after frame until it needs more bytes or reports an error; it must
// never read outside the input (libFuzzer's buffer is exactly `size` bytes,
// so ASan sees any overread), every frame it accepts must lie within bounds,
// and re-encoding the decoded message must give back the frame's bytes.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "rialto/protocol/framing.h"

namespace {

using namespace rialto::protocol;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

template <class M>
void round_trip(const Decoded& d, const char* frame) {
  check(d.frame_size == kFrameSize<M>);
  const M m = read<M>(d);
  char out[kFrameSize<M>];
  check(encode(m, out) == kFrameSize<M>);
  check(std::memcmp(out, frame, kFrameSize<M>) == 0);
}

void check_frame(const Decoded& d, const char* frame) {
  switch (static_cast<TemplateId>(d.template_id)) {
    case TemplateId::logon: return round_trip<Logon>(d, frame);
    case TemplateId::logon_ack: return round_trip<LogonAck>(d, frame);
    case TemplateId::logout: return round_trip<Logout>(d, frame);
    case TemplateId::heartbeat: return round_trip<Heartbeat>(d, frame);
    case TemplateId::new_order: return round_trip<NewOrder>(d, frame);
    case TemplateId::cancel_order: return round_trip<CancelOrder>(d, frame);
    case TemplateId::modify_order: return round_trip<ModifyOrder>(d, frame);
    case TemplateId::mass_cancel: return round_trip<MassCancel>(d, frame);
    case TemplateId::sync: return round_trip<Sync>(d, frame);
    case TemplateId::book_request: return round_trip<BookRequest>(d, frame);
    case TemplateId::add_instrument: return round_trip<AddInstrument>(d, frame);
    case TemplateId::expire: return round_trip<Expire>(d, frame);
    case TemplateId::execution_report: return round_trip<ExecutionReport>(d, frame);
    case TemplateId::sync_ack: return round_trip<SyncAck>(d, frame);
    case TemplateId::book_level: return round_trip<BookLevel>(d, frame);
    case TemplateId::book_end: return round_trip<BookEnd>(d, frame);
    case TemplateId::instrument_report: return round_trip<InstrumentReport>(d, frame);
    case TemplateId::mass_cancel_report: return round_trip<MassCancelReport>(d, frame);
  }
  check(false);  // decode accepted a template it does not know
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* p = reinterpret_cast<const char*>(data);
  size_t left = size;
  for (;;) {
    const Decoded d = decode(p, left);
    if (d.status == DecodeStatus::need_more) {
      check(d.frame_size == 0 && d.block == nullptr);
      if (left >= kSofhSize) {  // a whole SOFH: its length must be plausible and not all there yet
        const auto* u = reinterpret_cast<const unsigned char*>(p);
        const uint32_t length = (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
        check(length >= kSofhSize + kHeaderSize && length <= kMaxFrameSize && length > left);
      }
      return 0;
    }
    if (d.status == DecodeStatus::error) {
      check(d.frame_size == 0 && d.block == nullptr && d.what != nullptr && d.what[0] != '\0');
      check(d.reason == LogoutReason::malformed_frame || d.reason == LogoutReason::bad_schema ||
            d.reason == LogoutReason::unknown_template || d.reason == LogoutReason::bad_block_length);
      return 0;
    }
    check(d.status == DecodeStatus::frame);
    check(d.frame_size >= kSofhSize + kHeaderSize && d.frame_size <= kMaxFrameSize && d.frame_size <= left);
    check(d.block == p + kSofhSize + kHeaderSize);
    check(block_length_of(d.template_id) == d.frame_size - kSofhSize - kHeaderSize);
    check_frame(d, p);
    p += d.frame_size;
    left -= d.frame_size;
  }
}
