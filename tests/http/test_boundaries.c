/* test_boundaries.c — the boundary endpoints against the real server. The
 * group setup runs the real `diming import divisions tests/fixtures/hierarchy.geojson`,
 * `diming import markers tests/fixtures/boundaries/markers.geojson`,
 * `diming boundaries derive --tolerance-m 5` and `diming boundaries status`,
 * then starts `diming serve --port 0`.
 *
 * The hierarchy (tests/fixtures/README.md) is lon/lat squares: 天宁区 320402
 * lon [119.95, 120.00] and 钟楼区 320404 lon [120.00, 120.05], lat [30.95,
 * 31.05]; 郑陆镇 320402100 lat [31.00, 31.05] with 舜河村 lon [119.975, 120.00];
 * 荷花池街道 and 新运河社区 cover 钟楼区. Expected metres are from PROJ's `geod`
 * on the CGCS2000 ellipsoid (+a=6378137 +rf=298.257222101):
 *   meridian 120°E from 30.95° to 31.05°            11086.946 m
 *   parallel 31.00° from 119.95° to 120.00°           4775.213 m
 *   parallel 31.02° over 0.02° of longitude           1909.686 m
 *   parallel 31.02° from 119.99° to 120.00°            954.843 m
 * Markers (tests/fixtures/boundaries/markers.geojson) sit on the 天宁区—钟楼区
 * line 0204; 0204005Q is 30 m east of it at 31.02°N.
 * tests/fixtures/boundaries/qa.geojson: 新北区 320411 lon [119.90, 120.00] ×
 * lat [31.80, 31.90] with 三井街道 (west half), 河海街道 lon [119.949, 120.00] ×
 * lat [31.80, 31.85] — overlapping 三井街道 by 0.001° of longitude —, and 罗溪镇
 * lat [31.851, 31.905] — a 0.001° gap above 河海街道 and 0.005° outside the
 * county. Expected areas of these lon/lat rectangles on the ellipsoid, from
 * the closed form A = Δλ a²(1−e²)/2 [q(φ2) − q(φ1)]:
 *   overlap 524880.3 m², gap 524738.1 m², outside 2622238.6 m². */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/support.h"

static char *g_dir, *g_db;
static t_server_t g_srv;

static int run_ok(const char *const args[])
{
    t_run_t r;
    int rc = t_run(args, &r);
    if (rc || r.status != 0) {
        fprintf(stderr, "%s %s failed (%d): %s\n", args[0], args[1], r.status, r.err ? r.err : "");
        rc = -1;
    }
    t_run_free(&r);
    return rc;
}

