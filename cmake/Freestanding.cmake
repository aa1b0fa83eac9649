# Compiler and linker flags for everything that runs on the bare machine
# (kernel, and later libOS, servers and apps). The one place they are set.

include(AxoFlags)

# Flags shared by every freestanding target.
add_library(axo_freestanding INTERFACE)
target_compile_options(axo_freestanding INTERFACE ${AXO_FREESTANDING_OPTIONS}
  $<$<COMPILE_LANGUAGE:C>:${AXO_WARNINGS}>)
target_include_directories(axo_freestanding INTERFACE
  ${CMAKE_SOURCE_DIR}/include
  ${CMAKE_BINARY_DIR}/generated)

# The kernel additionally lives in the top 2 GiB.
add_library(axo_kernel_flags INTERFACE)
target_link_libraries(axo_kernel_flags INTERFACE axo_freestanding)
target_compile_options(axo_kernel_flags INTERFACE -mcmodel=kernel)
target_compile_definitions(axo_kernel_flags INTERFACE AXO_KERNEL=1)

# axo_add_module_impl(family.impl SOURCES src...)
# An alternative implementation of a libOS interface, built as its own
# library (axo_module_family_impl) that applications choose with
# axo_add_app(... MODULES family.impl). It is installed with the package.
function(axo_add_module_impl name)
  cmake_parse_arguments(M "" "" "SOURCES" ${ARGN})
  string(REPLACE "." "_" t "${name}")
  add_library(axo_module_${t} STATIC ${M_SOURCES})
  # The libOS's headers and flags, not the library: applications link it
  # once, whole.
  target_link_libraries(axo_module_${t} PRIVATE axo_freestanding)
  target_include_directories(axo_module_${t} PRIVATE
    $<TARGET_PROPERTY:libos_runtime,INTERFACE_INCLUDE_DIRECTORIES>)
  set_property(GLOBAL APPEND PROPERTY AXO_MODULE_IMPLS ${t})
endfunction()

# axo_add_module(NAME SOURCES src...)
# A module image: a position-independent ELF shared object with no C
# library, which the libOS loads at run time (docs/modules.md). Its only
# exported symbol is the descriptor (MODULE_DESCRIPTOR with
# AXO_MODULE_IMAGE defined); its imports must be in the libOS export
# table. Text, read-only data and data get pages of their own. The file is
# modules/NAME.axm in the build tree, the target's AXO_MODULE_FILE.
function(axo_add_module name)
  cmake_parse_arguments(M "" "" "SOURCES" ${ARGN})
  set(opts ${AXO_FREESTANDING_OPTIONS})
  list(REMOVE_ITEM opts -fno-pic -fno-pie)
  add_library(${name} SHARED ${M_SOURCES})
  target_compile_options(${name} PRIVATE ${opts} -fPIC -fvisibility=hidden
    $<$<COMPILE_LANGUAGE:C>:${AXO_WARNINGS}>)
  target_compile_definitions(${name} PRIVATE AXO_MODULE_IMAGE=1)
  target_include_directories(${name} PRIVATE
    ${CMAKE_SOURCE_DIR}/include
    ${CMAKE_SOURCE_DIR}/libos/include
    ${CMAKE_SOURCE_DIR}/arch/x86_64/include
    ${CMAKE_BINARY_DIR}/generated)
  target_link_options(${name} PRIVATE -nostdlib -Wl,-z,noexecstack
    -Wl,-z,separate-code -Wl,--hash-style=sysv -Wl,-z,max-page-size=0x1000
    -Wl,--build-id=none -Wl,--strip-all)
  set_target_properties(${name} PROPERTIES PREFIX "" SUFFIX ".axm"
    LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/modules)
  set_target_properties(${name} PROPERTIES
    AXO_MODULE_FILE ${CMAKE_BINARY_DIR}/modules/${name}.axm)
endfunction()
