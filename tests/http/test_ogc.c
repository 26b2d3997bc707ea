/* test_ogc.c — OGC API - Features - Part 1: Core against the real server:
 * landing page, conformance, OpenAPI, collections, items with bbox, limit,
 * paging, datetime and property filters, single features, the 400/404s
 * for bad input, and GDAL's OAPIF driver (a client we did not write)
 * reading every collection through the paging links and counting what the
 * database holds. Data: the hierarchy squares and the small layers of
 * tests/fixtures (see tests/fixtures/tiles/README.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <gdal.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/support.h"

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
    g_dir = t_tmpdir("http-ogc");
    if (!g_dir)
        return -1;
    g_db = t_path(g_dir, "ogc.sqlite");
    if (import("divisions", "hierarchy.geojson", NULL) || import("facilities", "facilities_lonlat.csv", "EPSG:4490") ||
        import("names", "names_cn.csv", "EPSG:4490") || import("residential", "residential_wkt.csv", "EPSG:4490") ||
        import("markers", "tiles/markers.csv", "EPSG:4490") || import("roads", "tiles/roads.geojson", NULL))
        return -1;
    /* GDAL speaks through curl, which honours proxy variables: the server
     * is local. */
    setenv("no_proxy", "127.0.0.1,localhost", 1);
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
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

static void get(const char *target, int status, const char *type, t_response_t *res)
{
    assert_int_equal(t_get(g_srv.port, target, res), 0);
    if (res->status != status)
        fprintf(stderr, "GET %s: %d %s\n", target, res->status, res->body);
    assert_int_equal(res->status, status);
    assert_non_null(res->json);
    if (type)
        assert_string_equal(t_header(res, "Content-Type"), type);
}

#define JSON "application/json; charset=utf-8"
#define GEOJSON "application/geo+json"

/* The href of the link with relation `rel`, or NULL. */
static const char *link_href(json_t *doc, const char *rel)
{
    json_t *l;
    size_t i;
    json_array_foreach(json_object_get(doc, "links"), i, l)
    {
        if (strcmp(json_string_value(json_object_get(l, "rel")), rel) == 0)
            return json_string_value(json_object_get(l, "href"));
    }
    return NULL;
}

