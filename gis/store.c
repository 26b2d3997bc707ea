/* store.c — SpatiaLite implementation of store.h: schema, migrations and every
 * SQL statement of diming.
 *
 * Statements are prepared once per connection (lazily, SQLITE_PREPARE_PERSISTENT)
 * and always bound, never built from input text. Geometry goes in through
 * GeomFromWKB(?, 4490) and out through AsBinary(), so the SpatiaLite internal
 * blob format never leaves this file. */
#include "gis/store.h"
#include "gis/storeInt.h"
#include "gis/date.h"
#include "gis/limits.h"

#include <sqlite3.h>
#include <spatialite.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum stmt_id {
    ST_BATCH_INSERT,
    ST_BATCH_FINISH,
    ST_DIV_INSERT,
    ST_DIV_OVERLAP,
    ST_DIV_GET,
    ST_DIV_GET_GEOM,
    ST_DIV_CHILDREN,
    ST_DIV_CHILDREN_GEOM,
    ST_DIV_OUTLINES,
    ST_MARKER_INSERT,
    ST_NAME_INSERT,
    ST_FAC_INSERT,
    ST_RES_INSERT,
    ST_ROAD_INSERT,
    ST_DATA_VERSION,
    ST_TOUCH_LAYER,
    ST__COUNT
};

#define DIV_COLS "id, code, parent_code, name, name_original, level, type, urban_rural, " \
                 "code_source, valid_from, valid_to, batch_id, row_no"
#define VALID_ON "(valid_from IS NULL OR valid_from <= ?2) AND (valid_to IS NULL OR valid_to > ?2)"

static const char *const stmt_sql[ST__COUNT] = {
    [ST_BATCH_INSERT] =
        "INSERT INTO import_batches(layer, source, src_srs, options, started_at) "
        "VALUES (?1, ?2, ?3, ?4, strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
    [ST_BATCH_FINISH] =
        "UPDATE import_batches SET imported = ?2, repaired = ?3, rejected = ?4, "
        "finished_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?1",
    [ST_DIV_INSERT] =
        "INSERT INTO divisions(code, parent_code, name, name_original, level, type, urban_rural, "
        "code_source, valid_from, valid_to, batch_id, row_no, geom) VALUES "
        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, GeomFromWKB(?13, 4490))",
    [ST_DIV_OVERLAP] =
        "SELECT 1 FROM divisions WHERE code = ?1 "
        "AND (valid_to IS NULL OR ?2 IS NULL OR valid_to > ?2) "
        "AND (valid_from IS NULL OR ?3 IS NULL OR valid_from < ?3) LIMIT 1",
    [ST_DIV_GET] = "SELECT " DIV_COLS ", NULL FROM divisions WHERE code = ?1 AND " VALID_ON
                   " ORDER BY valid_from DESC LIMIT 1",
    [ST_DIV_GET_GEOM] = "SELECT " DIV_COLS ", AsBinary(geom) FROM divisions WHERE code = ?1 AND " VALID_ON
                        " ORDER BY valid_from DESC LIMIT 1",
    [ST_DIV_CHILDREN] = "SELECT " DIV_COLS ", NULL FROM divisions WHERE parent_code = ?1 AND " VALID_ON
                        " ORDER BY code",
    [ST_DIV_CHILDREN_GEOM] = "SELECT " DIV_COLS ", AsBinary(geom) FROM divisions WHERE parent_code = ?1 AND "
                             VALID_ON " ORDER BY code",
    [ST_DIV_OUTLINES] = "SELECT " DIV_COLS ", AsBinary(geom) FROM divisions WHERE geom IS NOT NULL ORDER BY id",
    [ST_MARKER_INSERT] =
        "INSERT INTO markers(number, type, line_code, status, material, installed_on, inspected_on, "
        "batch_id, row_no, geom) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, GeomFromWKB(?10, 4490))",
    [ST_NAME_INSERT] =
        "INSERT INTO place_names(name, name_original, category, division_code, status, approval_doc, "
        "approved_on, former_names, pinyin, batch_id, row_no, geom) VALUES "
        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, GeomFromWKB(?12, 4490))",
    [ST_FAC_INSERT] =
        "INSERT INTO facilities(name, name_original, type, functions, beds, nursing_beds, status, "
        "division_code, address, batch_id, row_no, geom) VALUES "
        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, GeomFromWKB(?12, 4490))",
    [ST_RES_INSERT] =
        "INSERT INTO residential_areas(name, name_original, households, pop_60, pop_80, division_code, "
        "batch_id, row_no, geom) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, GeomFromWKB(?9, 4490))",
    [ST_ROAD_INSERT] =
        "INSERT INTO road_edges(name, name_original, class, walkable, oneway, osm_id, length_m, "
        "batch_id, row_no, geom) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, GeomFromWKB(?10, 4490))",
    [ST_DATA_VERSION] = "SELECT coalesce(max(version), 0) FROM data_versions",
    [ST_TOUCH_LAYER] =
        "INSERT INTO data_versions(layer, version) VALUES (?1, "
        "(SELECT coalesce(max(version), 0) FROM data_versions) + 1) "
        "ON CONFLICT (layer) DO UPDATE SET version = excluded.version",
};

struct store {
    sqlite3 *db;
    void *splite_cache;
    int found_version;
    int readonly;
    sqlite3_stmt *stmt[ST__COUNT];
    /* statements of the store's other files, keyed by their SQL's address */
    struct cached_stmt {
        const char *key;
        sqlite3_stmt *st;
    } *cache;
    size_t ncache, capcache;
};

/* ---- migrations ----------------------------------------------------------
 * Each step moves the schema from version i to i+1 and runs in the same
 * transaction as the version bump. Never edit a released step; add one. */

