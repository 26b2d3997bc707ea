/* routes_web.c — the web map for officers and planners, served by diming itself:
 *   GET /                   the page (web/index.html) when the client asks for HTML;
 *                           the OGC API landing JSON otherwise (routes_ogc.c asks us)
 *   GET /web/config.json    what the page needs to know from the server (basemap)
 *   GET /web/maplibre/{f}   MapLibre GL JS from web/node_modules/maplibre-gl/dist
 *   GET /web/{path}         the page's own files (web/)
 *
 * Content negotiation for "/": `f=html` or `f=json` decide; otherwise HTML
 * only when Accept names text/html and names no JSON type, so browsers get the
 * page while GDAL's OAPIF driver (Accept: application/json) and curl (no
 * Accept, or * / *) keep the landing document.
 *
 * Files are refused unless the path is made of plain segments (no "..", ".",
 * empty or hidden segments, backslashes or control bytes), names a known file
 * type, stays out of node_modules/ (except the MapLibre dist files), and its
 * real path (symlinks resolved) lies inside the served folder. Every answer
 * has X-Content-Type-Options: nosniff and a Content-Security-Policy that
 * allows this origin only (plus the configured basemap's origin for images):
 * the page works offline and makes no external requests. Caching: a weak ETag
 * from size and mtime (If-None-Match → 304); the page's own files are
 * "no-cache" (revalidated, so an edit shows at once) and the pinned MapLibre
 * files are kept a day. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "server/routes.h"

#ifndef DIMING_WEB_DIR
#define DIMING_WEB_DIR "web"
#endif

#define WEB_MAX_FILE (8u << 20) /* the largest file served (MapLibre is about 1.1 MB) */

static const char *web_dir(const request_t *req)
{
    const char *d = server_get_config(req->srv)->web_dir;
    return d ? d : DIMING_WEB_DIR;
}

static const struct {
    const char *ext, *type;
} mime_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".map", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
};

static const char *mime_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return NULL;
    for (size_t i = 0; i < sizeof mime_types / sizeof *mime_types; i++)
        if (strcmp(dot, mime_types[i].ext) == 0)
            return mime_types[i].type;
    return NULL;
}

/* The origin ("https://host:port") of the basemap URL, or "" when none or
 * when it holds anything that could break out of the CSP header. */
static void basemap_origin(const request_t *req, char *out, size_t n)
{
    out[0] = '\0';
    const char *u = server_get_config(req->srv)->basemap_url;
    if (!u)
        return;
    const char *host = strstr(u, "://");
    if (!host)
        return;
    size_t len = (size_t)(strcspn(host + 3, "/") + (size_t)(host + 3 - u));
    if (len >= n || len > 100)
        return;
    for (size_t i = 0; i < len; i++)
        if (u[i] <= ' ' || u[i] == ';' || u[i] == ',' || u[i] == '\'' || u[i] == '"' || (unsigned char)u[i] >= 0x7f)
            return;
    memcpy(out, u, len);
    out[len] = '\0';
}

static void security_headers(const request_t *req, response_t *res)
{
    char origin[112], csp[512]; /* the header holds 511 bytes (http.h) */
    basemap_origin(req, origin, sizeof origin);
    /* MapLibre needs blob: workers/images and inline style attributes it sets
     * through the CSSOM; everything else comes from this origin. */
    snprintf(csp, sizeof csp,
             "default-src 'self'; script-src 'self'; worker-src 'self' blob:; child-src 'self' blob:; "
             "img-src 'self' data: blob:%s%s; connect-src 'self'%s%s; style-src 'self' 'unsafe-inline'; "
             "object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
             origin[0] ? " " : "", origin, origin[0] ? " " : "", origin);
    response_header(res, "Content-Security-Policy", csp);
    response_header(res, "Referrer-Policy", "no-referrer");
}

