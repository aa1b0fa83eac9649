# axo_add_module: how module images are built. The same file serves the
# source tree and the installed package; the caller sets:
#   AXO_MODULE_INCLUDES  the include folders of the libOS headers
# and AxoFlags.cmake gives the flags.

# Compile @t's sources as module image code.
function(_axo_module_compile t)
  set(opts ${AXO_FREESTANDING_OPTIONS})
  list(REMOVE_ITEM opts -fno-pic -fno-pie)
  target_compile_options(${t} PRIVATE ${opts} -fPIC -fvisibility=hidden
    $<$<COMPILE_LANGUAGE:C>:${AXO_WARNINGS}>)
  target_compile_definitions(${t} PRIVATE AXO_MODULE_IMAGE=1)
  target_include_directories(${t} PRIVATE ${AXO_MODULE_INCLUDES})
endfunction()

# axo_add_module_library(NAME SOURCES src...)
# A static archive of code compiled as module image code, for images to
# link (axo_add_module(... LIBRARIES NAME)).
function(axo_add_module_library name)
  cmake_parse_arguments(M "" "" "SOURCES" ${ARGN})
  add_library(${name} STATIC ${M_SOURCES})
  _axo_module_compile(${name})
endfunction()

# axo_add_module(NAME SOURCES src... [LIBRARIES lib...])
# A module image: a position-independent ELF shared object with no C
# library, which the libOS loads at run time (docs/modules.md). Its only
# exported symbol is the descriptor (MODULE_DESCRIPTOR with
# AXO_MODULE_IMAGE defined); its imports must be in the libOS export
# table. Text, read-only data and data get pages of their own. LIBRARIES
# are linked into the image (static archives of PIC code built the same
# way). The file is modules/NAME.axm in the build tree, the target's
# AXO_MODULE_FILE; the same sources can also be linked into a program
# (MODULE_DESCRIPTOR then makes a built-in module).
function(axo_add_module name)
  cmake_parse_arguments(M "" "" "SOURCES;LIBRARIES" ${ARGN})
  add_library(${name} SHARED ${M_SOURCES})
  _axo_module_compile(${name})
  target_link_options(${name} PRIVATE -nostdlib -Wl,-z,noexecstack
    -Wl,-z,separate-code -Wl,--hash-style=sysv -Wl,-z,max-page-size=0x1000
    -Wl,--build-id=none -Wl,--strip-all)
  if(M_LIBRARIES)
    target_link_libraries(${name} PRIVATE ${M_LIBRARIES})
  endif()
  set_target_properties(${name} PROPERTIES PREFIX "" SUFFIX ".axm"
    LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/modules)
  set_target_properties(${name} PROPERTIES
    AXO_MODULE_FILE ${CMAKE_BINARY_DIR}/modules/${name}.axm)
endfunction()
