# The full-stack lab scenario (docs/e2e.md). tests/e2e/hotloop is the guests' kernel: a 32-bit
# freestanding multiboot ELF that QEMU loads with -kernel. It is built with the compiler alone
# (-m32, no libc, none of the project's CFLAGS or sanitizers) by `make check` or on demand by
# tests/suites/e2e.sh.
E2E_HOTLOOP_FLAGS = -m32 -march=i686 -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding \
	-fno-pic -fno-pie -no-pie -fno-stack-protector -fno-asynchronous-unwind-tables \
	-nostdlib -static -Wl,--build-id=none
tests/e2e/hotloop: $(srcdir)/tests/e2e/hotloop.c $(srcdir)/tests/e2e/hotloop.ld
	$(AM_V_CCLD)$(MKDIR_P) tests/e2e && $(CC) $(E2E_HOTLOOP_FLAGS) \
		-Wl,-T,$(srcdir)/tests/e2e/hotloop.ld -o $@ $(srcdir)/tests/e2e/hotloop.c
check_DATA = tests/e2e/hotloop
CLEANFILES += tests/e2e/hotloop
EXTRA_DIST += \
	tests/e2e/hotloop.c \
	tests/e2e/hotloop.ld \
	tests/e2e/e2e-guest.sh \
	tests/e2e/libvirtd.sh \
	tests/suites/e2e.sh \
	docs/e2e.md