static const char *const migration_v1[] = {
    "CREATE TABLE import_batches ("
    " id INTEGER PRIMARY KEY, layer TEXT NOT NULL, source TEXT NOT NULL, src_srs TEXT,"
    " options TEXT, started_at TEXT NOT NULL, finished_at TEXT,"
    " imported INTEGER DEFAULT 0, repaired INTEGER DEFAULT 0, rejected INTEGER DEFAULT 0)",

    "CREATE TABLE divisions ("
    " id INTEGER PRIMARY KEY, code TEXT NOT NULL CHECK (length(code) = 12),"
    " parent_code TEXT, name TEXT NOT NULL, name_original TEXT,"
    " level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5), type TEXT, urban_rural TEXT,"
    " code_source TEXT, valid_from TEXT, valid_to TEXT,"
    " batch_id INTEGER REFERENCES import_batches(id), row_no INTEGER)",
    "SELECT AddGeometryColumn('divisions', 'geom', 4490, 'MULTIPOLYGON', 'XY')",
    "SELECT CreateSpatialIndex('divisions', 'geom')",
    "CREATE INDEX divisions_code ON divisions(code, valid_from)",
    "CREATE INDEX divisions_parent ON divisions(parent_code, code)",

    "CREATE TABLE markers ("
    " id INTEGER PRIMARY KEY, number TEXT NOT NULL, type TEXT, line_code TEXT, status TEXT,"
    " material TEXT, installed_on TEXT, inspected_on TEXT,"
    " batch_id INTEGER REFERENCES import_batches(id), row_no INTEGER)",
    "SELECT AddGeometryColumn('markers', 'geom', 4490, 'POINT', 'XY')",
    "SELECT CreateSpatialIndex('markers', 'geom')",
    "CREATE INDEX markers_number ON markers(number)",

    "CREATE TABLE place_names ("
    " id INTEGER PRIMARY KEY, name TEXT NOT NULL, name_original TEXT, category TEXT,"
    " division_code TEXT, status TEXT NOT NULL DEFAULT 'approved', approval_doc TEXT,"
    " approved_on TEXT, former_names TEXT, pinyin TEXT,"
    " batch_id INTEGER REFERENCES import_batches(id), row_no INTEGER)",
    "SELECT AddGeometryColumn('place_names', 'geom', 4490, 'GEOMETRY', 'XY')",
    "SELECT CreateSpatialIndex('place_names', 'geom')",

    "CREATE TABLE facilities ("
    " id INTEGER PRIMARY KEY, name TEXT NOT NULL, name_original TEXT, type TEXT, functions TEXT,"
    " beds INTEGER, nursing_beds INTEGER, status TEXT, division_code TEXT, address TEXT,"
    " batch_id INTEGER REFERENCES import_batches(id), row_no INTEGER)",
    "SELECT AddGeometryColumn('facilities', 'geom', 4490, 'POINT', 'XY')",
    "SELECT CreateSpatialIndex('facilities', 'geom')",

    "CREATE TABLE residential_areas ("
    " id INTEGER PRIMARY KEY, name TEXT NOT NULL, name_original TEXT, households INTEGER,"
    " pop_60 INTEGER, pop_80 INTEGER, division_code TEXT,"
    " batch_id INTEGER REFERENCES import_batches(id), row_no INTEGER)",
    "SELECT AddGeometryColumn('residential_areas', 'geom', 4490, 'GEOMETRY', 'XY')",
    "SELECT CreateSpatialIndex('residential_areas', 'geom')",

    "CREATE TABLE road_edges ("
    " id INTEGER PRIMARY KEY, name TEXT, name_original TEXT, class TEXT,"
    " walkable INTEGER NOT NULL DEFAULT 1, oneway INTEGER NOT NULL DEFAULT 0, osm_id TEXT,"
    " length_m REAL, batch_id INTEGER REFERENCES import_batches(id), row_no INTEGER)",
    "SELECT AddGeometryColumn('road_edges', 'geom', 4490, 'LINESTRING', 'XY')",
    "SELECT CreateSpatialIndex('road_edges', 'geom')",
    NULL};

/* v2: lookups by name and by division for the names and coverage modules. */
static const char *const migration_v2[] = {
    "CREATE INDEX place_names_name ON place_names(name)",
    "CREATE INDEX place_names_division ON place_names(division_code)",
    "CREATE INDEX facilities_division ON facilities(division_code)",
    "CREATE INDEX residential_division ON residential_areas(division_code)",
    NULL};

/* v3: boundaries (界线, 界桩, 联检) — see gis/store_boundary.h. Boundary lines
 * derived from the divisions or imported; marker versions (a replaced marker
 * keeps its record with valid_to); joint inspection rounds and their findings. */
