/* test_tiles_mvt.c — the MVT encoder against the worked examples of the
 * Mapbox Vector Tile 2.1 specification (section 4.3.5: exact command
 * streams), ring orientation (4.3.4.4), grid rounding, key/value
 * deduplication, decoding what was encoded, and refusal of broken tiles;
 * plus the tile arithmetic, gzip, ETags and the tile cache of tile.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gis/geom.h"
#include "tiles/mvt.h"
#include "tiles/tile.h"
#include "vector_tile.pb-c.h"

static GEOSGeometry *wkt(const char *text)
{
    GEOSWKTReader *r = GEOSWKTReader_create_r(geom_ctx());
    GEOSGeometry *g = GEOSWKTReader_read_r(geom_ctx(), r, text);
    GEOSWKTReader_destroy_r(geom_ctx(), r);
    assert_non_null(g);
    return g;
}

/* Encodes one feature of geometry `text` and returns the packed tile. */
static void encode_one(const char *text, unsigned char **buf, size_t *len)
{
    mvt_tile_t *t = mvt_tile_new();
    mvt_layer_t *l = mvt_tile_add_layer(t, "test", MVT_EXTENT);
    GEOSGeometry *g = wkt(text);
    dm_error e;
    assert_int_equal(mvt_layer_add_feature(l, 7, g, NULL, 0, &e), 1);
    GEOSGeom_destroy_r(geom_ctx(), g);
    assert_int_equal(mvt_tile_encode(t, buf, len, &e), 0);
    mvt_tile_free(t);
}

