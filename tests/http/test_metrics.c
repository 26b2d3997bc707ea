/* test_metrics.c — GET /metrics counts what the server answered: exact
 * counters by route and status, a histogram whose +Inf bucket equals its
 * count, and the index gauges; the access log names route and request id. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/support.h"

static void metrics_count_requests_by_route_and_status(void **state)
{
    (void)state;
    char *dir = t_tmpdir("metrics");
    char *db = t_path(dir, "m.sqlite");
    char *log = t_path(dir, "access.log");
    char *fixture = t_fixture("hierarchy.geojson");
    t_run_t r;
    assert_int_equal(T_RUN(&r, "import", "divisions", fixture, "--db", db, "--quiet"), 0);
    assert_int_equal(r.status, 0);
    t_run_free(&r);

    t_server_t srv;
    /* --access-log given twice: the last one wins, so the log goes to a file. */
    assert_int_equal(t_server_start(&srv, db, (const char *const[]){"--access-log", log, NULL}), 0);
    t_response_t res;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(t_get(srv.port, "/divisions/locate?lon=120.05&lat=31.05", &res), 0);
        assert_int_equal(res.status, 200);
        t_response_free(&res);
    }
    assert_int_equal(t_get(srv.port, "/divisions/locate?lon=x&lat=31", &res), 0);
    assert_int_equal(res.status, 400);
    t_response_free(&res);
    assert_int_equal(t_get(srv.port, "/nowhere", &res), 0);
    assert_int_equal(res.status, 404);
    t_response_free(&res);

    /* A request is counted when its response has been sent, which may be
     * just after the client has read it: wait for the last one (404). */
    for (int i = 0; i < 100; i++) {
        assert_int_equal(t_get(srv.port, "/metrics", &res), 0);
        if (strstr(res.body, "route=\"unmatched\",status=\"404\"} 1\n"))
            break;
        t_response_free(&res);
        usleep(50000);
    }
    assert_int_equal(res.status, 200);
    assert_non_null(strstr(t_header(&res, "Content-Type"), "text/plain; version=0.0.4"));
    const char *b = res.body;
    assert_non_null(strstr(b, "diming_http_requests_total{route=\"GET /divisions/locate\",status=\"200\"} 3\n"));
    assert_non_null(strstr(b, "diming_http_requests_total{route=\"GET /divisions/locate\",status=\"400\"} 1\n"));
    assert_non_null(strstr(b, "diming_http_requests_total{route=\"unmatched\",status=\"404\"} 1\n"));
    assert_non_null(
        strstr(b, "diming_http_request_duration_seconds_bucket{route=\"GET /divisions/locate\",le=\"+Inf\"} 4\n"));
    assert_non_null(strstr(b, "diming_http_request_duration_seconds_count{route=\"GET /divisions/locate\"} 4\n"));
    assert_non_null(strstr(b, "# TYPE diming_http_request_duration_seconds histogram\n"));
    assert_non_null(strstr(b, "\ndiming_divisions_indexed "));
    t_response_free(&res);
    assert_int_equal(t_server_stop(&srv, NULL), 0);

    char *text = t_read_file(log, NULL);
    assert_non_null(text);
    assert_int_equal(t_count_lines(text), 6);
    assert_non_null(strstr(text, " GET /divisions/locate route=/divisions/locate 200 "));
    assert_non_null(strstr(text, " GET /nowhere route=- 404 "));
    assert_non_null(strstr(text, " id="));
    free(text);
    free(fixture);
    free(log);
    free(db);
    t_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(metrics_count_requests_by_route_and_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
