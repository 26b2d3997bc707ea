/* mvt.c — Mapbox Vector Tile 2.1 builder and decoder; see mvt.h.
 *
 * A layer keeps its keys and values deduplicated (spec 4.2: tags index into
 * the layer's keys and values), values through a small open-addressing hash
 * so a tile of thousands of labelled features stays linear. Geometry goes
 * from GEOS coordinates to integer command streams here, never through the
 * protobuf library, which only carries the packed uint32 arrays. */
#include "tiles/mvt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis/geom.h"
#include "vector_tile.pb-c.h"

/* ---- growable arrays ------------------------------------------------------ */

typedef struct {
    uint32_t *v;
    size_t n, cap;
} u32vec_t;

static int u32_push(u32vec_t *a, uint32_t x)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        uint32_t *v = realloc(a->v, cap * sizeof *v);
        if (!v)
            return -1;
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = x;
    return 0;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* ---- builder ---------------------------------------------------------------- */

typedef struct {
    uint64_t id;
    mvt_geom_type_t type;
    u32vec_t tags, geom;
} feat_t;

typedef struct {
    mvt_value_type_t type;
    char *s;
    int64_t i;
    double d;
} val_t;

struct mvt_layer {
    char *name;
    uint32_t extent;
    char **keys;
    size_t nkeys, capkeys;
    val_t *vals;
    size_t nvals, capvals;
    uint32_t *vhash; /* index + 1 into vals, 0 = empty */
    size_t hcap;
    feat_t *feats;
    size_t nfeats, capfeats;
};

struct mvt_tile {
    mvt_layer_t **layers;
    size_t nlayers, cap;
};

mvt_tile_t *mvt_tile_new(void) { return calloc(1, sizeof(mvt_tile_t)); }

static void layer_free(mvt_layer_t *l)
{
    free(l->name);
    for (size_t i = 0; i < l->nkeys; i++)
        free(l->keys[i]);
    free(l->keys);
    for (size_t i = 0; i < l->nvals; i++)
        free(l->vals[i].s);
    free(l->vals);
    free(l->vhash);
    for (size_t i = 0; i < l->nfeats; i++) {
        free(l->feats[i].tags.v);
        free(l->feats[i].geom.v);
    }
    free(l->feats);
    free(l);
}

void mvt_tile_free(mvt_tile_t *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nlayers; i++)
        layer_free(t->layers[i]);
    free(t->layers);
    free(t);
}

mvt_layer_t *mvt_tile_add_layer(mvt_tile_t *t, const char *name, uint32_t extent)
{
    if (grow((void **)&t->layers, &t->cap, t->nlayers + 1, sizeof *t->layers))
        return NULL;
    mvt_layer_t *l = calloc(1, sizeof *l);
    if (!l || !(l->name = strdup(name))) {
        free(l);
        return NULL;
    }
    l->extent = extent ? extent : MVT_EXTENT;
    t->layers[t->nlayers++] = l;
    return l;
}

size_t mvt_layer_feature_count(const mvt_layer_t *l) { return l->nfeats; }

size_t mvt_tile_feature_count(const mvt_tile_t *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->nlayers; i++)
        n += t->layers[i]->nfeats;
    return n;
}

static long key_index(mvt_layer_t *l, const char *key)
{
    for (size_t i = 0; i < l->nkeys; i++)
        if (strcmp(l->keys[i], key) == 0)
            return (long)i;
    if (grow((void **)&l->keys, &l->capkeys, l->nkeys + 1, sizeof *l->keys))
        return -1;
    if (!(l->keys[l->nkeys] = strdup(key)))
        return -1;
    return (long)l->nkeys++;
}

