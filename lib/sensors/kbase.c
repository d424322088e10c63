// SPDX-License-Identifier: GPL-2.0-or-later
/* Kernel symbols and variables from /proc/kallsyms and /proc/kcore (see kbase.h). */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "sensors/kbase.h"

int mp_kbase_symbol(const struct mp_root *root, const char *name, uint64_t *addr)
{
	_cleanup_free_ char *buf = NULL;
	size_t nlen = strlen(name);
	ssize_t len = mp_read_all(root, "/proc/kallsyms", &buf);
	char *p;

	if (len < 0)
		return (int)len;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char *end, *sym;
		uint64_t a = strtoull(p, &end, 16);

		/* "ffffffff8a2f3c88 D vmemmap_base" */
		if (end == p || end[0] != ' ' || !end[1] || end[2] != ' ')
			continue;
		sym = end + 3;
		if (strncmp(sym, name, nlen) || (sym[nlen] != '\n' && sym[nlen] != '\t' &&
						 sym[nlen] != ' ' && sym[nlen] != '\0'))
			continue;
		if (!a)
			return -EACCES; /* kptr_restrict hides it */
		*addr = a;
		return 0;
	}
	return -ENOENT;
}

int mp_kbase_read_u64(const struct mp_root *root, uint64_t addr, uint64_t *val)
{
	Elf64_Ehdr eh;
	int fd = mp_open(root, "/proc/kcore", O_RDONLY | O_CLOEXEC), e = -ENOENT;

	if (fd < 0)
		return fd;
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr)) {
		close(fd);
		return -EINVAL;
	}
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
		    sizeof(ph)) {
			e = -EIO;
			break;
		}
		if (ph.p_type != PT_LOAD || addr < ph.p_vaddr || addr + 8 > ph.p_vaddr + ph.p_memsz)
			continue;
		e = pread(fd, val, 8, (off_t)(ph.p_offset + addr - ph.p_vaddr)) == 8 ? 0 : -EIO;
		break;
	}
	close(fd);
	return e;
}

int mp_kbase_var(const struct mp_root *root, const char *name, uint64_t *val)
{
	uint64_t a;
	int e = mp_kbase_symbol(root, name, &a);

	return e < 0 ? e : mp_kbase_read_u64(root, a, val);
}
