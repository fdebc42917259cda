/* pb_learnspec: the tests (pre/post, with their keys) and worksheets a
 * module's manifest may carry (docs/content.md "Tests and worksheets").
 * Validation only, no I/O: pb-hub checks feeds with it too. */
#ifndef PB_LEARNSPEC_H
#define PB_LEARNSPEC_H

#include <jansson.h>
#include <stddef.h>

#define PB_LEARN_TESTS_MAX        8      /* tests in one module */
#define PB_LEARN_WORKSHEETS_MAX   16     /* worksheets in one module */
#define PB_LEARN_ITEMS_MAX        100    /* items in one test */
#define PB_LEARN_OPTIONS_MIN      2
#define PB_LEARN_OPTIONS_MAX      8      /* options of one item */
#define PB_LEARN_ATTEMPTS_MAX     10     /* attempts a test may allow */
#define PB_LEARN_TIME_LIMIT_MAX   (8 * 3600)  /* seconds */
#define PB_LEARN_ID_MAX           32     /* test, item, option, worksheet ids */
#define PB_LEARN_TITLE_MAX        200    /* characters */
#define PB_LEARN_TEXT_MAX         2000   /* characters of an item, option or instructions */
#define PB_LEARN_ERR_LEN          160

/* Read "tests" and "worksheets" of a manifest module object. *out gets a
 * compact JSON text (malloc'd) of both, with only the known fields and the
 * defaults filled in, or NULL when the module has neither. Returns 0, or
 * -1 with err set (the module is then invalid). */
int pb_learnspec_parse(json_t *module, char **out, char *err, size_t errlen);

#endif
