#include "hub.h"

/* PostgreSQL schema of the hub. Each migration runs once, in order, in
 * one transaction under an advisory lock, so several pb-hub processes may
 * start together. Never edit a released migration: add one. */
const struct hub_migration hub_migrations[] = {
	{ 1,
	  /* One-time enrolment tokens; only their SHA-256 is kept. */
	  "CREATE TABLE tokens ("
	  "  token_sha256 text PRIMARY KEY,"
	  "  centre_id text NOT NULL,"
	  "  created_at timestamptz NOT NULL DEFAULT now(),"
	  "  used_by text,"
	  "  used_at timestamptz"
	  ");"
	  "CREATE TABLE boxes ("
	  "  box_id text PRIMARY KEY,"
	  "  centre_id text NOT NULL,"
	  "  public_key text NOT NULL,"
	  "  enrolled_at timestamptz NOT NULL DEFAULT now(),"
	  "  revoked_at timestamptz,"
	  "  last_seq bigint NOT NULL DEFAULT 0,"
	  "  last_hash text NOT NULL DEFAULT repeat('0', 64),"
	  "  last_upload_at timestamptz"
	  ");"
	  /* Every record of every box, exactly once. */
	  "CREATE TABLE records ("
	  "  box_id text NOT NULL REFERENCES boxes(box_id),"
	  "  seq bigint NOT NULL CHECK (seq > 0),"
	  "  id text NOT NULL UNIQUE,"
	  "  type text NOT NULL,"
	  "  payload text NOT NULL,"
	  "  payload_json jsonb,"
	  "  wall_ms bigint NOT NULL,"
	  "  clock_source text NOT NULL,"
	  "  boot_id text NOT NULL,"
	  "  mono_ms bigint NOT NULL,"
	  "  prev_hash text NOT NULL,"
	  "  hash text NOT NULL,"
	  "  received_at timestamptz NOT NULL DEFAULT now(),"
	  "  PRIMARY KEY (box_id, seq)"
	  ");"
	  "CREATE INDEX records_type ON records(type);"
	  "CREATE INDEX records_session ON records((payload_json->>'session_id'));"
	  "CREATE INDEX records_claim ON records((payload_json->>'claim_id'));"
	  /* Same seq offered with different content: kept for a human. */
	  "CREATE TABLE conflicts ("
	  "  id bigserial PRIMARY KEY,"
	  "  box_id text NOT NULL,"
	  "  seq bigint NOT NULL,"
	  "  stored_hash text NOT NULL,"
	  "  offered_hash text NOT NULL,"
	  "  offered text NOT NULL,"
	  "  at timestamptz NOT NULL DEFAULT now(),"
	  "  UNIQUE (box_id, seq, offered_hash)"
	  ");"
	  /* What boxes pull: roster, rates, payments, catalogue. centre_id
	   * NULL means every centre. */
	  "CREATE TABLE feed ("
	  "  cursor bigserial PRIMARY KEY,"
	  "  kind text NOT NULL CHECK (kind IN ('roster','rates','payments','catalogue')),"
	  "  centre_id text,"
	  "  doc jsonb NOT NULL,"
	  "  created_at timestamptz NOT NULL DEFAULT now()"
	  ");"
	  "CREATE INDEX feed_kind ON feed(kind, cursor);"
	  /* Claims marked paid by the finance office (append-only). */
	  "CREATE TABLE payments ("
	  "  claim_id text PRIMARY KEY,"
	  "  centre_id text NOT NULL,"
	  "  reference text NOT NULL DEFAULT '',"
	  "  paid_at timestamptz NOT NULL DEFAULT now()"
	  ");"
	  "CREATE TABLE files ("
	  "  sha256 text PRIMARY KEY,"
	  "  size bigint NOT NULL"
	  ");" },
	{ 2,
	  /* Logins of the finance and credit office (bearer tokens). */
	  "CREATE TABLE office_tokens ("
	  "  token_sha256 text PRIMARY KEY,"
	  "  name text NOT NULL,"
	  "  created_at timestamptz NOT NULL DEFAULT now(),"
	  "  revoked_at timestamptz"
	  ");" },
	{ 3,
	  /* The session a record belongs to, taken at ingest by the table
	   * hub_session_keys (boxes name it "session" in attendance records,
	   * "id" in attendance.session); rows stored before keep theirs. */
	  "ALTER TABLE records ADD COLUMN session_id text;"
	  "UPDATE records SET session_id = CASE WHEN type = 'attendance.session' "
	  "  THEN payload_json->>'id' WHEN type LIKE 'attendance.%' "
	  "  THEN payload_json->>'session' ELSE payload_json->>'session_id' END "
	  "  WHERE jsonb_typeof(payload_json) = 'object';"
	  "CREATE INDEX records_session_col ON records(session_id, box_id, seq);" },
	{ 4,
	  /* Receipt photos of claims, by their SHA-256, stored once whichever
	   * box sends them (docs/hub.md#receipt-photos). */
	  "CREATE TABLE photos ("
	  "  sha256 text PRIMARY KEY CHECK (length(sha256) = 64),"
	  "  mime text NOT NULL CHECK (mime IN ('image/jpeg', 'image/png')),"
	  "  size bigint NOT NULL CHECK (size > 0),"
	  "  data bytea NOT NULL,"
	  "  box_id text NOT NULL REFERENCES boxes(box_id),"
	  "  received_at timestamptz NOT NULL DEFAULT now()"
	  ");" },
	{ 30,
	  /* Ids belong to the box that sent them (docs/sync-protocol.md,
	   * "Records the hub refuses"): a record id is unique per box, not
	   * across boxes; a claim id belongs to the first box that used it.
	   * A record that reuses an id is still stored, for the hash chain,
	   * with the reason in "refused", and nothing reads it for the office. */
	  "ALTER TABLE records DROP CONSTRAINT records_id_key;"
	  "CREATE INDEX records_box_record ON records(box_id, id);"
	  "ALTER TABLE records ADD COLUMN refused text;"
	  "CREATE TABLE claim_owners ("
	  "  claim_id text PRIMARY KEY,"
	  "  box_id text NOT NULL REFERENCES boxes(box_id)"
	  ");"
	  "INSERT INTO claim_owners(claim_id, box_id) "
	  "  SELECT DISTINCT ON (payload_json->>'claim_id') payload_json->>'claim_id', box_id "
	  "  FROM records WHERE type LIKE 'claim.%' AND payload_json->>'claim_id' IS NOT NULL "
	  "  ORDER BY payload_json->>'claim_id', received_at, box_id, seq;"
	  "UPDATE records r SET refused = 'claim_taken' FROM claim_owners o "
	  "  WHERE r.type LIKE 'claim.%' AND o.claim_id = r.payload_json->>'claim_id' "
	  "  AND o.box_id <> r.box_id;" },
	{ 40,
	  /* The learning loop per teacher, across centres: every scored test
	   * attempt and every progress change the boxes send, kept once by
	   * the record that brought it (filled by a trigger as records are
	   * stored, so ingest stays one statement). Ids belong to the box that
	   * sent them (30): a record or attempt id another box also uses is
	   * another row; one a box reuses keeps its first. */
	  "CREATE TABLE learning_attempts ("
	  "  box_id text NOT NULL,"
	  "  seq bigint NOT NULL,"
	  "  record_id text NOT NULL,"
	  "  attempt_id text NOT NULL,"
	  "  session_id text,"
	  "  nuptk text NOT NULL,"
	  "  module_id text NOT NULL,"
	  "  test_id text NOT NULL,"
	  "  kind text NOT NULL,"
	  "  n int NOT NULL,"
	  "  score int NOT NULL,"
	  "  correct int NOT NULL,"
	  "  total int NOT NULL,"
	  "  kkm int NOT NULL,"
	  "  passed boolean NOT NULL,"
	  "  timed_out boolean NOT NULL,"
	  "  finished_ms bigint NOT NULL,"
	  "  PRIMARY KEY (box_id, seq),"
	  "  FOREIGN KEY (box_id, seq) REFERENCES records(box_id, seq),"
	  "  UNIQUE (box_id, record_id),"
	  "  UNIQUE (box_id, attempt_id)"
	  ");"
	  "CREATE INDEX learning_attempts_teacher ON learning_attempts(nuptk, module_id);"
	  "CREATE INDEX learning_attempts_module ON learning_attempts(module_id, test_id);"
	  "CREATE TABLE learning_progress ("
	  "  box_id text NOT NULL,"
	  "  seq bigint NOT NULL,"
	  "  record_id text NOT NULL,"
	  "  session_id text,"
	  "  nuptk text NOT NULL,"
	  "  module_id text NOT NULL,"
	  "  activity text NOT NULL,"
	  "  state text NOT NULL,"
	  "  wall_ms bigint NOT NULL,"
	  "  PRIMARY KEY (box_id, seq),"
	  "  FOREIGN KEY (box_id, seq) REFERENCES records(box_id, seq),"
	  "  UNIQUE (box_id, record_id)"
	  ");"
	  "CREATE INDEX learning_progress_teacher ON learning_progress(nuptk, module_id);"
	  "CREATE FUNCTION learning_from_record() RETURNS trigger LANGUAGE plpgsql AS $$ "
	  "DECLARE p jsonb := NEW.payload_json; "
	  "BEGIN "
	  "  IF jsonb_typeof(p) IS DISTINCT FROM 'object' THEN RETURN NEW; END IF; "
	  "  IF NEW.type = 'learning.attempt' THEN "
	  "    INSERT INTO learning_attempts VALUES (NEW.box_id, NEW.seq, NEW.id, "
	  "      p->>'attempt', NEW.session_id, p->>'nuptk', p->>'module', p->>'test', p->>'kind', "
	  "      (p->>'n')::int, (p->>'score')::int, (p->>'correct')::int, (p->>'total')::int, "
	  "      (p->>'kkm')::int, (p->>'passed')::boolean, (p->>'timed_out')::boolean, "
	  "      (p->>'finished_ms')::bigint) ON CONFLICT DO NOTHING; "
	  "  ELSIF NEW.type = 'learning.progress' THEN "
	  "    INSERT INTO learning_progress VALUES (NEW.box_id, NEW.seq, NEW.id, NEW.session_id, "
	  "      p->>'nuptk', p->>'module', p->>'activity', p->>'state', (p->>'wall_ms')::bigint) "
	  "      ON CONFLICT DO NOTHING; "
	  "  END IF; "
	  "  RETURN NEW; "
	  "EXCEPTION WHEN others THEN "
	  /* a malformed learning record is still stored as a record */
	  "  RETURN NEW; "
	  "END $$;"
	  "CREATE TRIGGER records_learning AFTER INSERT ON records FOR EACH ROW "
	  "  WHEN (NEW.type LIKE 'learning.%') EXECUTE FUNCTION learning_from_record();" },
	{ 60,
	  /* box.health reports (docs/hub.md#box-health): every report, and the
	   * latest per box for the office's box list. Fields a box left out or
	   * sent in the wrong shape are NULL. */
	  "CREATE TABLE box_health ("
	  "  box_id text NOT NULL REFERENCES boxes(box_id),"
	  "  seq bigint NOT NULL,"
	  "  received_at timestamptz NOT NULL DEFAULT now(),"
	  "  wall_ms bigint NOT NULL,"
	  "  clock_source text NOT NULL,"
	  "  version text,"
	  "  uptime_s bigint,"
	  "  boot_count bigint,"
	  "  free_bytes bigint,"
	  "  total_bytes bigint,"
	  "  written_bytes bigint,"
	  "  throttled bigint,"
	  "  phones bigint,"
	  "  backlog bigint,"
	  "  last_error text,"
	  "  last_error_ms bigint,"
	  "  PRIMARY KEY (box_id, seq)"
	  ");"
	  "CREATE TABLE box_health_latest ("
	  "  box_id text PRIMARY KEY REFERENCES boxes(box_id),"
	  "  seq bigint NOT NULL,"
	  "  FOREIGN KEY (box_id, seq) REFERENCES box_health(box_id, seq)"
	  ");"
	  /* a JSON number as bigint, NULL when it is not a whole number in range */
	  "CREATE FUNCTION pb_json_bigint(j jsonb) RETURNS bigint LANGUAGE sql IMMUTABLE AS "
	  "$$ SELECT CASE WHEN jsonb_typeof(j) = 'number' AND j::text ~ '^-?[0-9]{1,18}$' "
	  "THEN j::text::bigint END $$;" },
	{ 100,
	  /* The office's web view (docs/hub.md#the-offices-web-view): its
	   * accounts (argon2id), their logins (only the cookie's SHA-256 is
	   * kept), the failures that lock an address or an account out, and
	   * what each account did. */
	  "CREATE TABLE office_users ("
	  "  name text PRIMARY KEY,"
	  "  role text NOT NULL CHECK (role IN ('kantor', 'kantor-admin')),"
	  "  pw_hash text NOT NULL,"
	  "  disabled boolean NOT NULL DEFAULT false,"
	  "  created_at timestamptz NOT NULL DEFAULT now(),"
	  "  changed_at timestamptz NOT NULL DEFAULT now()"
	  ");"
	  "CREATE TABLE office_sessions ("
	  "  token_sha256 text PRIMARY KEY,"
	  "  name text NOT NULL REFERENCES office_users(name),"
	  "  csrf text NOT NULL,"
	  "  client text NOT NULL,"
	  "  created_at timestamptz NOT NULL DEFAULT now(),"
	  "  last_at timestamptz NOT NULL DEFAULT now()"
	  ");"
	  "CREATE INDEX office_sessions_name ON office_sessions(name);"
	  "CREATE TABLE office_login_failures ("
	  "  scope text NOT NULL CHECK (scope IN ('pair', 'client', 'account')),"
	  "  key text NOT NULL,"
	  "  fails int NOT NULL,"
	  "  first_at timestamptz NOT NULL,"
	  "  locked_until timestamptz,"
	  "  PRIMARY KEY (scope, key)"
	  ");"
	  "CREATE TABLE office_audit ("
	  "  id bigserial PRIMARY KEY,"
	  "  at timestamptz NOT NULL DEFAULT now(),"
	  "  actor text NOT NULL,"
	  "  action text NOT NULL,"
	  "  target text NOT NULL DEFAULT '',"
	  "  client text NOT NULL DEFAULT ''"
	  ");"
	  /* who marked a claim paid (NULL: a verb or the token API) */
	  "ALTER TABLE payments ADD COLUMN paid_by text;"
	  /* a conflict someone looked at, and what they said */
	  "ALTER TABLE conflicts ADD COLUMN resolved_at timestamptz;"
	  "ALTER TABLE conflicts ADD COLUMN resolved_by text;"
	  "ALTER TABLE conflicts ADD COLUMN note text;" },
	{ 110,
	  /* Box software releases (docs/updates.md): the signed manifest as it
	   * was signed, one row per version; the feed's "release" kind
	   * carries the same manifest and signature to the boxes. */
	  "CREATE TABLE releases ("
	  "  version text PRIMARY KEY,"
	  "  manifest text NOT NULL,"
	  "  signature text NOT NULL,"
	  "  public_key text NOT NULL,"
	  "  created_at timestamptz NOT NULL DEFAULT now()"
	  ");"
	  "ALTER TABLE feed DROP CONSTRAINT feed_kind_check;"
	  "ALTER TABLE feed ADD CONSTRAINT feed_kind_check "
	  "  CHECK (kind IN ('roster','rates','payments','catalogue','release'));" },
};

const int hub_migrations_count = (int)(sizeof(hub_migrations) / sizeof(hub_migrations[0]));

int hub_schema_top(void)
{
	int top = 0;

	for (int i = 0; i < hub_migrations_count; i++)
		if (hub_migrations[i].version > top)
			top = hub_migrations[i].version;
	return top;
}
