/* test_reliability.c — request limits and deadlines over HTTP, and the
 * security headers: each limit of `diming serve` (server/reqlimits.h) is
 * tried with a request just inside and one outside it, and the refusals name
 * the parameter and the limit; error bodies never carry paths or traces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/support.h"

static char *g_dir, *g_db;

static int import(const char *layer, const char *fixture, const char *srs)
{
    char *path = t_fixture(fixture);
    t_run_t r;
    int rc = srs ? T_RUN(&r, "import", layer, path, "--db", g_db, "--quiet", "--src-srs", srs)
                 : T_RUN(&r, "import", layer, path, "--db", g_db, "--quiet");
    free(path);
    if (rc || r.status != 0)
        fprintf(stderr, "import %s failed (%d): %s\n", fixture, r.status, r.err ? r.err : "");
    rc = rc || r.status != 0 ? -1 : 0;
    t_run_free(&r);
    return rc;
}

static int group_setup(void **state)
{
    (void)state;
    g_dir = t_tmpdir("http-reliability");
    g_db = g_dir ? t_path(g_dir, "r.sqlite") : NULL;
    if (!g_db)
        return -1;
    return import("divisions", "hierarchy.geojson", NULL) || import("roads", "coverage/roads.geojson", NULL) ||
                   import("facilities", "coverage/facilities.csv", "EPSG:4490") ||
                   import("residential", "coverage/residential.geojson", NULL)
               ? -1
               : 0;
}

static int group_teardown(void **state)
{
    (void)state;
    t_rmtree(g_dir);
    free(g_dir);
    free(g_db);
    return 0;
}

static void expect_error(const t_response_t *res, int status, const char *code, const char *param)
{
    if (res->status != status)
        fprintf(stderr, "got %d %s\n", res->status, res->body);
    assert_int_equal(res->status, status);
    assert_non_null(res->json);
    assert_string_equal(t_json_str(res->json, "error.code"), code);
    assert_int_equal(t_json_int(res->json, "error.status"), status);
    if (param)
        assert_string_equal(t_json_str(res->json, "error.param"), param);
    else
        assert_null(t_json_at(res->json, "error.param"));
}

/* A LineString of n vertices inside 天宁区 (the fixture's 320402). */
static char *line_of(int n, const char *prefix, const char *suffix)
{
    size_t cap = strlen(prefix) + strlen(suffix) + (size_t)n * 40 + 64;
    char *s = malloc(cap);
    size_t len = (size_t)snprintf(s, cap, "%s{\"type\":\"LineString\",\"coordinates\":[", prefix);
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s[%.6f,%.6f]", i ? "," : "", 119.96 + 0.0001 * i, 31.0);
    snprintf(s + len, cap - len, "]}%s", suffix);
    return s;
}

static void post(unsigned port, const char *target, const char *body, t_response_t *res)
{
    const char *const h[] = {"Content-Type: application/json", NULL};
    assert_int_equal(t_http(port, "POST", target, h, body, strlen(body), res), 0);
}

static void too_many_vertices_is_413(void **state)
{
    (void)state;
    t_server_t srv;
    assert_int_equal(t_server_start(&srv, g_db, (const char *const[]){"--max-vertices", "10", NULL}), 0);
    t_response_t res;
    char *ok = line_of(10, "", ""), *big = line_of(11, "", "");
    post(srv.port, "/boundaries/check?date=2024-01-01", ok, &res);
    assert_int_equal(res.status, 200);
    t_response_free(&res);
    post(srv.port, "/boundaries/check?date=2024-01-01", big, &res);
    expect_error(&res, 413, "too_many_vertices", "geometry");
    assert_non_null(strstr(t_json_str(res.json, "error.message"), "11 vertices, more than this server's limit of 10"));
    t_response_free(&res);
    /* The same limit on the names check's geometry, nested in a Feature-like body. */
    char *named = line_of(11, "{\"name\":\"青枫路\",\"category\":\"road\",\"geometry\":", "");
    char *closed = malloc(strlen(named) + 2);
    sprintf(closed, "%s}", named);
    post(srv.port, "/names/check", closed, &res);
    expect_error(&res, 413, "too_many_vertices", "geometry");
    t_response_free(&res);
    free(ok), free(big), free(named), free(closed);
    assert_int_equal(t_server_stop_checked(&srv), 0);
}

