/* test_tiles.c — vector tiles, TileJSON and style.json against the real
 * server. The group setup imports, with the real `diming import`, the
 * hierarchy squares (tests/fixtures/hierarchy.geojson), 4 facilities, 4
 * names, 3 residential areas and tests/fixtures/tiles/ (4 markers, 3 roads)
 * and starts `diming serve --port 0`. Tiles are read back with our decoder
 * and with GDAL's MVT driver, and counted against the database. The last
 * test imports one more facility while the server runs and checks that the
 * cached tile is not served again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gis/geom.h"
#include "tests/support/support.h"
#include "tiles/mvt.h"
#include "tiles/tile.h"

static char *g_dir, *g_db;
static t_server_t g_srv;

static int import(const char *layer, const char *file, const char *srs)
{
    char *path = t_fixture(file);
    t_run_t r;
    int rc = srs ? T_RUN(&r, "import", layer, path, "--db", g_db, "--quiet", "--src-srs", srs)
                 : T_RUN(&r, "import", layer, path, "--db", g_db, "--quiet");
    free(path);
    if (rc || r.status != 0) {
        fprintf(stderr, "import %s failed (%d): %s\n", file, r.status, r.err ? r.err : "");
        rc = -1;
    }
    t_run_free(&r);
    return rc;
}

static int group_setup(void **state)
{
    (void)state;
    g_dir = t_tmpdir("http-tiles");
    if (!g_dir)
        return -1;
    g_db = t_path(g_dir, "tiles.sqlite");
    if (import("divisions", "hierarchy.geojson", NULL) || import("facilities", "facilities_lonlat.csv", "EPSG:4490") ||
        import("names", "names_cn.csv", "EPSG:4490") || import("residential", "residential_wkt.csv", "EPSG:4490") ||
        import("markers", "tiles/markers.csv", "EPSG:4490") || import("roads", "tiles/roads.geojson", NULL))
        return -1;
    GDALAllRegister();
    const char *const extra[] = {"--threads", "2", NULL};
    return t_server_start(&g_srv, g_db, extra);
}

static int group_teardown(void **state)
{
    (void)state;
    int status = t_server_stop_checked(&g_srv);
    t_rmtree(g_dir);
    free(g_dir);
    free(g_db);
    return status;
}

static void get(const char *target, const char *const headers[], int status, t_response_t *res)
{
    assert_int_equal(t_http(g_srv.port, "GET", target, headers, NULL, 0, res), 0);
    if (res->status != status)
        fprintf(stderr, "GET %s: %d %s\n", target, res->status, res->body);
    assert_int_equal(res->status, status);
}

static void assert_error(const t_response_t *res, int status, const char *code, const char *param,
                         const char *message)
{
    assert_int_equal(res->status, status);
    assert_non_null(res->json);
    assert_string_equal(t_header(res, "Content-Type"), "application/json; charset=utf-8");
    assert_string_equal(t_json_str(res->json, "error.code"), code);
    if (param)
        assert_string_equal(t_json_str(res->json, "error.param"), param);
    if (message)
        assert_string_equal(t_json_str(res->json, "error.message"), message);
}

/* Fetches a tile (identity encoding) and decodes it. */
static void fetch_tile(const char *layers, int z, int x, int y, mvt_decoded_t *d, t_response_t *res)
{
    char target[128];
    snprintf(target, sizeof target, "/tiles/%s/%d/%d/%d.mvt", layers, z, x, y);
    get(target, NULL, 200, res);
    assert_string_equal(t_header(res, "Content-Type"), "application/vnd.mapbox-vector-tile");
    assert_null(t_header(res, "Content-Encoding"));
    dm_error e;
    if (mvt_decode((const unsigned char *)res->body, res->body_len, d, &e))
        fail_msg("%s: %s", target, e.message);
}

static long count_layer(const mvt_decoded_t *d, const char *name)
{
    const mvt_decoded_layer_t *l = mvt_decoded_layer(d, name);
    return l ? (long)l->nfeatures : 0;
}