static const char *const migration_v3[] = {
    "CREATE TABLE boundary_lines ("
    " id INTEGER PRIMARY KEY, level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),"
    " left_code TEXT NOT NULL, right_code TEXT NOT NULL, name TEXT NOT NULL, line_code TEXT,"
    " length_m REAL, status TEXT NOT NULL DEFAULT 'unknown', agreement_ref TEXT,"
    " source TEXT NOT NULL DEFAULT 'derived', tolerance_m REAL, derived_on TEXT, seen INTEGER NOT NULL DEFAULT 1,"
    " UNIQUE (level, left_code, right_code))",
    "SELECT AddGeometryColumn('boundary_lines', 'geom', 4490, 'MULTILINESTRING', 'XY')",
    "SELECT CreateSpatialIndex('boundary_lines', 'geom')",
    "CREATE INDEX boundary_lines_left ON boundary_lines(left_code)",
    "CREATE INDEX boundary_lines_right ON boundary_lines(right_code)",
    "CREATE INDEX boundary_lines_code ON boundary_lines(line_code)",
    "ALTER TABLE markers ADD COLUMN valid_from TEXT",
    "ALTER TABLE markers ADD COLUMN valid_to TEXT",
    "ALTER TABLE markers ADD COLUMN replaced_by INTEGER",
    "CREATE INDEX markers_line ON markers(line_code, number)",
    "CREATE TABLE inspection_rounds ("
    " id INTEGER PRIMARY KEY, line_code TEXT NOT NULL, round_no INTEGER NOT NULL, inspected_on TEXT NOT NULL,"
    " parties TEXT, note TEXT, UNIQUE (line_code, round_no))",
    "CREATE TABLE inspection_findings ("
    " round_id INTEGER NOT NULL REFERENCES inspection_rounds(id) ON DELETE CASCADE,"
    " marker_number TEXT NOT NULL, finding TEXT NOT NULL, note TEXT, UNIQUE (round_id, marker_number))",
    NULL};

/* v4: change events of divisions over time (DOMAIN.md §6): one row per event
 * and, for moves of territory, the area that moved from code_from to code_to. */
static const char *const migration_v4[] = {
    "CREATE TABLE division_changes ("
    " id INTEGER PRIMARY KEY, change_date TEXT NOT NULL, kind TEXT NOT NULL, level INTEGER,"
    " code_from TEXT, name_from TEXT, type_from TEXT, parent_from TEXT,"
    " code_to TEXT, name_to TEXT, type_to TEXT, parent_to TEXT,"
    " area_m2 REAL, batch_id INTEGER REFERENCES import_batches(id))",
    "SELECT AddGeometryColumn('division_changes', 'geom', 4490, 'MULTIPOLYGON', 'XY')",
    "CREATE INDEX division_changes_date ON division_changes(change_date)",
    NULL};

/* v5: one version number per layer, bumped in the transaction of every write
 * (imports, derived lines, marker replacements …), so that in-memory indexes
 * and tile caches know what changed. Versions share one sequence and only
 * grow; they start where the import batches left off. */
static const char *const migration_v5[] = {
    "CREATE TABLE data_versions (layer TEXT PRIMARY KEY, version INTEGER NOT NULL)",
    "INSERT INTO data_versions(layer, version) SELECT layer, max(id) FROM import_batches "
    "WHERE finished_at IS NOT NULL GROUP BY layer",
    NULL};

/* v6: place-name signs (地名标志, GB 17733-2008) — see gis/store_signs.h. A
 * sign is a point with its type, the text and pinyin as they are on the
 * plate, and the standard name it is meant to show (by id and/or name). */
static const char *const migration_v6[] = {
    "CREATE TABLE signs ("
    " id INTEGER PRIMARY KEY,"
    " type TEXT NOT NULL CHECK (type IN ('road','lane','building','village','guide')),"
    " text TEXT NOT NULL, text_original TEXT, pinyin TEXT, name_id INTEGER, name_text TEXT,"
    " installed_on TEXT, condition TEXT, batch_id INTEGER REFERENCES import_batches(id), row_no INTEGER)",
    "SELECT AddGeometryColumn('signs', 'geom', 4490, 'POINT', 'XY')",
    "SELECT CreateSpatialIndex('signs', 'geom')",
    "CREATE INDEX signs_name_id ON signs(name_id)",
    NULL};

/* v7 (boundaries): boundary lines over time. A line is valid while both its
 * division versions are (valid_from/valid_to, '' = since ever), so a pair may
 * have several versions and the key gains valid_from. SQLite cannot drop a
 * UNIQUE constraint, so the table is rebuilt: copied aside with its geometry
 * as WKB, unregistered from SpatiaLite, created again, copied back. */
static const char *const migration_v7[] = {
    "CREATE TEMP TABLE boundary_lines_v5 AS SELECT id, level, left_code, right_code, name, line_code, length_m, "
    "status, agreement_ref, source, tolerance_m, derived_on, seen, AsBinary(geom) AS wkb FROM boundary_lines",
    "SELECT DisableSpatialIndex('boundary_lines', 'geom')",
    "DROP TABLE idx_boundary_lines_geom",
    "SELECT DiscardGeometryColumn('boundary_lines', 'geom')",
    "DROP TABLE boundary_lines",
    "CREATE TABLE boundary_lines ("
    " id INTEGER PRIMARY KEY, level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),"
    " left_code TEXT NOT NULL, right_code TEXT NOT NULL, name TEXT NOT NULL, line_code TEXT,"
    " length_m REAL, status TEXT NOT NULL DEFAULT 'unknown', agreement_ref TEXT,"
    " source TEXT NOT NULL DEFAULT 'derived', tolerance_m REAL, derived_on TEXT, seen INTEGER NOT NULL DEFAULT 1,"
    " valid_from TEXT NOT NULL DEFAULT '', valid_to TEXT,"
    " UNIQUE (level, left_code, right_code, valid_from))",
    "SELECT AddGeometryColumn('boundary_lines', 'geom', 4490, 'MULTILINESTRING', 'XY')",
    "SELECT CreateSpatialIndex('boundary_lines', 'geom')",
    "CREATE INDEX boundary_lines_left ON boundary_lines(left_code)",
    "CREATE INDEX boundary_lines_right ON boundary_lines(right_code)",
    "CREATE INDEX boundary_lines_code ON boundary_lines(line_code)",
    "INSERT INTO boundary_lines(id, level, left_code, right_code, name, line_code, length_m, status, agreement_ref, "
    "source, tolerance_m, derived_on, seen, geom) SELECT id, level, left_code, right_code, name, line_code, "
    "length_m, status, agreement_ref, source, tolerance_m, derived_on, seen, GeomFromWKB(wkb, 4490) "
    "FROM boundary_lines_v5",
    "DROP TABLE boundary_lines_v5",
    NULL};

