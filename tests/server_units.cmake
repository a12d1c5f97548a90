# server_units.cmake - unit tests of ftplab-server's pure modules: settings
# (server/config.c) and virtual users (server/users.c). Included from
# tests/CMakeLists.txt, after PkgConfig::CMOCKA is found.
pkg_check_modules(LIBXCRYPT REQUIRED IMPORTED_TARGET libxcrypt)

add_executable(test_server_config test_server_config.c ${PROJECT_SOURCE_DIR}/server/config.c)
target_include_directories(test_server_config PRIVATE ${PROJECT_SOURCE_DIR}/server)
target_link_libraries(test_server_config PRIVATE ftplab PkgConfig::CMOCKA)
add_test(NAME unit.server_config COMMAND test_server_config)

add_executable(test_server_users test_server_users.c ${PROJECT_SOURCE_DIR}/server/users.c)
target_include_directories(test_server_users PRIVATE ${PROJECT_SOURCE_DIR}/server)
target_link_libraries(test_server_users PRIVATE ftplab PkgConfig::CMOCKA PkgConfig::LIBXCRYPT)
add_test(NAME unit.server_users COMMAND test_server_users)
