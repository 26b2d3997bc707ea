/* http.c — libmicrohttpd glue; see http.h.
 *
 * Two libmicrohttpd habits shape this file (PLATFORM.md traps 1 and 2):
 * a response queued on the first call of the access handler turns off
 * keep-alive in 0.9.75, so the first call only allocates the request state
 * and the response is queued on a later call; and the server's signals are
 * blocked in every thread by the caller (cmd_serve.c) and taken by sigwait. */
#include "server/http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gis/names.h"
#include "gis/text.h"
#include "server/json.h"
#include "server/jsonw.h"
#include "server/metrics.h"
#include "server/reqlimits.h"
#include "gis/store_tiles.h"
#include "server/routes.h"
#include "tiles/glyphs.h"
#include "tiles/tile.h"

/* Default size of the tile cache: about 2,000 typical combined tiles. */
#define TILE_CACHE_MB 64

/* One version of the in-memory data, shared by the requests that started
 * while it was current; freed by the last of them to finish. */
/* A part of a snapshot that is costly to build (the walking graph, the name
 * index) and depends on few layers: a new snapshot shares it with the old
 * one when those layers did not change. */
typedef struct shared_part {
    atomic_int refs;
    int64_t version; /* newest version of the layers it was built from */
    void *obj;
    void (*free_fn)(void *);
} shared_part_t;

static void part_release(shared_part_t *p)
{
    if (p && atomic_fetch_sub(&p->refs, 1) == 1) {
        p->free_fn(p->obj);
        free(p);
    }
}

typedef struct snapshot {
    atomic_int refs;
    int64_t data_version;
    shared_part_t *divisions;     /* divisions_part_t: the point index (layer divisions) */
    shared_part_t *boundaries;    /* boundary_index_t: lines, markers, outlines (divisions, boundaries, markers) */
    shared_part_t *graph;         /* coverage_graph_t: the walking network (layer roads) */
    shared_part_t *names;         /* names_index_t: the name index (layers names, divisions) */
    double build_seconds;
} snapshot_t;

struct server {
    server_config_t cfg;
    struct MHD_Daemon *mhd;
    snapshot_t *current;        /* guarded by snap_lock */
    pthread_mutex_t snap_lock;
    pthread_t reloader;
    int reloader_running;
    pthread_mutex_t stop_lock;
    pthread_cond_t stop_cond;
    int stopping;
    atomic_ulong reloads;
    tile_cache_t *tiles;        /* shared, thread-safe, invalidated by data version */
    glyphs_t *glyphs;           /* label glyph ranges (tiles/glyphs.h), NULL when no font was found */
    char glyphs_error[sizeof ((dm_error *)0)->message];     /* why glyphs is NULL */
    names_lexicon_t *names_lexicon; /* names module: word lists, pinyin (not data: loaded once) */
    pthread_key_t names_worker_key;
    pthread_key_t store_key;
    pthread_key_t write_store_key; /* register: this thread's writable connection */
    char *tls_cert_pem, *tls_key_pem; /* serve --tls-cert/--tls-key, read at start */
    FILE *log;
    int own_log;
    atomic_ulong seq;
    uint32_t started; /* time the server started, for request ids */
    metrics_t *metrics;
    atomic_int inflight; /* requests begun and not yet completed */
    unsigned port;
};

static const route_t core_routes[];
/* boundaries_routes before divisions_routes: its /divisions/qa would otherwise
 * be taken by /divisions/{}. */
static const route_t *const route_tables[] = {core_routes, boundaries_routes, divisions_routes, tiles_routes,
                                              ogc_routes, coverage_routes, signs_routes, names_routes,
                                              register_routes, web_routes, NULL};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- helpers for handlers ---------------------------------------------------- */

const char *request_query(const request_t *req, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *request_last_segment(const request_t *req)
{
    const char *s = strrchr(req->path, '/');
    return s ? s + 1 : req->path;
}

static void store_destructor(void *p) { store_close(p); }

store_t *server_write_store(server_t *srv, dm_error *err)
{
    store_t *s = pthread_getspecific(srv->write_store_key);
    if (s)
        return s;
    if (store_open(srv->cfg.db_path, STORE_NOCREATE, &s, err))
        return NULL;
    pthread_setspecific(srv->write_store_key, s);
    return s;
}

int request_is_tls(const request_t *req) { return req->srv->tls_cert_pem != NULL; }

int request_client_ip(const request_t *req, char *out, size_t n, int *loopback)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info((struct MHD_Connection *)req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, n, "-");
    *loopback = 0;
    if (!ci || !ci->client_addr)
        return -1;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) {
        const struct in_addr *a = &((const struct sockaddr_in *)sa)->sin_addr;
        inet_ntop(AF_INET, a, out, (socklen_t)n);
        *loopback = (ntohl(a->s_addr) >> 24) == 127;
    } else if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        inet_ntop(AF_INET6, a, out, (socklen_t)n);
        *loopback = IN6_IS_ADDR_LOOPBACK(a);
    }
    return 0;
}

