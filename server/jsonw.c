/* jsonw.c — see jsonw.h. */
#include "server/jsonw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jsonw_init(jsonw_t *w) { memset(w, 0, sizeof *w); }

void jsonw_free(jsonw_t *w)
{
    free(w->buf);
    memset(w, 0, sizeof *w);
}

static int reserve(jsonw_t *w, size_t n)
{
    if (w->oom)
        return -1;
    if (w->len + n + 1 <= w->cap)
        return 0;
    size_t cap = w->cap ? w->cap : 1024;
    while (cap < w->len + n + 1)
        cap *= 2;
    char *b = realloc(w->buf, cap);
    if (!b) {
        w->oom = 1;
        return -1;
    }
    w->buf = b;
    w->cap = cap;
    return 0;
}

void jsonw_raw(jsonw_t *w, const char *s, size_t n)
{
    if (reserve(w, n))
        return;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

void jsonw_lit(jsonw_t *w, const char *s) { jsonw_raw(w, s, strlen(s)); }

void jsonw_str_always(jsonw_t *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = strlen(s);
    if (reserve(w, n * 6 + 2))
        return;
    char *o = w->buf + w->len;
    *o++ = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c < 0x20) {
            *o++ = '\\';
            switch (c) {
            case '\n': *o++ = 'n'; break;
            case '\r': *o++ = 'r'; break;
            case '\t': *o++ = 't'; break;
            case '\b': *o++ = 'b'; break;
            case '\f': *o++ = 'f'; break;
            default:
                *o++ = 'u', *o++ = '0', *o++ = '0', *o++ = hex[c >> 4], *o++ = hex[c & 15];
            }
        } else
            *o++ = (char)c; /* UTF-8 passes through: stored text is validated on import */
    }
    *o++ = '"';
    *o = '\0';
    w->len = (size_t)(o - w->buf);
}

void jsonw_str(jsonw_t *w, const char *s)
{
    if (!s || !*s)
        jsonw_raw(w, "null", 4);
    else
        jsonw_str_always(w, s);
}

void jsonw_int(jsonw_t *w, long long v)
{
    char b[24];
    char *p = b + sizeof b;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    jsonw_raw(w, p, (size_t)(b + sizeof b - p));
}

void jsonw_real(jsonw_t *w, double v)
{
    if (!isfinite(v)) {
        jsonw_raw(w, "null", 4);
        return;
    }
    char b[40];
    int n = snprintf(b, sizeof b, "%.10g", v);
    /* Like jansson: a real always shows it is one. */
    if (!strpbrk(b, ".eE")) {
        b[n++] = '.';
        b[n++] = '0';
        b[n] = '\0';
    }
    jsonw_raw(w, b, (size_t)n);
}

void jsonw_fixed(jsonw_t *w, double v, int decimals)
{
    static const double pow10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    if (!isfinite(v) || decimals < 0 || decimals > 9 || fabs(v) * pow10[decimals] > 9e15) {
        jsonw_real(w, v);
        return;
    }
    long long scaled = llround(v * pow10[decimals]);
    char b[40], *p = b + sizeof b;
    unsigned long long u = scaled < 0 ? 0ull - (unsigned long long)scaled : (unsigned long long)scaled;
    int digits = 0, wrote_fraction = 0;
    /* fraction digits, dropping trailing zeros */
    for (int i = 0; i < decimals; i++, u /= 10) {
        int d = (int)(u % 10);
        if (d || wrote_fraction) {
            *--p = (char)('0' + d);
            wrote_fraction = 1;
            digits++;
        }
    }
    if (!wrote_fraction)
        *--p = '0';
    *--p = '.';
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (scaled < 0)
        *--p = '-';
    (void)digits;
    jsonw_raw(w, p, (size_t)(b + sizeof b - p));
}

char *jsonw_steal(jsonw_t *w, size_t *len)
{
    if (w->oom || reserve(w, 0)) {
        jsonw_free(w);
        return NULL;
    }
    char *b = w->buf;
    if (len)
        *len = w->len;
    memset(w, 0, sizeof *w);
    return b;
}
