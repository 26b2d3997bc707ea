/* store_coverage.c — the SQL of the coverage module; see store_coverage.h.
 * Statements are prepared once per connection through store_prepare_cached
 * and always bound. */
#include "gis/store_coverage.h"
#include "gis/storeInt.h"

#include <string.h>

static const char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t && *t ? (const char *)t : NULL;
}

static long col_long(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : (long)sqlite3_column_int64(st, i);
}

static int finish(store_t *s, sqlite3_stmt *st, int rc, int stopped, dm_error *err, const char *what)
{
    sqlite3_reset(st);
    if (stopped)
        return stopped;
    if (rc != SQLITE_DONE)
        return dm_error_set(err, DM_EIO, NULL, "reading %s: %s", what, sqlite3_errmsg(store_sqlite(s)));
    return 0;
}

static const char sql_edges[] =
    "SELECT id, name, osm_id, AsBinary(geom) FROM road_edges WHERE walkable = 1 AND geom IS NOT NULL ORDER BY id";

int store_cov_edges(store_t *s, store_cov_edge_fn fn, void *ctx, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, sql_edges, err);
    if (!st)
        return DM_EIO;
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_cov_edge_t e = {sqlite3_column_int64(st, 0), col_text(st, 1), col_text(st, 2),
                              sqlite3_column_blob(st, 3), (size_t)sqlite3_column_bytes(st, 3)};
        if (e.wkb)
            stop = fn(&e, ctx);
    }
    return finish(s, st, rc, stop, err, "road edges");
}

static const char sql_facilities[] =
    "SELECT id, name, type, functions, status, division_code, beds, nursing_beds, AsBinary(geom) "
    "FROM facilities WHERE geom IS NOT NULL ORDER BY id";

int store_cov_facilities(store_t *s, store_cov_facility_fn fn, void *ctx, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, sql_facilities, err);
    if (!st)
        return DM_EIO;
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_cov_facility_t f = {sqlite3_column_int64(st, 0), col_text(st, 1), col_text(st, 2), col_text(st, 3),
                                  col_text(st, 4), col_text(st, 5), col_long(st, 6), col_long(st, 7),
                                  sqlite3_column_blob(st, 8), (size_t)sqlite3_column_bytes(st, 8)};
        if (f.wkb)
            stop = fn(&f, ctx);
    }
    return finish(s, st, rc, stop, err, "facilities");
}

/* substr() rather than LIKE: a prefix match without wildcards in the input. */
static const char sql_areas[] =
    "SELECT id, name, division_code, households, pop_60, pop_80, AsBinary(geom), "
    "X(PointOnSurface(geom)), Y(PointOnSurface(geom)) FROM residential_areas "
    "WHERE geom IS NOT NULL AND (?1 = '' OR substr(division_code, 1, length(?1)) = ?1) ORDER BY id";

int store_cov_areas(store_t *s, const char *code_prefix, store_cov_area_fn fn, void *ctx, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, sql_areas, err);
    if (!st)
        return DM_EIO;
    sqlite3_bind_text(st, 1, code_prefix ? code_prefix : "", -1, SQLITE_TRANSIENT);
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_cov_area_t a = {sqlite3_column_int64(st, 0),
                              col_text(st, 1),
                              col_text(st, 2),
                              col_long(st, 3),
                              col_long(st, 4),
                              col_long(st, 5),
                              sqlite3_column_blob(st, 6),
                              (size_t)sqlite3_column_bytes(st, 6),
                              sqlite3_column_double(st, 7),
                              sqlite3_column_double(st, 8)};
        if (a.wkb && sqlite3_column_type(st, 7) != SQLITE_NULL)
            stop = fn(&a, ctx);
    }
    return finish(s, st, rc, stop, err, "residential areas");
}

static const char sql_units[] =
    "SELECT code, name, type, urban_rural, AsBinary(geom) FROM divisions "
    "WHERE level = ?1 AND substr(code, 1, length(?2)) = ?2 "
    "AND (valid_from IS NULL OR valid_from <= ?3) AND (valid_to IS NULL OR valid_to > ?3) ORDER BY code";

int store_cov_units(store_t *s, const char *code_prefix, int level, const char *date, store_cov_unit_fn fn,
                    void *ctx, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, sql_units, err);
    if (!st)
        return DM_EIO;
    sqlite3_bind_int(st, 1, level);
    sqlite3_bind_text(st, 2, code_prefix ? code_prefix : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, date, -1, SQLITE_TRANSIENT);
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_cov_unit_t u = {col_text(st, 0), col_text(st, 1), col_text(st, 2), col_text(st, 3),
                              sqlite3_column_blob(st, 4), (size_t)sqlite3_column_bytes(st, 4)};
        stop = fn(&u, ctx);
    }
    return finish(s, st, rc, stop, err, "divisions");
}

static const char sql_facility_point[] = "SELECT X(geom), Y(geom) FROM facilities WHERE id = ?1 AND geom IS NOT NULL";

int store_cov_facility_point(store_t *s, int64_t id, double *lon, double *lat, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, sql_facility_point, err);
    if (!st)
        return DM_EIO;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *lon = sqlite3_column_double(st, 0), *lat = sqlite3_column_double(st, 1);
        sqlite3_reset(st);
        return 0;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return dm_error_set(err, DM_EIO, NULL, "reading facility %lld: %s", (long long)id,
                            sqlite3_errmsg(store_sqlite(s)));
    return dm_error_set(err, DM_ENOTFOUND, "facility", "no facility with id %lld", (long long)id);
}
