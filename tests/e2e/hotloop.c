/* hotloop — the guest of the full-stack lab scenario (tests/e2e/, docs/e2e.md).
 *
 * A multiboot (v1) kernel, 32-bit protected mode, no paging, no interrupts: QEMU loads it with
 * -kernel (libvirt's <os><kernel>), so no operating system boots under nested TCG. It
 *
 *   1. writes one byte in every 4 KiB page of its RAM above 2 MiB (up to the end of the first
 *      RAM area the loader reports), so the host's QEMU process backs all of it (skipped with
 *      "populate=0", for a guest whose RAM QEMU preallocated);
 *   2. then writes one byte per page of the hot set [hot_start, hot_start + hot) forever.
 *
 * The command line (libvirt's <cmdline>) sets the hot set in MiB: "hot_mib=64 hot_start_mib=16"
 * (the defaults), and "populate=0" skips step 1. Progress goes to the first serial port, one line
 * each, for the test to read:
 *
 *   hotloop: ram 0x00100000-0x0ffe0000 hot 0x01000000-0x05000000 (64 MiB)
 *   hotloop: populated 253 MiB      (or "hotloop: populate skipped")
 *   hotloop: pass 1
 *   hotloop: pass 2 ... (powers of two, then every 1024th pass)
 *
 * Addresses are guest-physical; with a <memory> below 3 GiB they are offsets into QEMU's RAM
 * block, which is how the test finds the hot set in the QEMU process (tests/e2e/e2e-guest.sh).
 * Built freestanding with -m32 (tests/e2e/local.mk); no libc, no 64-bit division.
 */
#include <stdint.h>

#define MB_MAGIC 0x1BADB002u
#define MB_FLAG_MEMINFO 0x00000002u
#define MB_BOOT_MAGIC 0x2BADB002u
#define MB_INFO_MEM 0x00000001u
#define MB_INFO_CMDLINE 0x00000004u
#define PAGE 4096u
#define MIB (1024u * 1024u)
#define COM1 0x3f8
#define POPULATE_FROM (2u * MIB)

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower; /* KiB below 1 MiB */
	uint32_t mem_upper; /* KiB from 1 MiB to the first hole */
	uint32_t boot_device;
	uint32_t cmdline; /* physical address of a NUL-terminated string */
};

/* The multiboot header (first 8 KiB of the file, 4-byte aligned: the linker script puts
 * .multiboot first) and the entry: a stack of our own, then hotloop_main(magic, info). */
__asm__(".pushsection .multiboot, \"a\"\n"
	".align 4\n"
	".long 0x1BADB002, 0x00000002, -(0x1BADB002 + 0x00000002)\n"
	".popsection\n"
	".pushsection .text\n"
	".globl _start\n"
	"_start:\n"
	"  cli\n"
	"  movl $stack_top, %esp\n"
	"  pushl %ebx\n"
	"  pushl %eax\n"
	"  call hotloop_main\n"
	"1: hlt\n"
	"  jmp 1b\n"
	".popsection\n"
	".pushsection .bss\n"
	".align 16\n"
	"  .skip 16384\n"
	"stack_top:\n"
	".popsection\n");

_Static_assert(MB_MAGIC + MB_FLAG_MEMINFO + (uint32_t)-(MB_MAGIC + MB_FLAG_MEMINFO) == 0,
	       "multiboot checksum");

void hotloop_main(uint32_t magic, const struct mb_info *info);

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void serial_init(void)
{
	outb(COM1 + 1, 0x00); /* no interrupts */
	outb(COM1 + 3, 0x80); /* divisor latch */
	outb(COM1 + 0, 0x01); /* 115200 */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0xc7); /* FIFO */
}

static void putc_serial(char c)
{
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, (uint8_t)c);
}

static void puts_serial(const char *s)
{
	while (*s)
		putc_serial(*s++);
}

static void put_dec(uint32_t v)
{
	char buf[11];
	int i = 10;

	buf[i] = '\0';
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i > 0);
	puts_serial(&buf[i]);
}

static void put_hex(uint32_t v)
{
	int shift;

	puts_serial("0x");
	for (shift = 28; shift >= 0; shift -= 4)
		putc_serial("0123456789abcdef"[(v >> shift) & 0xf]);
}

/* The value of "KEY=N" in the command line, or fallback. */
static uint32_t cmdline_number(const char *cmdline, const char *key, uint32_t fallback)
{
	const char *p, *k;
	uint32_t v;

	for (p = cmdline; p && *p; p++) {
		if (p != cmdline && p[-1] != ' ')
			continue;
		for (k = key; *k && *p == *k; k++, p++)
			;
		if (*k || *p != '=' || p[1] < '0' || p[1] > '9')
			continue;
		for (v = 0, p++; *p >= '0' && *p <= '9'; p++)
			v = v * 10 + (uint32_t)(*p - '0');
		return v;
	}
	return fallback;
}

static void touch(uint32_t start, uint32_t end)
{
	volatile uint8_t *p;

	for (p = (volatile uint8_t *)start; (uint32_t)p < end; p += PAGE)
		*p = (uint8_t)(*p + 1);
}

void hotloop_main(uint32_t magic, const struct mb_info *info)
{
	const char *cmdline = "";
	uint32_t ram_end, hot_start, hot_end, pass;

	serial_init();
	if (magic != MB_BOOT_MAGIC || !(info->flags & MB_INFO_MEM)) {
		puts_serial("hotloop: not started by a multiboot loader with memory information\n");
		return;
	}
	if (info->flags & MB_INFO_CMDLINE)
		cmdline = (const char *)info->cmdline;
	ram_end = (MIB + info->mem_upper * 1024u) & ~(PAGE - 1);
	hot_start = cmdline_number(cmdline, "hot_start_mib", 16) * MIB;
	hot_end = hot_start + cmdline_number(cmdline, "hot_mib", 64) * MIB;
	if (hot_start < POPULATE_FROM || hot_end > ram_end || hot_end <= hot_start) {
		puts_serial("hotloop: the hot set does not fit in RAM above 2 MiB\n");
		return;
	}
	puts_serial("hotloop: ram ");
	put_hex(MIB);
	puts_serial("-");
	put_hex(ram_end);
	puts_serial(" hot ");
	put_hex(hot_start);
	puts_serial("-");
	put_hex(hot_end);
	puts_serial(" (");
	put_dec((hot_end - hot_start) / MIB);
	puts_serial(" MiB)\n");

	if (cmdline_number(cmdline, "populate", 1)) {
		touch(POPULATE_FROM, ram_end);
		puts_serial("hotloop: populated ");
		put_dec((ram_end - POPULATE_FROM) / MIB);
		puts_serial(" MiB\n");
	} else {
		puts_serial("hotloop: populate skipped\n");
	}

	for (pass = 1;; pass++) {
		touch(hot_start, hot_end);
		if ((pass & (pass - 1)) == 0 || pass % 1024 == 0) {
			puts_serial("hotloop: pass ");
			put_dec(pass);
			puts_serial("\n");
		}
	}
}