static uint64_t val_hash(const mvt_value_t *v)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)v->type;
    const unsigned char *p;
    size_t n;
    unsigned char buf[8];
    if (v->type == MVT_VAL_STRING) {
        p = (const unsigned char *)v->s;
        n = strlen(v->s);
    } else {
        if (v->type == MVT_VAL_DOUBLE)
            memcpy(buf, &v->d, 8);
        else
            memcpy(buf, &v->i, 8);
        p = buf;
        n = 8;
    }
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static int val_equal(const val_t *a, const mvt_value_t *b)
{
    if (a->type != b->type)
        return 0;
    switch (b->type) {
    case MVT_VAL_STRING: return strcmp(a->s, b->s) == 0;
    case MVT_VAL_DOUBLE: return memcmp(&a->d, &b->d, sizeof a->d) == 0;
    default: return a->i == b->i;
    }
}

static int rehash(mvt_layer_t *l, size_t cap)
{
    uint32_t *h = calloc(cap, sizeof *h);
    if (!h)
        return -1;
    for (size_t i = 0; i < l->nvals; i++) {
        mvt_value_t v = {l->vals[i].type, l->vals[i].s, l->vals[i].i, l->vals[i].d};
        size_t j = (size_t)val_hash(&v) & (cap - 1);
        while (h[j])
            j = (j + 1) & (cap - 1);
        h[j] = (uint32_t)i + 1;
    }
    free(l->vhash);
    l->vhash = h;
    l->hcap = cap;
    return 0;
}

static long value_index(mvt_layer_t *l, const mvt_value_t *v)
{
    if ((l->nvals + 1) * 2 > l->hcap && rehash(l, l->hcap ? l->hcap * 2 : 64))
        return -1;
    size_t j = (size_t)val_hash(v) & (l->hcap - 1);
    while (l->vhash[j]) {
        if (val_equal(&l->vals[l->vhash[j] - 1], v))
            return (long)l->vhash[j] - 1;
        j = (j + 1) & (l->hcap - 1);
    }
    if (grow((void **)&l->vals, &l->capvals, l->nvals + 1, sizeof *l->vals))
        return -1;
    val_t *n = &l->vals[l->nvals];
    memset(n, 0, sizeof *n);
    n->type = v->type;
    n->i = v->i;
    n->d = v->d;
    if (v->type == MVT_VAL_STRING && !(n->s = strdup(v->s)))
        return -1;
    l->vhash[j] = (uint32_t)l->nvals + 1;
    return (long)l->nvals++;
}

/* ---- geometry commands ---------------------------------------------------------- */

typedef struct {
    int32_t x, y;
} ipt_t;

typedef struct {
    u32vec_t *out;
    int32_t cx, cy; /* the cursor (spec 4.3.1: deltas are relative to it) */
    ipt_t *pts;
    size_t npts, cap;
    int failed;
} enc_t;

static int32_t grid(double v)
{
    /* Clipping keeps coordinates near the tile; the clamp only guards
     * against overflow on bad input. */
    if (!(v > -1e8))
        v = -1e8;
    if (v > 1e8)
        v = 1e8;
    return (int32_t)lround(v);
}

/* Reads a coordinate sequence onto the grid, dropping repeated points. */
static int load_points(enc_t *e, const GEOSGeometry *g)
{
    GEOSContextHandle_t h = geom_ctx();
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, g);
    unsigned n = 0;
    e->npts = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n))
        return -1;
    if (grow((void **)&e->pts, &e->cap, n + 1, sizeof *e->pts))
        return -1;
    for (unsigned i = 0; i < n; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
        ipt_t p = {grid(x), grid(y)};
        if (e->npts && e->pts[e->npts - 1].x == p.x && e->pts[e->npts - 1].y == p.y)
            continue;
        e->pts[e->npts++] = p;
    }
    return 0;
}

static void emit(enc_t *e, uint32_t v)
{
    if (u32_push(e->out, v))
        e->failed = 1;
}

static void emit_point(enc_t *e, ipt_t p)
{
    emit(e, mvt_zigzag(p.x - e->cx));
    emit(e, mvt_zigzag(p.y - e->cy));
    e->cx = p.x;
    e->cy = p.y;
}

/* Twice the surveyor's-formula area of a ring (open: last != first). */
static int64_t ring_area2(const ipt_t *p, size_t n)
{
    int64_t a = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = (i + 1) % n;
        a += (int64_t)p[i].x * p[j].y - (int64_t)p[j].x * p[i].y;
    }
    return a;
}

