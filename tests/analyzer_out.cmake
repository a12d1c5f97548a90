# analyzer_out.cmake - unit tests of ftplab-analyzer's presentation: the
# diagnostics' names and explanations (analyzer/diag.c) and the text, JSON
# and Zeek writers (analyzer/out*.c), fed with events built by hand.
# Included from tests/CMakeLists.txt, after PkgConfig::CMOCKA is found.
add_executable(test_analyzer_out test_analyzer_out.c
               ${PROJECT_SOURCE_DIR}/analyzer/diag.c
               ${PROJECT_SOURCE_DIR}/analyzer/out.c
               ${PROJECT_SOURCE_DIR}/analyzer/out_text.c
               ${PROJECT_SOURCE_DIR}/analyzer/out_json.c
               ${PROJECT_SOURCE_DIR}/analyzer/out_zeek.c)
target_include_directories(test_analyzer_out PRIVATE ${PROJECT_SOURCE_DIR}/analyzer)
target_link_libraries(test_analyzer_out PRIVATE ftplab PkgConfig::CMOCKA)
add_test(NAME unit.analyzer_out COMMAND test_analyzer_out)
