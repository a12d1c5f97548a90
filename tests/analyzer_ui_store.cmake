# analyzer_ui_store.cmake - unit tests of the TUI's store (analyzer/ui_store.c,
# ui_store_view.c, ui_store_pair.c; events from tests/ui_store_fixture.h), fed with events built by hand: no curses, no sockets.
# Included from tests/CMakeLists.txt, after PkgConfig::CMOCKA is found.
add_executable(test_ui_store test_ui_store.c)
target_link_libraries(test_ui_store PRIVATE ftplab_analyzer PkgConfig::CMOCKA)
add_test(NAME unit.analyzer_ui_store COMMAND test_ui_store)
add_executable(test_ui_store_view test_ui_store_view.c)
target_link_libraries(test_ui_store_view PRIVATE ftplab_analyzer PkgConfig::CMOCKA)
add_test(NAME unit.analyzer_ui_store_view COMMAND test_ui_store_view)