/* Encodes one ring with the sign its role requires (spec 4.3.4.4). */
static int encode_ring(enc_t *e, const GEOSGeometry *ring, int exterior)
{
    if (load_points(e, ring))
        return -1;
    size_t n = e->npts;
    /* No closing point: ClosePath returns to the start (spec 4.3.3.3). */
    while (n > 1 && e->pts[n - 1].x == e->pts[0].x && e->pts[n - 1].y == e->pts[0].y)
        n--;
    if (n < 3)
        return 0;
    int64_t a = ring_area2(e->pts, n);
    if (a == 0)
        return 0;
    if ((a > 0) != (exterior != 0))
        for (size_t i = 1, j = n - 1; i < j; i++, j--) { /* keep the start */
            ipt_t t = e->pts[i];
            e->pts[i] = e->pts[j];
            e->pts[j] = t;
        }
    emit(e, mvt_command(MVT_CMD_MOVETO, 1));
    emit_point(e, e->pts[0]);
    emit(e, mvt_command(MVT_CMD_LINETO, (uint32_t)(n - 1)));
    for (size_t i = 1; i < n; i++)
        emit_point(e, e->pts[i]);
    emit(e, mvt_command(MVT_CMD_CLOSEPATH, 1));
    return 1;
}

static int encode_polygon(enc_t *e, const GEOSGeometry *p)
{
    GEOSContextHandle_t h = geom_ctx();
    if (GEOSisEmpty_r(h, p))
        return 0;
    int rc = encode_ring(e, GEOSGetExteriorRing_r(h, p), 1);
    if (rc <= 0)
        return rc; /* a vanished exterior takes its holes with it */
    int holes = GEOSGetNumInteriorRings_r(h, p);
    for (int i = 0; i < holes; i++)
        if (encode_ring(e, GEOSGetInteriorRingN_r(h, p, i), 0) < 0)
            return -1;
    return 1;
}

static int encode_line(enc_t *e, const GEOSGeometry *l)
{
    if (load_points(e, l))
        return -1;
    if (e->npts < 2)
        return 0;
    emit(e, mvt_command(MVT_CMD_MOVETO, 1));
    emit_point(e, e->pts[0]);
    emit(e, mvt_command(MVT_CMD_LINETO, (uint32_t)(e->npts - 1)));
    for (size_t i = 1; i < e->npts; i++)
        emit_point(e, e->pts[i]);
    return 1;
}

static mvt_geom_type_t kind_of(int geos_type)
{
    switch (geos_type) {
    case GEOS_POINT:
    case GEOS_MULTIPOINT: return MVT_POINT;
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
    case GEOS_MULTILINESTRING: return MVT_LINESTRING;
    case GEOS_POLYGON:
    case GEOS_MULTIPOLYGON: return MVT_POLYGON;
    default: return MVT_UNKNOWN;
    }
}

/* The kind of the first non-empty simple part of g. */
static mvt_geom_type_t first_kind(const GEOSGeometry *g)
{
    GEOSContextHandle_t h = geom_ctx();
    int t = GEOSGeomTypeId_r(h, g);
    if (t != GEOS_GEOMETRYCOLLECTION)
        return GEOSisEmpty_r(h, g) ? MVT_UNKNOWN : kind_of(t);
    int n = GEOSGetNumGeometries_r(h, g);
    for (int i = 0; i < n; i++) {
        mvt_geom_type_t k = first_kind(GEOSGetGeometryN_r(h, g, i));
        if (k != MVT_UNKNOWN)
            return k;
    }
    return MVT_UNKNOWN;
}