static int group_setup(void **state)
{
    (void)state;
    g_dir = t_tmpdir("http-boundaries");
    if (!g_dir)
        return -1;
    g_db = t_path(g_dir, "b.sqlite");
    char *hier = t_fixture("hierarchy.geojson"), *markers = t_fixture("boundaries/markers.geojson");
    char *qa = t_fixture("boundaries/qa.geojson"), *official = t_fixture("boundaries/official-lines.geojson");
    int rc = run_ok((const char *const[]){"import", "divisions", hier, "--db", g_db, "--quiet", NULL}) ||
             run_ok((const char *const[]){"import", "divisions", qa, "--db", g_db, "--quiet", NULL}) ||
             run_ok((const char *const[]){"import", "markers", markers, "--db", g_db, "--quiet", NULL}) ||
             run_ok((const char *const[]){"boundaries", "derive", "--db", g_db, "--tolerance-m", "5", NULL}) ||
             run_ok((const char *const[]){"boundaries", "status", "320402", "320404", "agreed", "--agreement",
                                          "常政复〔2005〕12号", "--db", g_db, NULL}) ||
             /* an official township line, then a second derive that must not overwrite it */
             run_ok((const char *const[]){"boundaries", "import", official, "--db", g_db, NULL}) ||
             run_ok((const char *const[]){"boundaries", "derive", "--db", g_db, "--tolerance-m", "5", NULL}) ||
             /* round 4 of line 0204 covered every marker but 0204006Q and 0204008Q */
             run_ok((const char *const[]){"boundaries", "inspect", "--db", g_db, "--line", "0204", "--round", "4",
                                          "--date", "2023-05-01", "--parties", "天宁区;钟楼区", "--marker",
                                          "0204001Q", "--marker", "0204002A", "--marker", "0204002B", "--marker",
                                          "0204003A:B missing", "--marker", "0204005Q", "--marker", "0204007Q",
                                          "--marker", "0205009Q", "--marker", "02X4010Q", NULL});
    free(hier);
    free(markers);
    free(qa);
    free(official);
    if (rc)
        return -1;
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

static void get_json(const char *target, int expect, t_response_t *res)
{
    assert_int_equal(t_get(g_srv.port, target, res), 0);
    if (res->status != expect)
        fprintf(stderr, "GET %s: %d %s\n", target, res->status, res->body);
    assert_int_equal(res->status, expect);
    assert_non_null(res->json);
}

static void post_json(const char *target, const char *body, int expect, t_response_t *res)
{
    const char *const hdr[] = {"Content-Type: application/json", NULL};
    assert_int_equal(t_http(g_srv.port, "POST", target, hdr, body, strlen(body), res), 0);
    if (res->status != expect)
        fprintf(stderr, "POST %s %s: %d %s\n", target, body, res->status, res->body);
    assert_int_equal(res->status, expect);
    assert_non_null(res->json);
}

static void assert_bad(const t_response_t *res, const char *param, const char *words)
{
    assert_int_equal(res->status, 400);
    assert_string_equal(t_json_str(res->json, "error.param"), param);
    const char *msg = t_json_str(res->json, "error.message");
    assert_non_null(msg);
    if (!strstr(msg, words))
        fprintf(stderr, "message '%s' lacks '%s'\n", msg, words);
    assert_non_null(strstr(msg, words));
}

static void test_county_line_derived_with_geodesic_length(void **state)
{
    (void)state;
    t_response_t res;
    get_json("/boundaries?level=county", 200, &res);
    assert_int_equal(t_json_len(res.json, "features"), 1);
    assert_string_equal(t_json_str(res.json, "features.0.properties.name"), "天宁区—钟楼区");
    assert_string_equal(t_json_str(res.json, "features.0.properties.left_code"), "320402000000");
    assert_string_equal(t_json_str(res.json, "features.0.properties.right_code"), "320404000000");
    assert_string_equal(t_json_str(res.json, "features.0.properties.line_code"), "0204");
    assert_string_equal(t_json_str(res.json, "features.0.properties.level"), "county");
    assert_float_equal(t_json_num(res.json, "features.0.properties.length_m"), 11086.9, 0.051);
    assert_string_equal(t_json_str(res.json, "features.0.properties.status"), "agreed");
    assert_string_equal(t_json_str(res.json, "features.0.properties.agreement_ref"), "常政复〔2005〕12号");
    assert_string_equal(t_json_str(res.json, "features.0.geometry.type"), "MultiLineString");
    t_response_free(&res);
}

static void test_lines_of_one_township(void **state)
{
    (void)state;
    t_response_t res;
    get_json("/boundaries?code=320402100", 200, &res);
    assert_int_equal(t_json_len(res.json, "features"), 2);
    assert_string_equal(t_json_str(res.json, "features.0.properties.name"), "雕庄街道—郑陆镇");
    assert_float_equal(t_json_num(res.json, "features.0.properties.length_m"), 4775.2, 0.051);
    assert_string_equal(t_json_str(res.json, "features.0.properties.status"), "not_agreed"); /* official file */
    assert_string_equal(t_json_str(res.json, "features.1.properties.name"), "郑陆镇—荷花池街道");
    t_response_free(&res);
}

/* official-lines.geojson: 郑陆镇—荷花池街道 bends 0.0005° east at 31.025°N
 * (2772.153 + 2772.164 m by geod) and is agreed; 雕庄街道—郑陆镇 gets
 * not_agreed without a geometry. Deriving again kept both. */
static void test_official_lines_and_status_filter(void **state)
{
    (void)state;
    t_response_t res;
    get_json("/boundaries?status=agreed", 200, &res);
    assert_int_equal(t_json_len(res.json, "features"), 2);
    assert_string_equal(t_json_str(res.json, "features.1.properties.name"), "郑陆镇—荷花池街道");
    assert_string_equal(t_json_str(res.json, "features.1.properties.source"), "imported");
    assert_string_equal(t_json_str(res.json, "features.1.properties.agreement_ref"), "天钟勘界〔2003〕1号");
    assert_float_equal(t_json_num(res.json, "features.1.properties.length_m"), 5544.3, 0.051);
    assert_float_equal(t_json_num(res.json, "features.1.geometry.coordinates.0.1.0"), 120.0005, 1e-9);
    t_response_free(&res);
    get_json("/boundaries?level=township&status=not_agreed", 200, &res);
    assert_int_equal(t_json_len(res.json, "features"), 1);
    assert_string_equal(t_json_str(res.json, "features.0.properties.name"), "雕庄街道—郑陆镇");
    assert_string_equal(t_json_str(res.json, "features.0.properties.source"), "derived");
    t_response_free(&res);
    get_json("/boundaries?status=maybe", 400, &res);
    assert_bad(&res, "status", "status must be");
    t_response_free(&res);
    /* A bad file changes nothing and says which feature. */
    char *bad = t_path(g_dir, "bad-lines.geojson");
    FILE *fp = fopen(bad, "w");
    assert_non_null(fp);
    fputs("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
          "{\"left_code\":\"320402001\",\"right_code\":\"320402001\"},\"geometry\":null}]}",
          fp);
    fclose(fp);
    t_run_t r;
    assert_int_equal(T_RUN(&r, "boundaries", "import", bad, "--db", g_db), 0);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "feature 1: a line joins two different divisions of one level"));
    t_run_free(&r);
    free(bad);
}

