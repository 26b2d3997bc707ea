/* store_signs.h — the store's SQL for place-name signs (地名标志), the
 * directory (地名录) and naming candidates (SQL in store_signs.c).
 *
 * Writes: store_insert_sign (the importer; the import batch touches the
 * "signs" layer). Reads walk rows through a callback; a row and its strings
 * and WKB are borrowed for the call only. Bounding boxes are lon/lat
 * (CGCS2000) and use the tables' R*Tree indexes. */
#ifndef DIMING_STORE_SIGNS_H
#define DIMING_STORE_SIGNS_H

#include <stddef.h>
#include <stdint.h>

#include "gis/error.h"
#include "gis/store.h"

typedef struct sign_row {
    int64_t id;          /* 0 when inserting */
    const char *type;    /* road, lane, building, village, guide */
    const char *text, *text_original; /* as on the plate (normalised / as written, NULL if same) */
    const char *pinyin;  /* as on the plate, or NULL */
    int64_t name_id;     /* linked place_names.id, 0 if none */
    const char *name_text; /* linked standard name as given, or NULL */
    const char *installed_on, *condition;
    double lon, lat;     /* reads only */
    const unsigned char *wkb; /* inserts only: the point */
    size_t wkb_len;
    int64_t batch_id;
    long row_no;
} sign_row_t;

int store_insert_sign(store_t *s, const sign_row_t *r, dm_error *err);

typedef struct store_bbox {
    double minx, miny, maxx, maxy;
} store_bbox_t;

typedef int (*store_sign_fn)(const sign_row_t *r, void *ctx);
/* Signs whose point lies in the box, by id. */
int store_signs_in_bbox(store_t *s, const store_bbox_t *b, store_sign_fn fn, void *ctx, dm_error *err);
/* Number of signs in the whole table. */
long store_signs_count(store_t *s, dm_error *err);

typedef struct store_road_row {
    int64_t id;
    const char *name, *road_class, *osm_id; /* name NULL when unnamed */
    double length_m;
    const unsigned char *wkb;
    size_t wkb_len;
} store_road_row_t;
typedef int (*store_road_fn)(const store_road_row_t *r, void *ctx);
/* Road edges whose bounding box meets the box, by id. */
int store_roads_in_bbox(store_t *s, const store_bbox_t *b, store_road_fn fn, void *ctx, dm_error *err);

typedef struct store_place_row {
    int64_t id;
    const char *name, *category, *division_code, *status, *approval_doc, *approved_on, *former_names, *pinyin;
    const unsigned char *wkb; /* NULL when the name has no geometry */
    size_t wkb_len;
} store_place_row_t;
typedef int (*store_place_fn)(const store_place_row_t *r, void *ctx);
/* place_names rows whose geometry's bounding box meets the box, by id. */
int store_places_in_bbox(store_t *s, const store_bbox_t *b, store_place_fn fn, void *ctx, dm_error *err);
/* place_names rows whose division_code starts with `prefix` (digits), by id. */
int store_places_by_division(store_t *s, const char *prefix, store_place_fn fn, void *ctx, dm_error *err);
/* One place_names row by id; DM_ENOTFOUND when there is none. */
int store_place_get(store_t *s, int64_t id, store_place_fn fn, void *ctx, dm_error *err);
/* place_names rows with exactly this (normalised) name, by id. */
int store_places_by_name(store_t *s, const char *name, store_place_fn fn, void *ctx, dm_error *err);

/* Divisions valid on `date` (NULL = today) whose code starts with `prefix`
 * and whose level is `level`, with their outlines, by code. */
int store_divisions_under(store_t *s, const char *prefix, division_level_t level, const char *date,
                          store_division_fn fn, void *ctx, dm_error *err);

#endif
