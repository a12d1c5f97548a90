# relay_unit.cmake - ftplab-proxy's data relay (proxy/relay.c) on real
# loopback TCP connections driven by a libevent loop. Included from
# tests/CMakeLists.txt, after PkgConfig::CMOCKA is found.
pkg_check_modules(LIBEVENT_RELAY REQUIRED IMPORTED_TARGET libevent_core)

add_executable(test_relay test_relay.c ${PROJECT_SOURCE_DIR}/proxy/relay.c)
target_include_directories(test_relay PRIVATE ${PROJECT_SOURCE_DIR}/proxy)
target_link_libraries(test_relay PRIVATE ftplab PkgConfig::CMOCKA PkgConfig::LIBEVENT_RELAY)
add_test(NAME unit.relay COMMAND test_relay)