/* v8: the name register (issue 9, gis/register.h): accounts with a role and
 * a division scope (tokens kept only as BLAKE2b hashes), proposals with their
 * check findings and comments, the register fields of published names and
 * every version of a name (renames, cancellations), and the append-only audit
 * trail (triggers refuse UPDATE and DELETE). */
static const char *const migration_v8[] = {
    "CREATE TABLE reg_accounts ("
    " id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " role TEXT NOT NULL CHECK (role IN ('officer', 'approver', 'admin')),"
    " scope TEXT NOT NULL, token_hash BLOB, disabled INTEGER NOT NULL DEFAULT 0,"
    " created_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1)",
    "CREATE UNIQUE INDEX reg_accounts_token ON reg_accounts(token_hash)",
    "CREATE TABLE reg_proposals ("
    " id INTEGER PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL, division TEXT NOT NULL,"
    " county TEXT NOT NULL, reason TEXT, meaning TEXT, origin TEXT, history TEXT,"
    " heritage_level TEXT, red INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL,"
    " verdict TEXT, findings TEXT, norm TEXT, dup_key TEXT, hom_key TEXT, base_generic TEXT, pinyin TEXT,"
    " lon REAL, lat REAL, geom_wkb BLOB, approval_doc TEXT, approved_on TEXT, approving_level TEXT,"
    " decision_reason TEXT, name_id INTEGER, created_by TEXT NOT NULL, created_at TEXT NOT NULL,"
    " updated_at TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1)",
    "CREATE INDEX reg_proposals_queue ON reg_proposals(status, division)",
    "CREATE INDEX reg_proposals_norm ON reg_proposals(county, norm)",
    "CREATE INDEX reg_proposals_dup ON reg_proposals(county, dup_key)",
    "CREATE INDEX reg_proposals_hom ON reg_proposals(county, hom_key)",
    "CREATE TABLE reg_comments ("
    " id INTEGER PRIMARY KEY, proposal_id INTEGER NOT NULL REFERENCES reg_proposals(id),"
    " author TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL)",
    "CREATE INDEX reg_comments_proposal ON reg_comments(proposal_id, id)",
    "CREATE TABLE reg_names ("
    " name_id INTEGER PRIMARY KEY, version INTEGER NOT NULL DEFAULT 1, meaning TEXT, origin TEXT,"
    " history TEXT, heritage_level TEXT, red INTEGER NOT NULL DEFAULT 0, proposal_id INTEGER)",
    "CREATE TABLE reg_name_versions ("
    " id INTEGER PRIMARY KEY, name_id INTEGER NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL,"
    " valid_from TEXT, valid_to TEXT, change TEXT NOT NULL, reason TEXT, override_reason TEXT,"
    " changed_by TEXT NOT NULL, changed_at TEXT NOT NULL)",
    "CREATE INDEX reg_name_versions_name ON reg_name_versions(name_id, id)",
    "CREATE TABLE reg_audit ("
    " id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, ip TEXT, action TEXT NOT NULL,"
    " object TEXT NOT NULL, before TEXT, after TEXT, request_id TEXT)",
    "CREATE INDEX reg_audit_object ON reg_audit(object, id)",
    "CREATE INDEX reg_audit_actor ON reg_audit(actor, id)",
    "CREATE TRIGGER reg_audit_no_update BEFORE UPDATE ON reg_audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
    "CREATE TRIGGER reg_audit_no_delete BEFORE DELETE ON reg_audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
    NULL};

static const char *const *const migrations[STORE_SCHEMA_VERSION] = {migration_v1, migration_v2, migration_v3,
                                                                    migration_v4, migration_v5, migration_v6,
                                                                    migration_v7, migration_v8};

/* Why a write failed, in words an operator acts on: SQLite says only "disk
 * I/O error" when the file system refuses to grow a file (a full disk can
 * also be EFBIG from a file size limit, which SQLite reports as
 * SQLITE_IOERR_WRITE). "" for other failures. */
static const char *os_reason(store_t *s, char buf[96])
{
    int ext = sqlite3_extended_errcode(s->db), sys = sqlite3_system_errno(s->db);
    buf[0] = '\0';
    if (ext == SQLITE_IOERR_WRITE || ext == SQLITE_IOERR_TRUNCATE || ext == SQLITE_IOERR_SHMSIZE)
        snprintf(buf, 96, ": writing the database failed%s%s (is the disk full?)", sys ? ": " : "",
                 sys ? strerror(sys) : "");
    return buf;
}

static int sql_error(store_t *s, dm_error *err, int code, const char *what)
{
    char why[96];
    return dm_error_set(err, code, NULL, "%s: %s%s", what, sqlite3_errmsg(s->db), os_reason(s, why));
}

static int exec(store_t *s, const char *sql, dm_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        char why[96];
        dm_error_set(err, DM_EIO, NULL, "database: %s%s (in: %.60s)", msg ? msg : "?", os_reason(s, why), sql);
        sqlite3_free(msg);
        return DM_EIO;
    }
    return 0;
}

/* SpatiaLite functions such as AddGeometryColumn report failure by returning 0
 * rather than by an SQL error, so SELECT statements in migrations are checked
 * for a true result. */