static void test_lines_bad_parameters(void **state)
{
    (void)state;
    t_response_t res;
    get_json("/boundaries?level=hamlet", 400, &res);
    assert_bad(&res, "level", "level must be");
    t_response_free(&res);
    get_json("/boundaries?code=320499", 400, &res);
    assert_bad(&res, "code", "no division with code 320499000000");
    assert_string_equal(t_json_str(res.json, "error.code"), "unknown_code");
    t_response_free(&res);
    get_json("/boundaries?code=32x", 400, &res);
    assert_bad(&res, "code", "code");
    t_response_free(&res);
}

static json_t *find_code(json_t *arr, const char *code)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (strcmp(json_string_value(json_object_get(v, "code")), code) == 0) return v;
    return NULL;
}

static void test_road_crossing_two_districts(void **state)
{
    (void)state;
    t_response_t res;
    post_json("/boundaries/check",
              "{\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[119.98,31.02],[120.02,31.02]]},"
              "\"date\":\"2024-01-01\"}",
              200, &res);
    assert_string_equal(t_json_str(res.json, "geometry_type"), "line");
    assert_float_equal(t_json_num(res.json, "length_m"), 3819.4, 0.051);
    /* 江苏省, 常州市, 天宁区, 钟楼区, 郑陆镇, 荷花池街道, 舜河村, 新运河社区 */
    json_t *divs = t_json_at(res.json, "divisions");
    assert_int_equal(json_array_size(divs), 8);
    json_t *tn = find_code(divs, "320402000000"), *zl = find_code(divs, "320404000000");
    assert_non_null(tn);
    assert_non_null(zl);
    assert_float_equal(t_json_num(tn, "length_m"), 1909.7, 0.051);
    assert_float_equal(t_json_num(tn, "share"), 0.5, 1e-9);
    assert_float_equal(t_json_num(zl, "length_m"), 1909.7, 0.051);
    assert_non_null(find_code(divs, "320402100201"));
    assert_non_null(find_code(divs, "320404001001"));
    assert_null(find_code(divs, "320402100200")); /* 焦溪村 ends at 119.975 */
    /* Three lines met at (120, 31.02): county, township and village level. */
    assert_int_equal(t_json_len(res.json, "crossings.features"), 3);
    assert_string_equal(t_json_str(res.json, "crossings.features.0.properties.name"), "天宁区—钟楼区");
    assert_int_equal(t_json_int(res.json, "crossings.features.0.properties.crossings"), 1);
    assert_string_equal(t_json_str(res.json, "crossings.features.0.geometry.type"), "Point");
    assert_float_equal(t_json_num(res.json, "crossings.features.0.geometry.coordinates.0"), 120.0, 1e-7);
    assert_float_equal(t_json_num(res.json, "crossings.features.0.geometry.coordinates.1"), 31.02, 1e-7);
    assert_string_equal(t_json_str(res.json, "crossings.features.1.properties.name"), "郑陆镇—荷花池街道");
    assert_string_equal(t_json_str(res.json, "crossings.features.2.properties.name"), "舜河村—新运河社区");
    /* It runs through marker 0204005Q (30 m east of the line). */
    assert_string_equal(t_json_str(res.json, "markers.features.0.properties.number"), "0204005Q");
    assert_float_equal(t_json_num(res.json, "markers.features.0.properties.distance_m"), 0.0, 0.001);
    /* Two districts of 常州市: the city approves. */
    assert_true(json_is_true(t_json_at(res.json, "approval.above_county")));
    assert_string_equal(t_json_str(res.json, "approval.level"), "prefecture");
    assert_string_equal(t_json_str(res.json, "approval.code"), "320400000000");
    assert_string_equal(t_json_str(res.json, "approval.name"), "常州市");
    t_response_free(&res);
}

