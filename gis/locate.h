/* locate.h — which divisions contain a point: the in-memory division index.
 *
 * Point lookup is the hottest query of diming (every map click, every check),
 * so it does not go through SQL. At start the server loads every division
 * version that has an outline into a GEOS STRtree of prepared geometries
 * (PLATFORM.md §8: prepared point-in-polygon is 100–6000× faster than plain);
 * a lookup is one tree query plus a prepared covers test per candidate.
 *
 * Containment is "covers" (boundary included), so a point on a shared border
 * belongs to both neighbours; the chain picks, per level, the candidate whose
 * parent is the division chosen one level up, then the lowest code — a stable
 * answer on overlapping or sliver-ridden data.
 *
 * Threads: build once, then any number of threads may call
 * division_index_locate concurrently (the prepared geometries and the tree are
 * fully built and warmed before division_index_build returns, so lookups are
 * read-only).
 *
 * Ownership: the index owns its entries; pointers to entries returned by
 * locate are borrowed and valid until division_index_free. */
#ifndef DIMING_LOCATE_H
#define DIMING_LOCATE_H

#include <stddef.h>

#include "gis/error.h"
#include "gis/store.h"

typedef struct division_index division_index_t;

typedef struct division_entry {
    char code[13];
    char parent_code[13];
    char valid_from[11];
    char valid_to[11];
    division_level_t level;
    char *name;
    char *type;
    char *urban_rural;
    size_t ordinal; /* position in the index, 0 .. divisions-1: callers keep per-entry data by it */
} division_entry_t;

typedef struct division_index_stats {
    size_t divisions;      /* versions with an outline */
    size_t vertices;       /* total coordinates held */
    double build_seconds;
} division_index_stats_t;

/* Loads all outlines from the store. *out is new; free with division_index_free. */
int division_index_build(store_t *s, division_index_t **out, dm_error *err);
void division_index_free(division_index_t *idx);
division_index_stats_t division_index_stats(const division_index_t *idx);
/* Entry i (its ordinal), 0 <= i < division_index_stats().divisions; owned by the index. */
const division_entry_t *division_index_entry(const division_index_t *idx, size_t i);

#define LOCATE_MAX_CHAIN 5

/* Fills chain[0..n) with the divisions containing (lon, lat) valid on `date`
 * (YYYY-MM-DD, required), ordered province → village, at most one per level.
 * Returns n (0 when the point lies in no division). */
int division_index_locate(const division_index_t *idx, double lon, double lat, const char *date,
                          const division_entry_t *chain[LOCATE_MAX_CHAIN]);

#endif
