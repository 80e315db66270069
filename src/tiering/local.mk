# Sources of this part are listed here as they land.
libvtier_core_la_SOURCES += \
	src/tiering/policy.c src/tiering/policy.h \
	src/tiering/policy-private.h \
	src/tiering/policy-store.c \
	src/tiering/policy-units.c src/tiering/policy-units.h \
	src/tiering/policy-xml.c
