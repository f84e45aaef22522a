# bench/workloads.cmake — tl-workload, the standalone workload runner (issue 5).
#
# Built WITHOUT Google Benchmark, so it also builds under -DTSAN=ON: the race
# harness runs every case from <build>/bench/tl-workload. Included from
# bench/CMakeLists.txt and, as a fallback for builds with TL_BUILD_BENCH=OFF,
# from tests/workloads/CMakeLists.txt; the guard makes a second include a no-op.
# tl-bench gets the same workloads from its own glob of bench/workloads/*.c
# plus bench/workload.c and bench/workload_bench.c (the Google Benchmark adapter).
if(NOT TARGET tl-workload)
  find_package(PkgConfig REQUIRED)
  if(NOT TARGET PkgConfig::HWLOC)
    pkg_check_modules(HWLOC REQUIRED IMPORTED_TARGET GLOBAL hwloc)
  endif()
  file(GLOB TLW_WORKLOAD_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/bench/workloads/*.c)
  add_executable(tl-workload
    ${PROJECT_SOURCE_DIR}/bench/workload_main.c
    ${PROJECT_SOURCE_DIR}/bench/workload.c
    ${PROJECT_SOURCE_DIR}/bench/pin.c
    ${TLW_WORKLOAD_SOURCES})
  target_include_directories(tl-workload PRIVATE ${PROJECT_SOURCE_DIR}/bench/include)
  target_link_libraries(tl-workload PRIVATE threadlab PkgConfig::HWLOC m)
  target_compile_definitions(tl-workload PRIVATE TL_VERSION="${PROJECT_VERSION}")
  set_target_properties(tl-workload PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bench)
  # The peer locks of lockjoin --lock (issue 18), when bench/peers/peers.cmake
  # ran first (bench/CMakeLists.txt): the adapters that have a lock, as
  # tables only (no Google Benchmark here), and the reasons for the missing
  # ones. Without them lockjoin's weak references stay null: "skipped: ...".
  if(DEFINED TLP_SKIPPED_DIR)
    target_sources(tl-workload PRIVATE ${PROJECT_SOURCE_DIR}/bench/peers/skipped.c ${TLP_WORKLOCK_SOURCES})
    target_include_directories(tl-workload PRIVATE ${TLP_SKIPPED_DIR})
    target_compile_definitions(tl-workload PRIVATE TLP_TABLES_ONLY=1)
    if(TLP_WORKLOCK_LIBS)
      target_link_libraries(tl-workload PRIVATE ${TLP_WORKLOCK_LIBS})
    endif()
  endif()
endif()
