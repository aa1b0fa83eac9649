# Test helpers: host cmocka suites and QEMU boot tests, all under CTest.

set(AXO_SANITIZE -fsanitize=address,undefined -fno-sanitize-recover=all
  -fno-omit-frame-pointer)

# axo_add_unit_test(NAME SOURCES src...)
# Builds a cmocka suite twice, plain and with ASan+UBSan, and registers both
# as unit.NAME and unit.NAME.san.
function(axo_add_unit_test name)
  cmake_parse_arguments(T "" "" "SOURCES" ${ARGN})
  foreach(variant plain san)
    set(target test_${name})
    set(testname unit.${name})
    if(variant STREQUAL san)
      set(target test_${name}_san)
      set(testname unit.${name}.san)
    endif()
    add_executable(${target} ${T_SOURCES})
    target_include_directories(${target} PRIVATE
      ${CMAKE_SOURCE_DIR}/include
      ${CMAKE_SOURCE_DIR}/exokernel
      ${CMAKE_SOURCE_DIR}/arch/x86_64/include
      ${CMAKE_SOURCE_DIR}/test
      ${CMAKE_BINARY_DIR}/generated)
    target_compile_definitions(${target} PRIVATE AXO_HOST=1)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Werror
      -Wno-unused-parameter)
    target_link_libraries(${target} PRIVATE PkgConfig::CMOCKA)
    if(variant STREQUAL san)
      target_compile_options(${target} PRIVATE ${AXO_SANITIZE})
      target_link_options(${target} PRIVATE ${AXO_SANITIZE})
    endif()
    add_test(NAME ${testname} COMMAND ${target})
    # Sanitizers make a suite several times slower (fs_crash.san takes
    # 80 s alone on two cores): give that twin more room.
    set(timeout 120)
    if(variant STREQUAL san)
      set(timeout 300)
    endif()
    set_tests_properties(${testname} PROPERTIES LABELS "unit"
      TIMEOUT ${timeout})
  endforeach()
endfunction()

# axo_add_qemu_test(NAME IMAGE iso-target [TIMEOUT s] [EXIT pass|fail|panic]
#                   [EXPECT regex...] [REJECT regex...] [QEMU_ARGS arg...]
#                   [DISK size [DISK_OPTIONS opts]] [AFTER command])
# Boots the image headless with a timeout and judges the serial output and
# the isa-debug-exit code. A timeout is always a failure. QEMU_ARGS go to
# QEMU as they are. DISK attaches a virtio disk of that size (e.g. 64M),
# made fresh and zeroed in the build directory as NAME.disk each run, with
# DISK_OPTIONS added to QEMU's -drive (e.g. throttling.iops-total=100);
# AFTER is a shell command run once the guest is done (the disk's path is
# in $DISK), whose failure fails the test.
function(axo_add_qemu_test name)
  cmake_parse_arguments(T "" "IMAGE;TIMEOUT;EXIT;DISK;DISK_OPTIONS;AFTER"
    "EXPECT;REJECT;QEMU_ARGS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 60)
  endif()
  if(NOT T_EXIT)
    set(T_EXIT pass)
  endif()
  set(args --timeout ${T_TIMEOUT} --exit ${T_EXIT}
    --log ${CMAKE_CURRENT_BINARY_DIR}/${name}.log)
  foreach(re ${T_EXPECT})
    list(APPEND args --expect ${re})
  endforeach()
  foreach(re ${T_REJECT})
    list(APPEND args --reject ${re})
  endforeach()
  foreach(a ${T_QEMU_ARGS})
    list(APPEND args --qemu-arg ${a})
  endforeach()
  set(disk ${CMAKE_CURRENT_BINARY_DIR}/${name}.disk)
  if(T_DISK)
    list(APPEND args --disk ${disk}:${T_DISK})
  endif()
  if(T_DISK_OPTIONS)
    list(APPEND args --disk-options ${T_DISK_OPTIONS})
  endif()
  if(T_AFTER)
    list(APPEND args --after "${T_AFTER}")
  endif()
  get_target_property(iso ${T_IMAGE} AXO_ISO)
  add_test(NAME qemu.${name}
    COMMAND ${CMAKE_SOURCE_DIR}/test/qemu/boot-test ${args} ${iso})
  math(EXPR ctest_timeout "${T_TIMEOUT} + 30")
  set_tests_properties(qemu.${name} PROPERTIES LABELS "qemu"
    TIMEOUT ${ctest_timeout})
endfunction()
