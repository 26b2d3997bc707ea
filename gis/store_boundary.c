/* store_boundary.c — SQL of the boundary tables (boundary_lines, marker
 * versions, inspection_rounds, inspection_findings); see store_boundary.h.
 * Statements are static strings prepared once per connection through
 * store_prepare_cached and always bound. */
#include "gis/store_boundary.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gis/date.h"
#include "gis/storeInt.h"

static int sql_fail(store_t *s, dm_error *err, const char *what)
{
    return dm_error_set(err, DM_EIO, NULL, "%s: %s", what, sqlite3_errmsg(store_sqlite(s)));
}

static const char *col_text(sqlite3_stmt *st, int i) { return (const char *)sqlite3_column_text(st, i); }

static void bind_date_or_today(sqlite3_stmt *st, int i, const char *date)
{
    char today[11];
    if (!date || !*date) {
        date_today(today);
        date = today;
    }
    sqlite3_bind_text(st, i, date, -1, SQLITE_TRANSIENT);
}

static const char SQL_DIV_LEVEL[] =
    "SELECT id, code, parent_code, name, name_original, level, type, urban_rural, code_source, valid_from, "
    "valid_to, batch_id, row_no, AsBinary(geom) FROM divisions WHERE level = ?1 AND geom IS NOT NULL "
    "AND (?2 IS NULL OR ((valid_from IS NULL OR valid_from <= ?2) AND (valid_to IS NULL OR valid_to > ?2))) "
    "ORDER BY code, valid_from";

int store_boundary_divisions_at_level(store_t *s, division_level_t level, const char *date,
                                      store_division_fn fn, void *ctx, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, SQL_DIV_LEVEL, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_int(st, 1, (int)level);
    store_bind_text(st, 2, date);
    return store_walk_divisions(s, st, fn, ctx, err);
}

static const char SQL_DIV_UNDER[] =
    "SELECT id, code, parent_code, name, name_original, level, type, urban_rural, code_source, valid_from, "
    "valid_to, batch_id, row_no, AsBinary(geom) FROM divisions WHERE level = ?1 "
    "AND (substr(code, 1, length(?3)) = ?3 OR parent_code = ?4) "
    "AND (valid_from IS NULL OR valid_from <= ?2) AND (valid_to IS NULL OR valid_to > ?2) ORDER BY code";

int store_boundary_divisions_under(store_t *s, const char *prefix, const char *parent, division_level_t level,
                                   const char *date, store_division_fn fn, void *ctx, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, SQL_DIV_UNDER, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_int(st, 1, (int)level);
    bind_date_or_today(st, 2, date);
    sqlite3_bind_text(st, 3, prefix, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, parent, -1, SQLITE_TRANSIENT);
    return store_walk_divisions(s, st, fn, ctx, err);
}

/* ---- lines ------------------------------------------------------------- */

/* Lines are versions: valid_from ('' = since ever) to valid_to (NULL = open).
 * A derive on one date marks only the versions in force on that date. */
static const char SQL_MARK[] =
    "UPDATE boundary_lines SET seen = 0 WHERE level = ?1 AND source = 'derived' "
    "AND (?2 IS NULL OR (valid_from <= ?2 AND (valid_to IS NULL OR valid_to > ?2)))";
/* A derived version is not written over the period of an imported line of
 * the same pair: the official line wins while it is in force. */
static const char SQL_UPSERT[] =
    "INSERT INTO boundary_lines(level, left_code, right_code, name, line_code, length_m, status, agreement_ref, "
    "source, tolerance_m, derived_on, seen, valid_from, valid_to, geom) SELECT ?1, ?2, ?3, ?4, ?5, ?6, "
    "coalesce(?7, 'unknown'), ?8, coalesce(?9, 'derived'), ?10, strftime('%Y-%m-%d','now'), 1, coalesce(?12, ''), "
    "?13, GeomFromWKB(?11, 4490) WHERE NOT EXISTS (SELECT 1 FROM boundary_lines i WHERE i.level = ?1 "
    "AND i.left_code = ?2 AND i.right_code = ?3 AND i.source = 'imported' "
    "AND i.valid_from < coalesce(?13, '9999-12-31') AND coalesce(i.valid_to, '9999-12-31') > coalesce(?12, '')) "
    "ON CONFLICT (level, left_code, right_code, valid_from) DO UPDATE SET name = excluded.name, "
    "line_code = coalesce(boundary_lines.line_code, excluded.line_code), length_m = excluded.length_m, "
    "tolerance_m = excluded.tolerance_m, derived_on = excluded.derived_on, seen = 1, "
    "valid_to = excluded.valid_to, geom = excluded.geom "
    "WHERE boundary_lines.source = excluded.source";
