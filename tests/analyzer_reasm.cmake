# analyzer_reasm.cmake - unit test of ftplab-analyzer's TCP reassembly
# (analyzer/reasm.c): order, retransmissions and overlaps, SYN and mid-stream
# starts, 32-bit wrap, gaps (flush, ack, limits, shared budget), FIN and RST.
# Included from tests/CMakeLists.txt, after PkgConfig::CMOCKA is found.
add_executable(test_reasm test_reasm.c ${PROJECT_SOURCE_DIR}/analyzer/reasm.c)
target_include_directories(test_reasm PRIVATE ${PROJECT_SOURCE_DIR}/analyzer)
target_link_libraries(test_reasm PRIVATE ftplab PkgConfig::CMOCKA)
add_test(NAME unit.analyzer_reasm COMMAND test_reasm)
