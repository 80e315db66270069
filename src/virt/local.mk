# Sources of this part are listed here as they land.
libvtier_core_la_SOURCES += \
	src/virt/guest.c src/virt/guest.h \
	src/virt/domain-xml.c src/virt/domain-xml.h
libvtier_core_la_SOURCES += \
	src/virt/event-glib.c src/virt/event-glib.h \
	src/virt/memcg.c src/virt/memcg.h \
	src/virt/memcg-map.c
libvtier_core_la_SOURCES += \
	src/virt/connection.c src/virt/connection.h
libvtier_core_la_SOURCES += \
	src/virt/metadata.c src/virt/metadata.h
libvtier_core_la_SOURCES += \
	src/virt/libvirt-dl.c src/virt/libvirt-dl.h
