/* tile.c — the layer catalogue, Web Mercator tile arithmetic, building a
 * tile from the store and gzip; see tile.h.
 *
 * Building one tile: the store is asked for the features whose bounding box
 * meets the tile plus its buffer (R*Tree); each geometry is projected
 * straight into tile units (Web Mercator, spherical formulas of EPSG:3857,
 * y down), clipped with GEOS's rectangle clipper, simplified, and handed to
 * the MVT encoder with the row's columns as properties. */
#include "tiles/tile.h"

#include <math.h>
#include <stdlib.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "gis/date.h"
#include "gis/geom.h"
#include "tiles/mvt.h"

#define EARTH_R 6378137.0
#define MAX_LAT 85.0511287798066

static const tile_field_t division_fields[] = {
    {"code", "String"}, {"name", "String"}, {"level", "Number"}, {"type", "String"}, {"parent_code", "String"},
    {"urban_rural", "String"}, {"valid_from", "String"}, {"valid_to", "String"}, {NULL, NULL}};
static const tile_field_t marker_fields[] = {
    {"number", "String"}, {"type", "String"}, {"line_code", "String"}, {"status", "String"},
    {"material", "String"}, {"installed_on", "String"}, {"inspected_on", "String"}, {NULL, NULL}};
static const tile_field_t name_fields[] = {
    {"name", "String"}, {"pinyin", "String"}, {"category", "String"}, {"division_code", "String"},
    {"status", "String"}, {"approval_doc", "String"}, {"approved_on", "String"}, {NULL, NULL}};
static const tile_field_t facility_fields[] = {
    {"name", "String"}, {"type", "String"}, {"functions", "String"}, {"beds", "Number"}, {"nursing_beds", "Number"},
    {"status", "String"}, {"division_code", "String"}, {"address", "String"}, {NULL, NULL}};
static const tile_field_t residential_fields[] = {{"name", "String"}, {"households", "Number"}, {"pop_60", "Number"},
                                                  {"pop_80", "Number"}, {"division_code", "String"}, {NULL, NULL}};
static const tile_field_t road_fields[] = {{"name", "String"}, {"class", "String"}, {"walkable", "Number"},
                                           {"oneway", "Number"}, {"length_m", "Number"}, {NULL, NULL}};

static const tile_field_t boundary_fields[] = {
    {"name", "String"},   {"level", "Number"},    {"left_code", "String"},     {"right_code", "String"},
    {"line_code", "String"}, {"length_m", "Number"}, {"status", "String"}, {"agreement_ref", "String"},
    {"source", "String"}, {NULL, NULL}};

static const tile_layer_t catalogue[] = {
    {"divisions", STORE_LAYER_DIVISIONS, 0, TILE_MAX_ZOOM, "polygon", "Administrative divisions (行政区划)",
     "Outlines of the divisions valid today, one level per zoom: provinces z0-4, prefectures z5-6, counties "
     "z7-9, townships z10-11, villages z12+",
     division_fields},
    {"residential", STORE_LAYER_RESIDENTIAL, 12, TILE_MAX_ZOOM, "polygon", "Residential areas (居住区)",
     "Residential areas with households and older population", residential_fields},
    {"roads", STORE_LAYER_ROADS, 12, TILE_MAX_ZOOM, "line", "Road network",
     "Road edges (OpenStreetMap highway class, walkability)", road_fields},
    {"markers", STORE_LAYER_MARKERS, 12, TILE_MAX_ZOOM, "point", "Boundary markers (界桩)",
     "Boundary markers with number, line and condition", marker_fields},
    {"facilities", STORE_LAYER_FACILITIES, 10, TILE_MAX_ZOOM, "point", "Elderly-care facilities",
     "Elderly-care facilities with type and beds", facility_fields},
    {"names", STORE_LAYER_NAMES, 12, TILE_MAX_ZOOM, "point", "Standard place names (标准地名)",
     "Standard place names with their pinyin, for labels", name_fields},
    {"boundaries", STORE_LAYER_BOUNDARIES, 5, TILE_MAX_ZOOM, "line", "Boundary lines (行政区域界线)",
     "Lines between neighbouring divisions with both codes and 勘定 status; the levels shown grow with the zoom "
     "like the divisions layer's (counties from z7, townships from z10, villages from z12)",
     boundary_fields},
};
#define NCAT (sizeof catalogue / sizeof *catalogue)

