/* store_coverage.h — the rows the coverage module (gis/coverage.h) reads from
 * the store: walkable road edges, facilities and residential areas.
 *
 * Each call walks a SELECT and hands every row to a callback; the row and its
 * strings and WKB are borrowed for the duration of the callback only (copy
 * what you keep). Returning non-zero from the callback stops the walk and is
 * returned. SQL lives in store_coverage.c. */
#ifndef DIMING_STORE_COVERAGE_H
#define DIMING_STORE_COVERAGE_H

#include <stddef.h>
#include <stdint.h>

#include "gis/store.h"

typedef struct store_cov_edge {
    int64_t id;
    const char *name;   /* NULL when the road has no name */
    const char *osm_id; /* NULL for edges not from OpenStreetMap */
    const unsigned char *wkb;
    size_t wkb_len;
} store_cov_edge_t;

typedef struct store_cov_facility {
    int64_t id;
    const char *name, *type, *functions, *status, *division_code;
    long beds, nursing_beds; /* -1 when unknown */
    const unsigned char *wkb;
    size_t wkb_len;
} store_cov_facility_t;

typedef struct store_cov_area {
    int64_t id;
    const char *name, *division_code;
    long households, pop_60, pop_80; /* -1 when unknown */
    const unsigned char *wkb;        /* the area's own geometry */
    size_t wkb_len;
    double lon, lat;                 /* a point inside it (PointOnSurface) */
} store_cov_area_t;

/* A division taken as a unit of a plan target (街道, 社区, 村 …). */
typedef struct store_cov_unit {
    const char *code, *name, *type, *urban_rural;
    const unsigned char *wkb; /* NULL when the division has no outline */
    size_t wkb_len;
} store_cov_unit_t;

typedef int (*store_cov_unit_fn)(const store_cov_unit_t *u, void *ctx);
typedef int (*store_cov_edge_fn)(const store_cov_edge_t *e, void *ctx);
typedef int (*store_cov_facility_fn)(const store_cov_facility_t *f, void *ctx);
typedef int (*store_cov_area_fn)(const store_cov_area_t *a, void *ctx);

/* Every walkable road edge (walkable = 1), in id order. */
int store_cov_edges(store_t *s, store_cov_edge_fn fn, void *ctx, dm_error *err);
/* Every facility, in id order. */
int store_cov_facilities(store_t *s, store_cov_facility_fn fn, void *ctx, dm_error *err);
/* Residential areas whose division_code starts with `code_prefix` (the
 * significant digits of a division code; "" for all), in id order. */
int store_cov_areas(store_t *s, const char *code_prefix, store_cov_area_fn fn, void *ctx, dm_error *err);

/* The point of facility `id`: DM_ENOTFOUND when there is none. */
int store_cov_facility_point(store_t *s, int64_t id, double *lon, double *lat, dm_error *err);

/* Divisions at `level` whose code starts with `code_prefix`, valid on `date`
 * (YYYY-MM-DD), in code order. */
int store_cov_units(store_t *s, const char *code_prefix, int level, const char *date, store_cov_unit_fn fn,
                    void *ctx, dm_error *err);

#endif
