/* test_reload.c — imports while serving: the server notices a committed
 * import and answers from the new data without a restart; a failed import
 * changes nothing the server shows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/support.h"

/* A county far from the fixture hierarchy, in its own file. */
static const char *NEW_COUNTY =
    "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
    "{\"code\":\"330102\",\"name\":\"上城区\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
    "[[[121,29],[121.1,29],[121.1,29.1],[121,29.1],[121,29]]]}}]}";
static const char *BAD_ROWS = "code,name,lon,lat\n330105,拱墅区,121.5,29.5\n33010x,坏,121.6,29.6\n";

static long health_version(unsigned port)
{
    t_response_t res;
    if (t_get(port, "/health", &res))
        return -1;
    long v = (long)t_json_int(res.json, "data_version");
    t_response_free(&res);
    return v;
}

static long locate_count(unsigned port, const char *q)
{
    t_response_t res;
    if (t_get(port, q, &res))
        return -1;
    long n = t_json_len(res.json, "features");
    t_response_free(&res);
    return n;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void import_while_serving_is_picked_up(void **state)
{
    (void)state;
    char *dir = t_tmpdir("reload");
    char *db = t_path(dir, "r.sqlite");
    char *county = t_path(dir, "county.geojson");
    char *bad = t_path(dir, "bad.csv");
    char *fixture = t_fixture("hierarchy.geojson");
    write_file(county, NEW_COUNTY);
    write_file(bad, BAD_ROWS);
    t_run_t r;
    assert_int_equal(T_RUN(&r, "import", "divisions", fixture, "--db", db, "--quiet"), 0);
    assert_int_equal(r.status, 0);
    t_run_free(&r);

    t_server_t srv;
    assert_int_equal(t_server_start(&srv, db, (const char *const[]){"--reload-interval", "100", NULL}), 0);
    const char *q = "/divisions/locate?lon=121.05&lat=29.05";
    assert_int_equal(locate_count(srv.port, q), 0);
    long v0 = health_version(srv.port);
    assert_int_equal(v0, 1);

    /* A failed import (--strict, one bad code) changes nothing. */
    assert_int_equal(T_RUN(&r, "import", "divisions", bad, "--db", db, "--src-srs", "EPSG:4490", "--strict", "--quiet"),
                     0);
    assert_int_equal(r.status, 1);
    t_run_free(&r);

    assert_int_equal(T_RUN(&r, "import", "divisions", county, "--db", db, "--quiet"), 0);
    assert_int_equal(r.status, 0);
    t_run_free(&r);
    /* The server looks every 100 ms; give it up to 20 s on a loaded machine. */
    long n = 0;
    for (int i = 0; i < 200 && (n = locate_count(srv.port, q)) == 0; i++)
        usleep(100000);
    assert_int_equal(n, 1);
    t_response_t res;
    assert_int_equal(t_get(srv.port, q, &res), 0);
    assert_string_equal(t_json_str(res.json, "features.0.properties.code"), "330102000000");
    assert_string_equal(t_json_str(res.json, "features.0.properties.name"), "上城区");
    t_response_free(&res);
    /* The failed import left no trace: one write since, so version 2. */
    assert_int_equal(health_version(srv.port), 2);
    assert_int_equal(t_get(srv.port, "/metrics", &res), 0);
    assert_non_null(strstr(res.body, "\ndiming_data_version 2\n"));
    assert_non_null(strstr(res.body, "\ndiming_reloads_total 1\n"));
    t_response_free(&res);
    char *err = NULL;
    assert_int_equal(t_server_stop(&srv, &err), 0);
    assert_non_null(strstr(err, "now serving data version 2"));
    free(err);

    free(fixture);
    free(county);
    free(bad);
    free(db);
    t_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(import_while_serving_is_picked_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
