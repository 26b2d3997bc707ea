/* jsonw.h — a small append-only JSON text writer for hot endpoints.
 *
 * jansson builds a tree and then prints it; for answers served tens of
 * thousands of times a second (point lookup, later tiles metadata) that is
 * four fifths of the request's cost (bench/README.md). jsonw appends JSON
 * text straight into one growing buffer. Numbers are printed like jansson
 * with JSON_REAL_PRECISION(10), so both writers give the same bytes.
 *
 * Ownership: the buffer belongs to the jsonw_t until jsonw_steal hands it to
 * the caller (free() it); jsonw_free releases it otherwise. Out of memory is
 * sticky: later appends do nothing and jsonw_steal returns NULL. */
#ifndef DIMING_JSONW_H
#define DIMING_JSONW_H

#include <stddef.h>

typedef struct jsonw {
    char *buf;
    size_t len, cap;
    int oom;
} jsonw_t;

void jsonw_init(jsonw_t *w);
void jsonw_free(jsonw_t *w);
void jsonw_raw(jsonw_t *w, const char *s, size_t n);
void jsonw_lit(jsonw_t *w, const char *s); /* raw NUL-terminated text */
void jsonw_str(jsonw_t *w, const char *s); /* quoted, escaped; NULL or "" → null */
void jsonw_str_always(jsonw_t *w, const char *s); /* quoted, "" stays "" */
void jsonw_int(jsonw_t *w, long long v);
void jsonw_real(jsonw_t *w, double v);
/* v rounded to `decimals` (0–9) places, printed without trailing zeros but
 * always as a real ("954.0"): the same text jsonw_real gives for such a value
 * when it has at most 10 significant digits, without printf's cost. */
void jsonw_fixed(jsonw_t *w, double v, int decimals);
char *jsonw_steal(jsonw_t *w, size_t *len);

#endif
