# The Prometheus side: the pure renderer, the `[metrics] listen` parser, the libsoup endpoint.
libvtier_core_la_SOURCES += \
	src/metrics/metrics.h \
	src/metrics/listen.c \
	src/metrics/render.c \
	src/metrics/server.c src/metrics/server.h
EXTRA_DIST += src/metrics/README.md
# How vtier serves a fleet, the dashboard, the alert rules and the suites that check them.
EXTRA_DIST += docs/fleet.md docs/grafana/vtier.json docs/prometheus/vtier-alerts.yml \
	docs/grafana/plot-dashboard.sh docs/grafana/vtier-dashboard.png \
	tests/suites/metrics.sh tests/suites/deb.sh tests/suites/install.sh debian
