# The flags of everything that runs on the bare machine, as plain lists, so
# the tree and the installed package (AxolotlConfig.cmake) share them.

execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=include
  OUTPUT_VARIABLE AXO_CC_INCLUDE OUTPUT_STRIP_TRAILING_WHITESPACE)

set(AXO_WARNINGS -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
  -Wmissing-prototypes -Wno-unused-parameter)

set(AXO_FREESTANDING_OPTIONS
  -ffreestanding -nostdinc -isystem ${AXO_CC_INCLUDE}
  -fno-stack-protector -fno-pic -fno-pie -fno-common
  -fno-omit-frame-pointer -fno-asynchronous-unwind-tables
  -fno-strict-aliasing -fno-optimize-sibling-calls -mno-red-zone
  -mgeneral-regs-only)

set(AXO_APP_LINK_OPTIONS -nostdlib -static -no-pie
  -Wl,--build-id=none -Wl,-z,noexecstack -Wl,-z,max-page-size=0x1000)
