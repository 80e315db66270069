# QMP client (docs/qmp.md): framing, the async client and its transports, typed queries, and the
# guest source for QEMU processes libvirt does not manage.
libvtier_core_la_SOURCES += \
	src/qmp/framer.c src/qmp/framer.h \
	src/qmp/client.c src/qmp/client.h src/qmp/client-private.h \
	src/qmp/client-libvirt.c
libvtier_core_la_SOURCES += \
	src/qmp/query.c src/qmp/query.h \
	src/qmp/binding.c src/qmp/binding.h
libvtier_core_la_SOURCES += src/qmp/cmdline.c src/qmp/cmdline.h
libvtier_core_la_SOURCES += src/qmp/guest-source.c src/qmp/guest-source.h
EXTRA_DIST += docs/qmp.md docs/man/qmp.md
