# analyzer_decode.cmake - unit test of ftplab-analyzer's frame decoder
# (analyzer/decode.c): link layers, IPv4/IPv6 and TCP headers, built byte by
# byte in the test. Included from tests/CMakeLists.txt, after
# PkgConfig::CMOCKA is found.
add_executable(test_decode test_decode.c ${PROJECT_SOURCE_DIR}/analyzer/decode.c)
target_include_directories(test_decode PRIVATE ${PROJECT_SOURCE_DIR}/analyzer)
target_link_libraries(test_decode PRIVATE ftplab PkgConfig::CMOCKA)
add_test(NAME unit.analyzer_decode COMMAND test_decode)
