# Sources of this part are listed here as they land.
libvtier_core_la_SOURCES += \
	src/virt/guest.c src/virt/guest.h \
	src/virt/domain-xml.c src/virt/domain-xml.h
