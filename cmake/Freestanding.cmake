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

# axo_add_module (module images) is in AxoModule.cmake, shared with the
# installed package; here, the tree's headers.
set(AXO_MODULE_INCLUDES
  ${CMAKE_SOURCE_DIR}/include
  ${CMAKE_SOURCE_DIR}/libos/include
  ${CMAKE_SOURCE_DIR}/arch/x86_64/include
  ${CMAKE_BINARY_DIR}/generated)
include(AxoModule)
