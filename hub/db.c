#include "hub.h"

#include "pb_log.h"

#include <stdlib.h>
#include <string.h>

/* Advisory lock key for migrations. */
#define HUB_MIGRATE_LOCK "439956567394"

int hub_db_ok(PGresult *res, ExecStatusType want, const char *what)
{
	if (res != NULL && PQresultStatus(res) == want)
		return 0;
	pb_err("%s: %s", what, res != NULL ? PQresultErrorMessage(res) : "no result");
	return -1;
}

json_t *hub_db_text(PGresult *res, int row, int c)
{
	return PQgetisnull(res, row, c) ? json_null() : json_string(PQgetvalue(res, row, c));
}

int hub_db_exec(PGconn *pg, const char *sql)
{
	PGresult *res = PQexec(pg, sql);
	int rc = hub_db_ok(res, PGRES_COMMAND_OK, sql);

	PQclear(res);
	return rc;
}

PGconn *hub_db_connect(const char *conninfo, char *err, size_t errlen)
{
	PGconn *pg = PQconnectdb(conninfo);

	if (pg == NULL || PQstatus(pg) != CONNECTION_OK) {
		snprintf(err, errlen, "%s", pg != NULL ? PQerrorMessage(pg) : "out of memory");
		err[strcspn(err, "\n")] = '\0';
		PQfinish(pg);
		return NULL;
	}
	PQclear(PQexec(pg, "SET client_min_messages = warning"));
	return pg;
}

/* Whether migration VERSION is recorded: 1 yes, 0 no, -1 error. Each
 * number is recorded on its own, so a number merged after a higher one is
 * still applied to a hub that already has the higher one. */
static int migration_applied(PGconn *pg, int version)
{
	char num[16];
	const char *params[1] = { num };
	PGresult *res;
	int rc = -1;

	snprintf(num, sizeof(num), "%d", version);
	res = PQexecParams(pg, "SELECT 1 FROM schema_version WHERE version = $1::int", 1, NULL,
			   params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		rc = PQntuples(res) > 0;
	PQclear(res);
	return rc;
}

int hub_db_migrate(PGconn *pg, char *err, size_t errlen)
{
	PGresult *res;
	char sql[64];
	int rc = -1;

	res = PQexec(pg, "SELECT pg_advisory_lock(" HUB_MIGRATE_LOCK ")");
	PQclear(res);
	if (hub_db_exec(pg, "CREATE TABLE IF NOT EXISTS schema_version ("
			    "version int PRIMARY KEY, applied_at timestamptz NOT NULL "
			    "DEFAULT now())") != 0) {
		snprintf(err, errlen, "cannot read schema_version: %s", PQerrorMessage(pg));
		goto out;
	}
	for (int i = 0; i < hub_migrations_count; i++) {
		int applied = migration_applied(pg, hub_migrations[i].version);

		if (applied < 0) {
			snprintf(err, errlen, "cannot read schema_version: %s", PQerrorMessage(pg));
			goto out;
		}
		if (applied)
			continue;
		if (hub_db_exec(pg, "BEGIN") != 0)
			goto out;
		res = PQexec(pg, hub_migrations[i].sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			snprintf(err, errlen, "migration %d: %s", hub_migrations[i].version,
				 PQresultErrorMessage(res));
			err[strcspn(err, "\n")] = '\0';
			PQclear(res);
			hub_db_exec(pg, "ROLLBACK");
			goto out;
		}
		PQclear(res);
		snprintf(sql, sizeof(sql), "INSERT INTO schema_version(version) VALUES (%d)",
			 hub_migrations[i].version);
		if (hub_db_exec(pg, sql) != 0 || hub_db_exec(pg, "COMMIT") != 0) {
			hub_db_exec(pg, "ROLLBACK");
			snprintf(err, errlen, "migration %d: cannot commit",
				 hub_migrations[i].version);
			goto out;
		}
	}
	rc = 0;
out:
	PQclear(PQexec(pg, "SELECT pg_advisory_unlock(" HUB_MIGRATE_LOCK ")"));
	return rc;
}

int hub_db_schema_ok(PGconn *pg, char *err, size_t errlen)
{
	PGresult *res = PQexec(pg, "SELECT to_regclass('schema_version') IS NOT NULL");
	int have = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
		   PQgetvalue(res, 0, 0)[0] == 't';

	PQclear(res);
	if (!have) {
		snprintf(err, errlen, "the database has no hub schema: run pb-hub migrate");
		return -1;
	}
	for (int i = 0; i < hub_migrations_count; i++) {
		int applied = migration_applied(pg, hub_migrations[i].version);

		if (applied != 1) {
			snprintf(err, errlen, "schema migration %d %s: run pb-hub migrate",
				 hub_migrations[i].version,
				 applied < 0 ? "cannot be read" : "is missing");
			return -1;
		}
	}
	return 0;
}

void hub_db_check_durable(PGconn *pg)
{
	PGresult *res = PQexec(pg, "SHOW synchronous_commit");

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    strcmp(PQgetvalue(res, 0, 0), "off") == 0)
		pb_warn("PostgreSQL runs with synchronous_commit = off: if it crashes it can "
			"lose batches the hub has already acknowledged (the boxes then send them "
			"again after a gap answer, if they still hold them); set it to on");
	PQclear(res);
}

PGconn *hub_db_get(struct hub *h)
{
	char err[256];
	PGconn *pg = NULL;
	unsigned i;

	pthread_mutex_lock(&h->lock);
	for (;;) {
		for (i = 0; i < h->nconn; i++)
			if (!h->busy[i])
				break;
		if (i < h->nconn)
			break;
		pthread_cond_wait(&h->cond, &h->lock);
	}
	h->busy[i] = 1;
	pg = h->conns[i];
	pthread_mutex_unlock(&h->lock);

	/* Reconnect a connection the server dropped (e.g. it restarted):
	 * reading what is pending notices a closed socket. */
	if (pg == NULL || PQconsumeInput(pg) == 0 || PQstatus(pg) != CONNECTION_OK) {
		PQfinish(pg);
		pg = hub_db_connect(h->conninfo, err, sizeof(err));
		if (pg == NULL)
			pb_err("database: %s", err);
		pthread_mutex_lock(&h->lock);
		h->conns[i] = pg;
		if (pg == NULL)
			h->busy[i] = 0;
		pthread_cond_signal(&h->cond);
		pthread_mutex_unlock(&h->lock);
	}
	return pg;
}

void hub_db_put(struct hub *h, PGconn *pg)
{
	if (pg == NULL)
		return;
	pthread_mutex_lock(&h->lock);
	for (unsigned i = 0; i < h->nconn; i++)
		if (h->conns[i] == pg) {
			/* A connection left inside a transaction is not reused. */
			if (PQtransactionStatus(pg) != PQTRANS_IDLE) {
				PQfinish(pg);
				h->conns[i] = NULL;
			}
			h->busy[i] = 0;
		}
	pthread_cond_signal(&h->cond);
	pthread_mutex_unlock(&h->lock);
}

void hub_db_pool_free(struct hub *h)
{
	for (unsigned i = 0; i < h->nconn; i++) {
		PQfinish(h->conns[i]);
		h->conns[i] = NULL;
	}
}
