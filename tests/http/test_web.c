/* test_web.c — the web map's files over HTTP (server/routes_web.c), against the
 * real `diming serve --web-dir DIR --basemap URL` on a database with one
 * imported layer. The web folder is made by the test: index.html, a script,
 * a stand-in MapLibre dist file, files that must never be served (package.json,
 * node_modules/, a hidden file) and a symlink pointing out of the folder.
 * Checks content negotiation on "/" (browsers get the page, OGC clients the
 * landing JSON), MIME types, the security and caching headers, 304 on a
 * matching ETag, /web/config.json, and that every path trying to leave the
 * folder is refused with 404. (The page itself is tested in a browser:
 * tests/browser/web.test.mjs.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/support/support.h"

static char *g_dir, *g_db, *g_web;
static t_server_t g_srv;

static int write_file(const char *dir, const char *name, const char *text)
{
    char *p = t_path(dir, name);
    FILE *f = fopen(p, "w");
    free(p);
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static int group_setup(void **state)
{
    (void)state;
    g_dir = t_tmpdir("http-web");
    if (!g_dir)
        return -1;
    g_db = t_path(g_dir, "web.sqlite");
    g_web = t_path(g_dir, "web");
    char *js = t_path(g_web, "js"), *nm = t_path(g_web, "node_modules"), *ml = t_path(nm, "maplibre-gl"),
         *dist = t_path(ml, "dist"), *link = t_path(g_web, "outside.txt"), *secret = t_path(g_dir, "secret.txt");
    int rc = mkdir(g_web, 0755) || mkdir(js, 0755) || mkdir(nm, 0755) || mkdir(ml, 0755) || mkdir(dist, 0755) ||
             write_file(g_web, "index.html", "<!doctype html><title>diming</title>") ||
             write_file(js, "app.js", "export const x = 1;\n") || write_file(g_web, "app.css", "body{}\n") ||
             write_file(g_web, "package.json", "{}\n") || write_file(g_web, ".hidden.txt", "no\n") ||
             write_file(ml, "package.json", "{}\n") || write_file(dist, "maplibre-gl.mjs", "export default 1;\n") ||
             write_file(g_dir, "secret.txt", "secret\n") || symlink(secret, link);
    free(js), free(nm), free(ml), free(dist), free(link), free(secret);
    if (rc)
        return -1;
    char *fx = t_fixture("hierarchy.geojson");
    t_run_t r;
    rc = T_RUN(&r, "import", "divisions", fx, "--db", g_db, "--quiet");
    free(fx);
    if (rc || r.status != 0) {
        fprintf(stderr, "import failed: %s\n", r.err ? r.err : "");
        t_run_free(&r);
        return -1;
    }
    t_run_free(&r);
    const char *const extra[] = {"--web-dir", g_web, "--basemap", "https://tiles.example.org/{z}/{x}/{y}.png", NULL};
    return t_server_start(&g_srv, g_db, extra);
}

static int group_teardown(void **state)
{
    (void)state;
    int status = t_server_stop_checked(&g_srv);
    t_rmtree(g_dir);
    free(g_dir), free(g_db), free(g_web);
    return status;
}

static void get(const char *target, const char *const headers[], int status, t_response_t *res)
{
    assert_int_equal(t_http(g_srv.port, "GET", target, headers, NULL, 0, res), 0);
    if (res->status != status)
        fprintf(stderr, "GET %s: %d %s\n", target, res->status, res->body);
    assert_int_equal(res->status, status);
}

static void root_negotiates_page_or_landing(void **state)
{
    (void)state;
    t_response_t res;
    /* A browser's Accept. */
    const char *const browser[] = {"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", NULL};
    get("/", browser, 200, &res);
    assert_string_equal(t_header(&res, "Content-Type"), "text/html; charset=utf-8");
    assert_string_equal(res.body, "<!doctype html><title>diming</title>");
    assert_string_equal(t_header(&res, "X-Content-Type-Options"), "nosniff");
    assert_string_equal(t_header(&res, "Cache-Control"), "no-cache");
    const char *csp = t_header(&res, "Content-Security-Policy");
    assert_non_null(csp);
    assert_non_null(strstr(csp, "default-src 'self'"));
    assert_non_null(strstr(csp, "img-src 'self' data: blob: https://tiles.example.org;"));
    assert_non_null(strstr(csp, "connect-src 'self' https://tiles.example.org;"));
    char etag[128];
    snprintf(etag, sizeof etag, "If-None-Match: %s", t_header(&res, "ETag"));
    t_response_free(&res);
    const char *const again[] = {browser[0], etag, NULL};
    get("/", again, 304, &res);
    assert_int_equal(res.body_len, 0);
    t_response_free(&res);

    /* GDAL's OAPIF driver, curl, and browsers that ask for JSON get the landing document. */
    static const char *const accepts[] = {"Accept: application/json", "Accept: */*",
                                          "Accept: text/html, application/json;q=0.9", NULL};
    for (int i = 0; accepts[i]; i++) {
        const char *const h[] = {accepts[i], NULL};
        get("/", h, 200, &res);
        assert_string_equal(t_header(&res, "Content-Type"), "application/json; charset=utf-8");
        assert_string_equal(t_json_str(res.json, "title"), "diming 地名");
        t_response_free(&res);
    }
    get("/", NULL, 200, &res);
    assert_non_null(res.json);
    t_response_free(&res);
    get("/?f=json", browser, 200, &res);
    assert_non_null(res.json);
    t_response_free(&res);
    get("/?f=html", NULL, 200, &res);
    assert_string_equal(t_header(&res, "Content-Type"), "text/html; charset=utf-8");
    t_response_free(&res);
}

