/* Linked into every program of a sanitizer build (SAN=1), nothing else.
 *
 * LeakSanitizer's check at a program's exit reads every writable segment of
 * every loaded object, looking for pointers into the heap. The sanitizer
 * runtimes' own segments are among them: about 12 MB of libasan's and
 * libubsan's .bss (their stack depots' tables, mostly), nearly all of it
 * never touched. Each page of it the check reads is then a page fault that
 * maps the zero page: some 3,000 faults, the better part of LeakSanitizer's
 * 40-50 ms at every exit on the test machines (a virtual machine, where a
 * fault is dear), paid by every pbctl a test runs and every daemon it stops.
 *
 * Just before the check (an atexit handler registered after the runtime's
 * own, so run before it), this maps each writable segment of 1 MB or more
 * in one call: MADV_HUGEPAGE, so that the untouched 2 MB stretches can take
 * the huge zero page, then MADV_POPULATE_READ, which maps what is not yet
 * mapped without a fault a page. The check then reads the same memory, the
 * same zeros, and finds what it found before. A kernel without these
 * (before 5.14) refuses them and nothing changes. */
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

/* Segments smaller than this are left to fault: few pages, mostly touched. */
#define LSAN_PAGES_MIN_SEGMENT (1u << 20)

static int map_segments(struct dl_phdr_info *info, size_t size, void *data)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

	(void)size;
	(void)data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t begin, end;

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W) ||
		    ph->p_memsz < LSAN_PAGES_MIN_SEGMENT)
			continue;
		begin = (info->dlpi_addr + ph->p_vaddr + page - 1) & ~(page - 1);
		end = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz) & ~(page - 1);
		/* Only a speed-up: a refusal leaves the faults to the check. */
		(void)madvise((void *)begin, end - begin, MADV_HUGEPAGE);
		(void)madvise((void *)begin, end - begin, MADV_POPULATE_READ);
	}
	return 0;
}

static void before_leak_check(void)
{
	dl_iterate_phdr(map_segments, NULL);
}

__attribute__((constructor)) static void lsan_pages_init(void)
{
	atexit(before_leak_check);
}
