# Compiler and linker flags for everything that runs on the bare machine
# (kernel, and later libOS, servers and apps). The one place they are set.

execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=include
  OUTPUT_VARIABLE AXO_CC_INCLUDE OUTPUT_STRIP_TRAILING_WHITESPACE)

set(AXO_WARNINGS -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
  -Wmissing-prototypes -Wno-unused-parameter)

# Flags shared by every freestanding target.
add_library(axo_freestanding INTERFACE)
target_compile_options(axo_freestanding INTERFACE
  -ffreestanding -nostdinc -isystem ${AXO_CC_INCLUDE}
  -fno-stack-protector -fno-pic -fno-pie -fno-common
  -fno-omit-frame-pointer -fno-asynchronous-unwind-tables
  -fno-strict-aliasing -fno-optimize-sibling-calls -mno-red-zone
  -mgeneral-regs-only
  $<$<COMPILE_LANGUAGE:C>:${AXO_WARNINGS}>)
target_include_directories(axo_freestanding INTERFACE
  ${CMAKE_SOURCE_DIR}/include
  ${CMAKE_BINARY_DIR}/generated)

# The kernel additionally lives in the top 2 GiB.
add_library(axo_kernel_flags INTERFACE)
target_link_libraries(axo_kernel_flags INTERFACE axo_freestanding)
target_compile_options(axo_kernel_flags INTERFACE -mcmodel=kernel)
target_compile_definitions(axo_kernel_flags INTERFACE AXO_KERNEL=1)

# axo_add_app(NAME SOURCES src...)
# A user program: freestanding, static, linked with the libOS runtime.
function(axo_add_app name)
  cmake_parse_arguments(A "" "" "SOURCES" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE libos_runtime)
  target_link_options(${name} PRIVATE -nostdlib -static -no-pie
    -Wl,--build-id=none -Wl,-z,noexecstack -Wl,-z,max-page-size=0x1000)
endfunction()