static void test_parcel_area_shares_and_road_within_one_district(void **state)
{
    (void)state;
    t_response_t res;
    post_json("/boundaries/check",
              "{\"type\":\"Polygon\",\"coordinates\":[[[119.99,30.99],[120.01,30.99],[120.01,31.01],"
              "[119.99,31.01],[119.99,30.99]]]}",
              200, &res);
    assert_string_equal(t_json_str(res.json, "geometry_type"), "polygon");
    json_t *divs = t_json_at(res.json, "divisions");
    assert_float_equal(t_json_num(find_code(divs, "320402000000"), "share"), 0.5, 1e-4);
    assert_float_equal(t_json_num(find_code(divs, "320404000000"), "share"), 0.5, 1e-4);
    double area = t_json_num(res.json, "area_m2");
    /* 0.02° × 0.02° at 31°N: 1909.7 m × 2217.4 m */
    assert_true(area > 4.23e6 && area < 4.24e6);
    t_response_free(&res);

    post_json("/boundaries/check",
              "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"LineString\","
              "\"coordinates\":[[119.96,30.96],[119.97,30.97]]}}",
              200, &res);
    assert_int_equal(t_json_len(res.json, "crossings.features"), 0);
    assert_false(json_is_true(t_json_at(res.json, "approval.above_county")));
    assert_string_equal(t_json_str(res.json, "approval.level"), "county");
    assert_string_equal(t_json_str(res.json, "approval.code"), "320402000000");
    t_response_free(&res);
}

