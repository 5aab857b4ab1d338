# dcgan_crawl_fixture: the loopback image board (fixture_site.cpp) shared by the crawl tests
# and bench/crawl. Included from both; defined once.
if(NOT TARGET dcgan_crawl_fixture)
  pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
  add_library(dcgan_crawl_fixture STATIC ${CMAKE_CURRENT_LIST_DIR}/fixture_site.cpp)
  target_link_libraries(dcgan_crawl_fixture PUBLIC dcgan_crawl dcgan_vision PkgConfig::HTTPLIB
                                                   Threads::Threads)
  target_include_directories(dcgan_crawl_fixture PUBLIC ${CMAKE_CURRENT_LIST_DIR})
  dcgan_target_defaults(dcgan_crawl_fixture)
endif()
