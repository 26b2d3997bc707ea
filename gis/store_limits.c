/* store_limits.c — the store queries of the request limits; see store_limits.h. */
#include "gis/store_limits.h"

#include <sqlite3.h>

#include "gis/date.h"
#include "gis/storeInt.h"

int store_limits_division_extent(store_t *s, const char *code, const char *date, double bbox[4], dm_error *err)
{
    sqlite3_stmt *st = store_prepare_cached(
        s,
        "SELECT MbrMinX(geom), MbrMinY(geom), MbrMaxX(geom), MbrMaxY(geom) FROM divisions"
        " WHERE code = ?1 AND geom IS NOT NULL"
        " AND (valid_from IS NULL OR valid_from <= ?2) AND (valid_to IS NULL OR valid_to > ?2)"
        " ORDER BY valid_from DESC LIMIT 1",
        err);
    if (!st)
        return DM_EINTERNAL;
    char today[11];
    if (!date || !*date) {
        date_today(today);
        date = today;
    }
    sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, date, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        for (int i = 0; i < 4; i++)
            bbox[i] = sqlite3_column_double(st, i);
        sqlite3_reset(st);
        return 1;
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return 0;
    return dm_error_set(err, DM_EIO, NULL, "division extent: %s", sqlite3_errmsg(store_sqlite(s)));
}

void store_limits_reset_statements(store_t *s)
{
    sqlite3 *db = store_sqlite(s);
    for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st; st = sqlite3_next_stmt(db, st))
        sqlite3_reset(st);
}
