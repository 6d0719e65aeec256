// libFuzzer target: any bytes as a scenario script. The adapter must never
// crash, hang or trip a sanitizer; it either runs the script or reports a
// malformed line with status 2.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "rialto/script/script.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::ostringstream out;
  std::ostringstream err;
  rialto::script::Options options;
  options.engine.max_orders = 64;  // small limits so capacity rejects are reachable
  options.max_ids = 256;
  int status = rialto::script::run(in, "fuzz", out, err, options);
  if (status != rialto::script::kOk && status != rialto::script::kMalformed) __builtin_trap();
  if ((status == rialto::script::kMalformed) == err.str().empty()) __builtin_trap();
  return 0;
}