/* Collects the points of g (of kind MVT_POINT) into e->pts. */
static int gather_points(enc_t *e, const GEOSGeometry *g, ipt_t **all, size_t *n, size_t *cap)
{
    GEOSContextHandle_t h = geom_ctx();
    int t = GEOSGeomTypeId_r(h, g);
    if (t == GEOS_POINT) {
        if (GEOSisEmpty_r(h, g))
            return 0;
        double x, y;
        GEOSGeomGetX_r(h, g, &x);
        GEOSGeomGetY_r(h, g, &y);
        if (grow((void **)all, cap, *n + 1, sizeof **all))
            return -1;
        (*all)[(*n)++] = (ipt_t){grid(x), grid(y)};
        return 0;
    }
    if (t == GEOS_MULTIPOINT || t == GEOS_GEOMETRYCOLLECTION) {
        int k = GEOSGetNumGeometries_r(h, g);
        for (int i = 0; i < k; i++)
            if (gather_points(e, GEOSGetGeometryN_r(h, g, i), all, n, cap))
                return -1;
    }
    return 0;
}

/* Encodes the parts of g of kind `kind`; returns the number of parts kept. */
static int encode_parts(enc_t *e, const GEOSGeometry *g, mvt_geom_type_t kind)
{
    GEOSContextHandle_t h = geom_ctx();
    int t = GEOSGeomTypeId_r(h, g);
    if (t == GEOS_GEOMETRYCOLLECTION || t == GEOS_MULTILINESTRING || t == GEOS_MULTIPOLYGON) {
        int n = GEOSGetNumGeometries_r(h, g), kept = 0;
        for (int i = 0; i < n; i++) {
            int rc = encode_parts(e, GEOSGetGeometryN_r(h, g, i), kind);
            if (rc < 0)
                return rc;
            kept += rc;
        }
        return kept;
    }
    if (kind_of(t) != kind)
        return 0;
    if (kind == MVT_LINESTRING)
        return encode_line(e, g);
    if (kind == MVT_POLYGON)
        return encode_polygon(e, g);
    return 0;
}

