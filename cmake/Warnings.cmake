# Project-wide warning flags. Third-party headers are included as SYSTEM so
# that their warnings do not fail our build.
add_library(rialto_warnings INTERFACE)
target_compile_options(rialto_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
  -Wimplicit-fallthrough -Wnull-dereference -Wdouble-promotion -Wformat=2)
if(RIALTO_WERROR)
  target_compile_options(rialto_warnings INTERFACE -Werror)
endif()
add_library(rialto::warnings ALIAS rialto_warnings)