/* "divisions, residential, …": the catalogue's names, for error messages. */
static char layer_names_text[256];
static pthread_once_t layer_names_once = PTHREAD_ONCE_INIT;

static void build_layer_names(void)
{
    size_t used = 0;
    for (size_t i = 0; i < NCAT && used < sizeof layer_names_text; i++)
        used += (size_t)snprintf(layer_names_text + used, sizeof layer_names_text - used, "%s%s", i ? ", " : "",
                                 catalogue[i].name);
}

const char *tile_layer_names(void)
{
    pthread_once(&layer_names_once, build_layer_names);
    return layer_names_text;
}

const tile_layer_t *tile_layers(size_t *n)
{
    *n = NCAT;
    return catalogue;
}

const tile_layer_t *tile_layer_find(const char *name)
{
    for (size_t i = 0; i < NCAT; i++)
        if (strcmp(catalogue[i].name, name) == 0)
            return &catalogue[i];
    return NULL;
}

int tile_parse_layers(const char *list, const char *param, const tile_layer_t *out[TILE_MAX_LAYERS], size_t *n,
                      dm_error *err)
{
    *n = 0;
    if (!list || !*list)
        return dm_error_set(err, DM_EINVAL, param, "no layer named");
    if (strcmp(list, "all") == 0) {
        for (size_t i = 0; i < NCAT; i++)
            out[(*n)++] = &catalogue[i];
        return 0;
    }
    const char *p = list;
    while (1) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char name[32];
        if (len == 0 || len >= sizeof name)
            return dm_error_set(err, len ? DM_ENOTFOUND : DM_EINVAL, param, "%s '%.40s' (layers: all, %s)",
                                len ? "unknown layer" : "empty layer name in", len ? p : list, tile_layer_names());
        memcpy(name, p, len);
        name[len] = '\0';
        const tile_layer_t *l = tile_layer_find(name);
        if (!l)
            return dm_error_set(err, DM_ENOTFOUND, param, "unknown layer '%.40s' (layers: all, %s)", name,
                                tile_layer_names());
        for (size_t i = 0; i < *n; i++)
            if (out[i] == l)
                return dm_error_set(err, DM_EINVAL, param, "layer '%s' named twice", name);
        if (*n == TILE_MAX_LAYERS)
            return dm_error_set(err, DM_EINVAL, param, "too many layers");
        out[(*n)++] = l;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

int tile_division_level(int z)
{
    if (z <= 4)
        return LEVEL_PROVINCE;
    if (z <= 6)
        return LEVEL_PREFECTURE;
    if (z <= 9)
        return LEVEL_COUNTY;
    if (z <= 11)
        return LEVEL_TOWNSHIP;
    return LEVEL_VILLAGE;
}

/* ---- Web Mercator -------------------------------------------------------------- */

static double lon_of(double mx) { return mx / EARTH_R * 180.0 / M_PI; }
static double lat_of(double my) { return atan(sinh(my / EARTH_R)) * 180.0 / M_PI; }

/* Tile-unit coordinates of a point in the normalised world [0, 1]². */
static void world_xy(double lon, double lat, double *wx, double *wy)
{
    if (lat > MAX_LAT)
        lat = MAX_LAT;
    if (lat < -MAX_LAT)
        lat = -MAX_LAT;
    double s = sin(lat * M_PI / 180.0);
    *wx = (lon + 180.0) / 360.0;
    *wy = 0.5 - log((1 + s) / (1 - s)) / (4 * M_PI);
}

void tile_bounds(int z, int x, int y, double bbox[4])
{
    double n = ldexp(1.0, z), span = 2 * M_PI * EARTH_R / n, o = M_PI * EARTH_R;
    bbox[0] = lon_of(-o + x * span);
    bbox[2] = lon_of(-o + (x + 1) * span);
    bbox[3] = lat_of(o - y * span);
    bbox[1] = lat_of(o - (y + 1) * span);
}

void tile_from_lonlat(double lon, double lat, int z, int *x, int *y)
{
    double wx, wy, n = ldexp(1.0, z);
    world_xy(lon, lat, &wx, &wy);
    long tx = (long)floor(wx * n), ty = (long)floor(wy * n), max = (long)n - 1;
    *x = (int)(tx < 0 ? 0 : tx > max ? max : tx);
    *y = (int)(ty < 0 ? 0 : ty > max ? max : ty);
}

/* ---- building --------------------------------------------------------------------- */

typedef struct {
    double n;      /* 2^z */
    int x, y;      /* tile */
} proj_t;

static int to_tile_units(double *x, double *y, void *ud)
{
    const proj_t *p = ud;
    double wx, wy;
    world_xy(*x, *y, &wx, &wy);
    *x = (wx * p->n - p->x) * MVT_EXTENT;
    *y = (wy * p->n - p->y) * MVT_EXTENT;
    return 1;
}

typedef struct {
    mvt_layer_t *layer;
    proj_t proj;
    int points_only;
    size_t features;
    dm_error *err;
    int failed;
} build_ctx_t;

static int add_feature(const store_feature_t *f, void *ctxp)
{
    build_ctx_t *c = ctxp;
    GEOSContextHandle_t h = geom_ctx();
    if (!f->wkb || !f->wkb_len)
        return 0;
    GEOSGeometry *g = geom_from_wkb(f->wkb, f->wkb_len, NULL);
    if (!g)
        return 0; /* an unreadable row is left out of the map, not fatal */
    GEOSGeometry *t = GEOSGeom_transformXY_r(h, g, to_tile_units, &c->proj);
    GEOSGeom_destroy_r(h, g);
    if (!t)
        return 0;
    GEOSGeometry *out = NULL;
    int type = GEOSGeomTypeId_r(h, t);
    if (type == GEOS_POINT) {
        double x, y;
        GEOSGeomGetX_r(h, t, &x);
        GEOSGeomGetY_r(h, t, &y);
        /* Half-open square: a point on the shared edge belongs to one tile. */
        if (x >= 0 && x < MVT_EXTENT && y >= 0 && y < MVT_EXTENT)
            out = t, t = NULL;
    } else if (type == GEOS_MULTIPOINT) {
        out = GEOSClipByRect_r(h, t, 0, 0, MVT_EXTENT - 1e-9, MVT_EXTENT - 1e-9);
    } else {
        /* Most features of a tile lie wholly inside it, and most road edges
         * have a handful of vertices: clip and simplify only when it can
         * change something (about a tenth less CPU over the bench tiles). */
        double x0, y0, x1, y1;
        const double lo = -TILE_BUFFER, hi = MVT_EXTENT + TILE_BUFFER;
        GEOSGeometry *clip;
        if (GEOSGeom_getExtent_r(h, t, &x0, &y0, &x1, &y1) && x0 >= lo && y0 >= lo && x1 <= hi && y1 <= hi)
            clip = t, t = NULL;
        else
            clip = GEOSClipByRect_r(h, t, lo, lo, hi, hi);
        if (clip && !GEOSisEmpty_r(h, clip) && GEOSGetNumCoordinates_r(h, clip) > 4) {
            out = GEOSSimplify_r(h, clip, TILE_SIMPLIFY);
            GEOSGeom_destroy_r(h, clip);
        } else if (clip && !GEOSisEmpty_r(h, clip))
            out = clip;
        else if (clip)
            GEOSGeom_destroy_r(h, clip);
    }
    if (t)
        GEOSGeom_destroy_r(h, t);
    if (!out)
        return 0;
    mvt_prop_t props[STORE_FEATURE_MAX_PROPS];
    size_t np = 0;
    for (int i = 0; i < f->nprops; i++) {
        const store_prop_t *p = &f->props[i];
        mvt_prop_t *m = &props[np];
        m->key = p->key;
        switch (p->type) {
        case STORE_VAL_TEXT: m->value = (mvt_value_t){MVT_VAL_STRING, p->text, 0, 0}; break;
        case STORE_VAL_INT: m->value = (mvt_value_t){MVT_VAL_INT, NULL, p->i, 0}; break;
        case STORE_VAL_REAL: m->value = (mvt_value_t){MVT_VAL_DOUBLE, NULL, 0, p->d}; break;
        default: continue; /* MVT has no null: leave the tag out */
        }
        np++;
    }
    int rc = mvt_layer_add_feature(c->layer, (uint64_t)f->id, out, props, np, c->err);
    GEOSGeom_destroy_r(h, out);
    if (rc < 0) {
        c->failed = 1;
        return rc;
    }
    c->features += (size_t)rc;
    return 0;
}

int tile_build(store_t *s, const tile_layer_t *const layers[], size_t nlayers, int z, int x, int y,
               unsigned char **out, size_t *len, size_t *nfeatures, dm_error *err)
{
    *out = NULL;
    *len = 0;
    if (nfeatures)
        *nfeatures = 0;
    long n = 1L << z;
    if (z < 0 || z > TILE_MAX_ZOOM || x < 0 || y < 0 || x >= n || y >= n)
        return dm_error_set(err, DM_EINVAL, "z", "no tile %d/%d/%d", z, x, y);
    mvt_tile_t *tile = mvt_tile_new();
    if (!tile)
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    /* The query box: the tile grown by its buffer, in degrees. */
    double inner[4], bx = (double)TILE_BUFFER / MVT_EXTENT;
    tile_bounds(z, x, y, inner);
    double dlon = (inner[2] - inner[0]) * bx, dlat = (inner[3] - inner[1]) * bx;
    store_feature_query_t q;
    store_feature_query_init(&q);
    q.has_bbox = 1;
    q.bbox[0] = inner[0] - dlon;
    q.bbox[1] = inner[1] - dlat;
    q.bbox[2] = inner[2] + dlon;
    q.bbox[3] = inner[3] + dlat;
    char today[11];
    size_t total = 0;
    int rc = 0;
    for (size_t i = 0; i < nlayers && !rc; i++) {
        const tile_layer_t *L = layers[i];
        if (z < L->minzoom || z > L->maxzoom)
            continue;
        build_ctx_t c = {.proj = {ldexp(1.0, z), x, y}, .err = err};
        if (!(c.layer = mvt_tile_add_layer(tile, L->name, MVT_EXTENT))) {
            rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
            break;
        }
        q.min_level = q.max_level = 0;
        q.valid_from = q.valid_to = NULL;
        if (L->source == STORE_LAYER_DIVISIONS) {
            date_today(today);
            q.min_level = q.max_level = tile_division_level(z);
            q.valid_from = q.valid_to = today;
        } else if (L->source == STORE_LAYER_BOUNDARIES) {
            q.min_level = LEVEL_PROVINCE; /* every line down to the level the divisions show */
            q.max_level = tile_division_level(z);
        }
        rc = store_layer_features(s, L->source, &q, add_feature, &c, err);
        total += c.features;
    }
    if (!rc)
        rc = mvt_tile_encode(tile, out, len, err);
    mvt_tile_free(tile);
    if (nfeatures)
        *nfeatures = total;
    return rc;
}

int tile_gzip(const unsigned char *in, size_t len, unsigned char **out, size_t *out_len, dm_error *err)
{
    *out = NULL;
    *out_len = 0;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    /* windowBits 15 + 16: a gzip wrapper rather than zlib's (RFC 1952). */
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return dm_error_set(err, DM_EINTERNAL, NULL, "zlib: cannot start deflate");
    size_t cap = deflateBound(&zs, (uLong)len);
    unsigned char *buf = malloc(cap);
    if (!buf) {
        deflateEnd(&zs);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)len;
    zs.next_out = buf;
    zs.avail_out = (uInt)cap;
    int zrc = deflate(&zs, Z_FINISH);
    size_t n = zs.total_out;
    deflateEnd(&zs);
    if (zrc != Z_STREAM_END) {
        free(buf);
        return dm_error_set(err, DM_EINTERNAL, NULL, "zlib: deflate failed (%d)", zrc);
    }
    *out = buf;
    *out_len = n;
    return 0;
}
