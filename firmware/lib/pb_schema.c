#include "pb_schema.h"

/* Each migration is applied once, in order, inside a transaction, and bumps
 * PRAGMA user_version to its number. Never edit a released migration: add a
 * new one. Version numbers by feature: 1 foundation, 2 attendance,
 * 3 hotspot, 4 claims, 5 uplink. */
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
	  ");" },
	/* 3 hotspot: phones that tapped "Lanjut" on the captive portal, by
	 * address (and MAC from the DHCP lease when known), until expires_ms. */
	{ 3,
	  "CREATE TABLE portal_clients ("
	  "  ip TEXT PRIMARY KEY,"
	  "  mac TEXT NOT NULL DEFAULT '',"
	  "  accepted_ms INTEGER NOT NULL,"
	  "  expires_ms INTEGER NOT NULL"
	  ");" },
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
	  ");" },
};

const int pb_migrations_count = (int)(sizeof(pb_migrations) / sizeof(pb_migrations[0]));