/* The raw geometry command stream of the single feature of a tile. */
static void assert_commands(const char *text, int type, const uint32_t *want, size_t n)
{
    unsigned char *buf;
    size_t len;
    encode_one(text, &buf, &len);
    VectorTile__Tile *msg = vector_tile__tile__unpack(NULL, len, buf);
    assert_non_null(msg);
    assert_int_equal(msg->n_layers, 1);
    assert_int_equal(msg->layers[0]->version, 2);
    assert_int_equal(msg->layers[0]->extent, 4096);
    assert_int_equal(msg->layers[0]->n_features, 1);
    const VectorTile__Tile__Feature *f = msg->layers[0]->features[0];
    assert_int_equal(f->id, 7);
    assert_int_equal(f->type, type);
    if (f->n_geometry != n) {
        for (size_t i = 0; i < f->n_geometry; i++)
            fprintf(stderr, "%u ", f->geometry[i]);
        fprintf(stderr, "\n");
    }
    assert_int_equal(f->n_geometry, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(f->geometry[i], want[i]);
    vector_tile__tile__free_unpacked(msg, NULL);
    free(buf);
}

static void command_integers_and_zigzag(void **state)
{
    (void)state;
    assert_int_equal(mvt_command(MVT_CMD_MOVETO, 1), 9);
    assert_int_equal(mvt_command(MVT_CMD_LINETO, 3), 26);
    assert_int_equal(mvt_command(MVT_CMD_CLOSEPATH, 1), 15);
    assert_int_equal(mvt_zigzag(0), 0);
    assert_int_equal(mvt_zigzag(-1), 1);
    assert_int_equal(mvt_zigzag(1), 2);
    assert_int_equal(mvt_zigzag(-2), 3);
    assert_int_equal(mvt_zigzag(2147483647), 4294967294u);
    assert_int_equal(mvt_zigzag(-2147483647 - 1), 4294967295u);
    for (int v = -5000; v <= 5000; v += 7)
        assert_int_equal(mvt_unzigzag(mvt_zigzag(v)), v);
}

/* Spec 4.3.5.1–4.3.5.7, exactly. */
static void spec_examples_encode_exactly(void **state)
{
    (void)state;
    assert_commands("POINT (25 17)", MVT_POINT, (const uint32_t[]){9, 50, 34}, 3);
    assert_commands("MULTIPOINT ((5 7), (3 2))", MVT_POINT, (const uint32_t[]){17, 10, 14, 3, 9}, 5);
    assert_commands("LINESTRING (2 2, 2 10, 10 10)", MVT_LINESTRING, (const uint32_t[]){9, 4, 4, 18, 0, 16, 16, 0},
                    8);
    assert_commands("MULTILINESTRING ((2 2, 2 10, 10 10), (1 1, 3 5))", MVT_LINESTRING,
                    (const uint32_t[]){9, 4, 4, 18, 0, 16, 16, 0, 9, 17, 17, 10, 4, 8}, 14);
    assert_commands("POLYGON ((3 6, 8 12, 20 34, 3 6))", MVT_POLYGON,
                    (const uint32_t[]){9, 6, 12, 18, 10, 12, 24, 44, 15}, 9);
    assert_commands("MULTIPOLYGON (((0 0, 10 0, 10 10, 0 10, 0 0)), ((11 11, 20 11, 20 20, 11 20, 11 11), "
                    "(13 13, 13 17, 17 17, 17 13, 13 13)))",
                    MVT_POLYGON,
                    (const uint32_t[]){9, 0, 0, 26, 20, 0, 0, 20, 19, 0, 15, 9, 22, 2, 26, 18, 0, 0, 18, 17, 0, 15,
                                       9, 4, 13, 26, 0, 8, 8, 0, 0, 7, 15},
                    33);
}

/* Rings given the wrong way round come out with the spec's winding: the
 * exterior positive, the hole negative (4.3.4.4), same shape. */
static void winding_is_fixed(void **state)
{
    (void)state;
    /* (0,0) (0,10) (10,10) (10,0) is counter-clockwise on screen (y down). */
    assert_commands("POLYGON ((0 0, 0 10, 10 10, 10 0, 0 0))", MVT_POLYGON,
                    (const uint32_t[]){9, 0, 0, 26, 20, 0, 0, 20, 19, 0, 15}, 11);
    unsigned char *buf;
    size_t len;
    encode_one("POLYGON ((0 0, 0 100, 100 100, 100 0, 0 0), (10 10, 60 10, 60 60, 10 60, 10 10))", &buf, &len);
    mvt_decoded_t d;
    dm_error e;
    assert_int_equal(mvt_decode(buf, len, &d, &e), 0);
    GEOSGeometry *want = wkt("POLYGON ((0 0, 0 100, 100 100, 100 0, 0 0), (10 10, 60 10, 60 60, 10 60, 10 10))");
    const GEOSGeometry *got = d.layers[0].features[0].geom;
    assert_int_equal(GEOSGeomTypeId_r(geom_ctx(), got), GEOS_POLYGON);
    assert_int_equal(GEOSGetNumInteriorRings_r(geom_ctx(), got), 1);
    assert_int_equal(GEOSEquals_r(geom_ctx(), got, want), 1);
    GEOSGeom_destroy_r(geom_ctx(), want);
    mvt_decoded_free(&d);
    free(buf);
}

static void rounding_drops_repeats_and_vanished_parts(void **state)
{
    (void)state;
    /* 2.2 and 2.4 round to the same grid point: one LineTo fewer. */
    assert_commands("LINESTRING (2 2, 2.2 2.4, 2 10, 10 10)", MVT_LINESTRING,
                    (const uint32_t[]){9, 4, 4, 18, 0, 16, 16, 0}, 8);
    /* The small square rounds to nothing; the big one stays. */
    assert_commands("MULTIPOLYGON (((0 0, 10 0, 10 10, 0 10, 0 0)), ((50 50, 50.3 50, 50.3 50.3, 50 50.3, 50 50)))",
                    MVT_POLYGON, (const uint32_t[]){9, 0, 0, 26, 20, 0, 0, 20, 19, 0, 15}, 11);
    mvt_tile_t *t = mvt_tile_new();
    mvt_layer_t *l = mvt_tile_add_layer(t, "x", MVT_EXTENT);
    dm_error e;
    GEOSGeometry *tiny = wkt("POLYGON ((5 5, 5.2 5, 5.2 5.2, 5 5.2, 5 5))");
    GEOSGeometry *dot = wkt("LINESTRING (1 1, 1.1 1.1, 0.9 1)");
    GEOSGeometry *empty = wkt("POLYGON EMPTY");
    assert_int_equal(mvt_layer_add_feature(l, 1, tiny, NULL, 0, &e), 0);
    assert_int_equal(mvt_layer_add_feature(l, 2, dot, NULL, 0, &e), 0);
    assert_int_equal(mvt_layer_add_feature(l, 3, empty, NULL, 0, &e), 0);
    geom_destroy_all(tiny, dot, empty, NULL);
    assert_int_equal(mvt_tile_feature_count(t), 0);
    unsigned char *buf;
    size_t len;
    assert_int_equal(mvt_tile_encode(t, &buf, &len, &e), 0);
    assert_int_equal(len, 0); /* nothing left: an empty tile */
    assert_null(buf);
    mvt_tile_free(t);
}

static void properties_round_trip_and_values_are_shared(void **state)
{
    (void)state;
    mvt_tile_t *t = mvt_tile_new();
    mvt_layer_t *roads = mvt_tile_add_layer(t, "roads", MVT_EXTENT);
    mvt_layer_t *names = mvt_tile_add_layer(t, "names", MVT_EXTENT);
    mvt_layer_t *none = mvt_tile_add_layer(t, "nothing", MVT_EXTENT);
    (void)none;
    dm_error e;
    GEOSGeometry *l1 = wkt("LINESTRING (0 0, 100 100)"), *l2 = wkt("LINESTRING (100 100, 200 50)"),
                 *p = wkt("POINT (4095 0)");
    mvt_prop_t a[] = {{"name", {MVT_VAL_STRING, "人民路", 0, 0}},
                      {"oneway", {MVT_VAL_BOOL, NULL, 1, 0}},
                      {"lanes", {MVT_VAL_INT, NULL, 4, 0}},
                      {"length_m", {MVT_VAL_DOUBLE, NULL, 0, 123.5}}};
    mvt_prop_t b[] = {{"name", {MVT_VAL_STRING, "人民路", 0, 0}},
                      {"lanes", {MVT_VAL_INT, NULL, -2, 0}},
                      {"skipped", {MVT_VAL_STRING, NULL, 0, 0}}};
    mvt_prop_t c[] = {{"name", {MVT_VAL_STRING, "天府广场", 0, 0}}, {"pinyin", {MVT_VAL_STRING, "Tianfu Guangchang", 0, 0}}};
    assert_int_equal(mvt_layer_add_feature(roads, 11, l1, a, 4, &e), 1);
    assert_int_equal(mvt_layer_add_feature(roads, 12, l2, b, 3, &e), 1);
    assert_int_equal(mvt_layer_add_feature(names, 0, p, c, 2, &e), 1);
    geom_destroy_all(l1, l2, p, NULL);
    unsigned char *buf;
    size_t len;
    assert_int_equal(mvt_tile_encode(t, &buf, &len, &e), 0);
    mvt_tile_free(t);

    /* On the wire: the empty layer is left out; "人民路" and "name" once. */
    VectorTile__Tile *msg = vector_tile__tile__unpack(NULL, len, buf);
    assert_int_equal(msg->n_layers, 2);
    assert_int_equal(msg->layers[0]->n_keys, 4);
    assert_int_equal(msg->layers[0]->n_values, 5);
    assert_int_equal(msg->layers[0]->features[1]->n_tags, 4);
    vector_tile__tile__free_unpacked(msg, NULL);

    mvt_decoded_t d;
    assert_int_equal(mvt_decode(buf, len, &d, &e), 0);
    free(buf);
    assert_int_equal(d.nlayers, 2);
    assert_null(mvt_decoded_layer(&d, "nothing"));
    const mvt_decoded_layer_t *r = mvt_decoded_layer(&d, "roads");
    assert_non_null(r);
    assert_int_equal(r->nfeatures, 2);
    assert_int_equal(r->features[0].id, 11);
    assert_int_equal(r->features[0].type, MVT_LINESTRING);
    assert_string_equal(mvt_feature_prop(&r->features[0], "name")->s, "人民路");
    assert_int_equal(mvt_feature_prop(&r->features[0], "oneway")->type, MVT_VAL_BOOL);
    assert_int_equal(mvt_feature_prop(&r->features[0], "oneway")->i, 1);
    assert_int_equal(mvt_feature_prop(&r->features[0], "lanes")->i, 4);
    assert_true(mvt_feature_prop(&r->features[0], "length_m")->d == 123.5);
    assert_int_equal(mvt_feature_prop(&r->features[1], "lanes")->i, -2);
    assert_null(mvt_feature_prop(&r->features[1], "skipped"));
    GEOSGeometry *w = wkt("LINESTRING (100 100, 200 50)");
    assert_int_equal(GEOSEquals_r(geom_ctx(), r->features[1].geom, w), 1);
    GEOSGeom_destroy_r(geom_ctx(), w);
    const mvt_decoded_layer_t *n = mvt_decoded_layer(&d, "names");
    assert_int_equal(n->nfeatures, 1);
    assert_int_equal(n->features[0].id, 0);
    assert_string_equal(mvt_feature_prop(&n->features[0], "pinyin")->s, "Tianfu Guangchang");
    mvt_decoded_free(&d);
}

static void broken_tiles_are_refused(void **state)
{
    (void)state;
    dm_error e;
    mvt_decoded_t d;
    const unsigned char junk[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x12};
    assert_int_equal(mvt_decode(junk, sizeof junk, &d, &e), DM_EINVAL);

    /* A polygon feature whose stream starts with LineTo. */
    VectorTile__Tile tile = VECTOR_TILE__TILE__INIT;
    VectorTile__Tile__Layer layer = VECTOR_TILE__TILE__LAYER__INIT;
    VectorTile__Tile__Feature f = VECTOR_TILE__TILE__FEATURE__INIT;
    uint32_t bad[] = {mvt_command(MVT_CMD_LINETO, 1), 2, 2};
    f.has_type = 1;
    f.type = VECTOR_TILE__TILE__GEOM_TYPE__POLYGON;
    f.n_geometry = 3;
    f.geometry = bad;
    VectorTile__Tile__Feature *fp = &f;
    layer.version = 2;
    layer.name = "x";
    layer.n_features = 1;
    layer.features = &fp;
    VectorTile__Tile__Layer *lp = &layer;
    tile.n_layers = 1;
    tile.layers = &lp;
    unsigned char buf[64];
    size_t len = vector_tile__tile__pack(&tile, buf);
    assert_int_equal(mvt_decode(buf, len, &d, &e), DM_EINVAL);
    assert_string_equal(e.message, "layer x feature 0: command 2 where MoveTo was expected");

    /* A ring that is not closed. */
    uint32_t open[] = {9, 0, 0, 26, 20, 0, 0, 20, 19, 0};
    f.geometry = open;
    f.n_geometry = 10;
    len = vector_tile__tile__pack(&tile, buf);
    assert_int_equal(mvt_decode(buf, len, &d, &e), DM_EINVAL);
    assert_string_equal(e.message, "layer x feature 0: ring not ended by ClosePath");
}

/* ---- tile.h ------------------------------------------------------------------ */

static void tile_arithmetic(void **state)
{
    (void)state;
    double b[4];
    tile_bounds(0, 0, 0, b);
    assert_float_equal(b[0], -180, 1e-9);
    assert_float_equal(b[2], 180, 1e-9);
    assert_float_equal(b[3], 85.0511287798, 1e-9);
    assert_float_equal(b[1], -85.0511287798, 1e-9);
    tile_bounds(1, 1, 0, b); /* the north-east quarter */
    assert_float_equal(b[0], 0, 1e-9);
    assert_float_equal(b[1], 0, 1e-9);
    int x, y;
    tile_from_lonlat(104.0657, 30.6595, 14, &x, &y); /* 天府广场 */
    assert_int_equal(x, 12928);
    assert_int_equal(y, 6724);
    tile_bounds(14, 12928, 6724, b);
    assert_true(b[0] <= 104.0657 && 104.0657 < b[2] && b[1] <= 30.6595 && 30.6595 < b[3]);
    tile_from_lonlat(180, -90, 3, &x, &y); /* clamped to the last tile */
    assert_int_equal(x, 7);
    assert_int_equal(y, 7);
    assert_int_equal(tile_division_level(3), LEVEL_PROVINCE);
    assert_int_equal(tile_division_level(6), LEVEL_PREFECTURE);
    assert_int_equal(tile_division_level(8), LEVEL_COUNTY);
    assert_int_equal(tile_division_level(11), LEVEL_TOWNSHIP);
    assert_int_equal(tile_division_level(15), LEVEL_VILLAGE);
}

/* PMTiles v3 tile ids: the spec's first ids and a deeper one from the
 * reference implementation's tests. */
static void pmtiles_tile_ids(void **state)
{
    (void)state;
    assert_int_equal(tile_pmtiles_id(0, 0, 0), 0);
    assert_int_equal(tile_pmtiles_id(1, 0, 0), 1);
    assert_int_equal(tile_pmtiles_id(1, 0, 1), 2);
    assert_int_equal(tile_pmtiles_id(1, 1, 1), 3);
    assert_int_equal(tile_pmtiles_id(1, 1, 0), 4);
    assert_int_equal(tile_pmtiles_id(2, 0, 0), 5);
    assert_int_equal(tile_pmtiles_id(12, 3423, 1763), 19078479);
    /* every tile of a zoom has its own id within the zoom's range */
    uint64_t seen = 0;
    for (uint32_t x = 0; x < 8; x++)
        for (uint32_t y = 0; y < 8; y++) {
            uint64_t id = tile_pmtiles_id(3, x, y);
            assert_true(id >= 21 && id < 85);
            assert_false(seen & (1ull << (id - 21)));
            seen |= 1ull << (id - 21);
        }
}

static void layer_lists(void **state)
{
    (void)state;
    const tile_layer_t *l[TILE_MAX_LAYERS];
    size_t n;
    dm_error e;
    assert_int_equal(tile_parse_layers("roads,names", "layer", l, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(l[0]->name, "roads");
    assert_string_equal(l[1]->name, "names");
    assert_int_equal(tile_parse_layers("all", "layer", l, &n, &e), 0);
    assert_int_equal(n, 7);
    assert_int_equal(tile_parse_layers("roads,rivers", "layer", l, &n, &e), DM_ENOTFOUND);
    assert_string_equal(e.param, "layer");
    assert_string_equal(e.message, "unknown layer 'rivers' (layers: all, divisions, residential, roads, "
                                   "markers, facilities, names, boundaries)");
    assert_int_equal(tile_parse_layers("roads,,names", "layer", l, &n, &e), DM_EINVAL);
    assert_int_equal(tile_parse_layers("roads,roads", "layer", l, &n, &e), DM_EINVAL);
    assert_string_equal(e.message, "layer 'roads' named twice");
}

static void gzip_round_trip(void **state)
{
    (void)state;
    unsigned char in[3000], *gz, back[4000];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (unsigned char)(i % 7);
    size_t gzlen;
    dm_error e;
    assert_int_equal(tile_gzip(in, sizeof in, &gz, &gzlen, &e), 0);
    assert_true(gzlen < sizeof in / 10);
    assert_int_equal(gz[0], 0x1f); /* gzip magic (RFC 1952) */
    assert_int_equal(gz[1], 0x8b);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
    zs.next_in = gz;
    zs.avail_in = (uInt)gzlen;
    zs.next_out = back;
    zs.avail_out = sizeof back;
    assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
    assert_int_equal(zs.total_out, sizeof in);
    assert_memory_equal(back, in, sizeof in);
    inflateEnd(&zs);
    free(gz);
}

static void etags(void **state)
{
    (void)state;
    char a[40], agz[40], b[40];
    tile_etag((const unsigned char *)"abc", 3, 0, a);
    tile_etag((const unsigned char *)"abc", 3, 1, agz);
    tile_etag((const unsigned char *)"abd", 3, 0, b);
    assert_int_equal(strlen(a), 18);
    assert_string_not_equal(a, b);
    assert_memory_equal(agz + strlen(agz) - 4, "-gz\"", 4);
    assert_true(tile_etag_matches(a, a));
    assert_true(tile_etag_matches(agz, a)); /* either form validates the tile */
    assert_true(tile_etag_matches(a, agz));
    char list[128];
    snprintf(list, sizeof list, "\"x\", W/%s", a);
    assert_true(tile_etag_matches(list, a));
    assert_true(tile_etag_matches("*", a));
    assert_false(tile_etag_matches(b, a));
    assert_false(tile_etag_matches("garbage", a));
    assert_false(tile_etag_matches(NULL, a));
}

static void cache_hits_evicts_and_drops_stale_versions(void **state)
{
    (void)state;
    unsigned char tile[1000];
    memset(tile, 'a', sizeof tile);
    /* Room for about three 1 kB entries. */
    tile_cache_t *c = tile_cache_new(3 * 1200);
    tile_hit_t h;
    assert_int_equal(tile_cache_get(c, "all/1/0/0", 5, 0, 1, &h), 0);
    tile_cache_put(c, "all/1/0/0", 5, tile, sizeof tile, (const unsigned char *)"gz", 2);
    assert_int_equal(tile_cache_get(c, "all/1/0/0", 5, 0, 1, &h), 1);
    assert_int_equal(h.len, 1000);
    assert_false(h.gzipped);
    assert_memory_equal(h.body, tile, 1000);
    free(h.body);
    assert_int_equal(tile_cache_get(c, "all/1/0/0", 5, 1, 1, &h), 1);
    assert_true(h.gzipped);
    assert_int_equal(h.len, 2);
    assert_memory_equal(h.body, "gz", 2);
    free(h.body);
    tile_cache_put(c, "all/1/0/1", 5, NULL, 0, NULL, 0); /* an empty tile is cached too */
    assert_int_equal(tile_cache_get(c, "all/1/0/1", 5, 1, 1, &h), 1);
    assert_true(h.empty);
    assert_null(h.body);

    /* LRU: touching 0/0 keeps it; the two older ones go. */
    tile_cache_put(c, "all/1/1/0", 5, tile, sizeof tile, NULL, 0);
    assert_int_equal(tile_cache_get(c, "all/1/0/0", 5, 0, 0, &h), 1);
    tile_cache_put(c, "all/1/1/1", 5, tile, sizeof tile, NULL, 0);
    tile_cache_put(c, "all/2/0/0", 5, tile, sizeof tile, NULL, 0);
    tile_cache_stats_t st = tile_cache_stats(c);
    assert_true(st.bytes <= st.max_bytes);
    assert_int_equal(st.evictions, 2);
    assert_int_equal(tile_cache_get(c, "all/1/0/0", 5, 0, 0, &h), 1);
    assert_int_equal(tile_cache_get(c, "all/1/1/0", 5, 0, 0, &h), 0);
    assert_int_equal(tile_cache_get(c, "all/1/0/1", 5, 0, 0, &h), 0);

    /* An import into the tile's layers (version 6): its entry is stale and
     * dropped; an entry of other layers (still version 5) stays. */
    assert_int_equal(tile_cache_get(c, "all/1/0/0", 6, 0, 0, &h), 0);
    st = tile_cache_stats(c);
    assert_int_equal(st.stale, 1);
    assert_int_equal(st.entries, 2);
    assert_int_equal(tile_cache_get(c, "all/2/0/0", 5, 0, 0, &h), 1);
    assert_int_equal(tile_cache_get(c, "all/1/0/0", 5, 0, 0, &h), 0); /* gone for good */
    tile_cache_put(c, "all/1/0/0", 6, tile, sizeof tile, NULL, 0);
    /* A build from older data arriving late does not replace a newer one. */
    tile_cache_put(c, "all/1/0/0", 5, (const unsigned char *)"old", 3, NULL, 0);
    assert_int_equal(tile_cache_get(c, "all/1/0/0", 6, 0, 1, &h), 1);
    assert_int_equal(h.len, 1000);
    free(h.body);
    /* Too big for the cache: not kept, not an error. */
    unsigned char *big = calloc(1, 2000);
    tile_cache_put(c, "big", 6, big, 2000, NULL, 0);
    assert_int_equal(tile_cache_get(c, "big", 6, 0, 0, &h), 0);
    free(big);
    tile_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(command_integers_and_zigzag),
        cmocka_unit_test(spec_examples_encode_exactly),
        cmocka_unit_test(winding_is_fixed),
        cmocka_unit_test(rounding_drops_repeats_and_vanished_parts),
        cmocka_unit_test(properties_round_trip_and_values_are_shared),
        cmocka_unit_test(broken_tiles_are_refused),
        cmocka_unit_test(tile_arithmetic),
        cmocka_unit_test(pmtiles_tile_ids),
        cmocka_unit_test(layer_lists),
        cmocka_unit_test(gzip_round_trip),
        cmocka_unit_test(etags),
        cmocka_unit_test(cache_hits_evicts_and_drops_stale_versions),
    };
    return cmocka_run_group_tests_name("unit/tiles_mvt", tests, NULL, NULL);
}
