// CRC32C (Castagnoli): reflected polynomial 0x82F63B78, initial value and final
// xor 0xFFFFFFFF, so crc32c("123456789") == 0xE3069283 (RFC 3720 B.4). Every
// checksum of the journal and snapshot files (docs/JOURNAL.md).
#pragma once

#include <cstddef>
#include <cstdint>

namespace rialto::journal {

/// CRC32C of p[0, n). `crc` continues an earlier result:
/// crc32c(b, nb, crc32c(a, na)) == crc32c(a followed by b). Uses the SSE4.2
/// crc32 instruction when the CPU has it (checked once, at first use), else
/// crc32c_portable.
[[nodiscard]] uint32_t crc32c(const void* p, size_t n, uint32_t crc = 0);

/// The table-driven path (slicing by 8), on any CPU. Same results as crc32c.
[[nodiscard]] uint32_t crc32c_portable(const void* p, size_t n, uint32_t crc = 0);

/// True if crc32c uses the SSE4.2 instruction on this CPU.
[[nodiscard]] bool crc32c_hardware();

}  // namespace rialto::journal