store_t *server_store(server_t *srv, dm_error *err)
{
    store_t *s = pthread_getspecific(srv->store_key);
    if (s)
        return s;
    if (store_open(srv->cfg.db_path, STORE_READONLY, &s, err))
        return NULL;
    pthread_setspecific(srv->store_key, s);
    return s;
}

static void snapshot_release(snapshot_t *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1) {
        part_release(s->divisions);
        part_release(s->boundaries);
        part_release(s->graph);
        part_release(s->names);
        free(s);
    }
}

static snapshot_t *snapshot_acquire(server_t *srv)
{
    pthread_mutex_lock(&srv->snap_lock);
    snapshot_t *s = srv->current;
    atomic_fetch_add(&s->refs, 1);
    pthread_mutex_unlock(&srv->snap_lock);
    return s;
}

/* The point index with each entry's GeoJSON Feature encoded once: the
 * features of a lookup's chain are copied into the answer, not re-encoded
 * (bench/locate: a fifth of the server's own work per request before). */
typedef struct {
    division_index_t *idx;
    char **feature;  /* by entry ordinal, owned here */
    size_t *feature_len;
} divisions_part_t;

static void divisions_free_fn(void *vp)
{
    divisions_part_t *p = vp;
    if (!p)
        return;
    size_t n = p->idx ? division_index_stats(p->idx).divisions : 0;
    for (size_t i = 0; p->feature && i < n; i++)
        free(p->feature[i]);
    free(p->feature);
    free(p->feature_len);
    division_index_free(p->idx);
    free(p);
}

static void boundaries_free_fn(void *p) { boundary_index_free(p); }
static void graph_free_fn(void *p) { coverage_graph_free(p); }
static void names_free_fn(void *p) { names_index_free(p); }

/* The newest version among some layers. */
static int64_t layers_version(const int64_t v[STORE_LAYER__COUNT], const store_layer_t *layers, size_t n)
{
    int64_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (v[layers[i]] > m)
            m = v[layers[i]];
    return m;
}

/* Shares old's part when it was built from the same version, else builds one. */
static int part_get(shared_part_t *old, int64_t version, shared_part_t **out, int (*build)(void *, void **, dm_error *),
                    void *ctx, void (*free_fn)(void *), dm_error *err)
{
    if (old && old->version == version) {
        atomic_fetch_add(&old->refs, 1);
        *out = old;
        return 0;
    }
    shared_part_t *p = calloc(1, sizeof *p);
    if (!p)
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    int rc = build(ctx, &p->obj, err);
    if (rc) {
        free(p);
        return rc;
    }
    atomic_init(&p->refs, 1);
    p->version = version;
    p->free_fn = free_fn;
    *out = p;
    return 0;
}

typedef struct {
    server_t *srv;
    store_t *st;
} build_ctx_t;

