sbin_PROGRAMS += vtierd
vtierd_SOURCES = src/daemon/vtierd.c
vtierd_LDADD = libvtier-core.la $(VTIER_LIBS)

libvtier_core_la_SOURCES += \
	src/daemon/config.h \
	src/daemon/manager.c src/daemon/manager.h