static const mvt_decoded_feature_t *feature_named(const mvt_decoded_t *d, const char *layer, const char *key,
                                                  const char *value)
{
    const mvt_decoded_layer_t *l = mvt_decoded_layer(d, layer);
    for (size_t i = 0; l && i < l->nfeatures; i++) {
        const mvt_value_t *v = mvt_feature_prop(&l->features[i], key);
        if (v && v->type == MVT_VAL_STRING && strcmp(v->s, value) == 0)
            return &l->features[i];
    }
    return NULL;
}

/* Every point lies in exactly one tile: summed over the z12 tiles covering
 * the data, the counts are the database's. */
static void points_over_all_tiles_match_the_database(void **state)
{
    (void)state;
    int x0, y0, x1, y1;
    tile_from_lonlat(119.9, 31.1, 12, &x0, &y0);
    tile_from_lonlat(120.1, 30.9, 12, &x1, &y1);
    long markers = 0, facilities = 0, names = 0, tiles = 0;
    for (int x = x0; x <= x1; x++)
        for (int y = y0; y <= y1; y++) {
            char target[96];
            snprintf(target, sizeof target, "/tiles/markers,facilities,names/12/%d/%d.mvt", x, y);
            t_response_t res;
            assert_int_equal(t_get(g_srv.port, target, &res), 0);
            if (res.status == 204) {
                t_response_free(&res);
                continue;
            }
            assert_int_equal(res.status, 200);
            mvt_decoded_t d;
            assert_int_equal(mvt_decode((const unsigned char *)res.body, res.body_len, &d, NULL), 0);
            markers += count_layer(&d, "markers");
            facilities += count_layer(&d, "facilities");
            names += count_layer(&d, "names");
            tiles++;
            mvt_decoded_free(&d);
            t_response_free(&res);
        }
    assert_true(tiles >= 2);
    char *n = t_sql(g_db, "SELECT (SELECT count(*) FROM markers) || ',' || (SELECT count(*) FROM facilities) || ',' "
                          "|| (SELECT count(*) FROM place_names)");
    char got[64];
    snprintf(got, sizeof got, "%ld,%ld,%ld\n", markers, facilities, names);
    assert_string_equal(got, n);
    assert_string_equal(got, "4,3,4\n"); /* one facility row is rejected on import */
    free(n);
}

static void feature_properties_and_geometry(void **state)
{
    (void)state;
    int x, y;
    tile_from_lonlat(119.97, 31.02, 14, &x, &y); /* 天宁区社会福利院 */
    mvt_decoded_t d;
    t_response_t res;
    fetch_tile("facilities", 14, x, y, &d, &res);
    const mvt_decoded_feature_t *f = feature_named(&d, "facilities", "name", "天宁区社会福利院");
    assert_non_null(f);
    assert_int_equal(f->type, MVT_POINT);
    assert_string_equal(mvt_feature_prop(f, "type")->s, "养老机构");
    assert_int_equal(mvt_feature_prop(f, "beds")->i, 200);
    assert_int_equal(mvt_feature_prop(f, "nursing_beds")->i, 120);
    /* The point in tile units is where Web Mercator puts 119.97, 31.02
     * (EPSG:3857 spherical formulas), to the unit. */
    double gx, gy, s = sin(31.02 * M_PI / 180);
    double ex = ((119.97 + 180) / 360 * 16384 - x) * 4096;
    double ey = ((0.5 - log((1 + s) / (1 - s)) / (4 * M_PI)) * 16384 - y) * 4096;
    GEOSGeomGetX_r(geom_ctx(), f->geom, &gx);
    GEOSGeomGetY_r(geom_ctx(), f->geom, &gy);
    assert_true(fabs(gx - ex) <= 0.5 && fabs(gy - ey) <= 0.5);
    mvt_decoded_free(&d);
    t_response_free(&res);

    /* Roads: a line clipped to the tile plus its buffer, with its class. */
    tile_from_lonlat(119.97, 30.96, 13, &x, &y);
    fetch_tile("roads", 13, x, y, &d, &res);
    f = feature_named(&d, "roads", "name", "人民路");
    assert_non_null(f);
    assert_int_equal(f->type, MVT_LINESTRING);
    assert_string_equal(mvt_feature_prop(f, "class")->s, "primary");
    double minx, maxx;
    GEOSGeom_getXMin_r(geom_ctx(), f->geom, &minx);
    GEOSGeom_getXMax_r(geom_ctx(), f->geom, &maxx);
    assert_true(minx >= -TILE_BUFFER && maxx <= 4096 + TILE_BUFFER);
    assert_int_equal(count_layer(&d, "roads"), 2); /* 人民路 and 长乐路 cross this tile */
    mvt_decoded_free(&d);
    t_response_free(&res);
}