static void bbox_and_coverage_area_too_large_is_422(void **state)
{
    (void)state;
    t_server_t srv;
    /* 天宁区's box is 0.05° × 0.1° ≈ 53 km²; 江苏省's (the fixture's) ≈ 425 km². */
    assert_int_equal(t_server_start(&srv, g_db,
                                     (const char *const[]){"--max-bbox-km2", "15000", "--max-coverage-km2", "100",
                                                           NULL}),
                     0);
    t_response_t res;
    /* 1° × 1° at the equator: 12 391 km² (R² Δλ (sin φ2 − sin φ1)), inside. */
    assert_int_equal(t_get(srv.port, "/collections/divisions/items?bbox=0,0,1,1", &res), 0);
    assert_int_equal(res.status, 200);
    t_response_free(&res);
    assert_int_equal(t_get(srv.port, "/collections/divisions/items?bbox=119,30,121,32", &res), 0);
    expect_error(&res, 422, "area_too_large", "bbox");
    assert_non_null(strstr(t_json_str(res.json, "error.message"), "limit of 15000 km²"));
    t_response_free(&res);

    assert_int_equal(t_get(srv.port, "/coverage?division=320402", &res), 0);
    assert_int_equal(res.status, 200);
    t_response_free(&res);
    assert_int_equal(t_get(srv.port, "/coverage?division=320000", &res), 0);
    expect_error(&res, 422, "area_too_large", "division");
    assert_non_null(strstr(t_json_str(res.json, "error.message"), "division 320000000000 spans 425 km²"));
    t_response_free(&res);
    post(srv.port, "/coverage/suggest", "{\"division\":\"320000\",\"k\":1}", &res);
    expect_error(&res, 422, "area_too_large", "division");
    t_response_free(&res);
    /* An unknown division is not the limit's business: the handler reports it. */
    assert_int_equal(t_get(srv.port, "/coverage?division=320499", &res), 0);
    assert_int_not_equal(res.status, 422);
    t_response_free(&res);
    assert_int_equal(t_server_stop_checked(&srv), 0);
}

/* Sends a POST whose headers arrive `delay_ms` before its body, on a raw
 * socket, and returns what the server answered (read until it closes). */