static void test_check_bad_input(void **state)
{
    (void)state;
    t_response_t res;
    post_json("/boundaries/check", "not json", 400, &res);
    assert_bad(&res, "geometry", "not a JSON object");
    t_response_free(&res);
    post_json("/boundaries/check", "{\"type\":\"Triangle\",\"coordinates\":[1,2]}", 400, &res);
    assert_bad(&res, "geometry", "not a GeoJSON geometry");
    t_response_free(&res);
    post_json("/boundaries/check",
              "{\"type\":\"Polygon\",\"coordinates\":[[[119.96,30.96],[119.98,30.98],[119.98,30.96],"
              "[119.96,30.98],[119.96,30.96]]]}",
              400, &res);
    assert_bad(&res, "geometry", "Self-intersection");
    t_response_free(&res);
    post_json("/boundaries/check", "{\"type\":\"Point\",\"coordinates\":[31.02,200]}", 400, &res);
    assert_bad(&res, "geometry", "out of range");
    t_response_free(&res);
    post_json("/boundaries/check", "{\"type\":\"Point\",\"coordinates\":[2.35,48.85]}", 400, &res);
    assert_bad(&res, "geometry", "outside China");
    t_response_free(&res);
    post_json("/boundaries/check",
              "{\"geometry\":{\"type\":\"Point\",\"coordinates\":[119.99,31.02]},\"date\":\"2024-02-30\"}", 400,
              &res);
    assert_bad(&res, "date", "date");
    t_response_free(&res);
    assert_int_equal(t_get(g_srv.port, "/boundaries/check", &res), 0);
    assert_int_equal(res.status, 405);
    t_response_free(&res);
}

static void test_locate_gives_distance_to_boundary(void **state)
{
    (void)state;
    t_response_t res;
    get_json("/divisions/locate?lon=119.99&lat=31.02&date=2024-01-01", 200, &res);
    assert_string_equal(t_json_str(res.json, "boundary.code"), "320402100201");
    assert_float_equal(t_json_num(res.json, "boundary.distance_m"), 954.8, 0.051);
    assert_float_equal(t_json_num(res.json, "boundary.nearest_point.0"), 120.0, 1e-7);
    assert_string_equal(t_json_str(res.json, "boundary.line.name"), "舜河村—新运河社区");
    assert_float_equal(t_json_num(res.json, "boundary.line.distance_m"), 954.8, 0.051);
    t_response_free(&res);
}

static json_t *finding(json_t *doc, const char *kind, const char *number)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(doc, "features"), i, f)
    {
        json_t *p = json_object_get(f, "properties");
        if (strcmp(json_string_value(json_object_get(p, "kind")), kind) == 0 &&
            strcmp(json_string_value(json_object_get(p, "number")), number) == 0)
            return p;
    }
    return NULL;
}

