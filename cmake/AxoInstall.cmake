# What `cmake --install` puts under the prefix, so that an application
# outside this tree can find_package(Axolotl) and use axo_add_app and
# axo_add_image exactly as the tree does:
#   lib/axolotl/      the kernel, the init server, the libOS, module libraries,
#                     the policy helpers for module images, the image script
#   include/axolotl/  the kernel ABI (exo/), the libOS (libos/), the C library
#                     headers (libc/), arch/cycles.h
#   lib/cmake/Axolotl AxolotlConfig.cmake and the shared CMake functions
#   bin/axolotl-boot  boot an image under QEMU

set(AXO_PKG_LIBDIR lib/axolotl)
set(AXO_PKG_INCDIR include/axolotl)
set(AXO_PKG_CMAKEDIR lib/cmake/Axolotl)

install(FILES $<TARGET_FILE:axolotl> DESTINATION ${AXO_PKG_LIBDIR}
  RENAME axolotl.elf)
install(FILES $<TARGET_FILE:axo_init> DESTINATION ${AXO_PKG_LIBDIR}
  RENAME axo_init)
install(TARGETS libos_runtime ARCHIVE DESTINATION ${AXO_PKG_LIBDIR})
get_property(AXO_MODULE_IMPLS GLOBAL PROPERTY AXO_MODULE_IMPLS)
foreach(m ${AXO_MODULE_IMPLS})
  install(TARGETS axo_module_${m} ARCHIVE DESTINATION ${AXO_PKG_LIBDIR})
endforeach()
install(TARGETS axo_sched_image ARCHIVE DESTINATION ${AXO_PKG_LIBDIR})
install(PROGRAMS scripts/mkimage DESTINATION ${AXO_PKG_LIBDIR})
install(PROGRAMS scripts/boot DESTINATION bin RENAME axolotl-boot)

install(DIRECTORY include/exo include/libos DESTINATION ${AXO_PKG_INCDIR})
if(EXISTS ${CMAKE_SOURCE_DIR}/libos/include)
  install(DIRECTORY libos/include/ DESTINATION ${AXO_PKG_INCDIR}/libc)
endif()
install(FILES arch/x86_64/include/arch/cycles.h
  DESTINATION ${AXO_PKG_INCDIR}/arch)

configure_file(cmake/AxolotlConfig.cmake.in
  ${CMAKE_BINARY_DIR}/AxolotlConfig.cmake @ONLY)
include(CMakePackageConfigHelpers)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/AxolotlConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/AxolotlConfig.cmake
  ${CMAKE_BINARY_DIR}/AxolotlConfigVersion.cmake
  cmake/AxoFlags.cmake cmake/AxoApp.cmake cmake/AxoModule.cmake
  DESTINATION ${AXO_PKG_CMAKEDIR})
