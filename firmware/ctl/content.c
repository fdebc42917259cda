#include "ctl.h"

#include "pb_catalog.h"
#include "pb_import.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int ctl_content_import(struct pb_ctl *c, const char *dir, FILE *out)
{
	return pb_import_folder(c->db, &c->store, dir, out, NULL, NULL, NULL);
}

static int content_list(struct pb_ctl *c)
{
	struct pb_catalog_filter f;
	json_t *res, *m;
	size_t i;

	memset(&f, 0, sizeof(f));
	res = pb_catalog_query(c->db, &f);
	if (res == NULL) {
		fprintf(stderr, "pbctl: cannot read the catalogue\n");
		return 1;
	}
	json_array_foreach(json_object_get(res, "modules"), i, m)
		printf("%s\tKK %s\t%s\t%s\t%zu berkas\n",
		       json_string_value(json_object_get(m, "id")),
		       json_string_value(json_object_get(m, "kk")),
		       json_string_value(json_object_get(m, "subject")),
		       json_string_value(json_object_get(m, "title")),
		       json_array_size(json_object_get(m, "files")));
	json_decref(res);
	return 0;
}

int cmd_content(struct pb_ctl *c, int argc, char **argv)
{
	int rc;

	if (argc == 3 && strcmp(argv[1], "import") == 0) {
		rc = ctl_content_import(c, argv[2], stdout);
		return rc < 0 ? 1 : rc;
	}
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return content_list(c);
	fprintf(stderr, "usage: pbctl content import DIR | pbctl content list\n");
	return 2;
}