static void test_marker_audit_findings(void **state)
{
    (void)state;
    t_response_t res;
    get_json("/boundaries/markers/audit?line=0204&tolerance_m=20&as_of=2024-06-01", 200, &res);
    assert_int_equal(t_json_int(res.json, "markers"), 11);
    assert_int_equal(t_json_len(res.json, "features"), 12);
    /* Line 0204 runs north–south along 120°E but is numbered from its south end. */
    json_t *start = finding(res.json, "numbering_start", "0204001Q");
    assert_non_null(start);
    assert_string_equal(json_string_value(json_object_get(start, "rule")), "GBT17796-SEQ-START");
    assert_non_null(strstr(json_string_value(json_object_get(start, "reason")),
                           "runs north–south, so it is numbered from its north end, but 0204001 lies 9424 m south "
                           "of 0204008"));
    /* The pair 0204002A/B stands A on 天宁区's side (320402, the smaller code): no side finding. */
    assert_null(finding(res.json, "pair_side", "0204002A"));
    assert_null(finding(res.json, "pair_side", "0204002B"));
    json_t *off = finding(res.json, "off_line", "0204005Q");
    assert_non_null(off);
    assert_float_equal(t_json_num(off, "distance_m"), 30.0, 0.051);
    assert_non_null(finding(res.json, "number_format", "02X4010Q"));
    assert_non_null(finding(res.json, "line_mismatch", "0205009Q"));
    assert_non_null(finding(res.json, "duplicate", "0204007Q"));
    assert_non_null(finding(res.json, "pair_incomplete", "0204003"));
    assert_non_null(finding(res.json, "sequence_gap", "0204004"));
    assert_non_null(finding(res.json, "damaged", "0204006Q"));
    assert_non_null(finding(res.json, "missing", "0204008Q"));
    assert_non_null(finding(res.json, "inspection_overdue", "0204006Q"));
    assert_non_null(finding(res.json, "not_covered_by_last_round", "0204006Q"));
    assert_non_null(finding(res.json, "not_covered_by_last_round", "0204008Q"));
    assert_int_equal(t_json_int(res.json, "summary.not_covered_by_last_round"), 2);
    /* The pair 0204002A/B is 3 m either side: inside 20 m, outside 2 m. */
    assert_null(finding(res.json, "off_line", "0204002A"));
    assert_null(finding(res.json, "round_overdue", "0204"));
    t_response_free(&res);
    /* Round 4 (2023-05-01) is overdue five years later. */
    get_json("/boundaries/markers/audit?line=0204&tolerance_m=20&as_of=2028-05-02", 200, &res);
    json_t *ro = finding(res.json, "round_overdue", "0204");
    assert_non_null(ro);
    assert_non_null(strstr(json_string_value(json_object_get(ro, "reason")), "round 4 on 2023-05-01"));
    t_response_free(&res);
    get_json("/boundaries/markers/audit?line=0204&tolerance_m=20&as_of=2028-05-01", 200, &res);
    assert_null(finding(res.json, "round_overdue", "0204"));
    t_response_free(&res);
    get_json("/boundaries/markers/audit?line=0204&tolerance_m=2&as_of=2024-06-01", 200, &res);
    assert_float_equal(t_json_num(finding(res.json, "off_line", "0204002A"), "distance_m"), 3.0, 0.051);
    assert_float_equal(t_json_num(finding(res.json, "off_line", "0204002B"), "distance_m"), 3.0, 0.051);
    t_response_free(&res);
}

static void test_marker_sequence_runs_along_the_line(void **state)
{
    (void)state;
    t_response_t res;
    get_json("/boundaries/markers/audit?line=9901&tolerance_m=50&as_of=2024-06-01", 200, &res);
    assert_int_equal(t_json_int(res.json, "markers"), 4);
    assert_int_equal(t_json_len(res.json, "features"), 2);
    assert_non_null(strstr(json_string_value(json_object_get(finding(res.json, "numbering_start", "9901001Q"), "reason")),
                           "9901001 lies 4435 m south of 9901004"));
    json_t *f = finding(res.json, "sequence_order", "9901003Q");
    assert_non_null(f);
    assert_non_null(strstr(json_string_value(json_object_get(f, "reason")), "back along the line from 9901002"));
    t_response_free(&res);
}

static void test_marker_audit_bad_parameters(void **state)
{
    (void)state;
    t_response_t res;
    get_json("/boundaries/markers/audit?line=02", 400, &res);
    assert_bad(&res, "line", "4-digit");
    t_response_free(&res);
    get_json("/boundaries/markers/audit?line=9999", 400, &res);
    assert_bad(&res, "line", "no boundary line and no marker has line code 9999");
    t_response_free(&res);
    get_json("/boundaries/markers/audit?tolerance_m=abc", 400, &res);
    assert_bad(&res, "tolerance_m", "tolerance_m");
    t_response_free(&res);
    get_json("/boundaries/markers/audit?as_of=2024-13-01", 400, &res);
    assert_bad(&res, "as_of", "as_of");
    t_response_free(&res);
}