static void landing_conformance_api(void **state)
{
    (void)state;
    t_response_t res;
    get("/", 200, JSON, &res);
    assert_string_equal(link_href(res.json, "self"), "http://127.0.0.1/");
    assert_string_equal(link_href(res.json, "service-desc"), "http://127.0.0.1/api");
    assert_string_equal(link_href(res.json, "conformance"), "http://127.0.0.1/conformance");
    assert_string_equal(link_href(res.json, "data"), "http://127.0.0.1/collections");
    assert_non_null(t_json_str(res.json, "title"));
    t_response_free(&res);

    get("/conformance", 200, JSON, &res);
    assert_int_equal(t_json_len(res.json, "conformsTo"), 3);
    assert_string_equal(t_json_str(res.json, "conformsTo.0"),
                        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core");
    assert_string_equal(t_json_str(res.json, "conformsTo.2"),
                        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson");
    t_response_free(&res);

    get("/api", 200, "application/vnd.oai.openapi+json;version=3.0", &res);
    assert_string_equal(t_json_str(res.json, "openapi"), "3.0.3");
    json_t *items = json_object_get(json_object_get(res.json, "paths"), "/collections/{collectionId}/items");
    assert_non_null(items);
    assert_int_equal(t_json_len(items, "get.parameters"), 8);
    assert_int_equal(t_json_int(items, "get.parameters.1.schema.maximum"), 10000);
    assert_non_null(json_object_get(json_object_get(res.json, "paths"), "/collections/{collectionId}/items/{featureId}"));
    t_response_free(&res);
}

static void collections_list_and_one(void **state)
{
    (void)state;
    static const char *const ids[] = {"divisions", "residential", "roads", "markers", "facilities", "names", "boundaries"};
    t_response_t res;
    get("/collections", 200, JSON, &res);
    assert_int_equal(t_json_len(res.json, "collections"), 7);
    for (int i = 0; i < 7; i++) {
        char path[64];
        snprintf(path, sizeof path, "collections.%d.id", i);
        assert_string_equal(t_json_str(res.json, path), ids[i]);
        snprintf(path, sizeof path, "collections.%d.itemType", i);
        assert_string_equal(t_json_str(res.json, path), "feature");
    }
    t_response_free(&res);

    get("/collections/markers", 200, JSON, &res);
    assert_string_equal(t_json_str(res.json, "id"), "markers");
    assert_string_equal(link_href(res.json, "items"), "http://127.0.0.1/collections/markers/items");
    /* the spatial index's box (single precision, rounded outwards: 1e-4°) */
    assert_float_equal(t_json_num(res.json, "extent.spatial.bbox.0.0"), 119.955, 1e-4);
    assert_float_equal(t_json_num(res.json, "extent.spatial.bbox.0.1"), 30.97, 1e-4);
    assert_float_equal(t_json_num(res.json, "extent.spatial.bbox.0.2"), 120.0001, 1e-4);
    assert_float_equal(t_json_num(res.json, "extent.spatial.bbox.0.3"), 31.045, 1e-4);
    assert_string_equal(t_json_str(res.json, "extent.spatial.crs"), "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
    assert_null(t_json_at(res.json, "extent.temporal"));
    t_response_free(&res);
    get("/collections/divisions", 200, JSON, &res);
    assert_true(t_json_is_null(res.json, "extent.temporal.interval.0.0"));
    t_response_free(&res);
}

static void items_page_with_next_links(void **state)
{
    (void)state;
    t_response_t res;
    get("/collections/divisions/items", 200, GEOJSON, &res);
    assert_string_equal(t_json_str(res.json, "type"), "FeatureCollection");
    assert_int_equal(t_json_int(res.json, "numberMatched"), 12);
    assert_int_equal(t_json_int(res.json, "numberReturned"), 10);
    assert_int_equal(t_json_len(res.json, "features"), 10);
    assert_int_equal(t_json_int(res.json, "features.0.id"), 1);
    assert_string_equal(t_json_str(res.json, "features.0.properties.name"), "江苏省");
    assert_string_equal(t_json_str(res.json, "features.0.geometry.type"), "MultiPolygon");
    assert_non_null(t_json_str(res.json, "timeStamp"));
    assert_string_equal(link_href(res.json, "next"), "http://127.0.0.1/collections/divisions/items?limit=10&offset=10");
    assert_null(link_href(res.json, "prev"));
    t_response_free(&res);

    get("/collections/divisions/items?limit=10&offset=10", 200, GEOJSON, &res);
    assert_int_equal(t_json_int(res.json, "numberMatched"), 12);
    assert_int_equal(t_json_int(res.json, "numberReturned"), 2);
    assert_int_equal(t_json_int(res.json, "features.0.id"), 11);
    assert_null(link_href(res.json, "next"));
    assert_string_equal(link_href(res.json, "prev"), "http://127.0.0.1/collections/divisions/items?limit=10&offset=0");
    t_response_free(&res);

    /* the query travels with the page; values are percent-encoded */
    get("/collections/names/items?category=%E9%81%93%E8%B7%AF&limit=2", 200, GEOJSON, &res);
    assert_int_equal(t_json_int(res.json, "numberMatched"), 3);
    assert_int_equal(t_json_int(res.json, "numberReturned"), 2);
    assert_string_equal(link_href(res.json, "next"),
                        "http://127.0.0.1/collections/names/items?category=%E9%81%93%E8%B7%AF&limit=2&offset=2");
    t_response_free(&res);
}

static void bbox_datetime_and_filters(void **state)
{
    (void)state;
    static const struct {
        const char *target;
        long matched;
        const char *first_name;
    } cases[] = {
        {"/collections/facilities/items?bbox=119.95,31.0,119.975,31.05", 2, "天宁区社会福利院"},
        /* a box inside 焦溪村 meets its ancestors' outlines too, nothing else */
        {"/collections/divisions/items?bbox=119.951,31.031,119.952,31.032", 5, "江苏省"},
        {"/collections/divisions/items?code=320404001001&datetime=2021-06-29", 1, "运河社区"},
        {"/collections/divisions/items?code=320404001001&datetime=2021-06-30T08:00:00Z", 1, "新运河社区"},
        {"/collections/divisions/items?code=320404001001&datetime=2021-01-01/2021-12-31", 2, "运河社区"},
        {"/collections/divisions/items?code=320404001001&datetime=2022-01-01/..", 1, "新运河社区"},
        {"/collections/divisions/items?code=320404001001", 2, "运河社区"},
        {"/collections/divisions/items?code=320402", 1, "天宁区"},
        {"/collections/divisions/items?name=%E9%83%91%E9%99%86%E9%95%87", 1, "郑陆镇"},
        {"/collections/divisions/items?category=%E6%9D%91", 2, "焦溪村"},
        {"/collections/facilities/items?name=%E5%A4%A9%E5%AE%81%E5%8C%BA%E7%A4%BE%E4%BC%9A%E7%A6%8F%E5%88%A9%E9%99%A2",
         1, "天宁区社会福利院"},
        {"/collections/roads/items?category=primary", 1, "人民路"},
        {"/collections/facilities/items?datetime=2000-01-01", 3, "天宁区社会福利院"}, /* no validity: always */
        {"/collections/facilities/items?bbox=100,20,101,21", 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        t_response_t res;
        get(cases[i].target, 200, GEOJSON, &res);
        if (t_json_int(res.json, "numberMatched") != cases[i].matched)
            fail_msg("%s: numberMatched %lld", cases[i].target, t_json_int(res.json, "numberMatched"));
        assert_int_equal(t_json_int(res.json, "numberReturned"), cases[i].matched);
        if (cases[i].first_name)
            assert_string_equal(t_json_str(res.json, "features.0.properties.name"), cases[i].first_name);
        t_response_free(&res);
    }
    t_response_t res;
    get("/collections/markers/items?code=TN-ZL-002", 200, GEOJSON, &res);
    assert_int_equal(t_json_int(res.json, "numberMatched"), 1);
    assert_string_equal(t_json_str(res.json, "features.0.properties.status"), "damaged");
    assert_true(t_json_is_null(res.json, "features.0.properties.installed_on"));
    t_response_free(&res);
}

static void one_feature(void **state)
{
    (void)state;
    t_response_t res;
    get("/collections/facilities/items/1", 200, GEOJSON, &res);
    assert_string_equal(t_json_str(res.json, "type"), "Feature");
    assert_int_equal(t_json_int(res.json, "id"), 1);
    assert_string_equal(t_json_str(res.json, "properties.name"), "天宁区社会福利院");
    assert_int_equal(t_json_int(res.json, "properties.beds"), 200);
    assert_string_equal(t_json_str(res.json, "geometry.type"), "Point");
    assert_float_equal(t_json_num(res.json, "geometry.coordinates.0"), 119.97, 1e-9);
    assert_float_equal(t_json_num(res.json, "geometry.coordinates.1"), 31.02, 1e-9);
    assert_string_equal(link_href(res.json, "self"), "http://127.0.0.1/collections/facilities/items/1");
    assert_string_equal(link_href(res.json, "collection"), "http://127.0.0.1/collections/facilities");
    t_response_free(&res);
}

static void bad_input_is_400_or_404(void **state)
{
    (void)state;
    static const struct {
        const char *target;
        int status;
        const char *param, *message;
    } cases[] = {
        {"/collections/rivers", 404, "collection",
         "no collection 'rivers' (collections: divisions, residential, roads, markers, facilities, names, boundaries)"},
        {"/collections/rivers/items", 404, "collection", NULL},
        {"/collections/facilities/items/999", 404, "featureId", "no feature 999 in collection facilities"},
        {"/collections/facilities/items/abc", 404, "featureId", "no feature 'abc' in collection facilities"},
        {"/collections/facilities/items/0", 404, "featureId", NULL},
        {"/collections/facilities/things", 404, NULL, "no such endpoint: /collections/facilities/things"},
        {"/collections/facilities/items?bbox=1,2,3", 400, "bbox",
         "bbox must be four numbers minlon,minlat,maxlon,maxlat, got '1,2,3'"},
        {"/collections/facilities/items?bbox=a,b,c,d", 400, "bbox", NULL},
        {"/collections/facilities/items?bbox=1,2,3,4,", 400, "bbox", NULL},
        {"/collections/facilities/items?bbox=", 400, "bbox", NULL},
        {"/collections/facilities/items?bbox=120,31,119,32", 400, "bbox",
         "bbox is inverted: minlon must not exceed maxlon nor minlat maxlat, got '120,31,119,32'"},
        {"/collections/facilities/items?bbox=119,32,120,31", 400, "bbox", NULL},
        {"/collections/facilities/items?bbox=0,0,200,10", 400, "bbox",
         "bbox must lie within longitude -180..180 and latitude -90..90, got '0,0,200,10'"},
        {"/collections/facilities/items?bbox=1,2,0,3,4,10", 400, "bbox",
         "bbox with heights (six numbers) is not supported: these collections are 2D"},
        {"/collections/facilities/items?limit=0", 400, "limit", "limit must be a whole number from 1 to 10000, got '0'"},
        {"/collections/facilities/items?limit=10001", 400, "limit", NULL},
        {"/collections/facilities/items?limit=abc", 400, "limit", NULL},
        {"/collections/facilities/items?limit=-5", 400, "limit", NULL},
        {"/collections/facilities/items?offset=-1", 400, "offset", NULL},
        {"/collections/divisions/items?datetime=yesterday", 400, "datetime", NULL},
        {"/collections/divisions/items?datetime=2021-13-01", 400, "datetime", NULL},
        {"/collections/divisions/items?datetime=2022-01-01/2021-01-01", 400, "datetime",
         "datetime interval ends before it starts: '2022-01-01/2021-01-01'"},
        {"/collections/divisions/items?datetime=../..", 400, "datetime", "datetime interval open at both ends"},
        {"/collections/divisions/items?foo=bar", 400, "foo",
         "unknown query parameter 'foo' (known: limit, offset, bbox, datetime, name, code, category)"},
        {"/collections/residential/items?category=x", 400, "category",
         "collection residential cannot be filtered by category"},
        {"/collections/divisions/items?code=12x", 400, "code", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        t_response_t res;
        get(cases[i].target, cases[i].status, JSON, &res);
        assert_string_equal(t_json_str(res.json, "error.code"), cases[i].status == 400 ? "invalid_parameter"
                                                                                         : "not_found");
        if (cases[i].param)
            assert_string_equal(t_json_str(res.json, "error.param"), cases[i].param);
        if (cases[i].message)
            assert_string_equal(t_json_str(res.json, "error.message"), cases[i].message);
        t_response_free(&res);
    }
}

/* GDAL's OAPIF driver lists the collections and pages through every one
 * (two features a page, so it follows the next links). */
static void gdal_oapif_reads_every_collection(void **state)
{
    (void)state;
    char conn[64];
    snprintf(conn, sizeof conn, "OAPIF:http://127.0.0.1:%u/", g_srv.port);
    const char *const oo[] = {"PAGE_SIZE=2", NULL};
    GDALDatasetH ds = GDALOpenEx(conn, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, oo, NULL);
    assert_non_null(ds);
    assert_int_equal(GDALDatasetGetLayerCount(ds), 7);
    static const struct {
        const char *layer, *table;
    } map[] = {{"divisions", "divisions"}, {"residential", "residential_areas"}, {"roads", "road_edges"},
               {"markers", "markers"},     {"facilities", "facilities"},        {"names", "place_names"}};
    for (size_t i = 0; i < 6; i++) {
        OGRLayerH l = GDALDatasetGetLayerByName(ds, map[i].layer);
        assert_non_null(l);
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", map[i].table);
        char *want = t_sql(g_db, sql);
        long n = 0;
        OGRFeatureH f;
        OGR_L_ResetReading(l);
        while ((f = OGR_L_GetNextFeature(l))) {
            n++;
            OGR_F_Destroy(f);
        }
        char got[32];
        snprintf(got, sizeof got, "%ld\n", n);
        if (strcmp(got, want) != 0)
            fail_msg("%s: GDAL read %ld features, the database has %s", map[i].layer, n, want);
        snprintf(got, sizeof got, "%lld\n", (long long)OGR_L_GetFeatureCount(l, 1));
        assert_string_equal(got, want);
        free(want);
    }
    OGRLayerH fac = GDALDatasetGetLayerByName(ds, "facilities");
    OGR_L_ResetReading(fac);
    OGRFeatureH f = OGR_L_GetNextFeature(fac);
    assert_non_null(f);
    assert_string_equal(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "name")), "天宁区社会福利院");
    assert_int_equal(OGR_F_GetFieldAsInteger(f, OGR_F_GetFieldIndex(f, "beds")), 200);
    OGR_F_Destroy(f);
    GDALClose(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(landing_conformance_api),
        cmocka_unit_test(collections_list_and_one),
        cmocka_unit_test(items_page_with_next_links),
        cmocka_unit_test(bbox_datetime_and_filters),
        cmocka_unit_test(one_feature),
        cmocka_unit_test(bad_input_is_400_or_404),
        cmocka_unit_test(gdal_oapif_reads_every_collection),
    };
    return cmocka_run_group_tests_name("http/ogc", tests, group_setup, group_teardown);
}
