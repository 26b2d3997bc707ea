/* store_signs.c — SQL of the signs and directory modules (store_signs.h):
 * the sign table written by the importer, and the box and prefix reads of
 * signs, road edges, place names and divisions that gis/signs*.c and
 * gis/directory*.c combine. Every statement is bound, never built. */
#include "gis/store_signs.h"
#include "gis/storeInt.h"
#include "gis/date.h"

#include <math.h>
#include <string.h>

static const char sql_insert[] =
    "INSERT INTO signs(type, text, text_original, pinyin, name_id, name_text, installed_on, condition,"
    " batch_id, row_no, geom) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, GeomFromWKB(?11, 4490))";

#define BOX(tab) " id IN (SELECT pkid FROM idx_" tab "_geom WHERE xmin <= ?3 AND xmax >= ?1 AND ymin <= ?4 AND ymax >= ?2)"

static const char sql_signs_bbox[] =
    "SELECT id, type, text, text_original, pinyin, name_id, name_text, installed_on, condition, X(geom), Y(geom)"
    " FROM signs WHERE" BOX("signs") " ORDER BY id";
static const char sql_signs_count[] = "SELECT count(*) FROM signs";
static const char sql_roads_bbox[] =
    "SELECT id, name, class, osm_id, length_m, AsBinary(geom) FROM road_edges WHERE" BOX("road_edges") " ORDER BY id";
#define PLACE_COLS "SELECT id, name, category, division_code, status, approval_doc, approved_on, former_names, pinyin," \
                   " AsBinary(geom) FROM place_names"
static const char sql_places_bbox[] = PLACE_COLS " WHERE" BOX("place_names") " ORDER BY id";
static const char sql_places_div[] =
    PLACE_COLS " WHERE substr(division_code, 1, length(?1)) = ?1 ORDER BY id";
static const char sql_place_get[] = PLACE_COLS " WHERE id = ?1";
static const char sql_places_name[] = PLACE_COLS " WHERE name = ?1 ORDER BY id";
static const char sql_div_under[] =
    "SELECT id, code, parent_code, name, name_original, level, type, urban_rural, code_source, valid_from,"
    " valid_to, batch_id, row_no, AsBinary(geom) FROM divisions WHERE substr(code, 1, length(?1)) = ?1"
    " AND level = ?3 AND (valid_from IS NULL OR valid_from <= ?2) AND (valid_to IS NULL OR valid_to > ?2)"
    " ORDER BY code";

static const char *col_text(sqlite3_stmt *st, int i) { return (const char *)sqlite3_column_text(st, i); }

static int scan_error(store_t *s, dm_error *err, const char *what)
{
    return dm_error_set(err, DM_EIO, NULL, "reading %s: %s", what, sqlite3_errmsg(store_sqlite(s)));
}

int store_insert_sign(store_t *s, const sign_row_t *r, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, sql_insert, err);
    if (!st)
        return DM_EINTERNAL;
    store_bind_text(st, 1, r->type);
    store_bind_text(st, 2, r->text);
    store_bind_text(st, 3, r->text_original);
    store_bind_text(st, 4, r->pinyin);
    if (r->name_id > 0)
        sqlite3_bind_int64(st, 5, r->name_id);
    store_bind_text(st, 6, r->name_text);
    store_bind_text(st, 7, r->installed_on);
    store_bind_text(st, 8, r->condition);
    sqlite3_bind_int64(st, 9, r->batch_id);
    sqlite3_bind_int64(st, 10, r->row_no);
    store_bind_wkb(st, 11, r->wkb, r->wkb_len);
    return store_step_done(s, st, err, "sign");
}

static void bind_box(sqlite3_stmt *st, const store_bbox_t *b)
{
    sqlite3_bind_double(st, 1, b->minx);
    sqlite3_bind_double(st, 2, b->miny);
    sqlite3_bind_double(st, 3, b->maxx);
    sqlite3_bind_double(st, 4, b->maxy);
}

