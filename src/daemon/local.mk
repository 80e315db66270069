sbin_PROGRAMS += vtierd
vtierd_SOURCES = src/daemon/vtierd.c
vtierd_LDADD = libvtier-daemon.la libvtier-core.la $(VTIER_LIBS)

# vtierd's manager: a library of its own (the core library never includes src/daemon/), linked
# into vtierd and the daemon's tests.
noinst_LTLIBRARIES += libvtier-daemon.la
libvtier_daemon_la_SOURCES = \
	src/daemon/manager.c src/daemon/manager.h src/daemon/manager-private.h \
	src/daemon/audit.c \
	src/daemon/damon-worker.c \
	src/daemon/endpoints.c \
	src/daemon/guests.c \
	src/daemon/handlers.c \
	src/daemon/interval.c \
	src/daemon/interval-hot.c \
	src/daemon/notify.c \
	src/daemon/observe.c \
	src/daemon/reconcile.c \
	src/daemon/state.c
