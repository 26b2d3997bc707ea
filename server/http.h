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

#include "gis/error.h"
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
    const char *names_data;   /* names word lists dir, NULL = default (names_default_config) */
    const char *pinyin_dict;  /* pinyin word list, NULL = default */
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
    double start_s;
} request_t;

typedef struct response {
    int status;
    char *body;             /* owned */
    size_t len;
    const char *content_type;
    const char *allow;      /* Allow header for 405 */
} response_t;

int server_start(const server_config_t *cfg, server_t **out, dm_error *err);
unsigned server_port(const server_t *srv);
void server_stop(server_t *srv);

/* What handlers may use. */
const char *request_query(const request_t *req, const char *name);
store_t *server_store(server_t *srv, dm_error *err);
const division_index_t *server_divisions(server_t *srv);
/* The name index built at start, and this thread's names worker. */
const names_index_t *server_names(server_t *srv);
names_worker_t *server_names_worker(server_t *srv, dm_error *err);

/* Sets a JSON body (steals the reference to `doc`). */
void response_json(response_t *res, int status, json_t *doc);
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
