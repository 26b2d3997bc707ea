/* tile.h — diming's layers as vector tiles: the layer catalogue, Web
 * Mercator tile arithmetic, building one tile from the store, gzip, the
 * in-memory tile cache and the MBTiles export.
 *
 * Tiles are XYZ (z/x/y, y from the north) in Web Mercator (EPSG:3857), each
 * an MVT 2.1 tile (mvt.h) with extent 4096. Lines and polygons are clipped to
 * the tile plus a buffer of 64 units (so strokes join across tile edges) and
 * simplified by a fixed tolerance in tile units, i.e. more at each zoom out;
 * points are kept in exactly one tile (the half-open square), so counting the
 * features of all tiles counts each point once. The divisions layer shows
 * one level per zoom (tile_division_level).
 *
 * This module knows nothing of HTTP. Ownership: tile_build and tile_gzip
 * return malloc'd buffers the caller frees; the catalogue is static. The
 * cache copies what it is given and what it hands out, and is thread-safe. */
#ifndef DIMING_TILE_H
#define DIMING_TILE_H

#include <stddef.h>
#include <stdint.h>

#include "gis/error.h"
#include "gis/store.h"
#include "gis/store_tiles.h"

#define TILE_MAX_ZOOM 22      /* the deepest z a request may name */
#define TILE_EXPORT_MAX_ZOOM 16
#define TILE_BUFFER 64        /* in tile units, of MVT_EXTENT */
#define TILE_SIMPLIFY 2.0     /* Douglas-Peucker tolerance in tile units */

typedef struct tile_field {
    const char *name;
    const char *type; /* TileJSON vector_layers type: "String", "Number", "Boolean" */
} tile_field_t;

typedef struct tile_layer {
    const char *name; /* also the MVT layer name and the OGC collection id */
    store_layer_t source;
    int minzoom, maxzoom;
    const char *geometry; /* "polygon", "line", "point" (what a style draws) */
    const char *title, *description;
    const tile_field_t *fields; /* NULL-terminated */
} tile_layer_t;

/* The catalogue, in drawing order (areas, lines, points). */
const tile_layer_t *tile_layers(size_t *n);
const tile_layer_t *tile_layer_find(const char *name);

/* Parses "divisions", "roads,names" or "all" (max TILE_MAX_LAYERS). Unknown
 * names and repeats → DM_ENOTFOUND / DM_EINVAL naming `param`. */
#define TILE_MAX_LAYERS 8
/* The layer names joined by ", " (for messages); static, do not free. */
const char *tile_layer_names(void);
int tile_parse_layers(const char *list, const char *param, const tile_layer_t *out[TILE_MAX_LAYERS], size_t *n,
                      dm_error *err);

/* The division level drawn at zoom z: 1 province … 5 village. */
int tile_division_level(int z);

/* Geographic bounds of tile z/x/y: {west, south, east, north} in degrees. */
void tile_bounds(int z, int x, int y, double bbox[4]);
/* The tile containing lon/lat at zoom z (latitude clamped to ±85.0511°). */
void tile_from_lonlat(double lon, double lat, int z, int *x, int *y);

/* Builds tile z/x/y of the given layers from the store. *out is NULL and
 * *len 0 when the tile has no features. *nfeatures (optional) counts them. */
int tile_build(store_t *s, const tile_layer_t *const layers[], size_t nlayers, int z, int x, int y,
               unsigned char **out, size_t *len, size_t *nfeatures, dm_error *err);

/* The bounding box of the layers' data: 1 and bbox filled, 0 when they
 * hold no geometry, < 0 on error. */
int tile_layers_extent(store_t *s, const tile_layer_t *const layers[], size_t nlayers, double bbox[4],
                       dm_error *err);

/* gzip (RFC 1952) of a buffer. */
int tile_gzip(const unsigned char *in, size_t len, unsigned char **out, size_t *out_len, dm_error *err);

/* ---- cache ------------------------------------------------------------- */

