# The Prometheus side: renderer goldens (tests/data/metrics/), the listen parser, the endpoint.
metrics_unit_tests = tests/unit/test-metrics tests/unit/test-metrics-server
check_PROGRAMS += $(metrics_unit_tests)
TESTS += $(metrics_unit_tests)
tests_unit_test_metrics_SOURCES = tests/unit/test-metrics.c tests/unit/metrics-fixture.c \
	tests/unit/metrics-fixture.h
tests_unit_test_metrics_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_metrics_server_SOURCES = tests/unit/test-metrics-server.c
tests_unit_test_metrics_server_LDADD = $(VTIER_TEST_LDADD)
# Its own libsoup loader, pointed at a library that does not exist (the core's copy is then not
# linked in): the endpoint must fail to start with the loader's error.
metrics_dl_tests = tests/unit/test-soup-dl
check_PROGRAMS += $(metrics_dl_tests)
TESTS += $(metrics_dl_tests)
tests_unit_test_soup_dl_SOURCES = tests/unit/test-soup-dl.c src/common/soup-dl.c
tests_unit_test_soup_dl_CPPFLAGS = $(AM_CPPFLAGS) -DVTIER_SOUP_LOAD_SONAME=\"libvtier-absent.so.0\"
tests_unit_test_soup_dl_LDADD = $(VTIER_TEST_LDADD)
