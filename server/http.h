/* http.h — the HTTP server: libmicrohttpd daemon, routing, per-request state,
 * limits, CORS, errors and the access log.
 *
 * A handler gets a request_t (method, path, query, body) and fills a
 * response_t (status, JSON or other body). It parses its parameters, calls
 * one libdiming function and encodes the result; no SQL, no MHD here.
 * Errors are always JSON: {"error": {"code", "status", "message", "param",
 * "request_id"}} with 4xx for the client's mistakes and 5xx for ours.
 *
 * Threads: MHD runs an epoll thread pool; each worker thread lazily opens its
 * own read-only store connection (server_store()). The division index is
 * built at start and shared read-only.
 *
 * Ownership: response bodies set with response_json / response_error are
 * owned by the response and freed after sending. */
#ifndef DIMING_HTTP_H
#define DIMING_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "gis/coverage.h"
#include "gis/error.h"
#include "gis/boundary.h"
#include "gis/locate.h"
#include "gis/names.h"
#include "gis/store.h"

typedef struct server_config {
    const char *db_path;
    const char *bind_addr;    /* default 127.0.0.1 */
    unsigned port;            /* 0 = any free port */
    unsigned threads;         /* worker threads, default = CPUs */
    size_t max_body_bytes;    /* default 1 MiB */
    unsigned max_connections; /* default 1024 */
    unsigned timeout_s;       /* idle connection timeout, default 30 */
    const char *access_log;   /* path, "-" for stderr (default), "off" */
    unsigned reload_interval_ms; /* how often to look for new data, default 1000; 0 = default */
    size_t tile_cache_mb;     /* tile cache size in MiB, default 64 */
    const char *names_data;   /* names word lists dir, NULL = default (names_default_config) */
    const char *pinyin_dict;  /* pinyin word list, NULL = default */
    const char *web_dir;      /* the web page's folder (routes_web.c); NULL = DIMING_WEB_DIR */
    const char *basemap_url;  /* optional raster XYZ template for the page; NULL = none */
    /* request limits (server/reqlimits.h); 0 = default */
    unsigned deadline_ms;     /* longest a request may run, default 30000 */
    unsigned max_vertices;    /* positions in a posted geometry, default 100000 */
    double max_bbox_km2;      /* area of a bbox parameter, default 2500000 */
    double max_coverage_km2;  /* extent of a division asked for coverage, default 50000 */
    const char *tls_cert, *tls_key; /* PEM files: serve HTTPS (issue 9); NULL = plain HTTP */
    int allow_insecure_tokens; /* accept bearer tokens over plain HTTP from other hosts */
} server_config_t;

typedef struct server server_t;

typedef struct request {
    server_t *srv;
    const char *method; /* "GET", "POST", … (HEAD is served as GET) */
    const char *path;   /* without query string */
    void *conn;         /* struct MHD_Connection *, for http.c only */
    char *body;         /* request body (NUL-terminated), NULL if none */
    size_t body_len;
    int body_too_large;
    char id[17];        /* request id, also sent as X-Request-Id */
    int route_id;       /* index of the matched route for metrics, -1 if none */
    const char *route;  /* the matched route's pattern, for the access log */
    struct snapshot *snap; /* held from the first use to completion; http.c only */
    double start_s;
} request_t;

typedef struct response {
    int status;
    char *body;             /* owned */
    size_t len;
    const char *content_type;
    const char *allow;      /* Allow header for 405 */
    /* further headers a handler sets with response_header (ETag, …) */
    struct response_header {
        const char *name; /* a static string */
        char value[512];
    } headers[6];
    int nheaders;
} response_t;

int server_start(const server_config_t *cfg, server_t **out, dm_error *err);
unsigned server_port(const server_t *srv);
/* The configuration the server runs with (defaults filled in); borrowed. */
const server_config_t *server_get_config(const server_t *srv);
void server_stop(server_t *srv);

/* What handlers may use. */
const char *request_query(const request_t *req, const char *name);
store_t *server_store(server_t *srv, dm_error *err);
/* This thread's writable store connection (the register's writes), opened
 * on first use and closed when the thread ends. */
store_t *server_write_store(server_t *srv, dm_error *err);
/* 1 when the server speaks TLS. */
int request_is_tls(const request_t *req);
/* The client's address as text and whether it is a loopback address. */
int request_client_ip(const request_t *req, char *out, size_t n, int *loopback);
/* The in-memory structures built from one version of the data. A request
 * sees one snapshot from start to end, so an import committed meanwhile
 * never gives it mixed answers; the server swaps in a new snapshot when the
 * data version changes (see server_config_t.reload_interval_ms). */
const division_index_t *request_divisions(request_t *req);
/* The GeoJSON Feature (no geometry) of an entry of request_divisions(req),
 * encoded once per snapshot; valid while the request lasts. */
const char *request_division_feature(request_t *req, const division_entry_t *e, size_t *len);
/* The data version (last import batch) the request's snapshot was built from. */
int64_t request_data_version(request_t *req);
/* Current snapshot's index statistics (for start-up messages and /metrics). */
division_index_stats_t server_division_stats(server_t *srv);
const boundary_index_t *request_boundaries(request_t *req);
/* The walking graph (coverage) of the request's snapshot. */
const coverage_graph_t *request_graph(request_t *req);
/* The name index built at start, and this thread's names worker. */
const names_index_t *request_names(request_t *req);
names_worker_t *server_names_worker(server_t *srv, dm_error *err);

/* Sets a JSON body (steals the reference to `doc`). */
void response_json(response_t *res, int status, json_t *doc);
/* Sets a ready JSON text body (takes ownership of `body`, from malloc). */
void response_json_text(response_t *res, int status, char *body, size_t len);
/* The tile cache (tiles/tile.h), created at start; shared, thread-safe. */
struct tile_cache *server_tile_cache(server_t *srv);
/* The server's label glyph ranges (tiles/glyphs.h); NULL, with *why saying
 * why, when no font could be loaded at start. */
#define GLYPHS_CACHE_BYTES (64u << 20)
struct glyphs *server_glyphs(server_t *srv, const char **why);
/* The first query parameter whose name is not in `known` (NULL-terminated),
 * or NULL when all are known. Borrowed for the request. */
const char *request_unknown_query(const request_t *req, const char *const known[]);
/* The value of a request header (any case), or NULL. */
const char *request_header(const request_t *req, const char *name);
/* Sets a body of any type (steals `body`, malloc'd; NULL for none). */
void response_bytes(response_t *res, int status, const char *content_type, unsigned char *body, size_t len);
/* Adds a header (name must be a static string; at most 6, extra ones are dropped). */
void response_header(response_t *res, const char *name, const char *value);
/* Sets an error body; `code` is a short word ("invalid_parameter"). */
void response_error(response_t *res, const request_t *req, int status, const char *code, const char *param,
                    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Maps a dm_error from the library to an HTTP error response. */
void response_from_error(response_t *res, const request_t *req, const dm_error *err);

/* Strict parameter parsing: the whole value must be a finite number within
 * [min, max]. On failure fills a 400 response naming the parameter and
 * returns -1. A missing parameter is an error only when required. */
int param_double(const request_t *req, response_t *res, const char *name, int required, double min, double max,
                 double *out, int *present);

#endif
