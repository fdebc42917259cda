#include "pb_schema.h"

/* Each migration is applied once, in order, inside a transaction, and bumps
 * PRAGMA user_version to its number. Never edit a released migration: add a
 * new one. Version numbers by feature: 1 foundation, 2 attendance,
 * 3 hotspot, 4 claims, 5 uplink, 6 retention, 10 clock steps, 11 check-in tickets, 12 statuses,
 * 13 claim withdrawal, 20-22 papers, 30 login failures per pair, 70 claims
 * filed again after a rejection.
 *
 * Each carries its mark for programs that do not know it (pb_schema.h):
 * PB_MIGRATION_OLDER_OK only when it is additive by the checklist in
 * docs/development.md ("Migrations"), PB_MIGRATION_NEWER_ONLY otherwise.
 * The marks of the migrations below were given when the marks came in:
 * OLDER_OK for the new tables, new plain indexes and new columns with a
 * default that leave the meaning of existing rows alone (2, 3, 4, 10, 11,
 * 12, 20, 40, 41, 80, 120); NEWER_ONLY for the foundation and for what
 * rebuilds a table, drops or changes a unique index, or changes what
 * rows mean to the code that reads them (purged payloads, withdrawn
 * roster rows, the kind of uang_harian, the bank account of a claim,
 * lesson zips). */