static int build_divisions(void *vctx, void **out, dm_error *err)
{
    build_ctx_t *c = vctx;
    divisions_part_t *p = calloc(1, sizeof *p);
    if (!p)
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    int rc = division_index_build(c->st, &p->idx, err);
    if (rc) {
        free(p);
        return rc;
    }
    size_t n = division_index_stats(p->idx).divisions;
    p->feature = calloc(n ? n : 1, sizeof *p->feature);
    p->feature_len = calloc(n ? n : 1, sizeof *p->feature_len);
    for (size_t i = 0; p->feature && p->feature_len && i < n; i++) {
        jsonw_t w;
        jsonw_init(&w);
        division_entry_feature_write(&w, division_index_entry(p->idx, i));
        char *f = jsonw_steal(&w, &p->feature_len[i]);
        if (!f)
            break;
        char *fit = realloc(f, p->feature_len[i] + 1); /* the writer's buffer is 1 KB or more */
        p->feature[i] = fit ? fit : f;
    }
    if (!p->feature || !p->feature_len || (n && !p->feature[n - 1])) {
        divisions_free_fn(p);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    *out = p;
    return 0;
}

static int build_boundaries(void *vctx, void **out, dm_error *err)
{
    build_ctx_t *c = vctx;
    return boundary_index_build(c->st, (boundary_index_t **)out, err);
}

static int build_graph(void *vctx, void **out, dm_error *err)
{
    build_ctx_t *c = vctx;
    return coverage_graph_build(c->st, (coverage_graph_t **)out, err);
}

static int build_names(void *vctx, void **out, dm_error *err)
{
    build_ctx_t *c = vctx;
    return names_index_build(c->st, c->srv->names_lexicon, (names_index_t **)out, err);
}

/* Builds a snapshot from the database as it is now, sharing the costly
 * parts of `old` (may be NULL) whose layers did not change. */
static int snapshot_build(server_t *srv, store_t *st, const snapshot_t *old, snapshot_t **out, dm_error *err)
{
    snapshot_t *s = calloc(1, sizeof *s);
    if (!s)
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    atomic_init(&s->refs, 1);
    /* Read the versions first: data committed during the build only makes
     * the next check rebuild again, never hides a change. */
    s->data_version = store_data_version(st, err);
    int64_t v[STORE_LAYER__COUNT];
    int rc = store_layer_versions(st, v, err);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    build_ctx_t bc = {srv, st};
    static const store_layer_t division_layers[] = {STORE_LAYER_DIVISIONS};
    static const store_layer_t boundary_layers[] = {STORE_LAYER_DIVISIONS, STORE_LAYER_BOUNDARIES,
                                                    STORE_LAYER_MARKERS};
    if (!rc)
        rc = part_get(old ? old->divisions : NULL, layers_version(v, division_layers, 1), &s->divisions,
                      build_divisions, &bc, divisions_free_fn, err);
    if (!rc)
        rc = part_get(old ? old->boundaries : NULL, layers_version(v, boundary_layers, 3), &s->boundaries,
                      build_boundaries, &bc, boundaries_free_fn, err);
    static const store_layer_t graph_layers[] = {STORE_LAYER_ROADS};
    static const store_layer_t names_layers[] = {STORE_LAYER_NAMES, STORE_LAYER_DIVISIONS};
    if (!rc)
        rc = part_get(old ? old->graph : NULL, layers_version(v, graph_layers, 1), &s->graph, build_graph, &bc,
                      graph_free_fn, err);
    if (!rc)
        rc = part_get(old ? old->names : NULL, layers_version(v, names_layers, 2), &s->names, build_names, &bc,
                      names_free_fn, err);
    if (rc) {
        part_release(s->divisions);
        part_release(s->boundaries);
        part_release(s->graph);
        free(s);
        return rc;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    s->build_seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    *out = s;
    return 0;
}

static snapshot_t *request_snapshot(request_t *req)
{
    if (!req->snap)
        req->snap = snapshot_acquire(req->srv);
    return req->snap;
}

const division_index_t *request_divisions(request_t *req)
{
    return ((const divisions_part_t *)request_snapshot(req)->divisions->obj)->idx;
}
const char *request_division_feature(request_t *req, const division_entry_t *e, size_t *len)
{
    const divisions_part_t *p = request_snapshot(req)->divisions->obj;
    *len = p->feature_len[e->ordinal];
    return p->feature[e->ordinal];
}
const boundary_index_t *request_boundaries(request_t *req) { return request_snapshot(req)->boundaries->obj; }
const coverage_graph_t *request_graph(request_t *req) { return request_snapshot(req)->graph->obj; }
const names_index_t *request_names(request_t *req) { return request_snapshot(req)->names->obj; }
int64_t request_data_version(request_t *req) { return request_snapshot(req)->data_version; }

division_index_stats_t server_division_stats(server_t *srv)
{
    snapshot_t *s = snapshot_acquire(srv);
    division_index_stats_t st = division_index_stats(((const divisions_part_t *)s->divisions->obj)->idx);
    snapshot_release(s);
    return st;
}

/* Watches the data version and swaps in a new snapshot when an import has
 * committed. Runs until server_stop. */
static void *reloader_main(void *arg)
{
    server_t *srv = arg;
    store_t *st = NULL;
    for (;;) {
        pthread_mutex_lock(&srv->stop_lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        long ns = until.tv_nsec + (long)(srv->cfg.reload_interval_ms % 1000) * 1000000L;
        until.tv_sec += (time_t)(srv->cfg.reload_interval_ms / 1000) + ns / 1000000000L;
        until.tv_nsec = ns % 1000000000L;
        while (!srv->stopping && pthread_cond_timedwait(&srv->stop_cond, &srv->stop_lock, &until) == 0)
            ;
        int stopping = srv->stopping;
        pthread_mutex_unlock(&srv->stop_lock);
        if (stopping)
            break;
        dm_error err;
        if (!st && store_open(srv->cfg.db_path, STORE_READONLY, &st, &err))
            continue; /* the file may be being replaced; try again next time */
        int64_t v = store_data_version(st, &err);
        pthread_mutex_lock(&srv->snap_lock);
        int64_t have = srv->current->data_version;
        pthread_mutex_unlock(&srv->snap_lock);
        if (v < 0 || v == have)
            continue;
        snapshot_t *fresh = NULL, *base = snapshot_acquire(srv);
        int failed = snapshot_build(srv, st, base, &fresh, &err);
        snapshot_release(base);
        if (failed) {
            fprintf(stderr, "diming: reloading data version %lld failed, still serving %lld: %s\n", (long long)v,
                    (long long)have, err.message);
            continue;
        }
        pthread_mutex_lock(&srv->snap_lock);
        snapshot_t *old = srv->current;
        srv->current = fresh;
        pthread_mutex_unlock(&srv->snap_lock);
        snapshot_release(old);
        atomic_fetch_add(&srv->reloads, 1);
        fprintf(stderr, "diming: now serving data version %lld (indexes rebuilt in %.2f s)\n",
                (long long)fresh->data_version, fresh->build_seconds);
    }
    store_close(st);
    return NULL;
}

tile_cache_t *server_tile_cache(server_t *srv) { return srv->tiles; }
struct glyphs *server_glyphs(server_t *srv, const char **why)
{
    *why = srv->glyphs_error;
    return srv->glyphs;
}

typedef struct {
    const char *const *known;
    const char *unknown;
} unknown_query_t;

static enum MHD_Result find_unknown(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    unknown_query_t *u = cls;
    (void)kind;
    (void)value;
    for (int i = 0; u->known[i]; i++)
        if (strcmp(u->known[i], key) == 0)
            return MHD_YES;
    u->unknown = key;
    return MHD_NO;
}

const char *request_unknown_query(const request_t *req, const char *const known[])
{
    unknown_query_t u = {known, NULL};
    MHD_get_connection_values((struct MHD_Connection *)req->conn, MHD_GET_ARGUMENT_KIND, find_unknown, &u);
    return u.unknown;
}

const char *request_header(const request_t *req, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)req->conn, MHD_HEADER_KIND, name);
}

void response_bytes(response_t *res, int status, const char *content_type, unsigned char *body, size_t len)
{
    free(res->body);
    res->status = status;
    res->content_type = content_type;
    res->body = (char *)body;
    res->len = body ? len : 0;
}

void response_header(response_t *res, const char *name, const char *value)
{
    if (res->nheaders >= (int)(sizeof res->headers / sizeof *res->headers))
        return;
    res->headers[res->nheaders].name = name;
    snprintf(res->headers[res->nheaders].value, sizeof res->headers[0].value, "%s", value);
    res->nheaders++;
}



static void names_worker_destructor(void *p) { names_worker_free(p); }

names_worker_t *server_names_worker(server_t *srv, dm_error *err)
{
    names_worker_t *w = pthread_getspecific(srv->names_worker_key);
    if (w)
        return w;
    if (!(w = names_worker_new(srv->names_lexicon, err)))
        return NULL;
    pthread_setspecific(srv->names_worker_key, w);
    return w;
}

void response_json(response_t *res, int status, json_t *doc)
{
    free(res->body);
    res->status = status;
    res->content_type = "application/json; charset=utf-8";
    res->body = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    res->len = res->body ? strlen(res->body) : 0;
    json_decref(doc);
}

void response_json_text(response_t *res, int status, char *body, size_t len)
{
    free(res->body);
    res->status = body ? status : 500;
    res->content_type = "application/json; charset=utf-8";
    res->body = body;
    res->len = body ? len : 0;
}

static json_t *error_doc(const request_t *req, int status, const char *code, const char *param, const char *msg)
{
    json_t *e = json_object();
    json_object_set_new(e, "code", json_string(code));
    json_object_set_new(e, "status", json_integer(status));
    json_object_set_new(e, "message", json_string(msg));
    if (param && *param)
        json_object_set_new(e, "param", json_string(param));
    if (req)
        json_object_set_new(e, "request_id", json_string(req->id));
    json_t *doc = json_object();
    json_object_set_new(doc, "error", e);
    return doc;
}

void response_error(response_t *res, const request_t *req, int status, const char *code, const char *param,
                    const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    text_scrub_utf8(msg); /* messages quote the request, which may be any bytes */
    response_json(res, status, error_doc(req, status, code, param, msg));
}

void response_from_error(response_t *res, const request_t *req, const dm_error *err)
{
    int status;
    const char *code;
    switch (err->code) {
    case DM_EINVAL: status = 400, code = "invalid_parameter"; break;
    case DM_EGEOM: status = 400, code = "invalid_geometry"; break;
    case DM_ENOTFOUND: status = 404, code = "not_found"; break;
    case DM_ECONFLICT: status = 409, code = "conflict"; break;
    case DM_ELIMIT: status = 413, code = "too_large"; break;
    default: status = 500, code = "internal_error"; break;
    }
    /* Never leak paths or SQL in a 5xx: say what failed, log the detail. */
    if (status >= 500) {
        fprintf(stderr, "diming: request %s: %s\n", req->id, err->message);
        response_error(res, req, status, code, NULL, "internal error (request %s)", req->id);
    } else
        response_error(res, req, status, code, err->param, "%s", err->message);
}

int param_double(const request_t *req, response_t *res, const char *name, int required, double min, double max,
                 double *out, int *present)
{
    const char *v = request_query(req, name);
    if (present)
        *present = v != NULL;
    if (!v) {
        if (!required)
            return 0;
        response_error(res, req, 400, "missing_parameter", name, "%s is required", name);
        return -1;
    }
    char *end;
    /* Plain decimal notation only: no hex floats, inf/nan or white space. */
    int plain = *v && strspn(v, "0123456789+-.eE") == strlen(v);
    double d = plain ? strtod(v, &end) : 0;
    if (!plain || end == v || *end || !(d >= min && d <= max) || d != d) {
        response_error(res, req, 400, "invalid_parameter", name, "%s must be a number between %g and %g, got '%.40s'",
                       name, min, max, v);
        return -1;
    }
    *out = d;
    return 0;
}

/* ---- routing -------------------------------------------------------------------- */

/* Segment by segment: "{}" takes one non-empty segment, "{#}" one of digits
 * only (ids, so "/names/{#}" leaves "/names/check" to its own routes), and a
 * final "*" the non-empty rest (routes.h). */
int route_pattern_match(const char *pattern, const char *path)
{
    size_t n = strlen(pattern);
    if (n >= 2 && strcmp(pattern + n - 2, "/*") == 0 && !strchr(pattern, '{')) /* the rest, one or more segments */
        return strncmp(pattern, path, n - 1) == 0 && path[n - 1] != '\0';
    const char *p = pattern, *q = path;
    while (*p && *q) {
        if (*p != '{') {
            if (*p++ != *q++)
                return 0;
            continue;
        }
        int digits = strncmp(p, "{#}", 3) == 0;
        if (!digits && strncmp(p, "{}", 2) != 0)
            return 0;
        p += digits ? 3 : 2;
        size_t seg = strcspn(q, "/");
        if (seg == 0 || (digits && strspn(q, "0123456789") != seg))
            return 0;
        q += seg;
    }
    return *p == '\0' && *q == '\0';
}

static void dispatch(request_t *req, response_t *res)
{
    const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
    static __thread char allow[64];
    allow[0] = '\0';
    int id = 0;
    for (int t = 0; route_tables[t]; t++)
        for (const route_t *r = route_tables[t]; r->pattern; r++, id++) {
            if (!route_pattern_match(r->pattern, req->path))
                continue;
            if (strcmp(r->method, method) == 0) {
                req->route_id = id;
                req->route = r->pattern;
                r->fn(req, res);
                return;
            }
            if (!strstr(allow, r->method) && strlen(allow) + strlen(r->method) + 3 < sizeof allow) {
                if (allow[0])
                    strcat(allow, ", ");
                strcat(allow, r->method);
            }
        }
    if (allow[0]) {
        res->allow = allow;
        response_error(res, req, 405, "method_not_allowed", NULL, "%s is not allowed on %s (allowed: %s)",
                       req->method, req->path, allow);
        return;
    }
    response_error(res, req, 404, "not_found", NULL, "no such endpoint: %s", req->path);
}

/* ---- libmicrohttpd callbacks ------------------------------------------------------ */

static void add_common_headers(struct MHD_Response *r, const request_t *req, const response_t *res)
{
    MHD_add_response_header(r, "Content-Type", res->content_type ? res->content_type : "application/json");
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    MHD_add_response_header(r, "Access-Control-Expose-Headers", "X-Request-Id, ETag");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Request-Id", req->id);
    if (res->allow)
        MHD_add_response_header(r, "Allow", res->allow);
    for (int i = 0; i < res->nheaders; i++)
        MHD_add_response_header(r, res->headers[i].name, res->headers[i].value);
}

static enum MHD_Result send_response(struct MHD_Connection *conn, request_t *req, response_t *res)
{
    struct MHD_Response *r = res->body
                                 ? MHD_create_response_from_buffer(res->len, res->body, MHD_RESPMEM_MUST_FREE)
                                 : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    res->body = NULL; /* MHD frees it now */
    add_common_headers(r, req, res);
    enum MHD_Result ok = MHD_queue_response(conn, (unsigned)res->status, r);
    MHD_destroy_response(r);
    return ok;
}

typedef struct {
    request_t req;
    response_t res;
    int answered;
    char path_buf[1];
} conn_state_t;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    server_t *srv = cls;
    conn_state_t *cs = *con_cls;
    if (!cs) {
        size_t ulen = strlen(url);
        cs = calloc(1, sizeof *cs + ulen);
        if (!cs)
            return MHD_NO;
        memcpy(cs->path_buf, url, ulen + 1);
        cs->req.srv = srv;
        cs->req.method = method;
        cs->req.path = cs->path_buf;
        cs->req.conn = conn;
        cs->req.start_s = now_s();
        cs->req.route_id = -1;
        atomic_fetch_add(&srv->inflight, 1);
        cs->req.route = "-";
        /* Request id: start time of the server (seconds) and a counter, in hex. */
        unsigned long n = atomic_fetch_add(&srv->seq, 1);
        uint64_t id = ((uint64_t)srv->started << 32) | (n & 0xffffffffUL);
        static const char hex[] = "0123456789abcdef";
        for (int i = 15; i >= 0; i--, id >>= 4)
            cs->req.id[i] = hex[id & 15];
        cs->req.id[16] = '\0';
        *con_cls = cs;
        /* Refuse an announced oversized body before reading it. */
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > srv->cfg.max_body_bytes) {
            cs->req.body_too_large = 1;
            response_error(&cs->res, &cs->req, 413, "body_too_large", NULL,
                           "request body of %s bytes exceeds the limit of %zu bytes", cl, srv->cfg.max_body_bytes);
            cs->answered = 1;
            return send_response(conn, &cs->req, &cs->res);
        }
        return MHD_YES;
    }
    if (cs->answered)
        return MHD_YES;
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (cs->req.body_too_large || cs->req.body_len + n > srv->cfg.max_body_bytes) {
            cs->req.body_too_large = 1;
            return MHD_YES;
        }
        char *b = realloc(cs->req.body, cs->req.body_len + n + 1);
        if (!b)
            return MHD_NO;
        memcpy(b + cs->req.body_len, upload_data, n);
        cs->req.body_len += n;
        b[cs->req.body_len] = '\0';
        cs->req.body = b;
        return MHD_YES;
    }
    cs->answered = 1;
    if (cs->req.body_too_large)
        response_error(&cs->res, &cs->req, 413, "body_too_large", NULL, "request body exceeds the limit of %zu bytes",
                       srv->cfg.max_body_bytes);
    else if (strcmp(method, "OPTIONS") == 0) {
        /* CORS preflight for browser map clients on other origins. */
        cs->res.status = 204;
        struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        add_common_headers(r, &cs->req, &cs->res);
        MHD_add_response_header(r, "Access-Control-Allow-Methods", "GET, POST, OPTIONS");
        MHD_add_response_header(r, "Access-Control-Allow-Headers",
                                "Content-Type, Authorization, If-None-Match, If-Match");
        MHD_add_response_header(r, "Access-Control-Max-Age", "86400");
        enum MHD_Result ok = MHD_queue_response(conn, 204, r);
        MHD_destroy_response(r);
        return ok;
    } else if (request_deadline_begin(&cs->req, &cs->res) == 0) {
        dispatch(&cs->req, &cs->res);
        request_deadline_end(&cs->req, &cs->res); /* a request past its deadline answers 503 */
    }
    if (!cs->res.status)
        response_error(&cs->res, &cs->req, 500, "internal_error", NULL, "handler produced no response");
    (void)version;
    return send_response(conn, &cs->req, &cs->res);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    server_t *srv = cls;
    conn_state_t *cs = *con_cls;
    if (!cs)
        return;
    double elapsed = now_s() - cs->req.start_s;
    metrics_observe(srv->metrics, cs->req.route_id, cs->res.status, elapsed, cs->res.len);
    if (srv->log) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        char addr[INET6_ADDRSTRLEN] = "-";
        if (ci && ci->client_addr) {
            const struct sockaddr *sa = ci->client_addr;
            if (sa->sa_family == AF_INET)
                inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, addr, sizeof addr);
            else if (sa->sa_family == AF_INET6)
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, addr, sizeof addr);
        }
        time_t t = time(NULL);
        struct tm tm;
        char ts[32];
        gmtime_r(&t, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
        fprintf(srv->log, "%s %s %s %s route=%s %d %zu %.3fms id=%s%s\n", ts, addr, cs->req.method, cs->req.path,
                cs->req.route, cs->res.status, cs->res.len, elapsed * 1000.0, cs->req.id,
                toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
    }
    snapshot_release(cs->req.snap);
    free(cs->req.body);
    free(cs->res.body);
    free(cs);
    *con_cls = NULL;
    atomic_fetch_sub(&srv->inflight, 1);
}