static char *slow_post(unsigned port, const char *target, const char *body, int delay_ms)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
    char head[512];
    int n = snprintf(head, sizeof head,
                     "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     target, strlen(body));
    assert_int_equal(write(fd, head, (size_t)n), n);
    struct timespec ts = {delay_ms / 1000, (long)(delay_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
    size_t cap = 8192, len = 0;
    char *out = malloc(cap);
    ssize_t r;
    while ((r = read(fd, out + len, cap - len - 1)) > 0) {
        len += (size_t)r;
        if (len + 1 == cap)
            out = realloc(out, cap *= 2);
    }
    out[len] = '\0';
    close(fd);
    return out;
}

static void request_past_its_deadline_is_503(void **state)
{
    (void)state;
    t_server_t srv;
    assert_int_equal(t_server_start(&srv, g_db, (const char *const[]){"--deadline-ms", "100", NULL}), 0);
    const char *body = "{\"name\":\"青枫路\",\"category\":\"road\"}";
    /* A body that arrives 400 ms after the headers has used up a 100 ms
     * deadline before any work starts (the deadline counts from arrival). */
    char *raw = slow_post(srv.port, "/names/check", body, 400);
    int status = 0;
    assert_int_equal(sscanf(raw, "HTTP/1.1 %d", &status), 1);
    assert_int_equal(status, 503);
    assert_non_null(strstr(raw, "\"code\":\"deadline_exceeded\""));
    assert_non_null(strstr(raw, "limit of 100 ms"));
    assert_non_null(strstr(raw, "\r\nRetry-After: 5\r\n"));
    free(raw);
    /* In time, the same request is answered and the worker serves on. */
    t_response_t res;
    post(srv.port, "/names/check", body, &res);
    assert_int_equal(res.status, 200);
    t_response_free(&res);
    assert_int_equal(t_get(srv.port, "/divisions/locate?lon=119.97&lat=31.0", &res), 0);
    assert_int_equal(res.status, 200);
    t_response_free(&res);
    assert_int_equal(t_server_stop_checked(&srv), 0);
}

static void limit_options_are_checked(void **state)
{
    (void)state;
    static const char *const bad[][2] = {{"--deadline-ms", "0"},      {"--deadline-ms", "soon"},
                                         {"--max-vertices", "-5"},    {"--max-bbox-km2", "0"},
                                         {"--max-coverage-km2", "x"}, {"--max-vertices", "0"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        t_run_t r;
        assert_int_equal(T_RUN(&r, "serve", "--db", g_db, "--port", "0", bad[i][0], bad[i][1]), 0);
        assert_int_equal(r.status, 2);
        assert_non_null(strstr(r.err, bad[i][0]));
        t_run_free(&r);
    }
    t_run_t r;
    assert_int_equal(T_RUN(&r, "serve", "--help"), 0);
    assert_non_null(strstr(r.out, "--deadline-ms N"));
    assert_non_null(strstr(r.out, "--max-coverage-km2 N"));
    t_run_free(&r);
}

/* Security: the page's headers, and error bodies without server paths,
 * SQL or traces, whatever the client sent. */
static void security_headers_and_clean_errors(void **state)
{
    (void)state;
    t_server_t srv;
    assert_int_equal(t_server_start(&srv, g_db, (const char *const[]){"--max-body", "100", NULL}), 0);
    t_response_t res;
    const char *const browser[] = {"Accept: text/html", NULL};
    assert_int_equal(t_http(srv.port, "GET", "/", browser, NULL, 0, &res), 0);
    assert_int_equal(res.status, 200);
    const char *csp = t_header(&res, "Content-Security-Policy");
    assert_non_null(csp);
    assert_non_null(strstr(csp, "default-src 'self'"));
    assert_string_equal(t_header(&res, "X-Content-Type-Options"), "nosniff");
    t_response_free(&res);

    static const struct {
        const char *method, *target, *body;
        int status;
    } bad[] = {
        {"GET", "/no/such/route", NULL, 404},
        {"GET", "/web/../../../etc/passwd", NULL, 404},
        {"GET", "/web/%2e%2e/%2e%2e/CMakeLists.txt", NULL, 404},
        {"GET", "/divisions/locate?lon=abc&lat=31", NULL, 400},
        {"GET", "/divisions/99999999999999", NULL, 400},
        {"DELETE", "/divisions/locate", NULL, 405},
        {"POST", "/boundaries/check", "{\"type\":\"Point\",\"coordinates\":[1e999,", 400},
        {"POST", "/names/check", "{\"name\":\"" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", 413},
        {"GET", "/collections/divisions/items?datetime=2024-13-45", NULL, 400},
        {"GET", "/tiles/divisions/99/1/1.mvt", NULL, 400},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(t_http(srv.port, bad[i].method, bad[i].target, NULL, bad[i].body,
                                bad[i].body ? strlen(bad[i].body) : 0, &res),
                         0);
        if (res.status != bad[i].status)
            fprintf(stderr, "%s %s: %d %s\n", bad[i].method, bad[i].target, res.status, res.body);
        assert_int_equal(res.status, bad[i].status);
        assert_string_equal(t_header(&res, "X-Content-Type-Options"), "nosniff");
        assert_non_null(t_json_str(res.json, "error.message"));
        assert_string_equal(t_json_str(res.json, "error.request_id"), t_header(&res, "X-Request-Id"));
        /* no file system paths of the server, no SQL, no C source locations */
        assert_null(strstr(res.body, DIMING_SOURCE_DIR));
        assert_null(strstr(res.body, g_dir));
        assert_null(strstr(res.body, ".sqlite"));
        assert_null(strstr(res.body, "SELECT"));
        assert_null(strstr(res.body, ".c:"));
        assert_null(strstr(res.body, "root:"));
        t_response_free(&res);
    }
    assert_int_equal(t_server_stop_checked(&srv), 0);
}

/* fuzz_http, crash 5ba5066d (UBSan: qsort(NULL, 0, …) in boundary_audit):
 * the marker audit of a database without markers. */
static void marker_audit_without_markers(void **state)
{
    (void)state;
    t_server_t srv;
    assert_int_equal(t_server_start(&srv, g_db, NULL), 0);
    t_response_t res;
    assert_int_equal(t_get(srv.port, "/boundaries/markers/audit", &res), 0);
    assert_int_equal(res.status, 200);
    assert_int_equal(t_json_int(res.json, "markers"), 0);
    assert_int_equal(t_json_len(res.json, "features"), 0);
    t_response_free(&res);
    assert_int_equal(t_server_stop_checked(&srv), 0);
}

/* ---- full disk ------------------------------------------------------------------- */

/* An import into a database whose files cannot grow (a file size limit of
 * 100 KiB: the kernel refuses the write as on a full disk) fails with one
 * clear line and status 1; the database is as it was and the server that
 * reads it answers on. */
static void full_disk_import_fails_cleanly(void **state)
{
    (void)state;
    char *db = t_path(g_dir, "full.sqlite"), *fixture = t_fixture("hierarchy.geojson");
    char *errf = t_path(g_dir, "full.err");
    t_run_t r;
    assert_int_equal(T_RUN(&r, "import", "divisions", fixture, "--db", db, "--quiet"), 0);
    assert_int_equal(r.status, 0);
    t_run_free(&r);
    static const char *const count_sql = "SELECT (SELECT count(*) FROM divisions), (SELECT count(*) FROM import_batches)";
    char *before = t_sql(db, count_sql);
    assert_string_equal(before, "12|1\n");
    t_server_t srv;
    assert_int_equal(t_server_start(&srv, db, NULL), 0);

    const char *big = DIMING_SOURCE_DIR "/seeds/divisions/chengdu-townships-synthetic.geojson";
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "sh -c \"trap '' XFSZ; ulimit -f 200; exec '%s' import divisions '%s' --db '%s' --quiet\" 2>'%s'",
             DIMING_BIN, big, db, errf);
    int ws = system(cmd);
    assert_true(WIFEXITED(ws));
    assert_int_equal(WEXITSTATUS(ws), 1);
    char *err = t_read_file(errf, NULL);
    assert_non_null(err);
    assert_int_equal(t_count_lines(err), 1);
    assert_non_null(strstr(err, "diming import: error: "));
    assert_non_null(strstr(err, "is the disk full?"));
    assert_non_null(strstr(err, "(database unchanged)"));
    free(err);

    char *check = t_sql(db, "PRAGMA integrity_check");
    assert_string_equal(check, "ok\n");
    char *after = t_sql(db, count_sql);
    assert_string_equal(after, before);
    t_response_t res;
    assert_int_equal(t_get(srv.port, "/divisions/locate?lon=119.97&lat=31.0", &res), 0);
    assert_int_equal(res.status, 200);
    assert_string_equal(t_json_str(res.json, "features.2.properties.code"), "320402000000");
    t_response_free(&res);
    assert_int_equal(t_server_stop_checked(&srv), 0);

    /* With room again, the same import succeeds: nothing was left half done. */
    assert_int_equal(T_RUN(&r, "import", "divisions", big, "--db", db, "--quiet"), 0);
    assert_int_equal(r.status, 0);
    t_run_free(&r);
    char *later = t_sql(db, count_sql);
    assert_string_equal(later, "273|2\n");
    free(before), free(check), free(after), free(later);
    free(db), free(fixture), free(errf);
}

/* ---- SIGTERM under load ------------------------------------------------------- */

static int connect_to(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

/* Reads until the server closes; the number of bytes, -1 on a read error
 * after some bytes arrived (a reset mid-answer). */
static ssize_t read_all(int fd, char **out)
{
    size_t cap = 4096, len = 0;
    char *b = malloc(cap);
    for (;;) {
        if (len + 1 >= cap)
            b = realloc(b, cap *= 2);
        ssize_t r = read(fd, b + len, cap - len - 1);
        if (r > 0) {
            len += (size_t)r;
            continue;
        }
        b[len] = '\0';
        *out = b;
        return r < 0 && len ? -1 : (ssize_t)len;
    }
}

/* 1 if raw holds one whole "200" answer: status line, headers, and as many
 * body bytes as Content-Length says. */
static int whole_200(const char *raw, size_t len)
{
    int status = 0;
    const char *cl = strstr(raw, "Content-Length: ");
    const char *body = strstr(raw, "\r\n\r\n");
    if (sscanf(raw, "HTTP/1.1 %d", &status) != 1 || status != 200 || !cl || !body)
        return 0;
    return (size_t)atol(cl + 16) == len - (size_t)(body + 4 - raw);
}

typedef struct {
    unsigned port;
    atomic_int *stop;
    int ok, refused, broken;
} load_t;

/* One client of the load: whole requests on new connections until told to
 * stop. Refused: the connection failed or closed before any byte of an
 * answer (the server had stopped accepting). Broken: anything else that is
 * not a whole 200 (an answer cut short, a 5xx). */
static void *load_main(void *arg)
{
    load_t *l = arg;
    static const char *const targets[] = {"/coverage?division=320402", "/divisions/locate?lon=119.97&lat=31.0",
                                          "/collections/divisions/items?limit=50", "/tiles/all/12/3461/1691.mvt"};
    for (unsigned i = 0; !atomic_load(l->stop); i++) {
        int fd = connect_to(l->port);
        if (fd < 0) {
            l->refused++;
            usleep(10000);
            continue;
        }
        char req[256];
        int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                         targets[i % 4]);
        char *raw = NULL;
        ssize_t got = write(fd, req, (size_t)n) == n ? read_all(fd, &raw) : 0;
        close(fd);
        if (got == 0)
            l->refused++;
        else if (got > 0 && (whole_200(raw, (size_t)got) || strncmp(raw, "HTTP/1.1 204", 12) == 0))
            l->ok++;
        else {
            fprintf(stderr, "broken answer (%zd bytes): %.200s\n", got, raw ? raw : "");
            l->broken++;
        }
        free(raw);
    }
    return NULL;
}

static void sigterm_under_load_finishes_what_it_began(void **state)
{
    (void)state;
    t_server_t srv;
    assert_int_equal(t_server_start(&srv, g_db, (const char *const[]){"--threads", "2", NULL}), 0);
    enum { CLIENTS = 4 };
    atomic_int stop = 0;
    load_t load[CLIENTS];
    pthread_t th[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        load[i] = (load_t){srv.port, &stop, 0, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, load_main, &load[i]), 0);
    }
    /* A request in flight for sure: its headers are in (the server said
     * "100 Continue"), its body not yet. */
    const char *body = "{\"name\":\"青枫路\",\"category\":\"road\"}";
    int slow = connect_to(srv.port);
    assert_true(slow >= 0);
    char head[256];
    int n = snprintf(head, sizeof head,
                     "POST /names/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
                     strlen(body));
    assert_int_equal(write(slow, head, (size_t)n), n);
    char cont[64] = "";
    size_t got = 0;
    while (got < 25 && !strstr(cont, "\r\n\r\n")) {
        ssize_t r = read(slow, cont + got, sizeof cont - 1 - got);
        assert_true(r > 0);
        got += (size_t)r;
        cont[got] = '\0';
    }
    assert_non_null(strstr(cont, "HTTP/1.1 100 Continue"));
    /* Let the load run until every client has been answered a few times. */
    for (int i = 0; i < CLIENTS; i++)
        while (load[i].ok < 3 && !load[i].broken)
            usleep(10000);

    assert_int_equal(kill(srv.pid, SIGTERM), 0);
    /* New connections are refused soon after (the server waits up to 10 s
     * for the request above, so this cannot be the process having gone). */
    int refused = 0;
    for (int k = 0; k < 500 && !refused; k++) {
        int fd = connect_to(srv.port);
        if (fd < 0)
            refused = errno == ECONNREFUSED;
        else {
            close(fd);
            usleep(10000);
        }
    }
    assert_true(refused);
    /* The request begun before SIGTERM is still answered, whole. */
    assert_int_equal(write(slow, body, strlen(body)), (ssize_t)strlen(body));
    char *raw = NULL;
    ssize_t len = read_all(slow, &raw);
    close(slow);
    assert_true(len > 0);
    if (!whole_200(raw, (size_t)len))
        fprintf(stderr, "slow request: %.300s\n", raw);
    assert_true(whole_200(raw, (size_t)len));
    assert_non_null(strstr(raw, "\"verdict\""));
    free(raw);

    /* The server exits 0 (t_server_stop's own SIGTERM finds it stopping). */
    char *err = NULL;
    assert_int_equal(t_server_stop(&srv, &err), 0);
    assert_non_null(strstr(err, "SIGTERM received, stopping"));
    free(err);
    atomic_store(&stop, 1);
    int ok = 0, broken = 0, refusals = 0;
    for (int i = 0; i < CLIENTS; i++) {
        pthread_join(th[i], NULL);
        ok += load[i].ok, broken += load[i].broken, refusals += load[i].refused;
    }
    assert_true(ok >= 3 * CLIENTS);
    assert_true(refusals > 0); /* the load went on hitting the stopped server */
    assert_int_equal(broken, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(too_many_vertices_is_413),
        cmocka_unit_test(bbox_and_coverage_area_too_large_is_422),
        cmocka_unit_test(request_past_its_deadline_is_503),
        cmocka_unit_test(limit_options_are_checked),
        cmocka_unit_test(security_headers_and_clean_errors),
        cmocka_unit_test(sigterm_under_load_finishes_what_it_began),
        cmocka_unit_test(full_disk_import_fails_cleanly),
        cmocka_unit_test(marker_audit_without_markers),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