static int exec_checked(store_t *s, const char *sql, dm_error *err)
{
    if (strncmp(sql, "SELECT", 6) != 0)
        return exec(s, sql, err);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sql_error(s, err, DM_ESCHEMA, "migration");
    int rc = sqlite3_step(st);
    int ok = rc == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
    sqlite3_finalize(st);
    if (!ok)
        return dm_error_set(err, DM_ESCHEMA, NULL, "migration step failed: %.80s", sql);
    return 0;
}

static int read_version(store_t *s, int *version, dm_error *err)
{
    sqlite3_stmt *st;
    *version = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_error(s, err, DM_EIO, "cannot read database");
    int have = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    if (!have)
        return 0;
    if (sqlite3_prepare_v2(s->db, "SELECT max(version) FROM schema_version", -1, &st, NULL) != SQLITE_OK)
        return sql_error(s, err, DM_ESCHEMA, "cannot read schema_version");
    if (sqlite3_step(st) == SQLITE_ROW)
        *version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return 0;
}

/* Brings the schema from `from` to `to` in one transaction. Exposed to the
 * tests through storeInt.h so they can make an old file and reopen it. */
int store_migrate_to(store_t *s, int to, dm_error *err)
{
    int from;
    int rc = read_version(s, &from, err);
    if (rc)
        return rc;
    if (from >= to)
        return 0;
    if ((rc = exec(s, "BEGIN IMMEDIATE", err)))
        return rc;
    if (from == 0) {
        /* InitSpatialMetadata(1): the metadata tables in one transaction of its own
         * would conflict with ours, so call it with transaction = 0. */
        if ((rc = exec_checked(s, "SELECT InitSpatialMetadata(0)", err)) ||
            (rc = exec(s, "CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TEXT NOT NULL)",
                       err)))
            goto fail;
    }
    for (int v = from; v < to; v++) {
        for (const char *const *step = migrations[v]; *step; step++)
            if ((rc = exec_checked(s, *step, err)))
                goto fail;
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->db,
                               "INSERT INTO schema_version VALUES (?1, strftime('%Y-%m-%dT%H:%M:%SZ','now'))", -1,
                               &st, NULL) != SQLITE_OK) {
            rc = sql_error(s, err, DM_ESCHEMA, "migration");
            goto fail;
        }
        sqlite3_bind_int(st, 1, v + 1);
        int step = sqlite3_step(st);
        sqlite3_finalize(st);
        if (step != SQLITE_DONE) {
            rc = sql_error(s, err, DM_ESCHEMA, "migration");
            goto fail;
        }
    }
    return exec(s, "COMMIT", err);
fail:
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int store_open_at(const char *path, int flags, int version, store_t **out, dm_error *err)
{
    *out = NULL;
    if (!path || !*path)
        return dm_error_set(err, DM_EINVAL, "db", "no database path given");
    if ((flags & (STORE_READONLY | STORE_NOCREATE)) && access(path, F_OK) != 0)
        return dm_error_set(err, DM_ENOTFOUND, "db", "database %s does not exist (import data first)", path);
    store_t *s = calloc(1, sizeof *s);
    if (!s)
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    s->readonly = (flags & STORE_READONLY) != 0;
    int oflags = s->readonly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (sqlite3_open_v2(path, &s->db, oflags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        dm_error_set(err, DM_EIO, "db", "cannot open database %s: %s", path,
                     s->db ? sqlite3_errmsg(s->db) : "out of memory");
        store_close(s);
        return DM_EIO;
    }
    sqlite3_busy_timeout(s->db, 10000);
    sqlite3_extended_result_codes(s->db, 1);
    /* A statement running past this thread's request deadline stops (limits.h). */
    sqlite3_progress_handler(s->db, 1000, limits_sqlite_progress, NULL);
    s->splite_cache = spatialite_alloc_connection();
    spatialite_init_ex(s->db, s->splite_cache, 0);

    int rc = read_version(s, &s->found_version, err);
    if ((sqlite3_errcode(s->db) & 0xff) == SQLITE_NOTADB)
        rc = dm_error_set(err, DM_ESCHEMA, "db", "%s is not a diming database", path);
    if (rc)
        goto fail;
    if (s->found_version > STORE_SCHEMA_VERSION) {
        rc = dm_error_set(err, DM_ESCHEMA, "db",
                          "database %s has schema version %d, newer than this diming supports (%d); "
                          "upgrade diming",
                          path, s->found_version, STORE_SCHEMA_VERSION);
        goto fail;
    }
    if (s->found_version == 0 && !s->readonly) {
        /* A new file must be empty: never turn someone's other database into ours. */
        sqlite3_stmt *st;
        int tables = 0;
        if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW)
                tables = sqlite3_column_int(st, 0);
            sqlite3_finalize(st);
        } else {
            rc = dm_error_set(err, DM_ESCHEMA, "db", "%s is not a SQLite database: %s", path,
                              sqlite3_errmsg(s->db));
            goto fail;
        }
        if (tables > 0) {
            rc = dm_error_set(err, DM_ESCHEMA, "db", "%s is a SQLite database but not a diming one", path);
            goto fail;
        }
    }
    if (s->readonly) {
        if (s->found_version == 0) {
            rc = dm_error_set(err, DM_ESCHEMA, "db", "%s is a SQLite database but not a diming one", path);
            goto fail;
        }
        if (s->found_version < STORE_SCHEMA_VERSION) {
            rc = dm_error_set(err, DM_ESCHEMA, "db",
                              "database %s has schema version %d; open it once read-write to upgrade it",
                              path, s->found_version);
            goto fail;
        }
    } else {
        if ((rc = exec(s, "PRAGMA journal_mode = WAL", err)) || (rc = exec(s, "PRAGMA synchronous = NORMAL", err)) ||
            (rc = exec(s, "PRAGMA foreign_keys = ON", err)))
            goto fail;
        if ((rc = store_migrate_to(s, version, err)))
            goto fail;
    }
    *out = s;
    return 0;
