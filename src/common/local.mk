libvtier_core_la_SOURCES += \
	src/common/config.c src/common/config.h \
	src/common/dl.c src/common/dl.h \
	src/common/error.c src/common/error.h \
	src/common/escape.c src/common/escape.h \
	src/common/fileio.c src/common/fileio.h \
	src/common/json.c src/common/json.h \
	src/common/libxml-dl.c src/common/libxml-dl.h \
	src/common/control.c src/common/control.h src/common/control-client.c \
	src/common/control-server.c \
	src/common/escape.c src/common/escape.h \
	src/common/log.c src/common/log.h \
	src/common/paths.c src/common/paths.h \
	src/common/soup-dl.c src/common/soup-dl.h