static void test_cli_usage_and_outputs(void **state)
{
    (void)state;
    t_run_t r;
    assert_int_equal(T_RUN(&r, "boundaries"), 0);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "usage: diming boundaries"));
    t_run_free(&r);
    assert_int_equal(T_RUN(&r, "boundaries", "--help"), 0);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "replace-marker NUMBER"));
    t_run_free(&r);
    assert_int_equal(T_RUN(&r, "boundaries", "derive", "--level", "hamlet", "--db", g_db), 0);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--level must be"));
    t_run_free(&r);
    assert_int_equal(T_RUN(&r, "boundaries", "audit", "--line", "12", "--db", g_db), 0);
    assert_int_equal(r.status, 2);
    t_run_free(&r);
    assert_int_equal(T_RUN(&r, "boundaries", "frobnicate"), 0);
    assert_int_equal(r.status, 2);
    t_run_free(&r);
    assert_int_equal(T_RUN(&r, "divisions", "qa", "--db", g_db), 0);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--parent CODE is required"));
    t_run_free(&r);
    assert_int_equal(T_RUN(&r, "divisions", "qa", "--parent", "320499", "--db", g_db), 0);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "no division with code 320499000000"));
    t_run_free(&r);
    /* The CLI gives the same findings as the API. */
    assert_int_equal(T_RUN(&r, "divisions", "qa", "--parent", "320411", "--date", "2024-01-01", "--db", g_db), 0);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "3 findings among 3 divisions under 320411000000 on 2024-01-01 (tolerance 1 m)"));
    t_run_free(&r);
    assert_int_equal(T_RUN(&r, "boundaries", "audit", "--line", "0204", "--tolerance-m", "20", "--as-of", "2024-06-01",
                           "--json", "--db", g_db),
                     0);
    assert_int_equal(r.status, 0);
    json_t *doc = json_loads(r.out, 0, NULL);
    assert_non_null(doc);
    assert_int_equal(t_json_int(doc, "summary.off_line"), 1);
    assert_int_equal(t_json_int(doc, "markers"), 11);
    json_decref(doc);
    t_run_free(&r);
}

/* Runs last: it changes the markers. */
static void test_replacement_retires_the_old_record(void **state)
{
    (void)state;
    t_run_t r;
    assert_int_equal(T_RUN(&r, "boundaries", "replace-marker", "0204006Q", "--lon", "120", "--lat", "31.03",
                           "--date", "2024-03-01", "--db", g_db),
                     0);
    assert_int_equal(r.status, 0);
    t_run_free(&r);
    char *rows = t_sql(g_db, "SELECT status, valid_from, valid_to, inspected_on FROM markers "
                             "WHERE number = '0204006Q' ORDER BY id");
    assert_non_null(rows);
    assert_string_equal(rows, "replaced||2024-03-01|2015-06-01\nintact|2024-03-01||2024-03-01\n");
    free(rows);
    t_response_t res;
    get_json("/boundaries/markers/audit?line=0204&tolerance_m=20&as_of=2024-06-01", 200, &res);
    assert_null(finding(res.json, "damaged", "0204006Q"));
    assert_null(finding(res.json, "inspection_overdue", "0204006Q"));
    assert_null(finding(res.json, "duplicate", "0204006Q"));
    assert_non_null(finding(res.json, "not_covered_by_last_round", "0204006Q"));
    assert_non_null(finding(res.json, "numbering_start", "0204001Q"));
    assert_int_equal(t_json_len(res.json, "features"), 10);
    t_response_free(&res);
    /* Replacing a number nobody has fails and changes nothing. */
    assert_int_equal(T_RUN(&r, "boundaries", "replace-marker", "0204099Q", "--lon", "120", "--lat", "31.03",
                           "--date", "2024-03-01", "--db", g_db),
                     0);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "no current marker numbered 0204099Q"));
    t_run_free(&r);
}

static json_t *qa_finding(json_t *doc, const char *kind)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(doc, "features"), i, f)
    {
        json_t *p = json_object_get(f, "properties");
        if (strcmp(json_string_value(json_object_get(p, "kind")), kind) == 0)
            return f;
    }
    return NULL;
}

