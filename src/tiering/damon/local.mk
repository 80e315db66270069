# The DAMON sysfs driver (src/tiering/damon/).
libvtier_core_la_SOURCES += \
	src/tiering/damon/damon-json.c src/tiering/damon/damon-json.h \
	src/tiering/damon/damon-model.c src/tiering/damon/damon-model-parse.c \
	src/tiering/damon/damon-model.h \
	src/tiering/damon/damon-features.c src/tiering/damon/damon-features.h
nodist_libvtier_core_la_SOURCES = src/tiering/damon/damon-resources.c

# The kernel profiles (6.12, 6.18, 7.3, 7.3+hw-rfc) are embedded in the binaries.
damon_profiles = \
	src/tiering/damon/profiles/6.12.json \
	src/tiering/damon/profiles/6.18.json \
	src/tiering/damon/profiles/7.3.json \
	src/tiering/damon/profiles/7.3+hw-rfc.json
EXTRA_DIST += src/tiering/damon/damon.gresource.xml $(damon_profiles)
CLEANFILES += src/tiering/damon/damon-resources.c
src/tiering/damon/damon-resources.c: src/tiering/damon/damon.gresource.xml $(damon_profiles)
	$(AM_V_GEN)$(MKDIR_P) src/tiering/damon && \
	glib-compile-resources --target=$@ --sourcedir=$(srcdir)/src/tiering/damon/profiles \
		--generate-source --c-name vtier_damon $(srcdir)/src/tiering/damon/damon.gresource.xml
