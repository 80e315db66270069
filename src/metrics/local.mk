# The Prometheus side: the pure renderer, the `[metrics] listen` parser, the libsoup endpoint.
libvtier_core_la_SOURCES += \
	src/metrics/metrics.h \
	src/metrics/listen.c \
	src/metrics/render.c \
	src/metrics/server.c src/metrics/server.h
EXTRA_DIST += src/metrics/README.md
