// Logging at the edge: disconnect reasons, tasks that threw, accept failures.
// Never on a per-message path. The default sink writes one line to stderr;
// tests and applications install their own.
//
// Thread safety: log() may be called from any thread; set_log_sink should be
// called before loops start (the sink pointer is atomic, the sink itself must
// be thread-safe if several loops log).
#pragma once

#include <cstdint>
#include <string_view>

namespace rialto::loop {

enum class LogLevel : std::uint8_t { info, warning, error };

using LogSink = void (*)(LogLevel level, std::string_view message);

// nullptr restores the default (stderr) sink.
void set_log_sink(LogSink sink) noexcept;

// printf-style; the message is truncated at 512 bytes.
void log(LogLevel level, const char* format, ...) noexcept __attribute__((format(printf, 2, 3)));

}  // namespace rialto::loop