const struct pb_migration pb_migrations[] = {
	{ 1,
	  "CREATE TABLE box_meta ("
	  "  key TEXT PRIMARY KEY,"
	  "  value TEXT NOT NULL"
	  ");"
	  /* The box's own id, made once, never in an image. */
	  "INSERT INTO box_meta(key, value) VALUES ('box_id', lower(hex(randomblob(16))));"
	  "CREATE TABLE modules ("
	  "  id TEXT PRIMARY KEY,"
	  "  title TEXT NOT NULL,"
	  "  kk TEXT NOT NULL CHECK (length(kk) = 1 AND kk BETWEEN 'A' AND 'J'),"
	  "  subject TEXT NOT NULL,"
	  "  level TEXT NOT NULL,"
	  "  description TEXT NOT NULL DEFAULT '',"
	  "  source TEXT NOT NULL DEFAULT 'usb',"
	  "  digest TEXT NOT NULL DEFAULT '',"
	  "  updated_at INTEGER NOT NULL"
	  ");"
	  "CREATE TABLE module_files ("
	  "  module_id TEXT NOT NULL REFERENCES modules(id) ON DELETE CASCADE,"
	  "  pos INTEGER NOT NULL,"
	  "  name TEXT NOT NULL,"
	  "  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),"
	  "  size INTEGER NOT NULL CHECK (size >= 0),"
	  "  mime TEXT NOT NULL,"
	  "  PRIMARY KEY (module_id, pos)"
	  ");"
	  "CREATE INDEX module_files_sha ON module_files(sha256);"
	  "CREATE TABLE staff ("
	  "  id INTEGER PRIMARY KEY,"
	  "  name TEXT NOT NULL UNIQUE,"
	  "  display_name TEXT NOT NULL DEFAULT '',"
	  "  role TEXT NOT NULL CHECK (role IN ('admin', 'fasilitator')),"
	  "  kind TEXT NOT NULL DEFAULT '',"
	  "  pw_hash TEXT NOT NULL,"
	  "  disabled INTEGER NOT NULL DEFAULT 0,"
	  "  created_at INTEGER NOT NULL"
	  ");"
	  /* The outbox: every record that goes upstream, hash-chained per box. */
	  "CREATE TABLE outbox ("
	  "  seq INTEGER PRIMARY KEY,"
	  "  id TEXT NOT NULL UNIQUE,"
	  "  type TEXT NOT NULL,"
	  "  payload TEXT NOT NULL,"
	  "  wall_ms INTEGER NOT NULL,"
	  "  clock_source TEXT NOT NULL,"
	  "  boot_id TEXT NOT NULL,"
	  "  mono_ms INTEGER NOT NULL,"
	  "  prev_hash TEXT NOT NULL,"
	  "  hash TEXT NOT NULL,"
	  "  acked INTEGER NOT NULL DEFAULT 0"
	  ");"
	  "CREATE TABLE audit ("
	  "  id INTEGER PRIMARY KEY,"
	  "  at_ms INTEGER NOT NULL,"
	  "  actor TEXT NOT NULL,"
	  "  action TEXT NOT NULL,"
	  "  detail TEXT NOT NULL DEFAULT '',"
	  "  client TEXT NOT NULL DEFAULT ''"
	  ");",
	  PB_MIGRATION_NEWER_ONLY },
	/* 2: attendance — staff logins, training sessions (kegiatan),
	 * rosters, check-in events, day locks. Events are never updated. */
	{ 2,
	  "CREATE TABLE staff_login ("
	  "  id INTEGER PRIMARY KEY,"
	  "  token_hash TEXT NOT NULL UNIQUE,"
	  "  staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,"
	  "  csrf TEXT NOT NULL,"
	  "  boot_id TEXT NOT NULL,"
	  "  created_mono INTEGER NOT NULL,"
	  "  last_mono INTEGER NOT NULL,"
	  "  client TEXT NOT NULL"
	  ");"
	  "CREATE TABLE login_failure ("
	  "  scope TEXT NOT NULL CHECK (scope IN ('account', 'client')),"
	  "  key TEXT NOT NULL,"
	  "  fails INTEGER NOT NULL,"
	  "  boot_id TEXT NOT NULL,"
	  "  first_mono INTEGER NOT NULL,"
	  "  locked_until INTEGER NOT NULL DEFAULT 0,"
	  "  PRIMARY KEY (scope, key)"
	  ");"
	  "CREATE TABLE kegiatan ("
	  "  id INTEGER PRIMARY KEY,"
	  "  uid TEXT NOT NULL UNIQUE,"
	  "  title TEXT NOT NULL,"
	  "  mode TEXT NOT NULL CHECK (mode IN ('tatap_muka', 'daring_kombinasi', 'in_on_in')),"
	  "  kk TEXT NOT NULL DEFAULT '',"
	  "  subject TEXT NOT NULL DEFAULT '',"
	  "  start_date TEXT NOT NULL,"
	  "  days INTEGER NOT NULL CHECK (days BETWEEN 1 AND 366),"
	  "  jp_per_day INTEGER NOT NULL CHECK (jp_per_day BETWEEN 1 AND 24),"
	  "  facilitators TEXT NOT NULL DEFAULT '[]',"
	  "  code_secret BLOB NOT NULL,"
	  "  created_by TEXT NOT NULL,"
	  "  created_ms INTEGER NOT NULL"
	  ");"
	  "CREATE TABLE roster ("
	  "  kegiatan_id INTEGER NOT NULL REFERENCES kegiatan(id) ON DELETE CASCADE,"
	  "  nuptk TEXT NOT NULL CHECK (length(nuptk) = 16),"
	  "  name TEXT NOT NULL,"
	  "  npsn TEXT NOT NULL DEFAULT '',"
	  "  school TEXT NOT NULL DEFAULT '',"
	  "  subject TEXT NOT NULL DEFAULT '',"
	  "  PRIMARY KEY (kegiatan_id, nuptk)"
	  ");"
	  "CREATE TABLE attendance ("
	  "  id INTEGER PRIMARY KEY,"
	  "  uid TEXT NOT NULL UNIQUE,"
	  "  kegiatan_id INTEGER NOT NULL REFERENCES kegiatan(id),"
	  "  day TEXT NOT NULL,"
	  "  nuptk TEXT NOT NULL,"
	  "  kind TEXT NOT NULL CHECK (kind IN ('checkin', 'mark', 'correction')),"
	  "  status TEXT NOT NULL CHECK (status IN ('present', 'absent')),"
	  "  name TEXT NOT NULL,"
	  "  school TEXT NOT NULL DEFAULT '',"
	  "  walk_in INTEGER NOT NULL DEFAULT 0,"
	  "  signature TEXT,"
	  "  reason TEXT NOT NULL DEFAULT '',"
	  "  actor TEXT NOT NULL,"
	  "  client TEXT NOT NULL DEFAULT '',"
	  "  device TEXT NOT NULL DEFAULT '',"
	  "  wall_ms INTEGER NOT NULL,"
	  "  clock_source TEXT NOT NULL,"
	  "  boot_id TEXT NOT NULL,"
	  "  mono_ms INTEGER NOT NULL"
	  ");"
	  "CREATE UNIQUE INDEX attendance_one_checkin ON attendance(kegiatan_id, day, nuptk) "
	  "  WHERE kind = 'checkin';"
	  "CREATE INDEX attendance_day ON attendance(kegiatan_id, day, nuptk, id);"
	  "CREATE INDEX attendance_client ON attendance(day, client);"
	  "CREATE INDEX attendance_device ON attendance(day, device);"
	  "CREATE TABLE day_lock ("
	  "  kegiatan_id INTEGER NOT NULL REFERENCES kegiatan(id),"
	  "  day TEXT NOT NULL,"
	  "  locked_by TEXT NOT NULL,"
	  "  wall_ms INTEGER NOT NULL,"
	  "  PRIMARY KEY (kegiatan_id, day)"
	  ");"
	  "CREATE TABLE proxy_allow ("
	  "  kegiatan_id INTEGER NOT NULL REFERENCES kegiatan(id),"
	  "  day TEXT NOT NULL,"
	  "  client TEXT NOT NULL,"
	  "  extra INTEGER NOT NULL CHECK (extra > 0),"
	  "  allowed_by TEXT NOT NULL,"
	  "  PRIMARY KEY (kegiatan_id, day, client)"
	  ");",
	  PB_MIGRATION_OLDER_OK },
	/* 3 hotspot: phones that tapped "Lanjut" on the captive portal, by
	 * address (and MAC from the DHCP lease when known), until expires_ms. */
	{ 3,
	  "CREATE TABLE portal_clients ("
	  "  ip TEXT PRIMARY KEY,"
	  "  mac TEXT NOT NULL DEFAULT '',"
	  "  accepted_ms INTEGER NOT NULL,"
	  "  expires_ms INTEGER NOT NULL"
	  ");",
	  PB_MIGRATION_OLDER_OK },
	/* 4: claims — the rate table (SBM) in versions, per-session claim
	 * settings, claims and their append-only events (submit, approve,
	 * reject, paid). Money is INTEGER rupiah. */
	{ 4,
	  "CREATE TABLE rate_version ("
	  "  version INTEGER PRIMARY KEY CHECK (version > 0),"
	  "  source TEXT NOT NULL,"
	  "  imported_by TEXT NOT NULL,"
	  "  rows INTEGER NOT NULL,"
	  "  sha256 TEXT NOT NULL,"
	  "  wall_ms INTEGER NOT NULL"
	  ");"
	  "CREATE TABLE rate ("
	  "  id INTEGER PRIMARY KEY,"
	  "  version INTEGER NOT NULL REFERENCES rate_version(version),"
	  "  year INTEGER NOT NULL,"
	  "  province TEXT NOT NULL,"
	  "  item TEXT NOT NULL CHECK (item IN ('uang_harian', 'uang_makan', 'transport', "
	  "    'penginapan')),"
	  "  origin TEXT NOT NULL DEFAULT '',"
	  "  amount INTEGER NOT NULL CHECK (typeof(amount) = 'integer' AND amount >= 0),"
	  "  UNIQUE (version, year, province, item, origin)"
	  ");"
	  "CREATE TABLE claim_setting ("
	  "  kegiatan_id INTEGER PRIMARY KEY REFERENCES kegiatan(id),"
	  "  province TEXT NOT NULL DEFAULT '',"
	  "  meals_in_kind INTEGER NOT NULL DEFAULT 0,"
	  "  residential INTEGER NOT NULL DEFAULT 0,"
	  "  set_by TEXT NOT NULL,"
	  "  wall_ms INTEGER NOT NULL"
	  ");"
	  "CREATE TABLE claim ("
	  "  id INTEGER PRIMARY KEY,"
	  "  uid TEXT NOT NULL UNIQUE,"
	  "  kegiatan_id INTEGER NOT NULL REFERENCES kegiatan(id),"
	  "  day TEXT NOT NULL,"
	  "  nuptk TEXT NOT NULL CHECK (length(nuptk) = 16),"
	  "  item TEXT NOT NULL,"
	  "  name TEXT NOT NULL,"
	  "  school TEXT NOT NULL DEFAULT '',"
	  "  mode TEXT NOT NULL DEFAULT '',"
	  "  origin TEXT NOT NULL DEFAULT '',"
	  "  claimed INTEGER NOT NULL CHECK (typeof(claimed) = 'integer' AND claimed >= 0),"
	  "  amount INTEGER NOT NULL CHECK (typeof(amount) = 'integer' AND amount >= 0),"
	  "  capped INTEGER NOT NULL DEFAULT 0,"
	  "  rate_id INTEGER NOT NULL REFERENCES rate(id),"
	  "  rate_version INTEGER NOT NULL,"
	  "  rate_amount INTEGER NOT NULL,"
	  "  evidence TEXT NOT NULL DEFAULT '' CHECK (evidence IN ('', 'receipt', 'dpr')),"
	  "  receipt_sha256 TEXT,"
	  "  receipt_mime TEXT,"
	  "  receipt_size INTEGER,"
	  "  dpr_signature TEXT,"
	  "  checkin_id INTEGER REFERENCES attendance(id),"
	  "  actor TEXT NOT NULL,"
	  "  client TEXT NOT NULL DEFAULT '',"
	  "  wall_ms INTEGER NOT NULL,"
	  "  clock_source TEXT NOT NULL,"
	  "  boot_id TEXT NOT NULL,"
	  "  mono_ms INTEGER NOT NULL"
	  ");"
	  "CREATE UNIQUE INDEX claim_one ON claim(kegiatan_id, day, nuptk, item);"
	  "CREATE TABLE claim_event ("
	  "  id INTEGER PRIMARY KEY,"
	  "  uid TEXT NOT NULL UNIQUE,"
	  "  claim_id INTEGER NOT NULL REFERENCES claim(id),"
	  "  kind TEXT NOT NULL CHECK (kind IN ('submit', 'approve', 'reject', 'paid')),"
	  "  amount INTEGER NOT NULL DEFAULT 0 CHECK (typeof(amount) = 'integer' AND amount >= 0),"
	  "  reason TEXT NOT NULL DEFAULT '',"
	  "  ref TEXT NOT NULL DEFAULT '',"
	  "  actor TEXT NOT NULL,"
	  "  client TEXT NOT NULL DEFAULT '',"
	  "  wall_ms INTEGER NOT NULL,"
	  "  clock_source TEXT NOT NULL,"
	  "  boot_id TEXT NOT NULL,"
	  "  mono_ms INTEGER NOT NULL"
	  ");"
	  "CREATE INDEX claim_event_claim ON claim_event(claim_id, id);"
	  /* money rows are append-only */
	  "CREATE TRIGGER claim_event_no_update BEFORE UPDATE ON claim_event "
	  "  BEGIN SELECT RAISE(ABORT, 'claim events are append-only'); END;"
	  "CREATE TRIGGER claim_event_no_delete BEFORE DELETE ON claim_event "
	  "  BEGIN SELECT RAISE(ABORT, 'claim events are append-only'); END;"
	  /* what a claim is and what it pays never changes; only the personal
	   * fields may be cleared by the retention purge after upload */
	  "CREATE TRIGGER claim_no_update BEFORE UPDATE OF id, uid, kegiatan_id, day, item, "
	  "  mode, origin, claimed, amount, capped, rate_id, rate_version, rate_amount, evidence, "
	  "  receipt_mime, receipt_size, checkin_id, actor, wall_ms, clock_source, boot_id, mono_ms "
	  "  ON claim BEGIN SELECT RAISE(ABORT, 'claims are append-only'); END;",
	  PB_MIGRATION_OLDER_OK },
	/* 5 uplink: what the hub sent down, and which outbox payloads were
	 * purged of personal data after acknowledgement and retention. */
	{ 5,
	  "CREATE TABLE sync_inbox ("
	  "  kind TEXT NOT NULL,"
	  "  cursor INTEGER NOT NULL,"
	  "  doc TEXT NOT NULL,"
	  "  received_ms INTEGER NOT NULL,"
	  "  applied INTEGER NOT NULL DEFAULT 0,"
	  "  PRIMARY KEY (kind, cursor)"
	  ");"
	  "ALTER TABLE outbox ADD COLUMN purged_ms INTEGER NOT NULL DEFAULT 0;"
	  /* When the hub acknowledged the record (box wall time then: with a
	   * backhaul up, usually set by NTP even if the record's was not). */
	  "ALTER TABLE outbox ADD COLUMN acked_ms INTEGER NOT NULL DEFAULT 0;"
	  "CREATE INDEX outbox_unacked ON outbox(acked, seq);"
	  "CREATE TABLE purge_log ("
	  "  id INTEGER PRIMARY KEY,"
	  "  at_ms INTEGER NOT NULL,"
	  "  session_id TEXT NOT NULL,"
	  "  rule TEXT NOT NULL,"
	  "  rows INTEGER NOT NULL"
	  ");",
	  PB_MIGRATION_NEWER_ONLY },
	/* 6 retention: receipt photos the hub confirmed it holds (pb-sync
	 * uploads the others; the purge removes only confirmed ones), photo
	 * files the purge took out of use and deletes once committed, and
	 * where a roster row came from and whether the hub withdrew it. */
	{ 6,
	  "CREATE TABLE receipt_upload ("
	  "  sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),"
	  "  size INTEGER NOT NULL,"
	  "  confirmed_ms INTEGER NOT NULL"
	  ");"
	  "CREATE TABLE store_purge ("
	  "  sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),"
	  "  size INTEGER NOT NULL,"
	  "  queued_ms INTEGER NOT NULL"
	  ");"
	  "ALTER TABLE roster ADD COLUMN source TEXT NOT NULL DEFAULT 'local' "
	  "  CHECK (source IN ('local', 'hub'));"
	  "ALTER TABLE roster ADD COLUMN withdrawn_ms INTEGER NOT NULL DEFAULT 0;",
	  PB_MIGRATION_NEWER_ONLY },
	/* 10 clock: every step of the box clock, so that records stamped
	 * before it in the same boot can be listed for review. */
	{ 10,
	  "CREATE TABLE clock_step ("
	  "  id INTEGER PRIMARY KEY,"
	  "  boot_id TEXT NOT NULL,"
	  "  mono_ms INTEGER NOT NULL,"
	  "  from_ms INTEGER NOT NULL,"
	  "  step_ms INTEGER NOT NULL,"
	  "  actor TEXT NOT NULL"
	  ");"
	  "CREATE INDEX attendance_boot ON attendance(boot_id, mono_ms);",
	  PB_MIGRATION_OLDER_OK },
	/* 11 check-in tickets: a successful lookup's promise that the check-in
	 * may follow, bound to session, NUPTK, day and phone (pb_ticket.h). */
	{ 11,
	  "CREATE TABLE checkin_ticket ("
	  "  hash TEXT PRIMARY KEY,"
	  "  kegiatan_id INTEGER NOT NULL REFERENCES kegiatan(id) ON DELETE CASCADE,"
	  "  nuptk TEXT NOT NULL,"
	  "  day TEXT NOT NULL,"
	  "  device TEXT NOT NULL,"
	  "  boot_id TEXT NOT NULL,"
	  "  expires_mono INTEGER NOT NULL"
	  ");",
	  PB_MIGRATION_OLDER_OK },
	/* 12 statuses as offices use them: present, late, excused, sick,
	 * absent (status keeps present/absent: what counts for JP); the time a
	 * session's day starts, for lateness. */
	{ 12,
	  "ALTER TABLE attendance ADD COLUMN status_code TEXT NOT NULL DEFAULT '' "
	  "  CHECK (status_code IN ('', 'present', 'late', 'excused', 'sick', 'absent'));"
	  "ALTER TABLE kegiatan ADD COLUMN start_time TEXT NOT NULL DEFAULT '';",
	  PB_MIGRATION_OLDER_OK },
	/* 13 a teacher withdraws an allowance claim while it is still only
	 * submitted: a 'withdraw' event (events stay append-only: the table is
	 * copied to widen its check), and the claim no longer blocks filing
	 * the same item that day again. */
	{ 13,
	  "ALTER TABLE claim ADD COLUMN withdrawn INTEGER NOT NULL DEFAULT 0;"
	  "DROP INDEX claim_one;"
	  "CREATE UNIQUE INDEX claim_one ON claim(kegiatan_id, day, nuptk, item) "
	  "  WHERE withdrawn = 0;"
	  "CREATE TABLE claim_event_new ("
	  "  id INTEGER PRIMARY KEY,"
	  "  uid TEXT NOT NULL UNIQUE,"
	  "  claim_id INTEGER NOT NULL REFERENCES claim(id),"
	  "  kind TEXT NOT NULL CHECK (kind IN ('submit', 'approve', 'reject', 'paid', "
	  "    'withdraw')),"
	  "  amount INTEGER NOT NULL DEFAULT 0 CHECK (typeof(amount) = 'integer' AND amount >= 0),"
	  "  reason TEXT NOT NULL DEFAULT '',"
	  "  ref TEXT NOT NULL DEFAULT '',"
	  "  actor TEXT NOT NULL,"
	  "  client TEXT NOT NULL DEFAULT '',"
	  "  wall_ms INTEGER NOT NULL,"
	  "  clock_source TEXT NOT NULL,"
	  "  boot_id TEXT NOT NULL,"
	  "  mono_ms INTEGER NOT NULL"
	  ");"
	  "INSERT INTO claim_event_new SELECT * FROM claim_event;"
	  "DROP TABLE claim_event;"
	  "ALTER TABLE claim_event_new RENAME TO claim_event;"
	  "CREATE INDEX claim_event_claim ON claim_event(claim_id, id);"
	  "CREATE TRIGGER claim_event_no_update BEFORE UPDATE ON claim_event "
	  "  BEGIN SELECT RAISE(ABORT, 'claim events are append-only'); END;"
	  "CREATE TRIGGER claim_event_no_delete BEFORE DELETE ON claim_event "
	  "  BEGIN SELECT RAISE(ABORT, 'claim events are append-only'); END;",
	  PB_MIGRATION_NEWER_ONLY },
	/* 14 sittings (sesi): a session's day may be held in several sittings,
	 * each with its own time window and JP ('[]': the day is one sitting);
	 * attendance events name their sitting (0: the whole day), one
	 * check-in per teacher, day and sitting. */
	{ 14,
	  "ALTER TABLE kegiatan ADD COLUMN sittings TEXT NOT NULL DEFAULT '[]';"
	  "ALTER TABLE attendance ADD COLUMN sitting INTEGER NOT NULL DEFAULT 0 "
	  "  CHECK (sitting BETWEEN 0 AND 8);"
	  "DROP INDEX attendance_one_checkin;"
	  "CREATE UNIQUE INDEX attendance_one_checkin ON attendance(kegiatan_id, day, nuptk, sitting) "
	  "  WHERE kind = 'checkin';",
	  PB_MIGRATION_NEWER_ONLY },
	/* 20 papers: what the printed papers need — the session's paper
	 * settings (place, organiser, officials; a JSON object of texts),
	 * the payee columns of the roster and a staff account's NIP (its full
	 * name is display_name). */
	{ 20,
	  "CREATE TABLE paper_setting ("
	  "  kegiatan_id INTEGER PRIMARY KEY REFERENCES kegiatan(id),"
	  "  doc TEXT NOT NULL,"
	  "  set_by TEXT NOT NULL,"
	  "  wall_ms INTEGER NOT NULL"
	  ");"
	  "CREATE TABLE roster_payee ("
	  "  kegiatan_id INTEGER NOT NULL REFERENCES kegiatan(id) ON DELETE CASCADE,"
	  "  nuptk TEXT NOT NULL CHECK (length(nuptk) = 16),"
	  "  nip TEXT NOT NULL DEFAULT '',"
	  "  pangkat TEXT NOT NULL DEFAULT '',"
	  "  jabatan TEXT NOT NULL DEFAULT '',"
	  "  npwp TEXT NOT NULL DEFAULT '',"
	  "  bank TEXT NOT NULL DEFAULT '',"
	  "  rekening TEXT NOT NULL DEFAULT '',"
	  "  nama_rekening TEXT NOT NULL DEFAULT '',"
	  "  PRIMARY KEY (kegiatan_id, nuptk)"
	  ");"
	  "ALTER TABLE staff ADD COLUMN nip TEXT NOT NULL DEFAULT '';",
	  PB_MIGRATION_OLDER_OK },
	/* 21 the SBM as written: the legal basis a rate table names, and the
	 * kind of uang_harian a session pays (a rate row keeps its kind in
	 * its sub-key, "" for diklat as in every earlier table). */
	{ 21,
	  "ALTER TABLE rate_version ADD COLUMN dasar TEXT NOT NULL DEFAULT '';"
	  "ALTER TABLE claim_setting ADD COLUMN uang_harian TEXT NOT NULL DEFAULT 'diklat' "
	  "  CHECK (uang_harian IN ('diklat', 'luar_kota', 'dalam_kota_8jam'));",
	  PB_MIGRATION_NEWER_ONLY },
	/* 22 the bank account a teacher gives or corrects on the claim page,
	 * kept with their claims of the session (over the roster's). */
	{ 22,
	  "CREATE TABLE claim_bank ("
	  "  kegiatan_id INTEGER NOT NULL REFERENCES kegiatan(id),"
	  "  nuptk TEXT NOT NULL,"
	  "  bank TEXT NOT NULL,"
	  "  rekening TEXT NOT NULL,"
	  "  nama_rekening TEXT NOT NULL,"
	  "  wall_ms INTEGER NOT NULL,"
	  "  PRIMARY KEY (kegiatan_id, nuptk)"
	  ");",
	  PB_MIGRATION_NEWER_ONLY },
	/* 30 login failures are also counted per account and client address
	 * together ('pair'): only this boot's counts are kept, so the table
	 * is made anew. */
	{ 30,
	  "DROP TABLE login_failure;"
	  "CREATE TABLE login_failure ("
	  "  scope TEXT NOT NULL CHECK (scope IN ('account', 'client', 'pair')),"
	  "  key TEXT NOT NULL,"
	  "  fails INTEGER NOT NULL,"
	  "  boot_id TEXT NOT NULL,"
	  "  first_mono INTEGER NOT NULL,"
	  "  locked_until INTEGER NOT NULL DEFAULT 0,"
	  "  PRIMARY KEY (scope, key)"
	  ");",
	  PB_MIGRATION_NEWER_ONLY },
	/* 40 learning: the tests and worksheets of modules (from the
	 * manifest; spec holds a test with its key and never leaves the box
	 * towards a phone), teachers' attempts with the answers saved as they
	 * go and the box's deadline (monotonic within the boot that started
	 * the attempt, so a clock step does not move it; wall time after a
	 * reboot), and progress per module activity. */
	{ 40,
	  "CREATE TABLE learning_test ("
	  "  module_id TEXT NOT NULL REFERENCES modules(id) ON DELETE CASCADE,"
	  "  test_id TEXT NOT NULL,"
	  "  pos INTEGER NOT NULL,"
	  "  kind TEXT NOT NULL CHECK (kind IN ('pre', 'post')),"
	  "  title TEXT NOT NULL,"
	  "  kkm INTEGER NOT NULL CHECK (kkm BETWEEN 0 AND 100),"
	  "  time_limit_s INTEGER NOT NULL CHECK (time_limit_s >= 0),"
	  "  attempts INTEGER NOT NULL CHECK (attempts >= 1),"
	  "  nitems INTEGER NOT NULL CHECK (nitems >= 1),"
	  "  spec TEXT NOT NULL,"
	  "  PRIMARY KEY (module_id, test_id)"
	  ");"
	  "CREATE TABLE learning_worksheet ("
	  "  module_id TEXT NOT NULL REFERENCES modules(id) ON DELETE CASCADE,"
	  "  ws_id TEXT NOT NULL,"
	  "  pos INTEGER NOT NULL,"
	  "  title TEXT NOT NULL,"
	  "  instructions TEXT NOT NULL,"
	  "  due TEXT NOT NULL DEFAULT '',"
	  "  PRIMARY KEY (module_id, ws_id)"
	  ");"
	  "CREATE TABLE learning_attempt ("
	  "  id INTEGER PRIMARY KEY,"
	  "  uid TEXT NOT NULL UNIQUE,"
	  "  kegiatan_id INTEGER NOT NULL REFERENCES kegiatan(id),"
	  "  nuptk TEXT NOT NULL,"
	  "  module_id TEXT NOT NULL,"
	  "  test_id TEXT NOT NULL,"
	  "  n INTEGER NOT NULL CHECK (n >= 1),"
	  "  layout TEXT NOT NULL,"
	  "  started_ms INTEGER NOT NULL,"
	  "  deadline_ms INTEGER NOT NULL DEFAULT 0,"
	  "  boot_id TEXT NOT NULL DEFAULT '',"
	  "  deadline_mono INTEGER NOT NULL DEFAULT 0,"
	  "  finished_ms INTEGER NOT NULL DEFAULT 0,"
	  "  timed_out INTEGER NOT NULL DEFAULT 0,"
	  "  correct INTEGER,"
	  "  total INTEGER,"
	  "  score INTEGER,"
	  "  passed INTEGER,"
	  "  UNIQUE (kegiatan_id, nuptk, module_id, test_id, n)"
	  ");"
	  "CREATE UNIQUE INDEX learning_attempt_open ON learning_attempt(kegiatan_id, nuptk, "
	  "  module_id, test_id) WHERE finished_ms = 0;"
	  "CREATE TABLE learning_answer ("
	  "  attempt_id INTEGER NOT NULL REFERENCES learning_attempt(id) ON DELETE CASCADE,"
	  "  item_id TEXT NOT NULL,"
	  "  choice TEXT NOT NULL,"
	  "  correct INTEGER,"
	  "  saved_ms INTEGER NOT NULL,"
	  "  PRIMARY KEY (attempt_id, item_id)"
	  ");"
	  "CREATE TABLE learning_progress ("
	  "  kegiatan_id INTEGER NOT NULL REFERENCES kegiatan(id),"
	  "  nuptk TEXT NOT NULL,"
	  "  module_id TEXT NOT NULL,"
	  "  activity TEXT NOT NULL,"
	  "  state TEXT NOT NULL CHECK (state IN ('opened', 'done')),"
	  "  wall_ms INTEGER NOT NULL,"
	  "  PRIMARY KEY (kegiatan_id, nuptk, module_id, activity)"
	  ");",
	  PB_MIGRATION_OLDER_OK },
	/* 41 worksheets: a teacher's submission per worksheet and session
	 * (resent until accepted: version counts), and its review. */
	{ 41,
	  "CREATE TABLE learning_submission ("
	  "  id INTEGER PRIMARY KEY,"
	  "  uid TEXT NOT NULL UNIQUE,"
	  "  kegiatan_id INTEGER NOT NULL REFERENCES kegiatan(id),"
	  "  nuptk TEXT NOT NULL,"
	  "  module_id TEXT NOT NULL,"
	  "  ws_id TEXT NOT NULL,"
	  "  version INTEGER NOT NULL CHECK (version >= 1),"
	  "  text TEXT NOT NULL,"
	  "  submitted_ms INTEGER NOT NULL,"
	  "  status TEXT NOT NULL CHECK (status IN ('sent', 'revise', 'accepted')),"
	  "  score INTEGER CHECK (score IS NULL OR score BETWEEN 0 AND 100),"
	  "  comment TEXT NOT NULL DEFAULT '',"
	  "  reviewer TEXT NOT NULL DEFAULT '',"
	  "  reviewed_ms INTEGER NOT NULL DEFAULT 0,"
	  "  UNIQUE (kegiatan_id, nuptk, module_id, ws_id)"
	  ");"
	  "CREATE INDEX learning_submission_queue ON learning_submission(kegiatan_id, status, "
	  "  submitted_ms);",
	  PB_MIGRATION_OLDER_OK },
	/* 85 mentors: a staff role of its own (a mentor reviews worksheets and
	 * reads learning results of what it is assigned to, nothing else).
	 * SQLite cannot change a CHECK, so staff is made anew; accounts that
	 * were facilitators of kind mentor become mentors, and logins in
	 * progress are kept. A mentor is assigned to sessions or modules. */
	{ 85,
	  "CREATE TEMP TABLE staff_login_keep AS SELECT * FROM staff_login;"
	  "CREATE TABLE staff_new ("
	  "  id INTEGER PRIMARY KEY,"
	  "  name TEXT NOT NULL UNIQUE,"
	  "  display_name TEXT NOT NULL DEFAULT '',"
	  "  role TEXT NOT NULL CHECK (role IN ('admin', 'fasilitator', 'mentor')),"
	  "  kind TEXT NOT NULL DEFAULT '',"
	  "  pw_hash TEXT NOT NULL,"
	  "  disabled INTEGER NOT NULL DEFAULT 0,"
	  "  created_at INTEGER NOT NULL,"
	  "  nip TEXT NOT NULL DEFAULT ''"
	  ");"
	  "INSERT INTO staff_new(id, name, display_name, role, kind, pw_hash, disabled, "
	  "  created_at, nip) SELECT id, name, display_name, CASE WHEN role = 'fasilitator' "
	  "  AND kind = 'mentor' THEN 'mentor' ELSE role END, kind, pw_hash, disabled, "
	  "  created_at, nip FROM staff;"
	  "DROP TABLE staff;"
	  "ALTER TABLE staff_new RENAME TO staff;"
	  "INSERT INTO staff_login SELECT * FROM staff_login_keep;"
	  "DROP TABLE staff_login_keep;"
	  "CREATE TABLE mentor_assignment ("
	  "  staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,"
	  "  kegiatan_id INTEGER REFERENCES kegiatan(id) ON DELETE CASCADE,"
	  "  module_id TEXT,"
	  "  CHECK ((kegiatan_id IS NULL) <> (module_id IS NULL))"
	  ");"
	  "CREATE UNIQUE INDEX mentor_assignment_one ON mentor_assignment(staff_id, "
	  "  coalesce(kegiatan_id, 0), coalesce(module_id, ''));",
	  PB_MIGRATION_NEWER_ONLY },
	/* 70 a rejected claim no longer blocks filing the same item that day
	 * again (a corrected receipt): whether a claim still blocks depends on
	 * its latest event, which an index cannot see, so the one-claim rule
	 * moves into pb_claims.c (checked inside the filing's write
	 * transaction) and the index only finds the claims of a key. */
	{ 70,
	  "DROP INDEX claim_one;"
	  "CREATE INDEX claim_key ON claim(kegiatan_id, day, nuptk, item);",
	  PB_MIGRATION_NEWER_ONLY },
	/* 80 worksheet photos: encoded anew like receipts and kept in the
	 * content store by hash, per version of a submission (a version sent
	 * upstream names its own; the latest is what reviewers see). */
	{ 80,
	  "CREATE TABLE learning_photo ("
	  "  submission TEXT NOT NULL REFERENCES learning_submission(uid),"
	  "  version INTEGER NOT NULL CHECK (version >= 1),"
	  "  n INTEGER NOT NULL CHECK (n >= 1),"
	  "  sha256 TEXT NOT NULL,"
	  "  mime TEXT NOT NULL,"
	  "  size INTEGER NOT NULL,"
	  "  PRIMARY KEY (submission, version, n)"
	  ");"
	  "CREATE INDEX learning_photo_sha ON learning_photo(sha256);",
	  PB_MIGRATION_OLDER_OK },
	/* 90 HTML5 lessons: a module file may be a lesson zip (kind
	 * 'html5'), unpacked into the content store at import; its index
	 * names each file inside by path (pb_html5). Keyed by the zip's hash:
	 * the same zip in two modules has one index. */
	{ 90,
	  "ALTER TABLE module_files ADD COLUMN kind TEXT NOT NULL DEFAULT '';"
	  "CREATE TABLE html5_entry ("
	  "  zip_sha256 TEXT NOT NULL CHECK (length(zip_sha256) = 64),"
	  "  path TEXT NOT NULL,"
	  "  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),"
	  "  size INTEGER NOT NULL CHECK (size >= 0),"
	  "  mime TEXT NOT NULL,"
	  "  PRIMARY KEY (zip_sha256, path)"
	  ") WITHOUT ROWID;"
	  "CREATE INDEX html5_entry_sha ON html5_entry(sha256);",
	  PB_MIGRATION_NEWER_ONLY },
	/* 120 USB stick jobs: the admin page asks (pb-web), pb-sync, which
	 * holds the box key, does the work and writes its progress (pb_usbjob). */
	{ 120,
	  "CREATE TABLE usb_job ("
	  "  id INTEGER PRIMARY KEY,"
	  "  kind TEXT NOT NULL CHECK (kind IN ('export', 'import')),"
	  "  state TEXT NOT NULL DEFAULT 'queued' "
	  "    CHECK (state IN ('queued', 'running', 'done', 'failed')),"
	  "  done INTEGER NOT NULL DEFAULT 0,"
	  "  total INTEGER NOT NULL DEFAULT 0,"
	  "  error TEXT NOT NULL DEFAULT '',"
	  "  message TEXT NOT NULL DEFAULT '',"
	  "  detail TEXT NOT NULL DEFAULT '',"
	  "  requested_by TEXT NOT NULL,"
	  "  created_ms INTEGER NOT NULL,"
	  "  finished_ms INTEGER NOT NULL DEFAULT 0"
	  ");"
	  "CREATE INDEX usb_job_open ON usb_job(state) WHERE state IN ('queued', 'running');",
	  PB_MIGRATION_OLDER_OK },
};

const int pb_migrations_count = (int)(sizeof(pb_migrations) / sizeof(pb_migrations[0]));
