/* support.h — what every diming test file shares: scratch files, running the
 * real `diming` executable, a `diming serve` child on a free port, a tiny
 * HTTP/1.1 client, and JSON / SQL helpers for asserting exact answers.
 *
 * This module owns no test logic. It knows the paths the build gives it
 * (DIMING_BIN, DIMING_FIXTURES, DIMING_TEST_TMP), speaks plain HTTP/1.1 over
 * a TCP socket to 127.0.0.1 (no libcurl, so the bytes on the wire are exactly
 * the ones written here) and never prints except to explain a failure.
 *
 * Ownership: every char * returned is newly allocated and the caller frees it
 * with free(); structs filled by t_run, t_conn_request and t_http are released
 * with t_run_free and t_response_free. Pointers returned by t_header and the
 * t_json_* lookups are borrowed from the response or document they came from.
 * Functions returning int give 0 on success and -1 on failure (with a line on
 * stderr saying why), so tests can `assert_int_equal(t_…(…), 0)`. */
#ifndef DIMING_TEST_SUPPORT_H
#define DIMING_TEST_SUPPORT_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

/* ---- files ---------------------------------------------------------------- */

/* A new empty directory under DIMING_TEST_TMP, named tag-XXXXXX. */
char *t_tmpdir(const char *tag);
/* dir + "/" + name. */
char *t_path(const char *dir, const char *name);
/* DIMING_FIXTURES + "/" + name (the file need not exist). */
char *t_fixture(const char *name);
/* Removes a directory tree made by t_tmpdir (no-op for NULL). */
void t_rmtree(const char *dir);
/* The whole file, NUL-terminated; *len (optional) receives its size. NULL if unreadable. */
char *t_read_file(const char *path, size_t *len);
/* Number of '\n'-terminated lines in s (a last unterminated line counts too). */
size_t t_count_lines(const char *s);

/* ---- running `diming` --------------------------------------------------------- */

typedef struct t_run {
    int status;      /* exit status; 128 + signal number if killed by a signal */
    char *out, *err; /* everything written to stdout / stderr, NUL-terminated */
    size_t out_len, err_len;
} t_run_t;

/* Runs DIMING_BIN with the arguments in args (NULL-terminated, not counting
 * the program name), stdin from /dev/null, and waits for it. A child silent
 * for a minute is killed (status 128 + 9) so a hang fails instead of stalling. */
int t_run(const char *const args[], t_run_t *res);
void t_run_free(t_run_t *res);
#define T_RUN(res, ...) t_run((const char *const[]){__VA_ARGS__, NULL}, (res))

/* ---- `diming serve` as a child ------------------------------------------------- */

typedef struct t_server {
    pid_t pid;
    unsigned port;
    int out_fd;       /* read end of the child's stdout */
    char *first_line; /* "diming: serving http://127.0.0.1:PORT/ ..." */
    char *err_path;   /* the child's stderr goes to this file */
} t_server_t;

/* Starts `diming serve --db DB --port 0 --access-log off [extra…]` and waits
 * for its first stdout line, from which it takes the port. */
/* `diming import LAYER tests/fixtures/FIXTURE --db DB --quiet [--src-srs SRS]`
 * (srs may be NULL); 0 when it exits 0, else -1 with its stderr printed. */
int t_import(const char *db, const char *layer, const char *fixture, const char *srs);

int t_server_start(t_server_t *srv, const char *db, const char *const extra[]);
/* Sends SIGTERM, waits, and returns the exit status as t_run does (0 is a
 * clean stop), or -1 if it could not be waited for. If err_text is not NULL it
 * receives what the server wrote on stderr. Frees what srv holds. */
int t_server_stop(t_server_t *srv, char **err_text);
/* t_server_stop for test teardowns: 0 on a clean stop; otherwise prints the
 * exit status and what the server wrote on stderr, and returns -1. */
int t_server_stop_checked(t_server_t *srv);

/* ---- HTTP/1.1 client -------------------------------------------------------------- */

typedef struct t_header {
    char *name, *value;
} t_header_t;

typedef struct t_response {
    int status;
    char *reason;
    t_header_t *headers;
    size_t nheaders;
    char *body; /* NUL-terminated, "" when there is none */
    size_t body_len;
    json_t *json; /* the body parsed as JSON, NULL if empty or not JSON */
} t_response_t;

/* One TCP connection; bytes read past a response stay buffered for the next. */
typedef struct t_conn {
    int fd;
    char *buf;
    size_t len, cap;
} t_conn_t;

int t_conn_open(t_conn_t *c, unsigned port);
void t_conn_close(t_conn_t *c);

/* Sends one request and reads its response. `headers` are "Name: value"
 * strings (NULL-terminated, may be NULL). Host is always sent; Content-Length
 * is added when body is not NULL, unless a Transfer-Encoding header is given
 * (the body is then sent exactly as passed, e.g. already chunked). The
 * response body is read by Content-Length, chunked encoding, or until the
 * server closes; 1xx/204/304 responses and HEAD requests have no body. */
int t_conn_request(t_conn_t *c, const char *method, const char *target, const char *const headers[],
                   const char *body, size_t body_len, t_response_t *res);

/* One request on a new connection (sent with "Connection: close"). */
int t_http(unsigned port, const char *method, const char *target, const char *const headers[], const char *body,
           size_t body_len, t_response_t *res);
int t_get(unsigned port, const char *target, t_response_t *res);

/* The value of the first header called `name` (any case), or NULL. */
const char *t_header(const t_response_t *res, const char *name);
void t_response_free(t_response_t *res);

/* ---- JSON ---------------------------------------------------------------------------- */

/* The value at a dotted path ("features.0.properties.code": object members
 * and array indexes), or NULL when any step is missing. Borrowed. */
json_t *t_json_at(json_t *root, const char *path);
/* String at path, or NULL if absent or not a string. */
const char *t_json_str(json_t *root, const char *path);
/* Integer at path, or -999999 if absent or not an integer. */
long long t_json_int(json_t *root, const char *path);
/* Number (integer or real) at path, or NAN. */
double t_json_num(json_t *root, const char *path);
/* 1 if the path exists and holds JSON null. */
int t_json_is_null(json_t *root, const char *path);
/* Size of the array at path, or -1. */
long t_json_len(json_t *root, const char *path);

/* ---- SQL ------------------------------------------------------------------------------- */

/* Runs one query on the SpatiaLite database at db_path (read-only, with the
 * SpatiaLite functions loaded) and returns the rows as the sqlite3 shell
 * prints them: columns joined by '|', each row ended by '\n', NULL as "".
 * NULL on error. */
char *t_sql(const char *db_path, const char *sql);

#endif