fail:
    store_close(s);
    return rc;
}

int store_open(const char *path, int flags, store_t **out, dm_error *err)
{
    return store_open_at(path, flags, STORE_SCHEMA_VERSION, out, err);
}

void store_close(store_t *s)
{
    if (!s)
        return;
    for (int i = 0; i < ST__COUNT; i++)
        sqlite3_finalize(s->stmt[i]);
    for (size_t i = 0; i < s->ncache; i++)
        sqlite3_finalize(s->cache[i].st);
    free(s->cache);
    if (s->db)
        sqlite3_close_v2(s->db);
    if (s->splite_cache)
        spatialite_cleanup_ex(s->splite_cache);
    free(s);
}

int store_schema_version(const store_t *s) { return s->found_version; }

static sqlite3_stmt *stmt(store_t *s, enum stmt_id id, dm_error *err)
{
    if (!s->stmt[id]) {
        if (sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[id], NULL) !=
            SQLITE_OK) {
            sql_error(s, err, DM_EINTERNAL, "prepare");
            return NULL;
        }
    } else {
        sqlite3_reset(s->stmt[id]);
        sqlite3_clear_bindings(s->stmt[id]);
    }
    return s->stmt[id];
}

sqlite3 *store_sqlite(store_t *s) { return s->db; }

sqlite3_stmt *store_prepare_cached(store_t *s, const char *sql, dm_error *err)
{
    for (size_t i = 0; i < s->ncache; i++)
        if (s->cache[i].key == sql) {
            sqlite3_reset(s->cache[i].st);
            sqlite3_clear_bindings(s->cache[i].st);
            return s->cache[i].st;
        }
    if (s->ncache == s->capcache) {
        size_t cap = s->capcache ? s->capcache * 2 : 32;
        struct cached_stmt *c = realloc(s->cache, cap * sizeof *c);
        if (!c) {
            dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
            return NULL;
        }
        s->cache = c;
        s->capcache = cap;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        sql_error(s, err, DM_EINTERNAL, "prepare");
        return NULL;
    }
    s->cache[s->ncache].key = sql;
    s->cache[s->ncache++].st = st;
    return st;
}

