/* fuzz_mvt.c — libFuzzer target: the MVT encoder on random geometries and
 * the strict decoder on random bytes (tiles/mvt.h).
 *
 * First byte even: the rest builds a geometry — a kind (point, line,
 * polygon with holes, multi forms, collection) and coordinates as 16-bit
 * values scaled around the tile (-extent … 2·extent, so some fall outside,
 * repeat, or collapse when rounded), plus a property from the bytes — which
 * is encoded into a tile, and the tile decoded again. Properties: encoding
 * never fails on a valid GEOS geometry; what it encodes decodes strictly
 * with the same number of features, layer name and extent.
 * First byte odd: the rest is given to mvt_decode as a tile; it must return
 * an answer (0 or DM_EINVAL) and free everything. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gis/geom.h"
#include "tiles/mvt.h"

typedef struct {
    const uint8_t *p;
    size_t n;
} bytes_t;

static unsigned take(bytes_t *b)
{
    if (!b->n)
        return 0;
    b->n--;
    return *b->p++;
}

static double coord(bytes_t *b)
{
    unsigned v = take(b) << 8 | take(b);
    return -4096.0 + v * (3.0 * 4096.0 / 65535.0);
}

static GEOSCoordSequence *seq(GEOSContextHandle_t h, bytes_t *b, unsigned n, int closed)
{
    if (closed && n < 3)
        n = 3;
    GEOSCoordSequence *s = GEOSCoordSeq_create_r(h, n + (closed ? 1 : 0), 2);
    double x0 = 0, y0 = 0;
    for (unsigned i = 0; i < n; i++) {
        double x = coord(b), y = coord(b);
        if (!i)
            x0 = x, y0 = y;
        GEOSCoordSeq_setXY_r(h, s, i, x, y);
    }
    if (closed)
        GEOSCoordSeq_setXY_r(h, s, n, x0, y0);
    return s;
}

static GEOSGeometry *build(GEOSContextHandle_t h, bytes_t *b, int depth)
{
    unsigned kind = take(b) % (depth ? 4 : 7), n = 1 + take(b) % 12;
    switch (kind) {
    case 0: return GEOSGeom_createPoint_r(h, seq(h, b, 1, 0));
    case 1: return GEOSGeom_createLineString_r(h, seq(h, b, n < 2 ? 2 : n, 0));
    case 2:
    case 3: {
        unsigned holes = kind == 3 ? take(b) % 3 : 0;
        GEOSGeometry *shell = GEOSGeom_createLinearRing_r(h, seq(h, b, n, 1));
        GEOSGeometry *hs[3];
        for (unsigned i = 0; i < holes; i++)
            hs[i] = GEOSGeom_createLinearRing_r(h, seq(h, b, 3 + take(b) % 6, 1));
        return GEOSGeom_createPolygon_r(h, shell, hs, holes);
    }
    default: { /* Multi*, or a collection */
        static const int types[] = {GEOS_MULTIPOINT, GEOS_MULTILINESTRING, GEOS_GEOMETRYCOLLECTION};
        int t = types[kind - 4];
        unsigned parts = 1 + take(b) % 4;
        GEOSGeometry *g[4];
        unsigned k = 0;
        for (unsigned i = 0; i < parts; i++) {
            bytes_t save = *b;
            GEOSGeometry *part = build(h, b, depth + 1);
            (void)save;
            int pt = GEOSGeomTypeId_r(h, part);
            if ((t == GEOS_MULTIPOINT && pt != GEOS_POINT) || (t == GEOS_MULTILINESTRING && pt != GEOS_LINESTRING)) {
                GEOSGeom_destroy_r(h, part);
                continue;
            }
            g[k++] = part;
        }
        return GEOSGeom_createCollection_r(h, t, g, k);
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    dm_error e;
    if (data[0] & 1) {
        mvt_decoded_t d;
        int rc = mvt_decode(data + 1, size - 1, &d, &e);
        if (rc != 0 && rc != DM_EINVAL)
            abort();
        if (rc == 0)
            mvt_decoded_free(&d);
        return 0;
    }
    GEOSContextHandle_t h = geom_ctx();
    bytes_t b = {data + 1, size - 1};
    GEOSGeometry *g = build(h, &b, 0);
    if (!g)
        return 0;
    char key[8] = "k", sval[16];
    size_t sl = b.n < sizeof sval - 1 ? b.n : sizeof sval - 1;
    memcpy(sval, b.p, sl);
    sval[sl] = '\0';
    mvt_prop_t props[2] = {{key, {.type = MVT_VAL_INT, .i = (int64_t)data[0] << 40}},
                           {"s", {.type = MVT_VAL_STRING, .s = sval}}};
    mvt_tile_t *t = mvt_tile_new();
    mvt_layer_t *l = mvt_tile_add_layer(t, "fuzz", MVT_EXTENT);
    int added = mvt_layer_add_feature(l, 7, g, props, 2, &e);
    if (added < 0 && added != DM_EGEOM && added != DM_EINVAL)
        abort(); /* only a geometry the encoder cannot represent may be refused */
    unsigned char *buf = NULL;
    size_t len = 0;
    if (mvt_tile_encode(t, &buf, &len, &e))
        abort();
    if (added == 1) {
        mvt_decoded_t d;
        if (!buf || mvt_decode(buf, len, &d, &e) != 0)
            abort(); /* what we encode must decode strictly */
        const mvt_decoded_layer_t *dl = mvt_decoded_layer(&d, "fuzz");
        if (!dl || dl->nfeatures != 1 || dl->extent != MVT_EXTENT || dl->features[0].id != 7)
            abort();
        mvt_decoded_free(&d);
    } else if (len != 0)
        abort(); /* a tile without features encodes to nothing */
    free(buf);
    mvt_tile_free(t);
    GEOSGeom_destroy_r(h, g);
    return 0;
}
