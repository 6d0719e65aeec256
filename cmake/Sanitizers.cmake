# RIALTO_SANITIZE=address,undefined  -> ASan + UBSan, UBSan halts on the first error
# RIALTO_SANITIZE=thread             -> TSan
if(RIALTO_SANITIZE)
  set(_rialto_san_flags -fsanitize=${RIALTO_SANITIZE} -fno-omit-frame-pointer -g)
  if(RIALTO_SANITIZE MATCHES "undefined")
    list(APPEND _rialto_san_flags -fno-sanitize-recover=all)
  endif()
  add_compile_options(${_rialto_san_flags})
  add_link_options(${_rialto_san_flags})
  add_compile_definitions(RIALTO_SANITIZED=1)
endif()
