/* store_limits.h — what the request limits need from the store: a division's
 * extent (to refuse a coverage area too large before computing it) and a way
 * to release every statement after a request was stopped by its deadline.
 *
 * Ownership: nothing is allocated for the caller. */
#ifndef DIMING_STORE_LIMITS_H
#define DIMING_STORE_LIMITS_H

#include "gis/error.h"
#include "gis/store.h"

/* The bounding box (west, south, east, north, degrees) of the outline of the
 * version of `code` valid on `date` (YYYY-MM-DD; NULL/"" = today).
 * Returns 1 with bbox filled, 0 when that version has no outline or does not
 * exist (nothing to limit: the caller's own lookup reports it), <0 on error. */
int store_limits_division_extent(store_t *s, const char *code, const char *date, double bbox[4], dm_error *err);

/* Resets every prepared statement of the connection, so a statement stopped
 * mid-way (SQLITE_INTERRUPT) holds no read transaction into the next request. */
void store_limits_reset_statements(store_t *s);

#endif