static void files_with_types_and_caching(void **state)
{
    (void)state;
    static const struct {
        const char *path, *type, *cache, *body;
    } cases[] = {
        {"/web/js/app.js", "text/javascript; charset=utf-8", "no-cache", "export const x = 1;\n"},
        {"/web/app.css", "text/css; charset=utf-8", "no-cache", "body{}\n"},
        {"/web/index.html", "text/html; charset=utf-8", "no-cache", "<!doctype html><title>diming</title>"},
        {"/web/maplibre/maplibre-gl.mjs", "text/javascript; charset=utf-8", "public, max-age=86400",
         "export default 1;\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        t_response_t res;
        get(cases[i].path, NULL, 200, &res);
        assert_string_equal(t_header(&res, "Content-Type"), cases[i].type);
        assert_string_equal(t_header(&res, "Cache-Control"), cases[i].cache);
        assert_string_equal(res.body, cases[i].body);
        assert_string_equal(t_header(&res, "X-Content-Type-Options"), "nosniff");
        assert_non_null(t_header(&res, "ETag"));
        t_response_free(&res);
    }
    t_response_t res;
    get("/web/config.json", NULL, 200, &res);
    assert_string_equal(t_json_str(res.json, "basemap"), "https://tiles.example.org/{z}/{x}/{y}.png");
    t_response_free(&res);
}

static void traversal_and_private_files_refused(void **state)
{
    (void)state;
    static const char *const paths[] = {
        "/web/../web.sqlite",          "/web/%2e%2e/web.sqlite",         "/web/..%2fweb.sqlite",
        "/web/js/../../web.sqlite",    "/web/maplibre/../package.json",  "/web/maplibre/%2E%2E/%2E%2E/package.json",
        "/web/./index.html",           "/web//index.html",               "/web/js/",
        "/web/.hidden.txt",            "/web/package.json",              "/web/node_modules/maplibre-gl/package.json",
        "/web/outside.txt",            "/web/js\\app.js",                "/web/nope.js",
        "/web/app.exe",
    };
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        t_response_t res;
        get(paths[i], NULL, 404, &res);
        assert_string_equal(t_json_str(res.json, "error.code"), "not_found");
        assert_string_equal(t_json_str(res.json, "error.param"), "path");
        assert_null(strstr(res.body, "secret"));
        t_response_free(&res);
    }
    /* libmicrohttpd decodes the path and it ends at a %00: the file before it,
     * with that file's type, never the type the tail claims. */
    t_response_t res;
    get("/web/js/app.js%00.css", NULL, 200, &res);
    assert_string_equal(t_header(&res, "Content-Type"), "text/javascript; charset=utf-8");
    t_response_free(&res);
    get("/web/%00index.html", NULL, 404, &res);
    t_response_free(&res);
    assert_int_equal(t_http(g_srv.port, "POST", "/web/js/app.js", NULL, "x", 1, &res), 0);
    assert_int_equal(res.status, 405);
    t_response_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(root_negotiates_page_or_landing),
        cmocka_unit_test(files_with_types_and_caching),
        cmocka_unit_test(traversal_and_private_files_refused),
    };
    return cmocka_run_group_tests_name("http/web", tests, group_setup, group_teardown);
}