/* An LRU cache of built tiles keyed by a string ("roads,names/14/1/2") and
 * tagged with the version of the data they were built from (for the server,
 * the largest store_layer_versions of the tile's layers): a lookup naming
 * another version drops the entry, so after an import no tile of a layer it
 * touched is served from before it, while tiles of other layers stay. */
typedef struct tile_cache tile_cache_t;

typedef struct tile_cache_stats {
    uint64_t hits, misses, evictions, stale; /* stale: dropped for a newer version */
    size_t entries, bytes, max_bytes;
} tile_cache_stats_t;

tile_cache_t *tile_cache_new(size_t max_bytes);
void tile_cache_free(tile_cache_t *c);

/* A cache entry as handed out. body is a malloc'd copy (NULL for an empty
 * tile or when only the ETag was asked for). */
typedef struct tile_hit {
    unsigned char *body;
    size_t len;
    int gzipped;
    int empty;     /* the tile has no features */
    char etag[40]; /* quoted strong validator, differs for the gzip form */
} tile_hit_t;

/* 1 and *hit filled on a hit, 0 on a miss. want_gzip picks the form;
 * with_body = 0 only fills the ETag and sizes. */
int tile_cache_get(tile_cache_t *c, const char *key, int64_t version, int want_gzip, int with_body,
                   tile_hit_t *hit);
/* Stores a built tile (raw may be NULL/0 for an empty tile). Entries larger
 * than half the cache are not kept. */
void tile_cache_put(tile_cache_t *c, const char *key, int64_t version, const unsigned char *raw, size_t raw_len,
                    const unsigned char *gz, size_t gz_len);
tile_cache_stats_t tile_cache_stats(tile_cache_t *c);

/* The ETag of a tile's bytes (identity or gzip form). */
void tile_etag(const unsigned char *raw, size_t len, int gzipped, char etag[40]);
/* 1 if an If-None-Match header value matches etag (either form of the same
 * tile, "*", or a list; weak comparison as RFC 9110 13.1.2 requires). */
int tile_etag_matches(const char *if_none_match, const char *etag);

/* ---- MBTiles export ------------------------------------------------------- */

typedef struct tile_export_options {
    const tile_layer_t *layers[TILE_MAX_LAYERS];
    size_t nlayers;
    int minzoom, maxzoom;
    int has_bbox;
    double bbox[4]; /* default: the extent of the layers' data */
    /* called after each tile with tiles done and the total; may be NULL */
    void (*progress)(uint64_t done, uint64_t total, void *ctx);
    void *progress_ctx;
} tile_export_options_t;

typedef struct tile_export_stats {
    uint64_t tiles_visited, tiles_written, features;
    size_t bytes;
    double bbox[4];
} tile_export_stats_t;

/* Writes an MBTiles 1.3 file (gzipped MVT tiles, metadata with the
 * vector_layers JSON) at `path`, which must not exist. On failure nothing is
 * left at `path`. */
int tile_export_mbtiles(store_t *s, const tile_export_options_t *opt, const char *path, tile_export_stats_t *stats,
                        dm_error *err);

/* ---- PMTiles v3 (protomaps/PMTiles, spec/v3/spec.md) ------------------------ */

/* The PMTiles tile id: tiles of lower zooms first, then the Hilbert-curve
 * index of x/y within zoom z. */
uint64_t tile_pmtiles_id(int z, uint32_t x, uint32_t y);

/* Writes the same tileset as tile_export_mbtiles as one PMTiles v3 file:
 * header, gzipped root directory (leaf directories when the root would not
 * fit in the first 16 KiB), gzipped JSON metadata with vector_layers, then
 * the gzipped tiles in tile-id order with identical tiles stored once. */
int tile_export_pmtiles(store_t *s, const tile_export_options_t *opt, const char *path, tile_export_stats_t *stats,
                        dm_error *err);

/* Reads tile z/x/y (as stored, gzipped) from a PMTiles v3 file: 1 and a
 * malloc'd *out when present, 0 when the file has no such tile. */
int tile_pmtiles_read(const char *path, int z, int x, int y, unsigned char **out, size_t *len, dm_error *err);

#endif
