/* The A/B root choice in the Pi firmware's boot files (docs/updates.md). */
#include "pb_slot.h"

#include "pb_carry.h"
#include "pb_slot_kernel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROOT_KEY "root=LABEL="

char pb_slot_name(enum pb_slot s)
{
	return s == PB_SLOT_A ? 'A' : s == PB_SLOT_B ? 'B' : '-';
}

const char *pb_slot_label(enum pb_slot s)
{
	return s == PB_SLOT_B ? "PBROOTB" : "PBROOTA";
}

enum pb_slot pb_slot_other(enum pb_slot s)
{
	return s == PB_SLOT_A ? PB_SLOT_B : PB_SLOT_A;
}

enum pb_slot pb_slot_of_cmdline(const char *cmdline)
{
	const char *p = cmdline;

	while ((p = strstr(p, ROOT_KEY)) != NULL) {
		if (p == cmdline || p[-1] == ' ') {
			p += strlen(ROOT_KEY);
			if (strncmp(p, "PBROOTA", 7) == 0 && (p[7] == ' ' || p[7] == '\n' || !p[7]))
				return PB_SLOT_A;
			if (strncmp(p, "PBROOTB", 7) == 0 && (p[7] == ' ' || p[7] == '\n' || !p[7]))
				return PB_SLOT_B;
			return PB_SLOT_NONE;
		}
		p++;
	}
	return PB_SLOT_NONE;
}

const char *pb_slot_cmdline_name(enum pb_slot s)
{
	return s == PB_SLOT_B ? "cmdline-b.txt" : "cmdline-a.txt";
}

int pb_slot_read(const char *boot_dir, enum pb_slot *committed, enum pb_slot *trial)
{
	char *text = NULL, *line, *save = NULL;
	enum pb_slot *section = committed;
	size_t len;

	*committed = PB_SLOT_NONE;
	*trial = PB_SLOT_NONE;
	if (pb_carry_read(boot_dir, PB_SLOT_FILE, PB_SLOT_CMDLINE_MAX, &text, &len) != 0)
		return -1;
	for (line = strtok_r(text, "\r\n", &save); line != NULL;
	     line = strtok_r(NULL, "\r\n", &save)) {
		if (strcmp(line, "[all]") == 0)
			section = committed;
		else if (strcmp(line, "[tryboot]") == 0)
			section = trial;
		else if (line[0] == '[')
			section = NULL;
		else if (section != NULL && strcmp(line, "cmdline=cmdline-a.txt") == 0)
			*section = PB_SLOT_A;
		else if (section != NULL && strcmp(line, "cmdline=cmdline-b.txt") == 0)
			*section = PB_SLOT_B;
	}
	free(text);
	return *committed == PB_SLOT_NONE ? -1 : 0;
}

/* cmdline.txt's words with root= naming the slot's label. */
static int make_cmdline(const char *boot_dir, enum pb_slot s)
{
	char *text = NULL, out[PB_SLOT_CMDLINE_MAX + 32], *root;
	size_t len;
	int n, rc;

	if (pb_carry_read(boot_dir, "cmdline.txt", PB_SLOT_CMDLINE_MAX, &text, &len) != 0)
		return -1;
	text[strcspn(text, "\r\n")] = '\0';
	root = strstr(text, ROOT_KEY);
	if (root == NULL) {
		free(text);
		errno = EINVAL;
		return -1;
	}
	*root = '\0';
	root += strlen(ROOT_KEY);
	root += strcspn(root, " ");
	n = snprintf(out, sizeof(out), "%s" ROOT_KEY "%s%s\n", text, pb_slot_label(s), root);
	free(text);
	if (n < 0 || (size_t)n >= sizeof(out)) {
		errno = E2BIG;
		return -1;
	}
	rc = pb_carry_write(boot_dir, pb_slot_cmdline_name(s), out, (size_t)n);
	return rc;
}

int pb_slot_prepare(const char *boot_dir)
{
	char *text = NULL;
	size_t len;

	for (enum pb_slot s = PB_SLOT_A; s <= PB_SLOT_B; s++) {
		if (pb_carry_read(boot_dir, pb_slot_cmdline_name(s), PB_SLOT_CMDLINE_MAX, &text,
				  &len) == 0) {
			free(text);
			text = NULL;
			continue;
		}
		if (errno != ENOENT || make_cmdline(boot_dir, s) != 0)
			return -1;
	}
	return 0;
}

/* One section's lines: the slot's folder when it holds its kernel (then
 * its kernel and initramfs by the folder's names) and its command line.
 * A slot without one after a section that named a folder (reset) is
 * refused: it would load that folder's kernel. */
static int section(char *out, size_t size, const char *boot_dir, enum pb_slot s, int reset,
		   int *foldered)
{
	*foldered = pb_slot_has_kernel(boot_dir, s);
	if (!*foldered && reset) {
		/* the top files' names are config.txt's (Debian's), which
		 * pb-slot.txt does not know to set them back */
		errno = ENOENT;
		return -1;
	}
	if (*foldered)
		return snprintf(out, size, "os_prefix=%s\nkernel=" PB_SLOT_KERNEL "\ninitramfs "
				PB_SLOT_INITRD " followkernel\ncmdline=%s\n", pb_slot_prefix(s),
				pb_slot_cmdline_name(s));
	return snprintf(out, size, "cmdline=%s\n", pb_slot_cmdline_name(s));
}

int pb_slot_write(const char *boot_dir, enum pb_slot committed, enum pb_slot trial)
{
	enum pb_slot was, was_trial;
	char text[1024], *line = NULL;
	size_t len;
	int n, m, foldered, unused;

	n = snprintf(text, sizeof(text),
		     "# The root the Pi firmware boots (pbctl update; docs/updates.md).\n[all]\n");
	m = section(text + n, sizeof(text) - (size_t)n, boot_dir, committed, 0, &foldered);
	if (m < 0)
		return -1;
	n += m;
	if (trial != PB_SLOT_NONE) {
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      "# one boot of the updated root, by reboot '0 tryboot'\n[tryboot]\n");
		m = section(text + n, sizeof(text) - (size_t)n, boot_dir, trial, foldered, &unused);
		if (m < 0)
			return -1;
		n += m;
		n += snprintf(text + n, sizeof(text) - (size_t)n, "[all]\n");
	}
	if (pb_slot_read(boot_dir, &was, &was_trial) != 0 || was != committed) {
		/* the fallback first: should the rename of pb-slot.txt be lost,
		 * the firmware boots the slot being committed */
		if (pb_carry_read(boot_dir, pb_slot_cmdline_name(committed), PB_SLOT_CMDLINE_MAX,
				  &line, &len) != 0)
			return -1;
		m = pb_carry_write(boot_dir, "cmdline.txt", line, len);
		free(line);
		if (m != 0)
			return -1;
	}
	return pb_carry_write(boot_dir, PB_SLOT_FILE, text, (size_t)n);
}
