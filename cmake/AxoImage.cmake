# axo_add_image(NAME [KERNEL target] [CMDLINE "..."] [MODULES name=file...]
#               [DEPENDS target...])
# Builds NAME.iso, a GRUB (Multiboot2) rescue image holding the kernel and
# its boot modules, with a menu that does not wait. The ISO path is stored
# in the target's AXO_ISO property.
function(axo_add_image name)
  cmake_parse_arguments(I "" "KERNEL;CMDLINE" "MODULES;DEPENDS" ${ARGN})
  if(NOT I_KERNEL)
    set(I_KERNEL axolotl)
  endif()
  set(iso ${CMAKE_BINARY_DIR}/images/${name}.iso)
  set(args --out ${iso} --kernel $<TARGET_FILE:${I_KERNEL}>)
  if(I_CMDLINE)
    list(APPEND args --cmdline "${I_CMDLINE}")
  endif()
  set(deps ${I_KERNEL} ${CMAKE_SOURCE_DIR}/scripts/mkimage)
  foreach(m ${I_MODULES})
    list(APPEND args --module ${m})
    string(REGEX REPLACE "^[^=]*=" "" file "${m}")
    list(APPEND deps ${file})
  endforeach()
  add_custom_command(OUTPUT ${iso}
    COMMAND ${CMAKE_SOURCE_DIR}/scripts/mkimage ${args}
    DEPENDS ${deps} ${I_DEPENDS}
    COMMENT "Building image ${name}.iso"
    VERBATIM)
  add_custom_target(${name} ALL DEPENDS ${iso})
  set_target_properties(${name} PROPERTIES AXO_ISO ${iso})
endfunction()