static const char SQL_SWEEP[] = "DELETE FROM boundary_lines WHERE level = ?1 AND source = 'derived' AND seen = 0";

int store_boundary_mark(store_t *s, division_level_t level, const char *date, dm_error *err)
{
    if (store_touch_layer(s, "boundaries", err))
        return DM_EIO;

    sqlite3_stmt *st = store_prepare_cached(s, SQL_MARK, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_int(st, 1, (int)level);
    store_bind_text(st, 2, date);
    return store_step_done(s, st, err, "boundary lines");
}

int store_boundary_upsert(store_t *s, const boundary_line_t *l, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, SQL_UPSERT, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_int(st, 1, (int)l->level);
    sqlite3_bind_text(st, 2, l->left_code, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, l->right_code, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, l->name, -1, SQLITE_TRANSIENT);
    store_bind_text(st, 5, l->line_code);
    sqlite3_bind_double(st, 6, l->length_m);
    store_bind_text(st, 7, l->status);
    store_bind_text(st, 8, l->agreement_ref);
    store_bind_text(st, 9, l->source);
    sqlite3_bind_double(st, 10, l->tolerance_m);
    store_bind_wkb(st, 11, l->wkb, l->wkb_len);
    store_bind_text(st, 12, l->valid_from && *l->valid_from ? l->valid_from : NULL);
    store_bind_text(st, 13, l->valid_to && *l->valid_to ? l->valid_to : NULL);
    return store_step_done(s, st, err, "boundary line");
}

static const char SQL_SWEEP_CLOSE[] =
    "UPDATE boundary_lines AS o SET seen = 1, valid_to = (SELECT min(n.valid_from) FROM boundary_lines n "
    "WHERE n.level = o.level AND n.left_code = o.left_code AND n.right_code = o.right_code AND n.seen = 1 "
    "AND n.valid_from > o.valid_from AND n.valid_from <= ?2) "
    "WHERE o.level = ?1 AND o.source = 'derived' AND o.seen = 0 AND EXISTS (SELECT 1 FROM boundary_lines n "
    "WHERE n.level = o.level AND n.left_code = o.left_code AND n.right_code = o.right_code AND n.seen = 1 "
    "AND n.valid_from > o.valid_from AND n.valid_from <= ?2)";

long store_boundary_sweep(store_t *s, division_level_t level, const char *date, dm_error *err)
{
    if (date && *date) {
        sqlite3_stmt *c = store_prepare_cached(s, SQL_SWEEP_CLOSE, err);
        if (!c)
            return DM_EINTERNAL;
        sqlite3_bind_int(c, 1, (int)level);
        sqlite3_bind_text(c, 2, date, -1, SQLITE_TRANSIENT);
        int rc = store_step_done(s, c, err, "boundary lines");
        if (rc)
            return rc;
    }
    sqlite3_stmt *st = store_prepare_cached(s, SQL_SWEEP, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_int(st, 1, (int)level);
    int rc = store_step_done(s, st, err, "boundary lines");
    return rc ? rc : (long)sqlite3_changes(store_sqlite(s));
}

static const char SQL_LINES[] =
    "SELECT id, level, left_code, right_code, name, line_code, length_m, status, agreement_ref, source, "
    "tolerance_m, AsBinary(geom), valid_from, valid_to FROM boundary_lines WHERE (?1 = 0 OR level = ?1) "
    "AND (?2 IS NULL OR left_code = ?2 OR right_code = ?2) AND (?3 IS NULL OR status = ?3) "
    "AND (?4 IS NULL OR (valid_from <= ?4 AND (valid_to IS NULL OR valid_to > ?4))) "
    "ORDER BY level, left_code, right_code, valid_from";

static const char SQL_IMPORT[] =
    "INSERT INTO boundary_lines(level, left_code, right_code, name, line_code, length_m, status, agreement_ref, "
    "source, tolerance_m, derived_on, seen, valid_from, valid_to, geom) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
    "coalesce(?7, 'unknown'), ?8, 'imported', NULL, strftime('%Y-%m-%d','now'), 1, coalesce(?10, ''), ?11, "
    "GeomFromWKB(?9, 4490)) "
    "ON CONFLICT (level, left_code, right_code, valid_from) DO UPDATE SET name = excluded.name, valid_to = excluded.valid_to, "
    "line_code = coalesce(excluded.line_code, boundary_lines.line_code), length_m = excluded.length_m, "
    "status = coalesce(?7, boundary_lines.status), agreement_ref = coalesce(excluded.agreement_ref, "
    "boundary_lines.agreement_ref), source = 'imported', tolerance_m = NULL, derived_on = excluded.derived_on, "
    "seen = 1, geom = excluded.geom";

static const char SQL_VERSION_STATUS[] =
    "SELECT status, coalesce(agreement_ref, '') FROM boundary_lines WHERE level = ?1 AND left_code = ?2 "
    "AND right_code = ?3 AND valid_from = ?4";

int store_boundary_version_status(store_t *s, division_level_t level, const char *left, const char *right,
                                  const char *valid_from, char *status, size_t ns, char *ref, size_t nr,
                                  dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, SQL_VERSION_STATUS, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_int(st, 1, (int)level);
    sqlite3_bind_text(st, 2, left, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, right, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, valid_from ? valid_from : "", -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(status, ns, "%s", col_text(st, 0) ? col_text(st, 0) : "unknown");
        snprintf(ref, nr, "%s", col_text(st, 1) ? col_text(st, 1) : "");
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_DONE)
        return dm_error_set(err, DM_ENOTFOUND, "line", "no version of %s—%s from '%s'", left, right,
                            valid_from ? valid_from : "");
    return sql_fail(s, err, "boundary line");
}

static const char SQL_IMPORT_SUPERSEDE[] =
    "DELETE FROM boundary_lines WHERE level = ?1 AND left_code = ?2 AND right_code = ?3 AND source = 'derived' "
    "AND valid_from < coalesce(?5, '9999-12-31') AND coalesce(valid_to, '9999-12-31') > coalesce(?4, '')";

int store_boundary_import(store_t *s, const boundary_line_t *l, dm_error *err)
{
    if (store_touch_layer(s, "boundaries", err))
        return DM_EIO;

    sqlite3_stmt *st = store_prepare_cached(s, SQL_IMPORT, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_int(st, 1, (int)l->level);
    sqlite3_bind_text(st, 2, l->left_code, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, l->right_code, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, l->name, -1, SQLITE_TRANSIENT);
    store_bind_text(st, 5, l->line_code);
    sqlite3_bind_double(st, 6, l->length_m);
    store_bind_text(st, 7, l->status);
    store_bind_text(st, 8, l->agreement_ref);
    store_bind_wkb(st, 9, l->wkb, l->wkb_len);
    store_bind_text(st, 10, l->valid_from && *l->valid_from ? l->valid_from : NULL);
    store_bind_text(st, 11, l->valid_to && *l->valid_to ? l->valid_to : NULL);
    int rc = store_step_done(s, st, err, "boundary line");
    if (rc)
        return rc;
    /* Derived versions of the pair that the official line's period covers give way to it. */
    st = store_prepare_cached(s, SQL_IMPORT_SUPERSEDE, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_int(st, 1, (int)l->level);
    sqlite3_bind_text(st, 2, l->left_code, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, l->right_code, -1, SQLITE_TRANSIENT);
    store_bind_text(st, 4, l->valid_from && *l->valid_from ? l->valid_from : NULL);
    store_bind_text(st, 5, l->valid_to && *l->valid_to ? l->valid_to : NULL);
    return store_step_done(s, st, err, "boundary line");
}

/* Calls fn for each row of a lines statement (the columns of SQL_LINES). */
static int walk_lines(store_t *s, sqlite3_stmt *st, store_line_fn fn, void *ctx, dm_error *err)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        boundary_line_t l;
        memset(&l, 0, sizeof l);
        l.id = sqlite3_column_int64(st, 0);
        l.level = (division_level_t)sqlite3_column_int(st, 1);
        snprintf(l.left_code, sizeof l.left_code, "%s", col_text(st, 2) ? col_text(st, 2) : "");
        snprintf(l.right_code, sizeof l.right_code, "%s", col_text(st, 3) ? col_text(st, 3) : "");
        l.name = col_text(st, 4);
        l.line_code = col_text(st, 5);
        l.length_m = sqlite3_column_double(st, 6);
        l.status = col_text(st, 7);
        l.agreement_ref = col_text(st, 8);
        l.source = col_text(st, 9);
        l.tolerance_m = sqlite3_column_double(st, 10);
        l.wkb = sqlite3_column_blob(st, 11);
        l.wkb_len = (size_t)sqlite3_column_bytes(st, 11);
        l.valid_from = col_text(st, 12) ? col_text(st, 12) : "";
        l.valid_to = col_text(st, 13) ? col_text(st, 13) : "";
        int stop = fn(&l, ctx);
        if (stop) {
            sqlite3_reset(st);
            return stop;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : sql_fail(s, err, "boundary lines");
}

int store_boundary_lines(store_t *s, division_level_t level, const char *code, store_line_fn fn, void *ctx,
                         dm_error *err)
{
    return store_boundary_lines_on(s, level, code, NULL, NULL, fn, ctx, err);
}

int store_boundary_lines_with_status(store_t *s, division_level_t level, const char *code, const char *status,
                                     store_line_fn fn, void *ctx, dm_error *err)
{
    return store_boundary_lines_on(s, level, code, status, NULL, fn, ctx, err);
}

int store_boundary_lines_on(store_t *s, division_level_t level, const char *code, const char *status,
                            const char *date, store_line_fn fn, void *ctx, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, SQL_LINES, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_int(st, 1, (int)level);
    store_bind_text(st, 2, code);
    store_bind_text(st, 3, status);
    store_bind_text(st, 4, date && *date ? date : NULL);
    return walk_lines(s, st, fn, ctx, err);
}

static const char SQL_LINE_CHANGES[] =
    "SELECT id, level, left_code, right_code, name, line_code, length_m, status, agreement_ref, source, "
    "tolerance_m, AsBinary(geom), valid_from, valid_to FROM boundary_lines "
    "WHERE ((valid_from > ?1 AND valid_from <= ?2) OR (valid_to > ?1 AND valid_to <= ?2)) "
    "AND (?3 IS NULL OR status = ?3) "
    "ORDER BY CASE WHEN valid_from > ?1 AND valid_from <= ?2 THEN valid_from ELSE valid_to END, level, left_code, "
    "right_code, valid_from";

int store_boundary_line_changes(store_t *s, const char *from, const char *to, const char *status, store_line_fn fn,
                                void *ctx, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, SQL_LINE_CHANGES, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_text(st, 1, from, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, to, -1, SQLITE_TRANSIENT);
    store_bind_text(st, 3, status && *status ? status : NULL);
    return walk_lines(s, st, fn, ctx, err);
}

static const char SQL_SET_STATUS[] =
    "UPDATE boundary_lines SET status = ?3, agreement_ref = ?4 "
    "WHERE ((left_code = ?1 AND right_code = ?2) OR (left_code = ?2 AND right_code = ?1)) AND valid_to IS NULL";

int store_boundary_set_status(store_t *s, const char *code_a, const char *code_b, const char *status,
                              const char *agreement_ref, dm_error *err)
{
    if (store_touch_layer(s, "boundaries", err))
        return DM_EIO;

    sqlite3_stmt *st = store_prepare_cached(s, SQL_SET_STATUS, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_text(st, 1, code_a, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, code_b, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, status, -1, SQLITE_TRANSIENT);
    store_bind_text(st, 4, agreement_ref);
    int rc = store_step_done(s, st, err, "boundary line status");
    if (rc)
        return rc;
    if (sqlite3_changes(store_sqlite(s)) == 0)
        return dm_error_set(err, DM_ENOTFOUND, "line", "no boundary line between %s and %s", code_a, code_b);
    return 0;
}

/* ---- markers ----------------------------------------------------------- */

static const char SQL_MARKERS[] =
    "SELECT id, number, type, line_code, status, material, installed_on, inspected_on, valid_from, valid_to, "
    "X(geom), Y(geom) FROM markers WHERE (?1 IS NULL OR line_code = ?1) "
    "AND (valid_to IS NULL OR (?2 IS NOT NULL AND valid_to > ?2)) "
    "AND (valid_from IS NULL OR ?2 IS NULL OR valid_from <= ?2) ORDER BY line_code, number, id";

int store_markers(store_t *s, const char *line_code, const char *date, store_marker_fn fn, void *ctx,
                  dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, SQL_MARKERS, err);
    if (!st)
        return DM_EINTERNAL;
    store_bind_text(st, 1, line_code);
    store_bind_text(st, 2, date);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        marker_rec_t m = {
            .id = sqlite3_column_int64(st, 0),
            .number = col_text(st, 1),
            .type = col_text(st, 2),
            .line_code = col_text(st, 3),
            .status = col_text(st, 4),
            .material = col_text(st, 5),
            .installed_on = col_text(st, 6),
            .inspected_on = col_text(st, 7),
            .valid_from = col_text(st, 8),
            .valid_to = col_text(st, 9),
            .lon = sqlite3_column_double(st, 10),
            .lat = sqlite3_column_double(st, 11),
        };
        int stop = fn(&m, ctx);
        if (stop) {
            sqlite3_reset(st);
            return stop;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : sql_fail(s, err, "markers");
}

static const char SQL_MARKER_CURRENT[] =
    "SELECT id, type, line_code FROM markers WHERE number = ?1 AND valid_to IS NULL ORDER BY id DESC LIMIT 1";
static const char SQL_MARKER_NEW[] =
    "INSERT INTO markers(number, type, line_code, status, material, installed_on, inspected_on, valid_from, "
    "batch_id, row_no, geom) VALUES (?1, ?2, ?3, 'intact', ?4, ?5, ?5, ?5, NULL, NULL, "
    "MakePoint(?6, ?7, 4490))";
static const char SQL_MARKER_RETIRE[] =
    "UPDATE markers SET valid_to = ?2, status = 'replaced', replaced_by = ?3 WHERE id = ?1";

int store_marker_replace(store_t *s, const char *number, const char *on, double lon, double lat,
                         const char *material, int64_t *new_id, dm_error *err)
{
    if (store_touch_layer(s, "markers", err))
        return DM_EIO;

    sqlite3_stmt *st = store_prepare_cached(s, SQL_MARKER_CURRENT, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_text(st, 1, number, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        if (rc == SQLITE_DONE)
            return dm_error_set(err, DM_ENOTFOUND, "number", "no current marker numbered %s", number);
        return sql_fail(s, err, "marker lookup");
    }
    int64_t old_id = sqlite3_column_int64(st, 0);
    char type[64], line[32];
    snprintf(type, sizeof type, "%s", col_text(st, 1) ? col_text(st, 1) : "");
    snprintf(line, sizeof line, "%s", col_text(st, 2) ? col_text(st, 2) : "");
    sqlite3_reset(st);

    st = store_prepare_cached(s, SQL_MARKER_NEW, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_text(st, 1, number, -1, SQLITE_TRANSIENT);
    store_bind_text(st, 2, type);
    store_bind_text(st, 3, line);
    store_bind_text(st, 4, material);
    sqlite3_bind_text(st, 5, on, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(st, 6, lon);
    sqlite3_bind_double(st, 7, lat);
    if ((rc = store_step_done(s, st, err, "marker")))
        return rc;
    *new_id = sqlite3_last_insert_rowid(store_sqlite(s));

    st = store_prepare_cached(s, SQL_MARKER_RETIRE, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_int64(st, 1, old_id);
    sqlite3_bind_text(st, 2, on, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, *new_id);
    return store_step_done(s, st, err, "marker");
}

/* ---- inspections --------------------------------------------------------- */

static const char SQL_ROUND_NEW[] =
    "INSERT INTO inspection_rounds(line_code, round_no, inspected_on, parties) VALUES (?1, ?2, ?3, ?4)";
static const char SQL_FINDING_NEW[] =
    "INSERT INTO inspection_findings(round_id, marker_number, finding, note) VALUES (?1, ?2, ?3, ?4)";
static const char SQL_ROUND_LAST[] =
    "SELECT id, round_no, inspected_on FROM inspection_rounds WHERE line_code = ?1 "
    "ORDER BY round_no DESC LIMIT 1";
static const char SQL_ROUND_COVERS[] =
    "SELECT 1 FROM inspection_findings WHERE round_id = ?1 AND marker_number = ?2";

int store_inspection_round(store_t *s, const char *line_code, long round_no, const char *on,
                           const char *parties, int64_t *round_id, dm_error *err)
{
    if (store_touch_layer(s, "markers", err))
        return DM_EIO;

    sqlite3_stmt *st = store_prepare_cached(s, SQL_ROUND_NEW, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_text(st, 1, line_code, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, round_no);
    sqlite3_bind_text(st, 3, on, -1, SQLITE_TRANSIENT);
    store_bind_text(st, 4, parties);
    int rc = store_step_done(s, st, err, "inspection round");
    if (rc == DM_ECONFLICT)
        return dm_error_set(err, DM_ECONFLICT, "round", "line %s already has round %ld", line_code, round_no);
    if (rc)
        return rc;
    *round_id = sqlite3_last_insert_rowid(store_sqlite(s));
    return 0;
}

int store_inspection_finding(store_t *s, int64_t round_id, const char *marker_number, const char *finding,
                             const char *note, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, SQL_FINDING_NEW, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_int64(st, 1, round_id);
    sqlite3_bind_text(st, 2, marker_number, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, finding, -1, SQLITE_TRANSIENT);
    store_bind_text(st, 4, note);
    return store_step_done(s, st, err, "inspection finding");
}

int store_inspection_last(store_t *s, const char *line_code, long *round_no, char on[11], int64_t *round_id,
                          dm_error *err)
{
    *round_no = 0;
    on[0] = '\0';
    *round_id = 0;
    sqlite3_stmt *st = store_prepare_cached(s, SQL_ROUND_LAST, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_text(st, 1, line_code, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *round_id = sqlite3_column_int64(st, 0);
        *round_no = (long)sqlite3_column_int64(st, 1);
        snprintf(on, 11, "%s", col_text(st, 2) ? col_text(st, 2) : "");
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sql_fail(s, err, "inspection rounds");
}

int store_inspection_covers(store_t *s, int64_t round_id, const char *marker_number, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, SQL_ROUND_COVERS, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_int64(st, 1, round_id);
    sqlite3_bind_text(st, 2, marker_number, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : sql_fail(s, err, "inspection findings");
}

/* ---- divisions over time ------------------------------------------------------ */

#define DIV_SELECT                                                                                                 \
    "SELECT id, code, parent_code, name, name_original, level, type, urban_rural, code_source, valid_from, "       \
    "valid_to, batch_id, row_no, AsBinary(geom) FROM divisions "

static const char SQL_OPEN_BEFORE[] = DIV_SELECT "WHERE code = ?1 AND valid_to IS NULL "
                                                "AND (valid_from IS NULL OR valid_from < ?2) ORDER BY id DESC LIMIT 1";
static const char SQL_OPEN_UNDER[] = DIV_SELECT "WHERE parent_code = ?1 AND level = ?2 AND valid_to IS NULL "
                                               "AND (valid_from IS NULL OR valid_from < ?3) ORDER BY code";
static const char SQL_CLOSE[] = "UPDATE divisions SET valid_to = ?2 WHERE id = ?1";

int store_division_open_before(store_t *s, const char *code, const char *date, division_t *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = store_prepare_cached(s, SQL_OPEN_BEFORE, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, date, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        rc = store_row_division(st, out);
        sqlite3_reset(st);
        if (rc) {
            division_clear(out);
            return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        }
        return 0;
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return dm_error_set(err, DM_ENOTFOUND, "code", "no open version of %s before %s", code, date);
    return sql_fail(s, err, "division lookup");
}

int store_divisions_open_under(store_t *s, const char *parent, division_level_t level, const char *date,
                               store_division_fn fn, void *ctx, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, SQL_OPEN_UNDER, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_text(st, 1, parent, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, (int)level);
    sqlite3_bind_text(st, 3, date, -1, SQLITE_TRANSIENT);
    return store_walk_divisions(s, st, fn, ctx, err);
}

int store_division_close(store_t *s, int64_t id, const char *date, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, SQL_CLOSE, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_int64(st, 1, id);
    store_bind_text(st, 2, date);
    return store_step_done(s, st, err, "division version");
}

static const char SQL_INSERTED[] = "SELECT 1 FROM divisions WHERE code = ?1 AND valid_from = ?2 AND batch_id = ?3";

int store_division_inserted(store_t *s, const char *code, const char *date, int64_t batch_id, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, SQL_INSERTED, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, date, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, batch_id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : sql_fail(s, err, "division lookup");
}

static const char SQL_CHANGE_NEW[] =
    "INSERT INTO division_changes(change_date, kind, level, code_from, name_from, type_from, parent_from, code_to, "
    "name_to, type_to, parent_to, area_m2, batch_id, geom) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
    "?12, ?13, GeomFromWKB(?14, 4490))";
static const char SQL_CHANGES[] =
    "SELECT id, change_date, kind, level, code_from, name_from, type_from, parent_from, code_to, name_to, type_to, "
    "parent_to, area_m2, AsBinary(geom), batch_id FROM division_changes WHERE change_date > ?1 AND change_date <= ?2 "
    "AND (?3 IS NULL OR substr(code_from, 1, length(?3)) = ?3 OR substr(code_to, 1, length(?3)) = ?3) "
    "ORDER BY change_date, id";

int store_change_insert(store_t *s, const division_change_t *c, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, SQL_CHANGE_NEW, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_text(st, 1, c->date, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, c->kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 3, (int)c->level);
    store_bind_text(st, 4, c->code_from);
    store_bind_text(st, 5, c->name_from);
    store_bind_text(st, 6, c->type_from);
    store_bind_text(st, 7, c->parent_from);
    store_bind_text(st, 8, c->code_to);
    store_bind_text(st, 9, c->name_to);
    store_bind_text(st, 10, c->type_to);
    store_bind_text(st, 11, c->parent_to);
    if (c->area_m2 == c->area_m2)
        sqlite3_bind_double(st, 12, c->area_m2);
    if (c->batch_id > 0)
        sqlite3_bind_int64(st, 13, c->batch_id);
    store_bind_wkb(st, 14, c->wkb, c->wkb_len);
    return store_step_done(s, st, err, "division change");
}

int store_changes(store_t *s, const char *from, const char *to, const char *prefix, store_change_fn fn, void *ctx,
                  dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, SQL_CHANGES, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_text(st, 1, from, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, to, -1, SQLITE_TRANSIENT);
    store_bind_text(st, 3, prefix);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        division_change_t c = {
            .id = sqlite3_column_int64(st, 0),
            .date = col_text(st, 1),
            .kind = col_text(st, 2),
            .level = (division_level_t)sqlite3_column_int(st, 3),
            .code_from = col_text(st, 4),
            .name_from = col_text(st, 5),
            .type_from = col_text(st, 6),
            .parent_from = col_text(st, 7),
            .code_to = col_text(st, 8),
            .name_to = col_text(st, 9),
            .type_to = col_text(st, 10),
            .parent_to = col_text(st, 11),
            .area_m2 = sqlite3_column_type(st, 12) == SQLITE_NULL ? (double)NAN : sqlite3_column_double(st, 12),
            .wkb = sqlite3_column_blob(st, 13),
            .wkb_len = (size_t)sqlite3_column_bytes(st, 13),
            .batch_id = sqlite3_column_int64(st, 14),
        };
        int stop = fn(&c, ctx);
        if (stop) {
            sqlite3_reset(st);
            return stop;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : sql_fail(s, err, "division changes");
}