/* ---- built-in routes ---------------------------------------------------------------- */

static void metrics_handler(request_t *req, response_t *res)
{
    server_t *srv = req->srv;
    snapshot_t *snap = request_snapshot(req);
    division_index_stats_t st = division_index_stats(((const divisions_part_t *)snap->divisions->obj)->idx);
    char extra[1400];
    snprintf(extra, sizeof extra,
             "# HELP diming_divisions_indexed Division outlines in the in-memory point index.\n"
             "# TYPE diming_divisions_indexed gauge\ndiming_divisions_indexed %zu\n"
             "# HELP diming_divisions_index_vertices Coordinates held by the point index.\n"
             "# TYPE diming_divisions_index_vertices gauge\ndiming_divisions_index_vertices %zu\n"
             "# HELP diming_index_build_seconds Time the last index (re)load took.\n"
             "# TYPE diming_index_build_seconds gauge\ndiming_index_build_seconds{index=\"divisions\"} %.6f\n"
             "# HELP diming_start_time_seconds Unix time the server started.\n"
             "# TYPE diming_start_time_seconds gauge\ndiming_start_time_seconds %u\n"
             "# HELP diming_data_version Import batch the served data reflects.\n"
             "# TYPE diming_data_version gauge\ndiming_data_version %lld\n"
             "# HELP diming_reloads_total Times the in-memory data was rebuilt after an import.\n"
             "# TYPE diming_reloads_total counter\ndiming_reloads_total %lu\n",
             st.divisions, st.vertices, st.build_seconds, (unsigned)srv->started, (long long)snap->data_version,
             atomic_load(&srv->reloads));
    size_t len;
    char *body = metrics_render(srv->metrics, extra, &len);
    if (!body) {
        response_error(res, req, 500, "internal_error", NULL, "out of memory");
        return;
    }
    free(res->body);
    res->status = 200;
    res->body = body;
    res->len = len;
    res->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

static const route_t core_routes[] = {
    {"GET", "/metrics", metrics_handler},
    {NULL, NULL, NULL},
};

static metrics_t *metrics_for_routes(void)
{
    size_t n = 0;
    for (int t = 0; route_tables[t]; t++)
        for (const route_t *r = route_tables[t]; r->pattern; r++)
            n++;
    char **labels = calloc(n ? n : 1, sizeof *labels);
    size_t i = 0;
    for (int t = 0; labels && route_tables[t]; t++)
        for (const route_t *r = route_tables[t]; r->pattern; r++, i++) {
            labels[i] = malloc(strlen(r->method) + strlen(r->pattern) + 2);
            if (labels[i])
                sprintf(labels[i], "%s %s", r->method, r->pattern);
        }
    metrics_t *m = labels ? metrics_new((const char *const *)labels, n) : NULL;
    for (size_t k = 0; labels && k < n; k++)
        free(labels[k]);
    free(labels);
    return m;
}

/* ---- start / stop ------------------------------------------------------------------ */

/* A PEM file's text (newly allocated), NULL if unreadable or over 1 MiB. */
static char *read_pem(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc((1u << 20) + 1);
    size_t n = buf ? fread(buf, 1, 1u << 20, f) : 0;
    int bad = !buf || ferror(f) || !feof(f) || n == 0;
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

int server_start(const server_config_t *cfg, server_t **out, dm_error *err)
{
    *out = NULL;
    server_t *srv = calloc(1, sizeof *srv);
    if (!srv)
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    srv->cfg = *cfg;
    if (!srv->cfg.bind_addr)
        srv->cfg.bind_addr = "127.0.0.1";
    if (!srv->cfg.threads) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        srv->cfg.threads = n > 0 ? (unsigned)n : 2;
    }
    if (!srv->cfg.max_body_bytes)
        srv->cfg.max_body_bytes = 1u << 20;
    if (!srv->cfg.max_connections)
        srv->cfg.max_connections = 1024;
    if (!srv->cfg.timeout_s)
        srv->cfg.timeout_s = 30;
    /* request limits (reqlimits.h): defaults documented in docs/reliability.md */
    if (!srv->cfg.deadline_ms)
        srv->cfg.deadline_ms = 30000;
    if (!srv->cfg.max_vertices)
        srv->cfg.max_vertices = 100000;
    if (!(srv->cfg.max_bbox_km2 > 0))
        srv->cfg.max_bbox_km2 = 2500000;
    if (!(srv->cfg.max_coverage_km2 > 0))
        srv->cfg.max_coverage_km2 = 50000;
    pthread_key_create(&srv->store_key, store_destructor);
    pthread_key_create(&srv->write_store_key, store_destructor);
    srv->started = (uint32_t)time(NULL);
    pthread_mutex_init(&srv->snap_lock, NULL);
    pthread_mutex_init(&srv->stop_lock, NULL);
    pthread_cond_init(&srv->stop_cond, NULL);
    if (!srv->cfg.reload_interval_ms)
        srv->cfg.reload_interval_ms = 1000;
    srv->metrics = metrics_for_routes();
    pthread_key_create(&srv->names_worker_key, names_worker_destructor);

    const char *lp = srv->cfg.access_log ? srv->cfg.access_log : "-";
    if (strcmp(lp, "off") == 0)
        srv->log = NULL;
    else if (strcmp(lp, "-") == 0)
        srv->log = stderr;
    else if (!(srv->log = fopen(lp, "a"))) {
        free(srv);
        return dm_error_set(err, DM_EIO, "access-log", "cannot open access log %s", lp);
    } else
        srv->own_log = 1;
    if (srv->log)
        setvbuf(srv->log, NULL, _IOLBF, 0);

    /* Load the division index on this thread before any request can arrive. */
    store_t *s = NULL;
    int rc = store_open(srv->cfg.db_path, STORE_READONLY, &s, err);
    if (!rc) {
        /* The names lexicon (word lists, pinyin dictionary) is configuration,
         * loaded once; the name index is data and lives in the snapshot. */
        names_config_t nc;
        names_default_config(&nc);
        if (srv->cfg.names_data)
            nc.data_dir = srv->cfg.names_data;
        if (srv->cfg.pinyin_dict)
            nc.pinyin_dict = srv->cfg.pinyin_dict, nc.pinyin_dict_optional = 0;
        rc = names_lexicon_load(&nc, &srv->names_lexicon, err);
        if (!rc)
            rc = snapshot_build(srv, s, NULL, &srv->current, err);
        store_close(s);
    }
    size_t cache_mb = srv->cfg.tile_cache_mb ? srv->cfg.tile_cache_mb : TILE_CACHE_MB;
    if (!rc && !(srv->tiles = tile_cache_new(cache_mb << 20)))
        rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    if (!rc) {
        /* Fonts are optional: without them only /fonts answers 503. */
        dm_error ge;
        if (glyphs_open(GLYPHS_CACHE_BYTES, &srv->glyphs, &ge))
            snprintf(srv->glyphs_error, sizeof srv->glyphs_error, "%s", ge.message);
    }
    if (rc) {
        server_stop(srv);
        return rc;
    }

    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)srv->cfg.port);
    if (inet_pton(AF_INET, srv->cfg.bind_addr, &sa.sin_addr) != 1) {
        server_stop(srv);
        return dm_error_set(err, DM_EINVAL, "bind", "bind address must be an IPv4 address, got '%s'",
                            cfg->bind_addr);
    }
    /* TLS (issue 9): libmicrohttpd with GnuTLS serves HTTPS itself when given
     * a certificate and key (PEM); otherwise nginx in front (docs/deploy). */
    struct MHD_OptionItem tls_opts[3] = {{MHD_OPTION_END, 0, NULL}, {MHD_OPTION_END, 0, NULL},
                                         {MHD_OPTION_END, 0, NULL}};
    unsigned int tls_flag = 0;
    if (srv->cfg.tls_cert || srv->cfg.tls_key) {
        if (!srv->cfg.tls_cert || !srv->cfg.tls_key) {
            server_stop(srv);
            return dm_error_set(err, DM_EINVAL, "tls-cert", "--tls-cert and --tls-key go together");
        }
        if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
            server_stop(srv);
            return dm_error_set(err, DM_EINVAL, "tls-cert", "this libmicrohttpd was built without TLS");
        }
        srv->tls_cert_pem = read_pem(srv->cfg.tls_cert);
        srv->tls_key_pem = read_pem(srv->cfg.tls_key);
        if (!srv->tls_cert_pem || !srv->tls_key_pem) {
            const char *bad = srv->tls_cert_pem ? srv->cfg.tls_key : srv->cfg.tls_cert;
            server_stop(srv);
            return dm_error_set(err, DM_EIO, "tls-cert", "cannot read PEM file %s", bad);
        }
        tls_opts[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, srv->tls_cert_pem};
        tls_opts[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls_key_pem};
        tls_flag = MHD_USE_TLS;
    }
    srv->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | tls_flag,
                                (uint16_t)srv->cfg.port, NULL, NULL,
                                on_request, srv, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                MHD_OPTION_THREAD_POOL_SIZE, srv->cfg.threads, MHD_OPTION_CONNECTION_LIMIT,
                                srv->cfg.max_connections, MHD_OPTION_CONNECTION_TIMEOUT, srv->cfg.timeout_s,
                                MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_LISTEN_BACKLOG_SIZE,
                                (unsigned)1024, MHD_OPTION_END);
    if (!srv->mhd) {
        server_stop(srv);
        return dm_error_set(err, DM_EIO, "port", "cannot listen on %s:%u (in use?)", cfg->bind_addr
                                                                                          ? cfg->bind_addr
                                                                                          : "127.0.0.1",
                            cfg->port);
    }
    if (pthread_create(&srv->reloader, NULL, reloader_main, srv) == 0)
        srv->reloader_running = 1;
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : srv->cfg.port;
    *out = srv;
    return 0;
}

