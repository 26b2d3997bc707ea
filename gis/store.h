/* store.h — the one place diming's data lives: a SpatiaLite database.
 *
 * All SQL of diming is in store.c. Everything else asks this module for typed
 * rows. Geometries cross this interface as ISO WKB (2D) in CGCS2000 lon/lat
 * (EPSG:4490): the store does not depend on GEOS, and a second backend can
 * implement the same calls.
 *
 * The schema is created and migrated by store_open: the `schema_version` table
 * records the version; an older file is upgraded in one transaction, a newer
 * one is refused. Every imported row carries its batch (import_batches.id) and
 * its row number in the source file.
 *
 * Threads: a store_t is one SQLite connection with its own SpatiaLite cache;
 * use one per thread. Strings in rows returned by the store are owned by the
 * row and freed with the row's *_free function; strings in rows passed *to*
 * the store are borrowed for the duration of the call. */
#ifndef DIMING_STORE_H
#define DIMING_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "gis/error.h"

#define STORE_SCHEMA_VERSION 8

typedef struct store store_t;

enum store_open_flags {
    STORE_READONLY = 1, /* open an existing database read-only (server workers) */
    STORE_NOCREATE = 2  /* fail if the file does not exist */
};

/* Opens (creating and migrating as needed) the database at `path`.
 * On success *out is a new handle the caller closes with store_close. */
int store_open(const char *path, int flags, store_t **out, dm_error *err);
void store_close(store_t *s);

/* The schema version found in the file when it was opened (0 for a new file)
 * and the version now. */
int store_schema_version(const store_t *s);

/* Transactions. store_begin takes the write lock at once (BEGIN IMMEDIATE). */
int store_begin(store_t *s, dm_error *err);
int store_commit(store_t *s, dm_error *err);
void store_rollback(store_t *s);

/* ---- import batches -------------------------------------------------- */

typedef struct batch_counts {
    long imported, repaired, rejected;
} batch_counts_t;

/* Creates a batch row (layer, source file, source CRS, options JSON) and
 * returns its id in *batch_id. Call inside a transaction. */
int store_batch_begin(store_t *s, const char *layer, const char *source, const char *src_srs,
                      const char *options_json, int64_t *batch_id, dm_error *err);
int store_batch_finish(store_t *s, int64_t batch_id, const batch_counts_t *counts, dm_error *err);

/* ---- layers ---------------------------------------------------------- */

typedef enum {
    LEVEL_NONE = 0,
    LEVEL_PROVINCE = 1,
    LEVEL_PREFECTURE = 2,
    LEVEL_COUNTY = 3,
    LEVEL_TOWNSHIP = 4,
    LEVEL_VILLAGE = 5
} division_level_t;

/* One version of an administrative division (行政区划). `code` is the 12-digit
 * statistical code (GB/T 2260 six digits padded with zeros above township). */
typedef struct division {
    int64_t id;
    char code[13];
    char parent_code[13]; /* "" for provinces */
    char *name;           /* normalised standard name */
    char *name_original;  /* as in the source, NULL if identical */
    division_level_t level;
    char *type;           /* 省 市 区 县 街道 镇 乡 社区 村 …, NULL if unknown */
    char *urban_rural;    /* 城乡分类代码 111…220, NULL if unknown */
    char *code_source;    /* "nbs", "mca" or NULL */
    char valid_from[11];  /* YYYY-MM-DD or "" (since ever) */
    char valid_to[11];    /* YYYY-MM-DD or "" (still valid) */
    unsigned char *wkb;   /* MULTIPOLYGON, NULL when the division has no outline */
    size_t wkb_len;
    int64_t batch_id;
    long row_no;
} division_t;

/* Frees the strings and WKB a division_t returned by the store owns
 * (not the struct itself). */
void division_clear(division_t *d);

typedef struct marker {
    const char *number, *type, *line_code, *status, *material, *installed_on, *inspected_on;
    const unsigned char *wkb;
    size_t wkb_len;
    int64_t batch_id;
    long row_no;
} marker_row_t;

typedef struct place_name {
    const char *name, *name_original, *category, *division_code, *status, *approval_doc,
        *approved_on, *former_names, *pinyin;
    const unsigned char *wkb;
    size_t wkb_len;
    int64_t batch_id;
    long row_no;
} place_name_row_t;

typedef struct facility {
    const char *name, *name_original, *type, *functions, *status, *division_code, *address;
    long beds, nursing_beds; /* -1 when unknown */
    const unsigned char *wkb;
    size_t wkb_len;
    int64_t batch_id;
    long row_no;
} facility_row_t;

typedef struct residential {
    const char *name, *name_original, *division_code;
    long households, pop_60, pop_80; /* -1 when unknown */
    const unsigned char *wkb;
    size_t wkb_len;
    int64_t batch_id;
    long row_no;
} residential_row_t;

typedef struct road_edge {
    const char *name, *name_original, *road_class, *osm_id;
    int walkable, oneway;
    double length_m;
    const unsigned char *wkb;
    size_t wkb_len;
    int64_t batch_id;
    long row_no;
} road_edge_row_t;

/* Inserts one row. Strings are borrowed. Returns DM_ECONFLICT for a division
 * code that already has a version valid on the same dates. */
int store_insert_division(store_t *s, const division_t *d, dm_error *err);
int store_insert_marker(store_t *s, const marker_row_t *m, dm_error *err);
int store_insert_place_name(store_t *s, const place_name_row_t *n, dm_error *err);
int store_insert_facility(store_t *s, const facility_row_t *f, dm_error *err);
int store_insert_residential(store_t *s, const residential_row_t *r, dm_error *err);
int store_insert_road_edge(store_t *s, const road_edge_row_t *r, dm_error *err);

/* ---- division reads -------------------------------------------------- */

/* `date` is YYYY-MM-DD or NULL/"" for "now" (versions without valid_to). */

/* True (1) if a version of `code` valid on `date` exists, 0 if not, <0 on error. */
int store_division_exists(store_t *s, const char *code, const char *date, dm_error *err);

/* Fills *out with the version of `code` valid on `date`. with_geometry = 0
 * leaves wkb NULL. DM_ENOTFOUND if there is none. The caller clears *out. */
int store_division_get(store_t *s, const char *code, const char *date, int with_geometry,
                       division_t *out, dm_error *err);

/* Calls fn for each division valid on `date` whose parent is `parent_code`
 * ("" for provinces), ordered by code. fn's division_t is borrowed for the
 * call; returning non-zero from fn stops the walk (and is returned). */
typedef int (*store_division_fn)(const division_t *d, void *ctx);
int store_division_children(store_t *s, const char *parent_code, const char *date,
                            int with_geometry, store_division_fn fn, void *ctx, dm_error *err);

/* Calls fn for every division version that has an outline (all dates), for
 * building the in-memory point index. */
int store_division_each_outline(store_t *s, store_division_fn fn, void *ctx, dm_error *err);

/* Counts rows of a layer table ("divisions", "markers", "place_names",
 * "facilities", "residential_areas", "road_edges", "import_batches"). */
long store_count(store_t *s, const char *table, dm_error *err);

/* Records, inside the current write transaction, that `layer`'s data changed
 * ("divisions", "markers", "names", "facilities", "residential", "roads",
 * "boundaries", …): its version becomes the newest of all. Every write path
 * calls it (imports do through store_batch_finish). */
int store_touch_layer(store_t *s, const char *layer, dm_error *err);

/* The last committed change of any data (the newest layer version), so
 * in-memory indexes and caches can tell whether their copy is current. */
int64_t store_data_version(store_t *s, dm_error *err);

#endif
