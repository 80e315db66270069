# The Prometheus side: renderer goldens (tests/data/metrics/), the listen parser, the endpoint.
metrics_unit_tests = tests/unit/test-metrics tests/unit/test-metrics-server
check_PROGRAMS += $(metrics_unit_tests)
TESTS += $(metrics_unit_tests)
tests_unit_test_metrics_SOURCES = tests/unit/test-metrics.c tests/unit/metrics-fixture.c \
	tests/unit/metrics-fixture.h
tests_unit_test_metrics_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_metrics_server_SOURCES = tests/unit/test-metrics-server.c
tests_unit_test_metrics_server_LDADD = $(VTIER_TEST_LDADD)
