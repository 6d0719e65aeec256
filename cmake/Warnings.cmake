# Project-wide warning flags. Third-party headers are included as SYSTEM so
# that their warnings do not fail our build.
add_library(rialto_warnings INTERFACE)
target_compile_options(rialto_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
  -Wimplicit-fallthrough -Wdouble-promotion -Wformat=2)
# -Wnull-dereference is left out: with GCC 12 it fires on inlined libstdc++
# code (std::string moves inside CLI11) in the -O1 sanitizer builds.
if(RIALTO_WERROR)
  target_compile_options(rialto_warnings INTERFACE -Werror)
endif()
add_library(rialto::warnings ALIAS rialto_warnings)
