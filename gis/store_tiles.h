/* store_tiles.h — the layers read as features, for the map services (vector
 * tiles, OGC API - Features) and the MBTiles files they export.
 *
 * A layer (divisions, markers, names, facilities, residential, roads) is read
 * as features: row id, ISO WKB geometry in CGCS2000 lon/lat, and its
 * attributes as typed properties named like the table's columns. A query can
 * narrow by bounding box (R*Tree, optionally exact), division level, validity
 * dates, exact name / code / category, one feature id, and page with
 * limit/offset in id order.
 *
 * The MBTiles writer (store_mbtiles_*) is here because all of diming's SQL
 * lives in the store module; it writes a separate SQLite file in the MBTiles
 * 1.3 layout and shares nothing with store_t.
 *
 * Ownership: features passed to a callback are borrowed for the call (strings
 * and WKB point into SQLite's row). An mbtiles_t is closed with
 * store_mbtiles_close, which commits, or after a failure removes the file. */
#ifndef DIMING_STORE_TILES_H
#define DIMING_STORE_TILES_H

#include <stddef.h>
#include <stdint.h>

#include "gis/store.h"

typedef enum {
    STORE_LAYER_DIVISIONS,
    STORE_LAYER_MARKERS,
    STORE_LAYER_NAMES,
    STORE_LAYER_FACILITIES,
    STORE_LAYER_RESIDENTIAL,
    STORE_LAYER_ROADS,
    STORE_LAYER_BOUNDARIES,
    STORE_LAYER__COUNT
} store_layer_t;

/* The filters a layer supports (store_layer_filters). */
enum { STORE_FILTER_NAME = 1, STORE_FILTER_CODE = 2, STORE_FILTER_CATEGORY = 4, STORE_FILTER_DATE = 8 };

typedef enum { STORE_VAL_NULL, STORE_VAL_TEXT, STORE_VAL_INT, STORE_VAL_REAL } store_val_type_t;

typedef struct store_prop {
    const char *key;
    store_val_type_t type;
    const char *text;
    int64_t i;
    double d;
} store_prop_t;

#define STORE_FEATURE_MAX_PROPS 16

typedef struct store_feature {
    int64_t id;
    const unsigned char *wkb; /* NULL when the row has no geometry */
    size_t wkb_len;
    int nprops;
    store_prop_t props[STORE_FEATURE_MAX_PROPS];
} store_feature_t;

typedef struct store_feature_query {
    int has_bbox;
    double bbox[4];  /* min lon, min lat, max lon, max lat */
    int exact_bbox;  /* 1: the geometry must intersect the box, 0: its MBR may */
    int min_level, max_level; /* divisions: level range, 0 = any */
    const char *valid_from, *valid_to; /* divisions: versions valid at some time in [from, to]
                                          (YYYY-MM-DD, NULL = open end); both NULL = all versions */
    const char *name, *code, *category; /* exact matches, NULL = any */
    int64_t fid;      /* > 0: only this row */
    long limit;       /* < 0: no limit */
    long offset;
} store_feature_query_t;

/* A query that matches everything (no box, no filter, no limit). */
void store_feature_query_init(store_feature_query_t *q);

/* "divisions", "markers", "names", "facilities", "residential", "roads", "boundaries". */
const char *store_layer_name(store_layer_t layer);
/* DM_ENOTFOUND (param "layer") for an unknown name. */
int store_layer_from_name(const char *name, store_layer_t *out, dm_error *err);
/* STORE_FILTER_* bits the layer understands, and the column each maps to. */
int store_layer_filters(store_layer_t layer);

typedef int (*store_feature_fn)(const store_feature_t *f, void *ctx);

/* Calls fn for each feature matching q in id order; a non-zero return from
 * fn stops the walk and is returned. */
int store_layer_features(store_t *s, store_layer_t layer, const store_feature_query_t *q, store_feature_fn fn,
                         void *ctx, dm_error *err);
/* How many features match q (limit and offset ignored); < 0 on error. */
long store_layer_count(store_t *s, store_layer_t layer, const store_feature_query_t *q, dm_error *err);
/* The bounding box of the layer's geometries (from its spatial index);
 * returns 1 and fills bbox, 0 when the layer is empty, < 0 on error. */
int store_layer_extent(store_t *s, store_layer_t layer, double bbox[4], dm_error *err);

/* The version of each layer's data (store_touch_layer; 0 if never written).
 * Versions only grow, so the largest version among a tile's layers changes
 * exactly when one of them was written to. */
int store_layer_versions(store_t *s, int64_t versions[STORE_LAYER__COUNT], dm_error *err);

/* The same for hot paths (the tile cache asks on every request): read again
 * only when the database file or its WAL file changed on disk (size or
 * modification time) since this thread last read them through this
 * connection, as every commit writes to one of them; otherwise it costs two
 * stat calls instead of a read transaction. */
int store_layer_versions_fast(store_t *s, int64_t versions[STORE_LAYER__COUNT], dm_error *err);

/* ---- MBTiles 1.3 writer -------------------------------------------------- */

typedef struct mbtiles mbtiles_t;

/* Creates `path` (which must not exist) with the MBTiles schema and opens a
 * transaction for the tiles. */
int store_mbtiles_create(const char *path, mbtiles_t **out, dm_error *err);
/* One metadata row (name, value). */
int store_mbtiles_metadata(mbtiles_t *m, const char *name, const char *value, dm_error *err);
/* One tile in XYZ numbering; stored with MBTiles' TMS row (2^z - 1 - y). */
int store_mbtiles_put(mbtiles_t *m, int z, int x, int y, const unsigned char *data, size_t len, dm_error *err);
/* Commits (ok = 1), or (ok = 0) removes the half-written file; closes. */
int store_mbtiles_close(mbtiles_t *m, int ok, dm_error *err);

#endif
