/* store_names.c — SQL of the names module: one scan of place_names for the
 * in-memory name index (names_index.c), without the cancelled and retired
 * names (no longer standard: the register keeps their history). The representative point is the
 * centre of the bounding box (cheap for a million rows; distances between
 * names are ranking hints, not survey figures). */
#include "gis/store_names.h"
#include "gis/storeInt.h"

#include <math.h>

static const char sql_each[] =
    "SELECT id, name, category, division_code, status, former_names, pinyin,"
    " (MbrMinX(geom) + MbrMaxX(geom)) / 2, (MbrMinY(geom) + MbrMaxY(geom)) / 2, approved_on"
    " FROM place_names WHERE status IS NULL OR status NOT IN ('cancelled', 'retired') ORDER BY id";

static const char *col_text(sqlite3_stmt *st, int i) { return (const char *)sqlite3_column_text(st, i); }

int store_names_each(store_t *s, store_name_fn fn, void *ctx, dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(s, sql_each, err);
    if (!st)
        return err ? err->code : DM_EIO;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_name_row_t r = {
            .id = sqlite3_column_int64(st, 0),
            .name = col_text(st, 1),
            .category = col_text(st, 2),
            .division_code = col_text(st, 3),
            .status = col_text(st, 4),
            .former_names = col_text(st, 5),
            .pinyin = col_text(st, 6),
            .lon = sqlite3_column_type(st, 7) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 7),
            .lat = sqlite3_column_type(st, 8) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 8),
            .approved_on = col_text(st, 9),
        };
        if (!r.name)
            continue;
        int stop = fn(&r, ctx);
        if (stop) {
            sqlite3_reset(st);
            return stop;
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return dm_error_set(err, DM_EIO, NULL, "reading place_names: %s", sqlite3_errmsg(store_sqlite(s)));
    return 0;
}