static void test_qa_overlap_gap_and_overhang_with_areas(void **state)
{
    (void)state;
    t_response_t res;
    get_json("/divisions/qa?parent=320411&tolerance_m=1&date=2024-01-01", 200, &res);
    assert_int_equal(t_json_int(res.json, "children"), 3);
    assert_int_equal(t_json_len(res.json, "features"), 3);
    json_t *ov = qa_finding(res.json, "overlap"), *gap = qa_finding(res.json, "gap"),
           *out = qa_finding(res.json, "outside_parent");
    assert_non_null(ov);
    assert_non_null(gap);
    assert_non_null(out);
    /* within 0.001 % of the ellipsoidal area */
    assert_float_equal(t_json_num(ov, "properties.area_m2"), 524880.3, 5.3);
    assert_string_equal(t_json_str(ov, "properties.codes.0"), "320411001000");
    assert_string_equal(t_json_str(ov, "properties.codes.1"), "320411002000");
    assert_string_equal(t_json_str(ov, "geometry.type"), "MultiPolygon");
    assert_float_equal(t_json_num(gap, "properties.area_m2"), 524738.1, 5.3);
    assert_float_equal(t_json_num(out, "properties.area_m2"), 2622238.6, 26.3);
    assert_string_equal(t_json_str(out, "properties.codes.0"), "320411100000");
    t_response_free(&res);
    /* A tolerance wider than the 111 m gap and 95 m overlap hides them; the 555 m overhang stays. */
    get_json("/divisions/qa?parent=320411&tolerance_m=200&date=2024-01-01", 200, &res);
    assert_int_equal(t_json_len(res.json, "features"), 1);
    assert_non_null(qa_finding(res.json, "outside_parent"));
    t_response_free(&res);
}

static void test_qa_clean_tiling_has_no_findings(void **state)
{
    (void)state;
    t_response_t res;
    get_json("/divisions/qa?parent=320402&tolerance_m=0&date=2024-01-01", 200, &res);
    assert_int_equal(t_json_int(res.json, "children"), 2);
    assert_int_equal(t_json_len(res.json, "features"), 0);
    t_response_free(&res);
    /* 郑陆镇's two villages tile it exactly too */
    get_json("/divisions/qa?parent=320402100&date=2024-01-01", 200, &res);
    assert_int_equal(t_json_int(res.json, "children"), 2);
    assert_int_equal(t_json_len(res.json, "features"), 0);
    t_response_free(&res);
}

static void test_qa_bad_parameters(void **state)
{
    (void)state;
    t_response_t res;
    get_json("/divisions/qa", 400, &res);
    assert_bad(&res, "parent", "parent is required");
    t_response_free(&res);
    get_json("/divisions/qa?parent=320499", 400, &res);
    assert_bad(&res, "parent", "no division with code 320499000000");
    t_response_free(&res);
    get_json("/divisions/qa?parent=320411&tolerance_m=-1", 400, &res);
    assert_bad(&res, "tolerance_m", "tolerance_m");
    t_response_free(&res);
    get_json("/divisions/qa?parent=320411&date=yesterday", 400, &res);
    assert_bad(&res, "date", "date");
    t_response_free(&res);
    get_json("/divisions/qa?parent=320411&level=county", 400, &res);
    assert_bad(&res, "level", "below");
    t_response_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_county_line_derived_with_geodesic_length),
        cmocka_unit_test(test_lines_of_one_township),
        cmocka_unit_test(test_official_lines_and_status_filter),
        cmocka_unit_test(test_lines_bad_parameters),
        cmocka_unit_test(test_road_crossing_two_districts),
        cmocka_unit_test(test_parcel_area_shares_and_road_within_one_district),
        cmocka_unit_test(test_check_bad_input),
        cmocka_unit_test(test_locate_gives_distance_to_boundary),
        cmocka_unit_test(test_qa_overlap_gap_and_overhang_with_areas),
        cmocka_unit_test(test_qa_clean_tiling_has_no_findings),
        cmocka_unit_test(test_qa_bad_parameters),
        cmocka_unit_test(test_marker_audit_findings),
        cmocka_unit_test(test_marker_sequence_runs_along_the_line),
        cmocka_unit_test(test_marker_audit_bad_parameters),
        cmocka_unit_test(test_cli_usage_and_outputs),
        cmocka_unit_test(test_replacement_retires_the_old_record),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
