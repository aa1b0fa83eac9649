# axo_add_app and axo_add_image: how applications are built and booted.
# The same file serves the source tree and the installed package; the
# caller sets where things are:
#   AXO_LIBOS          the libOS library to link (target)
#   AXO_MODULE_PREFIX  prefix of module implementation targets
#   AXO_KERNEL_FILE    the kernel ELF (path or generator expression)
#   AXO_INIT_FILE      the init server ELF
#   AXO_IMAGE_DEPENDS  what every image depends on (the kernel)
#   AXO_INIT_DEPENDS   what images with APPS also depend on (init)
#   AXO_MKIMAGE        the image-building script

# axo_add_app(NAME SOURCES src... [MODULES family.impl...])
# A user program: freestanding, static, linked with the libOS. Each
# MODULES entry links an alternative implementation of a libOS interface
# (e.g. alloc.bump), which then serves that interface instead of the
# default. The program's own implementations (LIBOS_PRIO_APP) beat both.
function(axo_add_app name)
  cmake_parse_arguments(A "" "" "SOURCES;MODULES" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  # Alternatives chosen with MODULES are linked whole: they register
  # through a linker section, and nothing refers to them by name. The libOS
  # itself is an ordinary library, after them: a program carries what it
  # uses (each family's default comes with its slot, see <libos/slot.h>).
  foreach(m ${A_MODULES})
    string(REPLACE "." "_" t "${m}")
    if(NOT TARGET ${AXO_MODULE_PREFIX}${t})
      message(FATAL_ERROR "axo_add_app(${name}): no module '${m}' "
        "(looked for target ${AXO_MODULE_PREFIX}${t})")
    endif()
    target_link_libraries(${name} PRIVATE
      "$<LINK_LIBRARY:WHOLE_ARCHIVE,${AXO_MODULE_PREFIX}${t}>")
  endforeach()
  target_link_libraries(${name} PRIVATE ${AXO_LIBOS})
  target_link_options(${name} PRIVATE ${AXO_APP_LINK_OPTIONS})
endfunction()

# axo_add_image(NAME [APPS app...] [MANIFEST file] [CMDLINE "..."]
#               [MODULES name=file...] [DEPENDS target...])
# Builds images/NAME.iso: a GRUB (Multiboot2) image with the kernel and its
# boot modules, and a menu that does not wait. With APPS, init is the init
# server, each app becomes a module of its own name, and the manifest
# (MANIFEST, or one listing APPS in order) tells init what to run. MODULES
# adds raw modules (e.g. init=... to boot a program as init directly).
# The ISO's path is the target's AXO_ISO property.
function(axo_add_image name)
  cmake_parse_arguments(I "" "CMDLINE;MANIFEST" "APPS;MODULES;DEPENDS"
    ${ARGN})
  set(iso ${CMAKE_BINARY_DIR}/images/${name}.iso)
  set(args --out ${iso} --kernel ${AXO_KERNEL_FILE})
  set(deps ${AXO_IMAGE_DEPENDS} ${AXO_MKIMAGE} ${I_DEPENDS})
  if(I_CMDLINE)
    list(APPEND args --cmdline "${I_CMDLINE}")
  endif()
  set(modules ${I_MODULES})
  if(I_APPS)
    list(PREPEND modules init=${AXO_INIT_FILE})
    list(APPEND deps ${AXO_INIT_DEPENDS})
    if(I_MANIFEST)
      get_filename_component(manifest ${I_MANIFEST} ABSOLUTE)
    else()
      set(manifest ${CMAKE_CURRENT_BINARY_DIR}/${name}.manifest)
      string(REPLACE ";" "\n" lines "${I_APPS}")
      file(GENERATE OUTPUT ${manifest} CONTENT "${lines}\n")
    endif()
    list(APPEND modules manifest=${manifest})
    foreach(app ${I_APPS})
      list(APPEND modules ${app}=$<TARGET_FILE:${app}>)
      list(APPEND deps ${app})
    endforeach()
  endif()
  foreach(m ${modules})
    list(APPEND args --module ${m})
    string(REGEX REPLACE "^[^=]*=" "" file "${m}")
    list(APPEND deps ${file})
  endforeach()
  add_custom_command(OUTPUT ${iso}
    COMMAND ${AXO_MKIMAGE} ${args}
    DEPENDS ${deps}
    COMMENT "Building image ${name}.iso"
    VERBATIM)
  add_custom_target(${name} ALL DEPENDS ${iso})
  set_target_properties(${name} PROPERTIES AXO_ISO ${iso})
endfunction()
