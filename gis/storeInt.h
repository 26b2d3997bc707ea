/* storeInt.h — internals shared by the files of the store module
 * (store.c and store_<area>.c) and by the store's tests. Nothing outside the
 * store module includes this: everything else goes through store.h.
 *
 * SQL of an area (names, boundaries, coverage, …) lives in store_<area>.c
 * and reaches the connection through store_prepare_cached, which prepares a
 * statement once per connection, keyed by the address of its (static) SQL
 * string, and hands it back reset with its bindings cleared. */
#ifndef DIMING_STORE_INT_H
#define DIMING_STORE_INT_H

#include <sqlite3.h>

#include "gis/store.h"

int store_open_at(const char *path, int flags, int version, store_t **out, dm_error *err);
int store_migrate_to(store_t *s, int to, dm_error *err);

sqlite3 *store_sqlite(store_t *s);
sqlite3_stmt *store_prepare_cached(store_t *s, const char *sql, dm_error *err);

/* Reads a division row selected as "id, code, parent_code, name,
 * name_original, level, type, urban_rural, code_source, valid_from, valid_to,
 * batch_id, row_no, AsBinary(geom)" into *d (cleared by division_clear). */
int store_row_division(sqlite3_stmt *st, division_t *d);
/* Steps a bound statement selecting division rows (the column order of
 * store_row_division), calling fn for each; resets it. fn's non-zero return
 * stops the walk and is returned. */
int store_walk_divisions(store_t *s, sqlite3_stmt *st, store_division_fn fn, void *ctx, dm_error *err);

/* Binding helpers: empty strings and negative counts bind as NULL. */
void store_bind_text(sqlite3_stmt *st, int i, const char *v);
void store_bind_long(sqlite3_stmt *st, int i, long v);
void store_bind_wkb(sqlite3_stmt *st, int i, const unsigned char *wkb, size_t len);

/* Steps a statement expected to finish (INSERT/UPDATE); resets it. Maps
 * constraint violations to DM_ECONFLICT, other failures to DM_EIO. */
int store_step_done(store_t *s, sqlite3_stmt *st, dm_error *err, const char *what);

#endif
