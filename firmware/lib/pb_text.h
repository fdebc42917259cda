/* pb_text: text a person typed: valid UTF-8 without control characters.
 * Shared by the box's checks (pb_roster, pb_paper, the field tables) and
 * pb-hub's field tables, which link nothing of the box's database. */
#ifndef PB_TEXT_H
#define PB_TEXT_H

#include <stddef.h>

/* Length of the UTF-8 sequence at s (1 to 4), or 0 if it is not valid
 * (overlong, a surrogate, past U+10FFFF, a missing continuation). */
size_t pb_utf8_seq(const unsigned char *s);

/* 1 if s is valid UTF-8 without control characters, at most max bytes. */
int pb_text_valid(const char *s, size_t max);

#endif
