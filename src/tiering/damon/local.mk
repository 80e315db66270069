# The DAMON sysfs driver (src/tiering/damon/).
libvtier_core_la_SOURCES += \
	src/tiering/damon/damon-model.c src/tiering/damon/damon-model-parse.c \
	src/tiering/damon/damon-model-copy.c \
	src/tiering/damon/damon-model.h \
	src/tiering/damon/damon-features.c src/tiering/damon/damon-features.h \
	src/tiering/damon/damon-io.c src/tiering/damon/damon-io.h \
	src/tiering/damon/damon-stats.h \
	src/tiering/damon/damon-fake.c src/tiering/damon/damon-fake.h \
	src/tiering/damon/damon-fake-kernel.c src/tiering/damon/damon-fake-state.c \
	src/tiering/damon/damon-fake-private.h \
	src/tiering/damon/damon-render.c src/tiering/damon/damon-render.h \
	src/tiering/damon/damon-script.c src/tiering/damon/damon-script.h \
	src/tiering/damon/damon-writer.c src/tiering/damon/damon-writer.h \
	src/tiering/damon/damon-writer-private.h src/tiering/damon/damon-writer-report.c \
	src/tiering/damon/damon-writer-status.c src/tiering/damon/damon-writer-staged.c \
	src/tiering/damon/damon-writer-known.c src/tiering/damon/damon-writer-known.h \
	src/tiering/damon/damon-probe.c src/tiering/damon/damon-probe.h \
	src/tiering/damon/damon-ownership.c src/tiering/damon/damon-ownership.h \
	src/tiering/damon/damon-driver.c src/tiering/damon/damon-driver.h
nodist_libvtier_core_la_SOURCES = src/tiering/damon/damon-resources.c

# The kernel profiles (6.12, 6.18, 7.3, 7.3+hw-rfc) are embedded in the binaries.
damon_profiles = \
	src/tiering/damon/profiles/6.12.json \
	src/tiering/damon/profiles/6.18.json \
	src/tiering/damon/profiles/7.3.json \
	src/tiering/damon/profiles/7.3+hw-rfc.json
EXTRA_DIST += src/tiering/damon/damon.gresource.xml $(damon_profiles) \
	docs/damon.md
CLEANFILES += src/tiering/damon/damon-resources.c
src/tiering/damon/damon-resources.c: src/tiering/damon/damon.gresource.xml $(damon_profiles)
	$(AM_V_GEN)$(MKDIR_P) src/tiering/damon && \
	glib-compile-resources --target=$@ --sourcedir=$(srcdir)/src/tiering/damon/profiles \
		--generate-source --c-name vtier_damon $(srcdir)/src/tiering/damon/damon.gresource.xml