int mvt_layer_add_feature(mvt_layer_t *l, uint64_t id, const GEOSGeometry *g, const mvt_prop_t *props,
                          size_t nprops, dm_error *err)
{
    mvt_geom_type_t kind = first_kind(g);
    if (kind == MVT_UNKNOWN)
        return 0;
    feat_t f;
    memset(&f, 0, sizeof f);
    f.id = id;
    f.type = kind;
    enc_t e = {.out = &f.geom};
    int kept;
    if (kind == MVT_POINT) {
        ipt_t *all = NULL;
        size_t n = 0, cap = 0;
        kept = gather_points(&e, g, &all, &n, &cap) ? -1 : (int)n;
        if (kept > 0) {
            /* One MoveTo with a count for all points (spec 4.3.4.2). */
            emit(&e, mvt_command(MVT_CMD_MOVETO, (uint32_t)n));
            for (size_t i = 0; i < n; i++)
                emit_point(&e, all[i]);
        }
        free(all);
    } else
        kept = encode_parts(&e, g, kind);
    free(e.pts);
    if (kept < 0 || e.failed) {
        free(f.geom.v);
        return dm_error_set(err, kept < 0 && !e.failed ? DM_EGEOM : DM_ENOMEM, NULL,
                            "cannot encode a feature geometry");
    }
    if (kept == 0) {
        free(f.geom.v);
        return 0;
    }
    for (size_t i = 0; i < nprops; i++) {
        if (props[i].value.type == MVT_VAL_STRING && !props[i].value.s)
            continue; /* MVT has no null: an absent tag is the null */
        long k = key_index(l, props[i].key), v = k < 0 ? -1 : value_index(l, &props[i].value);
        if (k < 0 || v < 0 || u32_push(&f.tags, (uint32_t)k) || u32_push(&f.tags, (uint32_t)v)) {
            free(f.geom.v);
            free(f.tags.v);
            return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        }
    }
    if (grow((void **)&l->feats, &l->capfeats, l->nfeats + 1, sizeof *l->feats)) {
        free(f.geom.v);
        free(f.tags.v);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    l->feats[l->nfeats++] = f;
    return 1;
}

int mvt_tile_encode(const mvt_tile_t *t, unsigned char **out, size_t *len, dm_error *err)
{
    *out = NULL;
    *len = 0;
    VectorTile__Tile tile = VECTOR_TILE__TILE__INIT;
    size_t nl = 0;
    for (size_t i = 0; i < t->nlayers; i++)
        nl += t->layers[i]->nfeats > 0;
    if (nl == 0)
        return 0;
    /* The protobuf structs only point at the builder's arrays. */
    VectorTile__Tile__Layer *layers = calloc(nl, sizeof *layers);
    VectorTile__Tile__Layer **lp = calloc(nl, sizeof *lp);
    int rc = 0;
    size_t li = 0;
    if (!layers || !lp) {
        rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < t->nlayers; i++) {
        const mvt_layer_t *l = t->layers[i];
        if (!l->nfeats)
            continue;
        VectorTile__Tile__Layer *L = &layers[li];
        vector_tile__tile__layer__init(L);
        lp[li++] = L;
        L->version = 2;
        L->name = l->name;
        L->has_extent = 1;
        L->extent = l->extent;
        L->n_keys = l->nkeys;
        L->keys = l->keys;
        L->n_features = l->nfeats;
        L->features = calloc(l->nfeats, sizeof *L->features);
        VectorTile__Tile__Feature *fs = calloc(l->nfeats, sizeof *fs);
        L->n_values = l->nvals;
        L->values = calloc(l->nvals ? l->nvals : 1, sizeof *L->values);
        VectorTile__Tile__Value *vs = calloc(l->nvals ? l->nvals : 1, sizeof *vs);
        if (!L->features || !fs || !L->values || !vs) {
            free(fs);
            free(vs);
            rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
            goto done;
        }
        for (size_t k = 0; k < l->nfeats; k++) {
            VectorTile__Tile__Feature *F = &fs[k];
            vector_tile__tile__feature__init(F);
            if (l->feats[k].id) {
                F->has_id = 1;
                F->id = l->feats[k].id;
            }
            F->has_type = 1;
            F->type = (VectorTile__Tile__GeomType)l->feats[k].type;
            F->n_tags = l->feats[k].tags.n;
            F->tags = l->feats[k].tags.v;
            F->n_geometry = l->feats[k].geom.n;
            F->geometry = l->feats[k].geom.v;
            L->features[k] = F;
        }
        for (size_t k = 0; k < l->nvals; k++) {
            VectorTile__Tile__Value *V = &vs[k];
            vector_tile__tile__value__init(V);
            const val_t *v = &l->vals[k];
            switch (v->type) {
            case MVT_VAL_STRING: V->string_value = v->s; break;
            case MVT_VAL_DOUBLE: V->has_double_value = 1, V->double_value = v->d; break;
            case MVT_VAL_BOOL: V->has_bool_value = 1, V->bool_value = v->i != 0; break;
            case MVT_VAL_INT:
                if (v->i >= 0)
                    V->has_uint_value = 1, V->uint_value = (uint64_t)v->i;
                else
                    V->has_sint_value = 1, V->sint_value = v->i;
                break;
            }
            L->values[k] = V;
        }
        L->values[0] = vs; /* (also when n_values is 0, so it is freed below) */
    }
    tile.n_layers = nl;
    tile.layers = lp;
    *len = vector_tile__tile__get_packed_size(&tile);
    *out = malloc(*len ? *len : 1);
    if (!*out) {
        *len = 0;
        rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        goto done;
    }
    vector_tile__tile__pack(&tile, *out);
done:
    for (size_t i = 0; layers && i < li; i++) {
        if (layers[i].features)
            free(layers[i].features[0]);
        free(layers[i].features);
        if (layers[i].values)
            free(layers[i].values[0]);
        free(layers[i].values);
    }
    free(layers);
    free(lp);
    return rc;
}

/* ---- decoding --------------------------------------------------------------------- */

typedef struct {
    const uint32_t *g;
    size_t n, i;
    int32_t cx, cy;
} cur_t;

static GEOSCoordSequence *read_seq(cur_t *c, uint32_t count, int close)
{
    GEOSContextHandle_t h = geom_ctx();
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, count + (close ? 1u : 0u), 2);
    if (!cs)
        return NULL;
    for (uint32_t k = 0; k < count; k++) {
        c->cx += mvt_unzigzag(c->g[c->i++]);
        c->cy += mvt_unzigzag(c->g[c->i++]);
        GEOSCoordSeq_setXY_r(h, cs, k, c->cx, c->cy);
    }
    return cs;
}

