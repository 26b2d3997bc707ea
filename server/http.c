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
#include "server/routes.h"

struct server {
    server_config_t cfg;
    struct MHD_Daemon *mhd;
    division_index_t *divisions;
    names_lexicon_t *names_lexicon; /* names module: word lists, pinyin */
    names_index_t *names;
    pthread_key_t names_worker_key;
    pthread_key_t store_key;
    FILE *log;
    int own_log;
    atomic_ulong seq;
    unsigned port;
};

static const route_t *const route_tables[] = {divisions_routes, names_routes, NULL};

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

const division_index_t *server_divisions(server_t *srv) { return srv->divisions; }

const names_index_t *server_names(server_t *srv) { return srv->names; }

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

static int pattern_match(const char *pattern, const char *path)
{
    size_t n = strlen(pattern);
    if (n >= 3 && strcmp(pattern + n - 3, "/{}") == 0) {
        size_t prefix = n - 2; /* keep the slash */
        if (strncmp(pattern, path, prefix) != 0)
            return 0;
        const char *seg = path + prefix;
        return *seg && !strchr(seg, '/');
    }
    return strcmp(pattern, path) == 0;
}

static void dispatch(request_t *req, response_t *res)
{
    const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
    static __thread char allow[64];
    allow[0] = '\0';
    for (int t = 0; route_tables[t]; t++)
        for (const route_t *r = route_tables[t]; r->pattern; r++) {
            if (!pattern_match(r->pattern, req->path))
                continue;
            if (strcmp(r->method, method) == 0) {
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
        unsigned long n = atomic_fetch_add(&srv->seq, 1);
        snprintf(cs->req.id, sizeof cs->req.id, "%08lx%08lx", (unsigned long)time(NULL) & 0xffffffffUL,
                 n & 0xffffffffUL);
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
    } else
        dispatch(&cs->req, &cs->res);
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
        fprintf(srv->log, "%s %s %s %s %d %zu %.3fms id=%s%s\n", ts, addr, cs->req.method, cs->req.path,
                cs->res.status, cs->res.len, (now_s() - cs->req.start_s) * 1000.0, cs->req.id,
                toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
    }
    free(cs->req.body);
    free(cs->res.body);
    free(cs);
    *con_cls = NULL;
}

/* ---- start / stop ------------------------------------------------------------------ */

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
    pthread_key_create(&srv->store_key, store_destructor);
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
        rc = division_index_build(s, &srv->divisions, err);
        /* The name index (names module), from the same connection. */
        names_config_t nc;
        names_default_config(&nc);
        if (srv->cfg.names_data)
            nc.data_dir = srv->cfg.names_data;
        if (srv->cfg.pinyin_dict)
            nc.pinyin_dict = srv->cfg.pinyin_dict, nc.pinyin_dict_optional = 0;
        if (!rc)
            rc = names_lexicon_load(&nc, &srv->names_lexicon, err);
        if (!rc)
            rc = names_index_build(s, srv->names_lexicon, &srv->names, err);
        store_close(s);
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
    srv->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)srv->cfg.port, NULL, NULL,
                                on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
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
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : srv->cfg.port;
    *out = srv;
    return 0;
}

unsigned server_port(const server_t *srv) { return srv->port; }

void server_stop(server_t *srv)
{
    if (!srv)
        return;
    if (srv->mhd)
        MHD_stop_daemon(srv->mhd);
    division_index_free(srv->divisions);
    names_index_free(srv->names);
    names_lexicon_free(srv->names_lexicon);
    if (srv->own_log)
        fclose(srv->log);
    free(srv);
}
