// Helpers shared by the event loop tests.
#pragma once

#include <cstddef>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rialto/loop/log.h"

namespace rialto::loop::test {

// Captures log lines for the lifetime of the object.
class LogCapture {
 public:
  LogCapture() { set_log_sink(&LogCapture::sink); }
  ~LogCapture() {
    set_log_sink(nullptr);
    std::lock_guard lock(mutex());
    lines().clear();
  }
  static bool contains(std::string_view needle) {
    std::lock_guard lock(mutex());
    for (const auto& l : lines()) {
      if (l.find(needle) != std::string::npos) return true;
    }
    return false;
  }
  static std::string all() {
    std::lock_guard lock(mutex());
    std::string s;
    for (const auto& l : lines()) s += l + "\n";
    return s;
  }

 private:
  static void sink(LogLevel, std::string_view m) {
    std::lock_guard lock(mutex());
    lines().emplace_back(m);
  }
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  static std::vector<std::string>& lines() {
    static std::vector<std::string> l;
    return l;
  }
};

inline std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}
inline std::string text(std::span<const std::byte> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

}  // namespace rialto::loop::test