static GEOSGeometry *collect(GEOSGeometry **parts, size_t n, int single_type, int multi_type)
{
    GEOSContextHandle_t h = geom_ctx();
    (void)single_type;
    if (n == 1) {
        GEOSGeometry *g = parts[0];
        free(parts);
        return g;
    }
    GEOSGeometry *g = GEOSGeom_createCollection_r(h, multi_type, parts, (unsigned)n);
    free(parts);
    return g;
}

static int decode_geometry(const VectorTile__Tile__Feature *f, GEOSGeometry **out, dm_error *err)
{
    GEOSContextHandle_t h = geom_ctx();
    cur_t c = {f->geometry, f->n_geometry, 0, 0, 0};
    GEOSGeometry **parts = NULL;
    size_t np = 0, capp = 0;
    GEOSGeometry *shell = NULL, **holes = NULL;
    size_t nh = 0, caph = 0;
    *out = NULL;
#define BAD(...)                                                                                                   \
    do {                                                                                                           \
        dm_error_set(err, DM_EINVAL, "geometry", __VA_ARGS__);                                                     \
        goto fail;                                                                                                 \
    } while (0)
    while (c.i < c.n) {
        uint32_t cmd = c.g[c.i] & 7u, count = c.g[c.i] >> 3;
        c.i++;
        if (cmd != MVT_CMD_MOVETO)
            BAD("command %u where MoveTo was expected", cmd);
        if (count == 0 || c.i + 2ull * count > c.n)
            BAD("MoveTo with bad count %u", count);
        if (f->type == VECTOR_TILE__TILE__GEOM_TYPE__POINT) {
            for (uint32_t k = 0; k < count; k++) {
                GEOSCoordSequence *cs = read_seq(&c, 1, 0);
                if (grow((void **)&parts, &capp, np + 1, sizeof *parts))
                    BAD("out of memory");
                parts[np++] = GEOSGeom_createPoint_r(h, cs);
            }
            continue;
        }
        if (count != 1)
            BAD("MoveTo of a line or ring must have count 1, got %u", count);
        int32_t sx = c.cx + mvt_unzigzag(c.g[c.i]), sy = c.cy + mvt_unzigzag(c.g[c.i + 1]);
        c.i += 2;
        if (c.i >= c.n || (c.g[c.i] & 7u) != MVT_CMD_LINETO)
            BAD("MoveTo not followed by LineTo");
        uint32_t lc = c.g[c.i] >> 3;
        c.i++;
        if (lc == 0 || c.i + 2ull * lc > c.n)
            BAD("LineTo with bad count %u", lc);
        int ring = f->type == VECTOR_TILE__TILE__GEOM_TYPE__POLYGON;
        GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, lc + 1 + (ring ? 1u : 0u), 2);
        GEOSCoordSeq_setXY_r(h, cs, 0, sx, sy);
        c.cx = sx;
        c.cy = sy;
        ipt_t *pts = malloc((lc + 1) * sizeof *pts);
        if (!pts || !cs) { /* -fanalyzer: unchecked allocation (docs/reliability.md) */
            free(pts);
            if (cs)
                GEOSCoordSeq_destroy_r(h, cs);
            BAD("out of memory");
        }
        pts[0] = (ipt_t){sx, sy};
        for (uint32_t k = 1; k <= lc; k++) {
            c.cx += mvt_unzigzag(c.g[c.i++]);
            c.cy += mvt_unzigzag(c.g[c.i++]);
            GEOSCoordSeq_setXY_r(h, cs, k, c.cx, c.cy);
            pts[k] = (ipt_t){c.cx, c.cy};
        }
        if (!ring) {
            free(pts);
            if (grow((void **)&parts, &capp, np + 1, sizeof *parts))
                BAD("out of memory");
            parts[np++] = GEOSGeom_createLineString_r(h, cs);
            continue;
        }
        if (c.i >= c.n || c.g[c.i] != mvt_command(MVT_CMD_CLOSEPATH, 1)) {
            free(pts);
            GEOSCoordSeq_destroy_r(h, cs);
            BAD("ring not ended by ClosePath");
        }
        c.i++;
        GEOSCoordSeq_setXY_r(h, cs, lc + 1, sx, sy);
        int64_t a = ring_area2(pts, lc + 1);
        free(pts);
        GEOSGeometry *lr = GEOSGeom_createLinearRing_r(h, cs);
        if (!lr)
            BAD("ring with fewer than 3 distinct points");
        if (a > 0) { /* a new exterior ring closes the previous polygon */
            if (shell) {
                if (grow((void **)&parts, &capp, np + 1, sizeof *parts))
                    BAD("out of memory");
                parts[np++] = GEOSGeom_createPolygon_r(h, shell, holes, (unsigned)nh);
                free(holes);
                holes = NULL;
                nh = caph = 0;
            }
            shell = lr;
        } else if (a < 0) {
            if (!shell) {
                GEOSGeom_destroy_r(h, lr);
                BAD("interior ring before any exterior ring");
            }
            if (grow((void **)&holes, &caph, nh + 1, sizeof *holes))
                BAD("out of memory");
            holes[nh++] = lr;
        } else {
            GEOSGeom_destroy_r(h, lr);
            BAD("ring of zero area");
        }
    }
    if (shell) {
        if (grow((void **)&parts, &capp, np + 1, sizeof *parts))
            BAD("out of memory");
        parts[np++] = GEOSGeom_createPolygon_r(h, shell, holes, (unsigned)nh);
        shell = NULL;
        free(holes);
        holes = NULL;
    }
    if (np == 0)
        BAD("feature without geometry");
    switch (f->type) {
    case VECTOR_TILE__TILE__GEOM_TYPE__POINT: *out = collect(parts, np, GEOS_POINT, GEOS_MULTIPOINT); break;
    case VECTOR_TILE__TILE__GEOM_TYPE__LINESTRING:
        *out = collect(parts, np, GEOS_LINESTRING, GEOS_MULTILINESTRING);
        break;
    default: *out = collect(parts, np, GEOS_POLYGON, GEOS_MULTIPOLYGON); break;
    }
    return 0;
