# The analyzer's FTP model driven without packets (tests/test_model.c).
add_executable(test_model test_model.c)
target_link_libraries(test_model PRIVATE ftplab_analyzer PkgConfig::CMOCKA)
add_test(NAME unit.analyzer_model COMMAND test_model)

# The engine fed with TCP/IPv4 frames built by the test (tests/test_engine.c).
add_executable(test_engine test_engine.c)
target_link_libraries(test_engine PRIVATE ftplab_analyzer PkgConfig::CMOCKA)
add_test(NAME unit.analyzer_engine COMMAND test_engine)