/* Whether a path below the served folder is safe to open (see the top). */
static int safe_relative(const char *rel)
{
    if (!*rel || strlen(rel) > 200)
        return 0;
    const char *seg = rel;
    for (;;) {
        size_t len = strcspn(seg, "/");
        if (len == 0 || seg[0] == '.')
            return 0; /* empty, ".", ".." or hidden */
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)seg[i] < 0x20 || seg[i] == '\\' || seg[i] == 0x7f || seg[i] == ':')
                return 0;
        if (!seg[len])
            return 1;
        seg += len + 1;
    }
}

static void send_file(request_t *req, response_t *res, const char *root, const char *rel, const char *cache)
{
    const char *type = mime_type(rel);
    if (!safe_relative(rel) || !type) {
        response_error(res, req, 404, "not_found", "path", "no such file: %.80s", rel);
        return;
    }
    char path[PATH_MAX], real_root[PATH_MAX], real[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", root, rel) >= (int)sizeof path || !realpath(root, real_root) ||
        !realpath(path, real)) {
        response_error(res, req, 404, "not_found", "path", "no such file: %.80s", rel);
        return;
    }
    size_t rl = strlen(real_root);
    if (strncmp(real, real_root, rl) != 0 || real[rl] != '/') { /* a symlink out of the folder */
        response_error(res, req, 404, "not_found", "path", "no such file: %.80s", rel);
        return;
    }
    FILE *f = fopen(real, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) || !S_ISREG(st.st_mode) || st.st_size > (off_t)WEB_MAX_FILE) {
        if (f)
            fclose(f);
        response_error(res, req, 404, "not_found", "path", "no such file: %.80s", rel);
        return;
    }
    char etag[64];
    snprintf(etag, sizeof etag, "W/\"%llx-%llx%09ld\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    security_headers(req, res);
    response_header(res, "Cache-Control", cache);
    response_header(res, "ETag", etag);
    const char *inm = request_header(req, "If-None-Match");
    if (inm && strstr(inm, etag)) {
        fclose(f);
        response_bytes(res, 304, type, NULL, 0);
        return;
    }
    size_t n = (size_t)st.st_size;
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf || fread(buf, 1, n, f) != n) {
        free(buf);
        fclose(f);
        res->nheaders = 0;
        response_error(res, req, 500, "io_error", NULL, "could not read %.80s", rel);
        return;
    }
    fclose(f);
    response_bytes(res, 200, type, buf, n);
}

int web_wants_page(const request_t *req)
{
    const char *f = request_query(req, "f");
    if (f)
        return strcmp(f, "html") == 0;
    const char *accept = request_header(req, "Accept");
    if (!accept || !strstr(accept, "text/html"))
        return 0;
    return !strstr(accept, "application/json") && !strstr(accept, "+json");
}

void web_page(request_t *req, response_t *res)
{
    response_header(res, "Vary", "Accept"); /* the same URL also answers the landing JSON */
    send_file(req, res, web_dir(req), "index.html", "no-cache");
}

static void web_files(request_t *req, response_t *res)
{
    const char *rel = req->path + strlen("/web/");
    if (strncmp(rel, "maplibre/", 9) == 0) {
        char dist[PATH_MAX];
        snprintf(dist, sizeof dist, "%s/node_modules/maplibre-gl/dist", web_dir(req));
        send_file(req, res, dist, rel + 9, "public, max-age=86400");
        return;
    }
    if (strncmp(rel, "node_modules/", 13) == 0 || strcmp(rel, "package.json") == 0 ||
        strcmp(rel, "package-lock.json") == 0) {
        response_error(res, req, 404, "not_found", "path", "no such file: %.80s", rel);
        return;
    }
    send_file(req, res, web_dir(req), rel, "no-cache");
}

static void web_config(request_t *req, response_t *res)
{
    const char *b = server_get_config(req->srv)->basemap_url;
    security_headers(req, res);
    response_header(res, "Cache-Control", "no-cache");
    response_json(res, 200, json_pack("{s:o}", "basemap", b ? json_string(b) : json_null()));
}

const route_t web_routes[] = {
    {"GET", "/web/config.json", web_config},
    {"GET", "/web/*", web_files},
    {NULL, NULL, NULL},
};