int store_signs_in_bbox(store_t *s, const store_bbox_t *b, store_sign_fn fn, void *ctx, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, sql_signs_bbox, err);
    if (!st)
        return DM_EINTERNAL;
    bind_box(st, b);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sign_row_t r = {
            .id = sqlite3_column_int64(st, 0),
            .type = col_text(st, 1),
            .text = col_text(st, 2),
            .text_original = col_text(st, 3),
            .pinyin = col_text(st, 4),
            .name_id = sqlite3_column_int64(st, 5),
            .name_text = col_text(st, 6),
            .installed_on = col_text(st, 7),
            .condition = col_text(st, 8),
            .lon = sqlite3_column_double(st, 9),
            .lat = sqlite3_column_double(st, 10),
        };
        int stop = fn(&r, ctx);
        if (stop) {
            sqlite3_reset(st);
            return stop;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : scan_error(s, err, "signs");
}

long store_signs_count(store_t *s, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, sql_signs_count, err);
    if (!st)
        return DM_EINTERNAL;
    long n = sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    return n;
}

int store_roads_in_bbox(store_t *s, const store_bbox_t *b, store_road_fn fn, void *ctx, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, sql_roads_bbox, err);
    if (!st)
        return DM_EINTERNAL;
    bind_box(st, b);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_road_row_t r = {
            .id = sqlite3_column_int64(st, 0),
            .name = col_text(st, 1),
            .road_class = col_text(st, 2),
            .osm_id = col_text(st, 3),
            .length_m = sqlite3_column_double(st, 4),
            .wkb = sqlite3_column_blob(st, 5),
            .wkb_len = (size_t)sqlite3_column_bytes(st, 5),
        };
        int stop = fn(&r, ctx);
        if (stop) {
            sqlite3_reset(st);
            return stop;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : scan_error(s, err, "road_edges");
}

static int walk_places(store_t *s, sqlite3_stmt *st, store_place_fn fn, void *ctx, long *count, dm_error *err)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_place_row_t r = {
            .id = sqlite3_column_int64(st, 0),
            .name = col_text(st, 1),
            .category = col_text(st, 2),
            .division_code = col_text(st, 3),
            .status = col_text(st, 4),
            .approval_doc = col_text(st, 5),
            .approved_on = col_text(st, 6),
            .former_names = col_text(st, 7),
            .pinyin = col_text(st, 8),
            .wkb = sqlite3_column_blob(st, 9),
            .wkb_len = (size_t)sqlite3_column_bytes(st, 9),
        };
        if (!r.name)
            continue;
        if (count)
            (*count)++;
        int stop = fn(&r, ctx);
        if (stop) {
            sqlite3_reset(st);
            return stop;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : scan_error(s, err, "place_names");
}

int store_places_in_bbox(store_t *s, const store_bbox_t *b, store_place_fn fn, void *ctx, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, sql_places_bbox, err);
    if (!st)
        return DM_EINTERNAL;
    bind_box(st, b);
    return walk_places(s, st, fn, ctx, NULL, err);
}

int store_places_by_division(store_t *s, const char *prefix, store_place_fn fn, void *ctx, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, sql_places_div, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_text(st, 1, prefix, -1, SQLITE_TRANSIENT);
    return walk_places(s, st, fn, ctx, NULL, err);
}

int store_place_get(store_t *s, int64_t id, store_place_fn fn, void *ctx, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, sql_place_get, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_int64(st, 1, id);
    long n = 0;
    int rc = walk_places(s, st, fn, ctx, &n, err);
    if (rc)
        return rc;
    return n ? 0 : dm_error_set(err, DM_ENOTFOUND, "name_id", "no place name with id %lld", (long long)id);
}

int store_places_by_name(store_t *s, const char *name, store_place_fn fn, void *ctx, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, sql_places_name, err);
    if (!st)
        return DM_EINTERNAL;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    return walk_places(s, st, fn, ctx, NULL, err);
}

int store_divisions_under(store_t *s, const char *prefix, division_level_t level, const char *date,
                          store_division_fn fn, void *ctx, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, sql_div_under, err);
    if (!st)
        return DM_EINTERNAL;
    char today[11];
    if (!date || !*date) {
        date_today(today);
        date = today;
    }
    sqlite3_bind_text(st, 1, prefix, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, date, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 3, (int)level);
    return store_walk_divisions(s, st, fn, ctx, err);
}
