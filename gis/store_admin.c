/* store_admin.c — online backup and consistency checks; see store_admin.h.
 * Part of the store module (all SQL of diming lives in gis/store*.c). */
#include "gis/store_admin.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gis/storeInt.h"

int store_backup(store_t *s, const char *out_path, dm_error *err)
{
    if (!out_path || !*out_path)
        return dm_error_set(err, DM_EINVAL, "out", "no backup file given");
    if (access(out_path, F_OK) == 0)
        return dm_error_set(err, DM_ECONFLICT, "out", "%s already exists; refusing to overwrite it", out_path);
    char partial[1024];
    if ((size_t)snprintf(partial, sizeof partial, "%s.partial", out_path) >= sizeof partial)
        return dm_error_set(err, DM_EINVAL, "out", "backup path too long");
    unlink(partial);
    sqlite3 *dst = NULL;
    if (sqlite3_open_v2(partial, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        dm_error_set(err, DM_EIO, "out", "cannot create %s: %s", partial, dst ? sqlite3_errmsg(dst) : "?");
        sqlite3_close(dst);
        return DM_EIO;
    }
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", store_sqlite(s), "main");
    if (!b) {
        dm_error_set(err, DM_EIO, "out", "backup failed: %s", sqlite3_errmsg(dst));
        sqlite3_close(dst);
        unlink(partial);
        return DM_EIO;
    }
    /* Copy in steps so writers are not locked out for the whole copy. */
    int rc;
    do {
        rc = sqlite3_backup_step(b, 1024);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
            sqlite3_sleep(20);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    int failed = rc != SQLITE_DONE;
    if (!failed) {
        /* A backup is one self-contained file: no WAL beside it. */
        failed = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK;
    }
    if (failed) {
        dm_error_set(err, DM_EIO, "out", "backup to %s failed: %s", out_path, sqlite3_errstr(rc));
        sqlite3_close(dst);
        unlink(partial);
        return DM_EIO;
    }
    sqlite3_close(dst);
    if (rename(partial, out_path) != 0) {
        unlink(partial);
        return dm_error_set(err, DM_EIO, "out", "cannot rename the backup to %s", out_path);
    }
    return 0;
}

static void add(store_check_report_t *rep, const char *name, int ok, const char *fmt, const char *arg)
{
    if (rep->n >= STORE_CHECK_MAX)
        return;
    store_check_item_t *it = &rep->items[rep->n++];
    snprintf(it->name, sizeof it->name, "%s", name);
    it->ok = ok;
    snprintf(it->detail, sizeof it->detail, fmt, arg ? arg : "");
    if (!ok)
        rep->ok = 0;
}

static const char *const LAYERS[][2] = {
    {"divisions", "geom"}, {"markers", "geom"}, {"place_names", "geom"},
    {"facilities", "geom"}, {"residential_areas", "geom"}, {"road_edges", "geom"},
    {"signs", "geom"},
};

/* Fixed texts per layer: nothing here is built from input. */
/* Our own R*Tree check (SpatiaLite's CheckSpatialIndex tries to write and
 * prints on a read-only connection): the index holds exactly the rows with a
 * geometry, each with a box that contains the geometry's (the R*Tree rounds
 * its float bounds outwards). Fixed texts per layer, nothing from input. */
#define INDEX_CHECK(t)                                                                                      \
    "SELECT (SELECT count(*) FROM " t " WHERE geom IS NOT NULL) = (SELECT count(*) FROM idx_" t "_geom) "  \
    "AND NOT EXISTS (SELECT 1 FROM " t " g LEFT JOIN idx_" t "_geom i ON i.pkid = g.id "                   \
    "WHERE g.geom IS NOT NULL AND (i.pkid IS NULL OR i.xmin > MbrMinX(g.geom) OR i.xmax < MbrMaxX(g.geom) " \
    "OR i.ymin > MbrMinY(g.geom) OR i.ymax < MbrMaxY(g.geom)))"
static const char *const CHECK_INDEX_SQL[] = {
    INDEX_CHECK("divisions"),  INDEX_CHECK("markers"),           INDEX_CHECK("place_names"),
    INDEX_CHECK("facilities"), INDEX_CHECK("residential_areas"), INDEX_CHECK("road_edges"),
    INDEX_CHECK("signs"),
};
static const char *const ORPHAN_SQL[] = {
    "SELECT count(*) FROM divisions WHERE batch_id NOT IN (SELECT id FROM import_batches)",
    "SELECT count(*) FROM markers WHERE batch_id NOT IN (SELECT id FROM import_batches)",
    "SELECT count(*) FROM place_names WHERE batch_id NOT IN (SELECT id FROM import_batches)",
    "SELECT count(*) FROM facilities WHERE batch_id NOT IN (SELECT id FROM import_batches)",
    "SELECT count(*) FROM residential_areas WHERE batch_id NOT IN (SELECT id FROM import_batches)",
    "SELECT count(*) FROM road_edges WHERE batch_id NOT IN (SELECT id FROM import_batches)",
    "SELECT count(*) FROM signs WHERE batch_id NOT IN (SELECT id FROM import_batches)",
};

int store_check(store_t *s, store_check_report_t *rep, dm_error *err)
{
    memset(rep, 0, sizeof *rep);
    rep->ok = 1;
    sqlite3 *db = store_sqlite(s);
    sqlite3_stmt *st;

    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
        return dm_error_set(err, DM_EIO, NULL, "cannot check the database: %s", sqlite3_errmsg(db));
    char first[200] = "";
    int rows = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (rows++ == 0)
            snprintf(first, sizeof first, "%s", (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    int integrity_ok = rc == SQLITE_DONE && rows == 1 && strcmp(first, "ok") == 0;
    add(rep, "integrity", integrity_ok, integrity_ok ? "PRAGMA integrity_check: ok" : "PRAGMA integrity_check: %s",
        first[0] ? first : sqlite3_errmsg(db));

    char ver[64];
    snprintf(ver, sizeof ver, "%d (this diming: %d)", store_schema_version(s), STORE_SCHEMA_VERSION);
    add(rep, "schema_version", store_schema_version(s) == STORE_SCHEMA_VERSION, "schema version %s", ver);

    for (size_t i = 0; i < sizeof LAYERS / sizeof *LAYERS; i++) {
        char name[48];
        snprintf(name, sizeof name, "spatial_index:%s.%s", LAYERS[i][0], LAYERS[i][1]);
        int ok = 0;
        if (sqlite3_prepare_v2(db, CHECK_INDEX_SQL[i], -1, &st, NULL) == SQLITE_OK) {
            ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
            sqlite3_finalize(st);
        }
        add(rep, name, ok, ok ? "R*Tree matches the table" : "R*Tree does not match the table (%s)",
            ok ? NULL : "rebuild it with SELECT RecoverSpatialIndex()");

        snprintf(name, sizeof name, "orphans:%s", LAYERS[i][0]);
        long orphans = -1;
        if (sqlite3_prepare_v2(db, ORPHAN_SQL[i], -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW)
                orphans = (long)sqlite3_column_int64(st, 0);
            sqlite3_finalize(st);
        }
        char num[32];
        snprintf(num, sizeof num, "%ld", orphans);
        add(rep, name, orphans == 0, "%s rows whose import batch is missing", num);
    }
    return 0;
}
