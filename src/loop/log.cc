#include "rialto/loop/log.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>

namespace rialto::loop {
namespace {

void stderr_sink(LogLevel level, std::string_view message) {
  const char* tag = level == LogLevel::error ? "error" : level == LogLevel::warning ? "warning" : "info";
  std::fprintf(stderr, "rialto loop %s: %.*s\n", tag, static_cast<int>(message.size()), message.data());
}

// Relaxed: the sink is a plain function pointer; whichever value a racing
// reader sees is a valid sink.
std::atomic<LogSink> g_sink{&stderr_sink};

}  // namespace

void set_log_sink(LogSink sink) noexcept {
  g_sink.store(sink != nullptr ? sink : &stderr_sink, std::memory_order_relaxed);
}

void log(LogLevel level, const char* format, ...) noexcept {
  char buf[512];
  va_list args;
  va_start(args, format);
  int n = std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  if (n < 0) return;
  std::size_t len = static_cast<std::size_t>(n) < sizeof buf ? static_cast<std::size_t>(n) : sizeof buf - 1;
  g_sink.load(std::memory_order_relaxed)(level, std::string_view(buf, len));
}

}  // namespace rialto::loop
