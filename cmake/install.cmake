# Installation, for C++ programs outside the tree: the public headers, libingot.a, a CMake package
# (find_package(ingot) gives the target ingot::ingot) and ingot.pc for pkg-config. `cmake --install`
# puts them under the prefix's include/ and lib/; a wheel (scikit-build-core sets SKBUILD) puts them
# inside the Python package, where ingot.cmake_dir() and `python -m ingot --cmake-dir` find them.
# Both layouts are relocatable: the CMake package and ingot.pc locate the rest from where they lie.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
if(SKBUILD)
  set(INGOT_INSTALL_INCLUDEDIR ingot/include)
  set(INGOT_INSTALL_LIBDIR ingot/lib)
else()
  set(INGOT_INSTALL_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR})
  set(INGOT_INSTALL_LIBDIR ${CMAKE_INSTALL_LIBDIR})
endif()
set(INGOT_INSTALL_CMAKEDIR ${INGOT_INSTALL_LIBDIR}/cmake/ingot)
set(INGOT_INSTALL_PKGCONFIGDIR ${INGOT_INSTALL_LIBDIR}/pkgconfig)

install(DIRECTORY include/ingot DESTINATION ${INGOT_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
target_include_directories(ingot PUBLIC $<INSTALL_INTERFACE:${INGOT_INSTALL_INCLUDEDIR}>)
install(TARGETS ingot EXPORT ingotTargets ARCHIVE DESTINATION ${INGOT_INSTALL_LIBDIR})
install(EXPORT ingotTargets NAMESPACE ingot:: DESTINATION ${INGOT_INSTALL_CMAKEDIR})
configure_package_config_file(cmake/ingotConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/ingotConfig.cmake
                              INSTALL_DESTINATION ${INGOT_INSTALL_CMAKEDIR})
# 0.x releases may change the API between minor versions.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/ingotConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/ingotConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/ingotConfigVersion.cmake
        DESTINATION ${INGOT_INSTALL_CMAKEDIR})

# ingot.pc names the installation prefix relative to its own folder (pkg-config's ${pcfiledir}).
file(RELATIVE_PATH INGOT_PC_PREFIX /${INGOT_INSTALL_PKGCONFIGDIR} /)
string(REGEX REPLACE "/$" "" INGOT_PC_PREFIX "${INGOT_PC_PREFIX}")
configure_file(cmake/ingot.pc.in ${CMAKE_CURRENT_BINARY_DIR}/ingot.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/ingot.pc DESTINATION ${INGOT_INSTALL_PKGCONFIGDIR})