int store_begin(store_t *s, dm_error *err) { return exec(s, "BEGIN IMMEDIATE", err); }
int store_commit(store_t *s, dm_error *err) { return exec(s, "COMMIT", err); }
void store_rollback(store_t *s)
{
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- binding helpers ------------------------------------------------- */

void store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

void store_bind_long(sqlite3_stmt *st, int i, long v)
{
    if (v >= 0)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

void store_bind_wkb(sqlite3_stmt *st, int i, const unsigned char *wkb, size_t len)
{
    if (wkb && len)
        sqlite3_bind_blob(st, i, wkb, (int)len, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

int store_step_done(store_t *s, sqlite3_stmt *st, dm_error *err, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        int code = (rc & 0xff) == SQLITE_CONSTRAINT ? DM_ECONFLICT : (rc & 0xff) == SQLITE_FULL ? DM_EIO : DM_EIO;
        return dm_error_set(err, code, NULL, "%s: %s", what, sqlite3_errmsg(s->db));
    }
    return 0;
}

/* ---- batches ------------------------------------------------------------ */

int store_batch_begin(store_t *s, const char *layer, const char *source, const char *src_srs,
                      const char *options_json, int64_t *batch_id, dm_error *err)
{
    sqlite3_stmt *st = stmt(s, ST_BATCH_INSERT, err);
    if (!st)
        return DM_EINTERNAL;
    store_bind_text(st, 1, layer);
    sqlite3_bind_text(st, 2, source ? source : "", -1, SQLITE_TRANSIENT);
    store_bind_text(st, 3, src_srs);
    store_bind_text(st, 4, options_json);
    int rc = store_step_done(s, st, err, "import batch");
    if (rc)
        return rc;
    *batch_id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

int store_touch_layer(store_t *s, const char *layer, dm_error *err)
{
    sqlite3_stmt *st = stmt(s, ST_TOUCH_LAYER, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_text(st, 1, layer, -1, SQLITE_TRANSIENT);
    return store_step_done(s, st, err, "data version");
}

int store_batch_finish(store_t *s, int64_t batch_id, const batch_counts_t *c, dm_error *err)
{
    sqlite3_stmt *st = stmt(s, ST_BATCH_FINISH, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_int64(st, 1, batch_id);
    sqlite3_bind_int64(st, 2, c->imported);
    sqlite3_bind_int64(st, 3, c->repaired);
    sqlite3_bind_int64(st, 4, c->rejected);
    int rc = store_step_done(s, st, err, "import batch");
    if (rc)
        return rc;
    /* The batch's layer changed; its version is the newest. */
    sqlite3_stmt *q = store_prepare_cached(s, "SELECT layer FROM import_batches WHERE id = ?1", err);
    if (!q)
        return DM_EINTERNAL;
    sqlite3_bind_int64(q, 1, batch_id);
    char layer[32] = "";
    if (sqlite3_step(q) == SQLITE_ROW)
        snprintf(layer, sizeof layer, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_reset(q);
    return store_touch_layer(s, layer, err);
}

/* ---- inserts ---------------------------------------------------------------- */

int store_insert_division(store_t *s, const division_t *d, dm_error *err)
{
    sqlite3_stmt *st = stmt(s, ST_DIV_OVERLAP, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_text(st, 1, d->code, -1, SQLITE_TRANSIENT);
    store_bind_text(st, 2, d->valid_from);
    store_bind_text(st, 3, d->valid_to);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return dm_error_set(err, DM_ECONFLICT, "code",
                            "division %s already has a version valid on these dates", d->code);
    if (rc != SQLITE_DONE)
        return sql_error(s, err, DM_EIO, "division lookup");

    st = stmt(s, ST_DIV_INSERT, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_text(st, 1, d->code, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, d->parent_code, -1, SQLITE_TRANSIENT); /* "" for provinces */
    sqlite3_bind_text(st, 3, d->name, -1, SQLITE_TRANSIENT);
    store_bind_text(st, 4, d->name_original);
    sqlite3_bind_int(st, 5, (int)d->level);
    store_bind_text(st, 6, d->type);
    store_bind_text(st, 7, d->urban_rural);
    store_bind_text(st, 8, d->code_source);
    store_bind_text(st, 9, d->valid_from);
    store_bind_text(st, 10, d->valid_to);
    sqlite3_bind_int64(st, 11, d->batch_id);
    sqlite3_bind_int64(st, 12, d->row_no);
    store_bind_wkb(st, 13, d->wkb, d->wkb_len);
    return store_step_done(s, st, err, "division");
}

int store_insert_marker(store_t *s, const marker_row_t *m, dm_error *err)
{
    sqlite3_stmt *st = stmt(s, ST_MARKER_INSERT, err);
    if (!st)
        return DM_EINTERNAL;
    store_bind_text(st, 1, m->number);
    store_bind_text(st, 2, m->type);
    store_bind_text(st, 3, m->line_code);
    store_bind_text(st, 4, m->status);
    store_bind_text(st, 5, m->material);
    store_bind_text(st, 6, m->installed_on);
    store_bind_text(st, 7, m->inspected_on);
    sqlite3_bind_int64(st, 8, m->batch_id);
    sqlite3_bind_int64(st, 9, m->row_no);
    store_bind_wkb(st, 10, m->wkb, m->wkb_len);
    return store_step_done(s, st, err, "marker");
}

int store_insert_place_name(store_t *s, const place_name_row_t *n, dm_error *err)
{
    sqlite3_stmt *st = stmt(s, ST_NAME_INSERT, err);
    if (!st)
        return DM_EINTERNAL;
    store_bind_text(st, 1, n->name);
    store_bind_text(st, 2, n->name_original);
    store_bind_text(st, 3, n->category);
    store_bind_text(st, 4, n->division_code);
    sqlite3_bind_text(st, 5, n->status && *n->status ? n->status : "approved", -1, SQLITE_TRANSIENT);
    store_bind_text(st, 6, n->approval_doc);
    store_bind_text(st, 7, n->approved_on);
    store_bind_text(st, 8, n->former_names);
    store_bind_text(st, 9, n->pinyin);
    sqlite3_bind_int64(st, 10, n->batch_id);
    sqlite3_bind_int64(st, 11, n->row_no);
    store_bind_wkb(st, 12, n->wkb, n->wkb_len);
    return store_step_done(s, st, err, "place name");
}

int store_insert_facility(store_t *s, const facility_row_t *f, dm_error *err)
{
    sqlite3_stmt *st = stmt(s, ST_FAC_INSERT, err);
    if (!st)
        return DM_EINTERNAL;
    store_bind_text(st, 1, f->name);
    store_bind_text(st, 2, f->name_original);
    store_bind_text(st, 3, f->type);
    store_bind_text(st, 4, f->functions);
    store_bind_long(st, 5, f->beds);
    store_bind_long(st, 6, f->nursing_beds);
    store_bind_text(st, 7, f->status);
    store_bind_text(st, 8, f->division_code);
    store_bind_text(st, 9, f->address);
    sqlite3_bind_int64(st, 10, f->batch_id);
    sqlite3_bind_int64(st, 11, f->row_no);
    store_bind_wkb(st, 12, f->wkb, f->wkb_len);
    return store_step_done(s, st, err, "facility");
}

int store_insert_residential(store_t *s, const residential_row_t *r, dm_error *err)
{
    sqlite3_stmt *st = stmt(s, ST_RES_INSERT, err);
    if (!st)
        return DM_EINTERNAL;
    store_bind_text(st, 1, r->name);
    store_bind_text(st, 2, r->name_original);
    store_bind_long(st, 3, r->households);
    store_bind_long(st, 4, r->pop_60);
    store_bind_long(st, 5, r->pop_80);
    store_bind_text(st, 6, r->division_code);
    sqlite3_bind_int64(st, 7, r->batch_id);
    sqlite3_bind_int64(st, 8, r->row_no);
    store_bind_wkb(st, 9, r->wkb, r->wkb_len);
    return store_step_done(s, st, err, "residential area");
}

int store_insert_road_edge(store_t *s, const road_edge_row_t *r, dm_error *err)
{
    sqlite3_stmt *st = stmt(s, ST_ROAD_INSERT, err);
    if (!st)
        return DM_EINTERNAL;
    store_bind_text(st, 1, r->name);
    store_bind_text(st, 2, r->name_original);
    store_bind_text(st, 3, r->road_class);
    sqlite3_bind_int(st, 4, r->walkable ? 1 : 0);
    sqlite3_bind_int(st, 5, r->oneway ? 1 : 0);
    store_bind_text(st, 6, r->osm_id);
    sqlite3_bind_double(st, 7, r->length_m);
    sqlite3_bind_int64(st, 8, r->batch_id);
    sqlite3_bind_int64(st, 9, r->row_no);
    store_bind_wkb(st, 10, r->wkb, r->wkb_len);
    return store_step_done(s, st, err, "road edge");
}

/* ---- division reads ----------------------------------------------------- */

static char *dup_col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

static void copy_col(sqlite3_stmt *st, int i, char *dst, size_t n)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(dst, n, "%s", t ? (const char *)t : "");
}

static int read_division(sqlite3_stmt *st, division_t *d)
{
    memset(d, 0, sizeof *d);
    d->id = sqlite3_column_int64(st, 0);
    copy_col(st, 1, d->code, sizeof d->code);
    copy_col(st, 2, d->parent_code, sizeof d->parent_code);
    d->name = dup_col(st, 3);
    d->name_original = dup_col(st, 4);
    d->level = (division_level_t)sqlite3_column_int(st, 5);
    d->type = dup_col(st, 6);
    d->urban_rural = dup_col(st, 7);
    d->code_source = dup_col(st, 8);
    copy_col(st, 9, d->valid_from, sizeof d->valid_from);
    copy_col(st, 10, d->valid_to, sizeof d->valid_to);
    d->batch_id = sqlite3_column_int64(st, 11);
    d->row_no = (long)sqlite3_column_int64(st, 12);
    int n = sqlite3_column_bytes(st, 13);
    const void *blob = sqlite3_column_blob(st, 13);
    if (blob && n > 0) {
        d->wkb = malloc((size_t)n);
        if (!d->wkb)
            return DM_ENOMEM;
        memcpy(d->wkb, blob, (size_t)n);
        d->wkb_len = (size_t)n;
    }
    return d->name ? 0 : DM_ENOMEM;
}

/* For the store's other files (storeInt.h): a row of DIV_COLS + geometry. */
int store_row_division(sqlite3_stmt *st, division_t *d) { return read_division(st, d); }

void division_clear(division_t *d)
{
    if (!d)
        return;
    free(d->name);
    free(d->name_original);
    free(d->type);
    free(d->urban_rural);
    free(d->code_source);
    free(d->wkb);
    memset(d, 0, sizeof *d);
}

static void bind_date(sqlite3_stmt *st, int i, const char *date)
{
    char buf[11];
    if (!date || !*date) {
        date_today(buf);
        date = buf;
    }
    sqlite3_bind_text(st, i, date, -1, SQLITE_TRANSIENT);
}

int store_division_exists(store_t *s, const char *code, const char *date, dm_error *err)
{
    sqlite3_stmt *st = stmt(s, ST_DIV_GET, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
    bind_date(st, 2, date);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return sql_error(s, err, DM_EIO, "division lookup");
}

int store_division_get(store_t *s, const char *code, const char *date, int with_geometry, division_t *out,
                       dm_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = stmt(s, with_geometry ? ST_DIV_GET_GEOM : ST_DIV_GET, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
    bind_date(st, 2, date);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        rc = read_division(st, out);
        sqlite3_reset(st);
        if (rc) {
            division_clear(out);
            return dm_error_set(err, rc, NULL, "out of memory");
        }
        return 0;
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return dm_error_set(err, DM_ENOTFOUND, "code", "no division with code %s%s%s", code,
                            date && *date ? " valid on " : "", date && *date ? date : "");
    return sql_error(s, err, DM_EIO, "division lookup");
}

int store_walk_divisions(store_t *s, sqlite3_stmt *st, store_division_fn fn, void *ctx, dm_error *err)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        division_t d;
        if (read_division(st, &d)) {
            division_clear(&d);
            sqlite3_reset(st);
            return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        }
        int stop = fn(&d, ctx);
        division_clear(&d);
        if (stop) {
            sqlite3_reset(st);
            return stop;
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sql_error(s, err, DM_EIO, "division scan");
    return 0;
}

int store_division_children(store_t *s, const char *parent_code, const char *date, int with_geometry,
                            store_division_fn fn, void *ctx, dm_error *err)
{
    sqlite3_stmt *st = stmt(s, with_geometry ? ST_DIV_CHILDREN_GEOM : ST_DIV_CHILDREN, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_text(st, 1, parent_code ? parent_code : "", -1, SQLITE_TRANSIENT);
    bind_date(st, 2, date);
    return store_walk_divisions(s, st, fn, ctx, err);
}

int store_division_each_outline(store_t *s, store_division_fn fn, void *ctx, dm_error *err)
{
    sqlite3_stmt *st = stmt(s, ST_DIV_OUTLINES, err);
    if (!st)
        return DM_EINTERNAL;
    return store_walk_divisions(s, st, fn, ctx, err);
}

long store_count(store_t *s, const char *table, dm_error *err)
{
    static const char *const known[][2] = {
        {"divisions", "SELECT count(*) FROM divisions"},
        {"markers", "SELECT count(*) FROM markers"},
        {"place_names", "SELECT count(*) FROM place_names"},
        {"facilities", "SELECT count(*) FROM facilities"},
        {"residential_areas", "SELECT count(*) FROM residential_areas"},
        {"road_edges", "SELECT count(*) FROM road_edges"},
        {"import_batches", "SELECT count(*) FROM import_batches"},
    };
    for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
        if (strcmp(table, known[i][0]) != 0)
            continue;
        sqlite3_stmt *st = store_prepare_cached(s, known[i][1], err);
        if (!st)
            return DM_EINTERNAL;
        long n = sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : -1;
        sqlite3_reset(st);
        return n;
    }
    return dm_error_set(err, DM_EINVAL, "table", "unknown table %s", table);
}

int64_t store_data_version(store_t *s, dm_error *err)
{
    sqlite3_stmt *st = stmt(s, ST_DATA_VERSION, err);
    if (!st)
        return DM_EINTERNAL;
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return v;
}
