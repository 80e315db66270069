# Sources of this part are listed here as they land.
libvtier_core_la_SOURCES += \
	src/tiering/topology.c src/tiering/topology.h src/tiering/topology-private.h \
	src/tiering/topology-classify.c \
	src/tiering/topology-ranges.c \
	src/tiering/topology-read.c \
	src/tiering/topology-render.c \
	src/tiering/sampler.c src/tiering/sampler.h src/tiering/sampler-private.h \
	src/tiering/sampler-pfm.c \
	src/tiering/sampler-probe.c \
	src/tiering/sampler-render.c

# Policy (XML, schema, templates) and the planner.
libvtier_core_la_SOURCES += \
	src/tiering/policy.c src/tiering/policy.h \
	src/tiering/policy-private.h \
	src/tiering/policy-store.c \
	src/tiering/policy-units.c src/tiering/policy-units.h \
	src/tiering/policy-xml.c \
	src/tiering/planner.c src/tiering/planner.h src/tiering/planner-private.h \
	src/tiering/planner-build.c \
	src/tiering/planner-reuse.c \
	src/tiering/planner-checks.c \
	src/tiering/planner-json.c \
	src/tiering/planner-schemes.c \
	src/tiering/planner-shell.c \
	src/tiering/planner-slots.c \
	src/tiering/options.c src/tiering/options.h \
	src/tiering/plan-input.c src/tiering/plan-input.h
# The text of vtierctl status, top and explain: vtierd renders status's "text" view with it too.
libvtier_core_la_SOURCES += \
	src/tiering/status-render.c src/tiering/status-render.h
# planner.h uses the guest record; ship it even before src/virt/ lists its sources
EXTRA_DIST += src/virt/guest.h

# The per-interval snapshot (status, dump, metrics) and the controller.
libvtier_core_la_SOURCES += \
	src/tiering/snapshot.c src/tiering/snapshot-json.c src/tiering/snapshot.h \
	src/tiering/controller.c src/tiering/controller.h src/tiering/controller-private.h \
	src/tiering/controller-arbiter.c \
	src/tiering/controller-loop.c
# `explain`'s sentences, built from the snapshot (vtierd serves them).
libvtier_core_la_SOURCES += src/tiering/explain.c src/tiering/explain.h
