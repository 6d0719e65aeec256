// Built with -fno-exceptions (src/engine/CMakeLists.txt): proves that every
// engine header compiles, and an Engine instantiates, without exceptions.
// Part of every build; it has no other use.
#include "rialto/core/decimal.h"
#include "rialto/core/types.h"
#include "rialto/engine/detail/book_side.h"
#include "rialto/engine/detail/id_index.h"
#include "rialto/engine/detail/pool.h"
#include "rialto/engine/detail/siphash.h"
#include "rialto/engine/detail/zeroed_array.h"
#include "rialto/engine/engine.h"

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#error "this file must be compiled with -fno-exceptions"
#endif

namespace rialto::engine {
namespace {
struct CountingSink {
  uint64_t events = 0;
  void on_event(const Event&) { ++events; }
};
}  // namespace

// Every member function of the template, instantiated.
template class Engine<CountingSink>;

}  // namespace rialto::engine