/* One level per zoom: counties at z8, townships at z11, villages at z13. */
static void divisions_level_follows_zoom(void **state)
{
    (void)state;
    static const struct {
        int z;
        double lon, lat;
        const char *level1_name;
        long n;
    } cases[] = {
        {4, 120.0, 31.0, "江苏省", 1},
        {8, 120.0, 31.0, "天宁区", 2},
        {11, 119.97, 31.02, "郑陆镇", -1},
        {14, 119.96, 31.03, "焦溪村", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int x, y;
        tile_from_lonlat(cases[i].lon, cases[i].lat, cases[i].z, &x, &y);
        mvt_decoded_t d;
        t_response_t res;
        fetch_tile("divisions", cases[i].z, x, y, &d, &res);
        const mvt_decoded_layer_t *l = mvt_decoded_layer(&d, "divisions");
        assert_non_null(l);
        if (cases[i].n >= 0)
            assert_int_equal(l->nfeatures, cases[i].n);
        const mvt_decoded_feature_t *f = feature_named(&d, "divisions", "name", cases[i].level1_name);
        if (!f)
            fail_msg("z%d: no %s", cases[i].z, cases[i].level1_name);
        for (size_t k = 0; k < l->nfeatures; k++)
            assert_int_equal(mvt_feature_prop(&l->features[k], "level")->i, tile_division_level(cases[i].z));
        assert_int_equal(f->type, MVT_POLYGON);
        mvt_decoded_free(&d);
        t_response_free(&res);
    }
}

/* GDAL's MVT driver, a reader we did not write, reads the same tile. */
static void gdal_reads_the_tiles(void **state)
{
    (void)state;
    int x, y;
    tile_from_lonlat(119.97, 31.0, 12, &x, &y);
    t_response_t res;
    char target[96];
    snprintf(target, sizeof target, "/tiles/all/12/%d/%d.mvt", x, y);
    get(target, NULL, 200, &res);
    char *path = t_path(g_dir, "tile.mvt");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(res.body, 1, res.body_len, f);
    fclose(f);
    mvt_decoded_t d;
    assert_int_equal(mvt_decode((const unsigned char *)res.body, res.body_len, &d, NULL), 0);

    char xs[16], ys[16], conn[512];
    snprintf(xs, sizeof xs, "X=%d", x);
    snprintf(ys, sizeof ys, "Y=%d", y);
    const char *const oo[] = {xs, ys, "Z=12", NULL};
    snprintf(conn, sizeof conn, "MVT:%s", path);
    GDALDatasetH ds = GDALOpenEx(conn, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, oo, NULL);
    assert_non_null(ds);
    static const char *const names[] = {"divisions", "residential", "roads", "markers", "facilities", "names"};
    int seen = 0;
    for (size_t i = 0; i < 6; i++) {
        OGRLayerH l = GDALDatasetGetLayerByName(ds, names[i]);
        if (!l) {
            assert_int_equal(count_layer(&d, names[i]), 0);
            continue;
        }
        seen++;
        assert_int_equal(OGR_L_GetFeatureCount(l, 1), count_layer(&d, names[i]));
    }
    assert_true(seen >= 4);
    /* The attribute of one named road as GDAL reads it. */
    OGRLayerH roads = GDALDatasetGetLayerByName(ds, "roads");
    assert_non_null(roads);
    OGR_L_SetAttributeFilter(roads, "name = '长乐路'");
    OGRFeatureH feat = OGR_L_GetNextFeature(roads);
    assert_non_null(feat);
    assert_string_equal(OGR_F_GetFieldAsString(feat, OGR_F_GetFieldIndex(feat, "class")), "residential");
    OGR_F_Destroy(feat);
    GDALClose(ds);
    mvt_decoded_free(&d);
    t_response_free(&res);
    free(path);
}

static void empty_tile_is_204(void **state)
{
    (void)state;
    t_response_t res;
    get("/tiles/all/14/0/0.mvt", NULL, 204, &res);
    assert_int_equal(res.body_len, 0);
    assert_string_equal(t_header(&res, "Cache-Control"), "public, no-cache");
    t_response_free(&res);
    /* markers start at z12: below it the layer is empty */
    int x, y;
    tile_from_lonlat(120.0, 31.0, 9, &x, &y);
    char target[64];
    snprintf(target, sizeof target, "/tiles/markers/9/%d/%d.mvt", x, y);
    get(target, NULL, 204, &res);
    t_response_free(&res);
}

static void etag_304_cache_and_gzip(void **state)
{
    (void)state;
    int x, y;
    tile_from_lonlat(119.97, 31.0, 13, &x, &y);
    char target[96];
    snprintf(target, sizeof target, "/tiles/roads,divisions/13/%d/%d.mvt", x, y);
    t_response_t a, b, c, g;
    get(target, NULL, 200, &a);
    get(target, NULL, 200, &b);
    assert_string_equal(t_header(&b, "X-Tile-Cache"), "hit");
    const char *etag = t_header(&a, "ETag");
    assert_non_null(etag);
    assert_string_equal(etag, t_header(&b, "ETag"));
    assert_int_equal(a.body_len, b.body_len);
    assert_memory_equal(a.body, b.body, a.body_len);
    assert_string_equal(t_header(&a, "Vary"), "Accept-Encoding");

    char inm[96];
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    const char *const h304[] = {inm, NULL};
    get(target, h304, 304, &c);
    assert_int_equal(c.body_len, 0);
    assert_string_equal(t_header(&c, "ETag"), etag);
    t_response_free(&c);
    const char *const hother[] = {"If-None-Match: \"0000000000000000\"", NULL};
    get(target, hother, 200, &c);
    t_response_free(&c);

    const char *const hgz[] = {"Accept-Encoding: gzip, deflate", NULL};
    get(target, hgz, 200, &g);
    assert_string_equal(t_header(&g, "Content-Encoding"), "gzip");
    assert_string_not_equal(t_header(&g, "ETag"), etag);
    assert_true(g.body_len < a.body_len);
    unsigned char *back = malloc(a.body_len + 16);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
    zs.next_in = (Bytef *)g.body;
    zs.avail_in = (uInt)g.body_len;
    zs.next_out = back;
    zs.avail_out = (uInt)a.body_len + 16;
    assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
    assert_int_equal(zs.total_out, a.body_len);
    assert_memory_equal(back, a.body, a.body_len);
    inflateEnd(&zs);
    free(back);
    /* The gzip form's ETag validates too (either form of the same tile). */
    snprintf(inm, sizeof inm, "If-None-Match: %s", t_header(&g, "ETag"));
    const char *const hgz304[] = {inm, "Accept-Encoding: gzip", NULL};
    get(target, hgz304, 304, &c);
    t_response_free(&c);
    const char *const hq0[] = {"Accept-Encoding: gzip;q=0", NULL};
    get(target, hq0, 200, &c);
    assert_null(t_header(&c, "Content-Encoding"));
    t_response_free(&c);
    t_response_free(&a);
    t_response_free(&b);
    t_response_free(&g);
}

static void bad_tile_requests(void **state)
{
    (void)state;
    static const struct {
        const char *target;
        int status;
        const char *param, *message;
    } cases[] = {
        {"/tiles/all/23/0/0.mvt", 400, "z", "z must be a whole number from 0 to 22, got '23'"},
        {"/tiles/all/a/0/0.mvt", 400, "z", "z must be a whole number from 0 to 22, got 'a'"},
        {"/tiles/all/-1/0/0.mvt", 400, "z", "z must be a whole number from 0 to 22, got '-1'"},
        {"/tiles/all/2/4/0.mvt", 400, "x", "x must be a whole number from 0 to 3, got '4'"},
        {"/tiles/all/2/0/9.mvt", 400, "y", "y must be a whole number from 0 to 3, got '9'"},
        {"/tiles/all/2/0/1e1.mvt", 400, "y", "y must be a whole number from 0 to 3, got '1e1'"},
        {"/tiles/all/2/0/.mvt", 400, "y", "y must be a whole number from 0 to 3, got ''"},
        {"/tiles/rivers/2/0/0.mvt", 404, "layer",
         "unknown layer 'rivers' (layers: all, divisions, residential, roads, markers, facilities, names, boundaries)"},
        {"/tiles/roads,roads/2/0/0.mvt", 400, "layer", "layer 'roads' named twice"},
        {"/tiles/roads/2/0/0.png", 404, NULL, "tile paths end in .mvt (or .pbf)"},
        {"/tiles/roads/2/0.mvt", 404, NULL, "tile paths are /tiles/{layers}/{z}/{x}/{y}.mvt"},
        {"/tiles/rivers.json", 404, "layer", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        t_response_t res;
        get(cases[i].target, NULL, cases[i].status, &res);
        assert_error(&res, cases[i].status, cases[i].status == 400 ? "invalid_parameter" : "not_found",
                     cases[i].param, cases[i].message);
        t_response_free(&res);
    }
}

static void tilejson_describes_the_layers(void **state)
{
    (void)state;
    t_response_t res;
    char url[160];
    const char *const h[] = {NULL};
    get("/tiles/roads,markers.json", h, 200, &res); /* links use the Host header, "127.0.0.1" here */
    assert_string_equal(t_json_str(res.json, "tilejson"), "3.0.0");
    snprintf(url, sizeof url, "http://127.0.0.1/tiles/roads,markers/{z}/{x}/{y}.mvt");
    assert_string_equal(t_json_str(res.json, "tiles.0"), url);
    assert_int_equal(t_json_int(res.json, "minzoom"), 12);
    assert_int_equal(t_json_int(res.json, "maxzoom"), 16);
    /* bounds: the union of the roads' and markers' extents, as the R*Tree
     * keeps them (single precision, rounded outwards: within 1e-5°) */
    assert_float_equal(t_json_num(res.json, "bounds.0"), 119.951, 1e-5);
    assert_float_equal(t_json_num(res.json, "bounds.1"), 30.951, 1e-5);
    assert_float_equal(t_json_num(res.json, "bounds.2"), 120.049, 1e-5);
    assert_float_equal(t_json_num(res.json, "bounds.3"), 31.049, 1e-5);
    assert_int_equal(t_json_len(res.json, "vector_layers"), 2);
    assert_string_equal(t_json_str(res.json, "vector_layers.0.id"), "roads");
    assert_string_equal(t_json_str(res.json, "vector_layers.0.fields.class"), "String");
    assert_string_equal(t_json_str(res.json, "vector_layers.1.fields.number"), "String");
    t_response_free(&res);

    get("/style.json", h, 200, &res);
    assert_int_equal(t_json_int(res.json, "version"), 8);
    snprintf(url, sizeof url, "http://127.0.0.1/tiles/all.json");
    assert_string_equal(t_json_str(res.json, "sources.diming.url"), url);
    /* every layer of the catalogue is drawn */
    size_t n;
    const tile_layer_t *cat = tile_layers(&n);
    for (size_t i = 0; i < n; i++) {
        int drawn = 0;
        json_t *l;
        size_t k;
        json_array_foreach(json_object_get(res.json, "layers"), k, l)
        {
            const char *sl = json_string_value(json_object_get(l, "source-layer"));
            drawn |= sl && strcmp(sl, cat[i].name) == 0;
        }
        if (!drawn)
            fail_msg("style.json does not draw %s", cat[i].name);
    }
    t_response_free(&res);
}

/* After an import the cached tiles of the layer it touched are rebuilt
 * (the new facility shows); tiles of other layers stay cached. */
static void import_invalidates_cached_tiles(void **state)
{
    (void)state;
    int x, y;
    tile_from_lonlat(119.969, 31.021, 14, &x, &y);
    mvt_decoded_t d;
    t_response_t before, again, after;
    fetch_tile("facilities", 14, x, y, &d, &before);
    long n0 = count_layer(&d, "facilities");
    mvt_decoded_free(&d);
    fetch_tile("facilities", 14, x, y, &d, &again);
    assert_string_equal(t_header(&again, "X-Tile-Cache"), "hit");
    mvt_decoded_free(&d);
    t_response_t roads;
    fetch_tile("roads", 14, x, y, &d, &roads); /* cached now */
    mvt_decoded_free(&d);
    t_response_free(&roads);

    assert_int_equal(import("facilities", "tiles/facility_extra.csv", "EPSG:4490"), 0);
    fetch_tile("facilities", 14, x, y, &d, &after);
    assert_string_equal(t_header(&after, "X-Tile-Cache"), "miss");
    assert_int_equal(count_layer(&d, "facilities"), n0 + 1);
    assert_non_null(feature_named(&d, "facilities", "name", "新建社区养老服务站"));
    assert_string_not_equal(t_header(&after, "ETag"), t_header(&before, "ETag"));
    /* Only the layer the import touched was invalidated. */
    mvt_decoded_free(&d);
    fetch_tile("roads", 14, x, y, &d, &roads);
    assert_string_equal(t_header(&roads, "X-Tile-Cache"), "hit");
    mvt_decoded_free(&d);
    t_response_free(&roads);
    fetch_tile("roads,facilities", 14, x, y, &d, &roads);
    assert_int_equal(count_layer(&d, "facilities"), n0 + 1);
    mvt_decoded_free(&d);
    t_response_free(&roads);
    /* The old validator no longer matches: the client gets the new tile. */
    char inm[96];
    snprintf(inm, sizeof inm, "If-None-Match: %s", t_header(&before, "ETag"));
    const char *const h[] = {inm, NULL};
    t_response_t res;
    char target[96];
    snprintf(target, sizeof target, "/tiles/facilities/14/%d/%d.mvt", x, y);
    get(target, h, 200, &res);
    t_response_free(&res);
    mvt_decoded_free(&d);
    t_response_free(&before);
    t_response_free(&again);
    t_response_free(&after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(points_over_all_tiles_match_the_database),
        cmocka_unit_test(feature_properties_and_geometry),
        cmocka_unit_test(divisions_level_follows_zoom),
        cmocka_unit_test(gdal_reads_the_tiles),
        cmocka_unit_test(empty_tile_is_204),
        cmocka_unit_test(etag_304_cache_and_gzip),
        cmocka_unit_test(bad_tile_requests),
        cmocka_unit_test(tilejson_describes_the_layers),
        cmocka_unit_test(import_invalidates_cached_tiles),
    };
    return cmocka_run_group_tests_name("http/tiles", tests, group_setup, group_teardown);
}
