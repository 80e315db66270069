# Unit tests of the DAMON driver (src/tiering/damon/), all on literal inputs or the fake sysfs.
damon_unit_tests = \
	tests/unit/test-damon-model \
	tests/unit/test-damon-features \
	tests/unit/test-damon-fake \
	tests/unit/test-damon-probe \
	tests/unit/test-damon-writer \
	tests/unit/test-damon-ownership \
	tests/unit/test-damon-driver
check_PROGRAMS += $(damon_unit_tests)
TESTS += $(damon_unit_tests)
damon_test_util = tests/unit/damon-test-util.c tests/unit/damon-test-util.h
tests_unit_test_damon_model_SOURCES = tests/unit/test-damon-model.c $(damon_test_util)
tests_unit_test_damon_model_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_damon_features_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_damon_fake_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_damon_probe_SOURCES = tests/unit/test-damon-probe.c $(damon_test_util)
tests_unit_test_damon_probe_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_damon_writer_SOURCES = tests/unit/test-damon-writer.c $(damon_test_util)
tests_unit_test_damon_writer_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_damon_ownership_SOURCES = tests/unit/test-damon-ownership.c $(damon_test_util)
tests_unit_test_damon_ownership_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_damon_driver_SOURCES = tests/unit/test-damon-driver.c $(damon_test_util)
tests_unit_test_damon_driver_LDADD = $(VTIER_TEST_LDADD)

# The lab conformance program and the lab suites (tests/kernel/damon.mk).
include $(srcdir)/tests/kernel/damon.mk
