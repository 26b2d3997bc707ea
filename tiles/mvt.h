/* mvt.h — Mapbox Vector Tile 2.1 encoding and decoding.
 *
 * The message layer (Tile, Layer, Feature, Value) is protobuf-c, generated
 * from tiles/vector_tile.proto; the geometry inside a feature is ours: the
 * command stream of spec section 4.3 (MoveTo, LineTo, ClosePath with
 * zigzag-encoded deltas), rings oriented by spec 4.3.4.4 (an exterior ring
 * has a positive surveyor's-formula area in tile coordinates, i.e. it is
 * clockwise with y pointing down; interior rings negative), repeated points
 * dropped and rings that round to nothing left out.
 *
 * Geometries given to the encoder are GEOS geometries already in tile
 * coordinates (x right, y down, 0 … extent) and already clipped; the encoder
 * rounds them to integers. This module knows nothing of maps, stores or HTTP.
 *
 * Ownership: mvt_tile_new returns a builder freed with mvt_tile_free; layers
 * belong to their tile. Property keys and string values are copied.
 * mvt_tile_encode returns a malloc'd buffer the caller frees. A decoded tile
 * (mvt_decode) owns its geometries and strings until mvt_decoded_free. */
#ifndef DIMING_MVT_H
#define DIMING_MVT_H

#include <geos_c.h>
#include <stddef.h>
#include <stdint.h>

#include "gis/error.h"

#define MVT_EXTENT 4096

/* Spec 4.3.4 geometry types (the numbers are the wire values). */
typedef enum { MVT_UNKNOWN = 0, MVT_POINT = 1, MVT_LINESTRING = 2, MVT_POLYGON = 3 } mvt_geom_type_t;

/* Spec 4.3.2 command ids. */
enum { MVT_CMD_MOVETO = 1, MVT_CMD_LINETO = 2, MVT_CMD_CLOSEPATH = 7 };

typedef enum { MVT_VAL_STRING, MVT_VAL_INT, MVT_VAL_DOUBLE, MVT_VAL_BOOL } mvt_value_type_t;

typedef struct mvt_value {
    mvt_value_type_t type;
    const char *s; /* MVT_VAL_STRING */
    int64_t i;     /* MVT_VAL_INT, MVT_VAL_BOOL (0/1) */
    double d;      /* MVT_VAL_DOUBLE */
} mvt_value_t;

typedef struct mvt_prop {
    const char *key;
    mvt_value_t value;
} mvt_prop_t;

/* A command integer (spec 4.3.1) and a zigzag parameter (spec 4.3.2). */
static inline uint32_t mvt_command(uint32_t id, uint32_t count) { return (id & 0x7u) | (count << 3); }
static inline uint32_t mvt_zigzag(int32_t v) { return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31); }
static inline int32_t mvt_unzigzag(uint32_t v) { return (int32_t)(v >> 1) ^ -(int32_t)(v & 1); }

/* ---- encoding ---------------------------------------------------------- */

typedef struct mvt_tile mvt_tile_t;
typedef struct mvt_layer mvt_layer_t;

mvt_tile_t *mvt_tile_new(void);
void mvt_tile_free(mvt_tile_t *t);

/* Adds a layer (names must be unique within a tile: spec 4.1). NULL on
 * out-of-memory. */
mvt_layer_t *mvt_tile_add_layer(mvt_tile_t *t, const char *name, uint32_t extent);

/* Encodes g (Point, LineString, Polygon, their Multi forms, or a collection
 * whose parts of the first kind found are used) into a feature with the
 * given properties. id 0 means "no id". Returns 1 if the feature was added,
 * 0 if its geometry vanished when rounded to the grid (not an error), or a
 * negative dm_status. */
int mvt_layer_add_feature(mvt_layer_t *l, uint64_t id, const GEOSGeometry *g, const mvt_prop_t *props,
                          size_t nprops, dm_error *err);

size_t mvt_layer_feature_count(const mvt_layer_t *l);
size_t mvt_tile_feature_count(const mvt_tile_t *t);

/* The encoded tile; layers without features are left out, so a tile with no
 * features encodes to 0 bytes (*out is then NULL). */
int mvt_tile_encode(const mvt_tile_t *t, unsigned char **out, size_t *len, dm_error *err);

/* ---- decoding ---------------------------------------------------------- */

typedef struct mvt_decoded_feature {
    uint64_t id;
    mvt_geom_type_t type;
    GEOSGeometry *geom; /* tile coordinates; owned */
    size_t nprops;
    mvt_prop_t *props; /* keys and strings borrowed from the decoded tile */
} mvt_decoded_feature_t;

typedef struct mvt_decoded_layer {
    const char *name;
    uint32_t version, extent;
    size_t nfeatures;
    mvt_decoded_feature_t *features;
} mvt_decoded_layer_t;

typedef struct mvt_decoded {
    size_t nlayers;
    mvt_decoded_layer_t *layers;
    void *msg; /* the unpacked protobuf message */
} mvt_decoded_t;

/* Decodes a tile, checking the command streams strictly (spec 4.3):
 * DM_EINVAL names what is wrong. Release with mvt_decoded_free. */
int mvt_decode(const unsigned char *buf, size_t len, mvt_decoded_t *out, dm_error *err);
void mvt_decoded_free(mvt_decoded_t *d);

const mvt_decoded_layer_t *mvt_decoded_layer(const mvt_decoded_t *d, const char *name);
/* The value of property `key`, or NULL. */
const mvt_value_t *mvt_feature_prop(const mvt_decoded_feature_t *f, const char *key);

#endif
