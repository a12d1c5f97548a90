# Unit tests of the pure server modules listfmt and ascii (included from
# tests/CMakeLists.txt).
add_executable(test_listfmt test_listfmt.c ${PROJECT_SOURCE_DIR}/server/listfmt.c)
target_include_directories(test_listfmt PRIVATE ${PROJECT_SOURCE_DIR}/server)
target_link_libraries(test_listfmt PRIVATE ftplab PkgConfig::CMOCKA)
add_test(NAME unit.listfmt COMMAND test_listfmt)

add_executable(test_ascii test_ascii.c ${PROJECT_SOURCE_DIR}/server/ascii.c)
target_include_directories(test_ascii PRIVATE ${PROJECT_SOURCE_DIR}/server)
target_link_libraries(test_ascii PRIVATE ftplab PkgConfig::CMOCKA)
add_test(NAME unit.ascii COMMAND test_ascii)