unsigned server_port(const server_t *srv) { return srv->port; }

const server_config_t *server_get_config(const server_t *srv) { return &srv->cfg; }

void server_stop(server_t *srv)
{
    if (!srv)
        return;
    if (srv->mhd) {
        /* Stop accepting, let requests in flight finish (up to 10 s), then
         * close what is left (idle keep-alive connections). */
        MHD_socket ls = MHD_quiesce_daemon(srv->mhd);
        if (ls != MHD_INVALID_SOCKET)
            close(ls);
        for (int i = 0; i < 1000 && atomic_load(&srv->inflight) > 0; i++)
            usleep(10000);
        MHD_stop_daemon(srv->mhd);
    }
    if (srv->reloader_running) {
        pthread_mutex_lock(&srv->stop_lock);
        srv->stopping = 1;
        pthread_cond_signal(&srv->stop_cond);
        pthread_mutex_unlock(&srv->stop_lock);
        pthread_join(srv->reloader, NULL);
    }
    snapshot_release(srv->current);
    metrics_free(srv->metrics);
    tile_cache_free(srv->tiles);
    glyphs_close(srv->glyphs);
    names_lexicon_free(srv->names_lexicon);
    free(srv->tls_cert_pem);
    free(srv->tls_key_pem);
    if (srv->own_log)
        fclose(srv->log);
    free(srv);
}
