# proxy_units.cmake - unit tests of ftplab-proxy's pure modules: the rewrite
# decisions (proxy/rewrite.c) and the settings (proxy/config.c, which uses
# rewrite.c's parsers). Included from tests/CMakeLists.txt, after
# PkgConfig::CMOCKA is found.
add_executable(test_proxy_rewrite test_proxy_rewrite.c ${PROJECT_SOURCE_DIR}/proxy/rewrite.c)
target_include_directories(test_proxy_rewrite PRIVATE ${PROJECT_SOURCE_DIR}/proxy)
target_link_libraries(test_proxy_rewrite PRIVATE ftplab PkgConfig::CMOCKA)
add_test(NAME unit.proxy_rewrite COMMAND test_proxy_rewrite)

add_executable(test_proxy_config test_proxy_config.c ${PROJECT_SOURCE_DIR}/proxy/config.c
               ${PROJECT_SOURCE_DIR}/proxy/rewrite.c)
target_include_directories(test_proxy_config PRIVATE ${PROJECT_SOURCE_DIR}/proxy)
target_link_libraries(test_proxy_config PRIVATE ftplab PkgConfig::CMOCKA)
add_test(NAME unit.proxy_config COMMAND test_proxy_config)

add_executable(test_proxy_replies test_proxy_replies.c ${PROJECT_SOURCE_DIR}/proxy/rewrite.c)
target_include_directories(test_proxy_replies PRIVATE ${PROJECT_SOURCE_DIR}/proxy)
target_link_libraries(test_proxy_replies PRIVATE ftplab PkgConfig::CMOCKA)
add_test(NAME unit.proxy_replies COMMAND test_proxy_replies)

add_executable(test_proxy_kpath test_proxy_kpath.c ${PROJECT_SOURCE_DIR}/proxy/kpath_fmt.c)
target_include_directories(test_proxy_kpath PRIVATE ${PROJECT_SOURCE_DIR}/proxy)
target_link_libraries(test_proxy_kpath PRIVATE ftplab PkgConfig::CMOCKA)
add_test(NAME unit.proxy_kpath COMMAND test_proxy_kpath)
