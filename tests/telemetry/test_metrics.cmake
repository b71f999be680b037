# Metrics tests, included from tests/telemetry/CMakeLists.txt: registry and
# exposition (unit), /metrics over HTTP (unit), promtool lint, and end-to-end
# checks against the real attuned and a real Prometheus.

add_executable(test_metrics test_metrics.c)
target_link_libraries(test_metrics PRIVATE attune_metrics attune_test_harness attune_warnings)
add_test(NAME telemetry.metrics COMMAND test_metrics)
set_tests_properties(telemetry.metrics PROPERTIES LABELS "unit;metrics" TIMEOUT 60)

# promtool (Debian's prometheus package) lints a rendering with every family.
add_executable(test_metrics_dump test_metrics_dump.c)
target_link_libraries(test_metrics_dump PRIVATE attune_metrics attune_warnings)
find_program(PROMTOOL promtool)
if(PROMTOOL)
  add_test(NAME telemetry.metrics_promtool_unit
    COMMAND bash -o pipefail -c "'$<TARGET_FILE:test_metrics_dump>' | '${PROMTOOL}' check metrics")
  set_tests_properties(telemetry.metrics_promtool_unit PROPERTIES LABELS "unit;metrics" TIMEOUT 60)
endif()

# /metrics listener over real sockets, libcurl as the client.
pkg_check_modules(CURL IMPORTED_TARGET libcurl)
if(CURL_FOUND)
  add_executable(test_metrics_http test_metrics_http.c)
  target_link_libraries(test_metrics_http PRIVATE attune_metrics attune_test_harness
    PkgConfig::CURL attune_warnings)
  add_test(NAME telemetry.metrics_http COMMAND test_metrics_http)
  set_tests_properties(telemetry.metrics_http PROPERTIES LABELS "unit;metrics" TIMEOUT 60
    SKIP_RETURN_CODE 77)
endif()

# Benchmark (prints numbers; not a ctest case): bench_metrics [threads] [n]
add_executable(bench_metrics test_metrics_bench.c)
target_link_libraries(bench_metrics PRIVATE attune_metrics attune_warnings)

# End to end with the real attuned (python3-grpcio via tests/harness helpers):
# promtool on real /metrics + a real Prometheus scraping it; and the Grafana
# dashboard's metrics/labels/queries against a real /metrics.
if(TARGET attuned)
  add_test(NAME telemetry.metrics_prometheus
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_metrics_prometheus.py
            --attuned $<TARGET_FILE:attuned>)
  set_tests_properties(telemetry.metrics_prometheus PROPERTIES
    LABELS "e2e;metrics" TIMEOUT 180 SKIP_RETURN_CODE 77)
  add_test(NAME telemetry.metrics_dashboard
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_metrics_dashboard.py
            --attuned $<TARGET_FILE:attuned>)
  set_tests_properties(telemetry.metrics_dashboard PROPERTIES
    LABELS "e2e;metrics" TIMEOUT 120 SKIP_RETURN_CODE 77)
endif()
if(TARGET attuned)
  add_test(NAME telemetry.metrics_flags
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_metrics_flags.py
            --attuned $<TARGET_FILE:attuned>)
  set_tests_properties(telemetry.metrics_flags PROPERTIES LABELS "e2e;metrics" TIMEOUT 120)
  add_test(NAME telemetry.metrics_outcomes
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_metrics_outcomes.py
            --attuned $<TARGET_FILE:attuned>)
  set_tests_properties(telemetry.metrics_outcomes PROPERTIES LABELS "e2e;metrics" TIMEOUT 120)
endif()
if(TARGET attuned)
  # Every RPC's refusals counted once, by reason (CoachDraft, Health, unknown
  # method, auth), scraped before and after.
  add_test(NAME telemetry.metrics_rejections
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_metrics_rejections.py
            --attuned $<TARGET_FILE:attuned>)
  set_tests_properties(telemetry.metrics_rejections PROPERTIES LABELS "e2e;metrics" TIMEOUT 120
    ENVIRONMENT "no_proxy=*;http_proxy=;https_proxy=")
endif()