fail:
    for (size_t i = 0; i < np; i++)
        GEOSGeom_destroy_r(h, parts[i]);
    free(parts);
    for (size_t i = 0; i < nh; i++)
        GEOSGeom_destroy_r(h, holes[i]);
    free(holes);
    if (shell)
        GEOSGeom_destroy_r(h, shell);
    return DM_EINVAL;
#undef BAD
}

int mvt_decode(const unsigned char *buf, size_t len, mvt_decoded_t *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    VectorTile__Tile *msg = vector_tile__tile__unpack(NULL, len, buf);
    if (!msg)
        return dm_error_set(err, DM_EINVAL, "tile", "not a vector tile (protobuf decoding failed)");
    out->msg = msg;
    out->nlayers = msg->n_layers;
    out->layers = calloc(msg->n_layers ? msg->n_layers : 1, sizeof *out->layers);
    if (!out->layers) {
        dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        mvt_decoded_free(out);
        return DM_ENOMEM;
    }
    for (size_t i = 0; i < msg->n_layers; i++) {
        const VectorTile__Tile__Layer *L = msg->layers[i];
        mvt_decoded_layer_t *dl = &out->layers[i];
        dl->name = L->name;
        dl->version = L->version;
        dl->extent = L->has_extent ? L->extent : 4096;
        dl->features = calloc(L->n_features ? L->n_features : 1, sizeof *dl->features);
        if (!dl->features) {
            dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
            mvt_decoded_free(out);
            return DM_ENOMEM;
        }
        for (size_t k = 0; k < L->n_features; k++) {
            const VectorTile__Tile__Feature *F = L->features[k];
            mvt_decoded_feature_t *df = &dl->features[k];
            dl->nfeatures = k + 1;
            df->id = F->has_id ? F->id : 0;
            df->type = F->has_type ? (mvt_geom_type_t)F->type : MVT_UNKNOWN;
            if (F->n_tags % 2) {
                dm_error_set(err, DM_EINVAL, "tags", "odd number of tags in layer %s", L->name);
                mvt_decoded_free(out);
                return DM_EINVAL;
            }
            df->props = calloc(F->n_tags / 2 + 1, sizeof *df->props);
            if (!df->props) {
                dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
                mvt_decoded_free(out);
                return DM_ENOMEM;
            }
            for (size_t t = 0; t + 1 < F->n_tags; t += 2) {
                uint32_t ki = F->tags[t], vi = F->tags[t + 1];
                if (ki >= L->n_keys || vi >= L->n_values) {
                    dm_error_set(err, DM_EINVAL, "tags", "tag index out of range in layer %s", L->name);
                    mvt_decoded_free(out);
                    return DM_EINVAL;
                }
                const VectorTile__Tile__Value *V = L->values[vi];
                mvt_prop_t *p = &df->props[df->nprops++];
                p->key = L->keys[ki];
                if (V->string_value)
                    p->value.type = MVT_VAL_STRING, p->value.s = V->string_value;
                else if (V->has_double_value)
                    p->value.type = MVT_VAL_DOUBLE, p->value.d = V->double_value;
                else if (V->has_float_value)
                    p->value.type = MVT_VAL_DOUBLE, p->value.d = V->float_value;
                else if (V->has_int_value)
                    p->value.type = MVT_VAL_INT, p->value.i = V->int_value;
                else if (V->has_uint_value)
                    p->value.type = MVT_VAL_INT, p->value.i = (int64_t)V->uint_value;
                else if (V->has_sint_value)
                    p->value.type = MVT_VAL_INT, p->value.i = V->sint_value;
                else if (V->has_bool_value)
                    p->value.type = MVT_VAL_BOOL, p->value.i = V->bool_value;
                else {
                    dm_error_set(err, DM_EINVAL, "values", "empty value in layer %s", L->name);
                    mvt_decoded_free(out);
                    return DM_EINVAL;
                }
            }
            if (decode_geometry(F, &df->geom, err)) {
                char what[512], lname[64];
                snprintf(what, sizeof what, "%s", err ? err->message : "");
                snprintf(lname, sizeof lname, "%s", L->name);
                mvt_decoded_free(out); /* frees L */
                return dm_error_set(err, DM_EINVAL, "geometry", "layer %s feature %zu: %.400s", lname, k, what);
            }
        }
    }
    return 0;
}

void mvt_decoded_free(mvt_decoded_t *d)
{
    if (!d)
        return;
    for (size_t i = 0; d->layers && i < d->nlayers; i++) {
        for (size_t k = 0; k < d->layers[i].nfeatures; k++) {
            if (d->layers[i].features[k].geom)
                GEOSGeom_destroy_r(geom_ctx(), d->layers[i].features[k].geom);
            free(d->layers[i].features[k].props);
        }
        free(d->layers[i].features);
    }
    free(d->layers);
    if (d->msg)
        vector_tile__tile__free_unpacked(d->msg, NULL);
    memset(d, 0, sizeof *d);
}

const mvt_decoded_layer_t *mvt_decoded_layer(const mvt_decoded_t *d, const char *name)
{
    for (size_t i = 0; i < d->nlayers; i++)
        if (strcmp(d->layers[i].name, name) == 0)
            return &d->layers[i];
    return NULL;
}

const mvt_value_t *mvt_feature_prop(const mvt_decoded_feature_t *f, const char *key)
{
    for (size_t i = 0; i < f->nprops; i++)
        if (strcmp(f->props[i].key, key) == 0)
            return &f->props[i].value;
    return NULL;
}
