/* names_index.c — the in-memory index of standard names and the lookup of a
 * variant's standard name (names_standardize); see names.h.
 *
 * Every place_names row is analysed once at build time and keyed: its
 * normalised full name, its former names, its duplicate key (专名 without
 * city/新/大 prefix), the toneless pinyin of the duplicate key and of the
 * full name, and the duplicate key with one character deleted (for one-edit
 * fuzzy matches, the symmetric-deletion trick). Keys are 64-bit hashes of
 * (kind, text) in one sorted array of 12-byte records: compact for a million
 * names, and a lookup is a binary search. A hash collision can only add a
 * candidate; candidates that matter are re-checked on their text. */
#include "gis/names.h"
#include "gis/namesInt.h"
#include "gis/store_names.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct __attribute__((packed)) key_rec {
    uint64_t h;
    uint32_t id;
} key_rec_t;

typedef struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    char data[];
} arena_block_t;

struct names_index {
    const names_lexicon_t *lx;
    name_entry_t *entries;
    size_t n, cap;
    key_rec_t *keys;
    size_t nkeys, capkeys;
    arena_block_t *arena;
    size_t arena_bytes;
    double build_seconds;
};

static const char *arena_dup(names_index_t *ix, const char *s)
{
    if (!s || !*s)
        return NULL;
    size_t n = strlen(s) + 1;
    arena_block_t *b = ix->arena;
    if (!b || b->used + n > b->cap) {
        size_t cap = n > (1u << 20) ? n : (1u << 20);
        b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->next = ix->arena, b->used = 0, b->cap = cap;
        ix->arena = b;
        ix->arena_bytes += sizeof *b + cap;
    }
    char *p = b->data + b->used;
    memcpy(p, s, n);
    b->used += n;
    return p;
}

static uint64_t key_hash(int kind, const char *s)
{
    uint64_t h = names_hash(s, strlen(s));
    h ^= (uint64_t)kind * 0x9E3779B97F4A7C15ULL;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h ? h : 1;
}

static int add_key(names_index_t *ix, int kind, const char *s, uint32_t id)
{
    if (!s || !*s)
        return 0;
    if (ix->nkeys == ix->capkeys) {
        size_t cap = ix->capkeys ? ix->capkeys * 2 : 4096;
        key_rec_t *k = realloc(ix->keys, cap * sizeof *k);
        if (!k)
            return -1;
        ix->keys = k, ix->capkeys = cap;
    }
    ix->keys[ix->nkeys++] = (key_rec_t){key_hash(kind, s), id};
    return 0;
}

/* Deletion variants of s (one code point removed each), passed to fn. */
static int each_deletion(const char *s, int (*fn)(const char *v, void *ctx), void *ctx)
{
    const char *p = s, *end = s + strlen(s);
    size_t offs[NAMES_BUF];
    size_t n = 0;
    while (p < end && n < NAMES_BUF - 1) {
        offs[n++] = (size_t)(p - s);
        if (text_next_codepoint(&p, end) < 0)
            return 0;
    }
    offs[n] = (size_t)(end - s);
    if (n < 2)
        return 0;
    char v[NAMES_BUF];
    for (size_t i = 0; i < n; i++) {
        size_t a = offs[i], b = offs[i + 1], L = strlen(s);
        if (L - (b - a) + 1 > sizeof v)
            continue;
        memcpy(v, s, a);
        memcpy(v + a, s + b, L - b);
        v[L - (b - a)] = '\0';
        int rc = fn(v, ctx);
        if (rc)
            return rc;
    }
    return 0;
}

typedef struct build_ctx {
    names_index_t *ix;
    names_worker_t *w;
    name_parts_t *np;
    dm_error *err;
    uint32_t id;
} build_ctx_t;

static int add_del(const char *v, void *c)
{
    build_ctx_t *b = c;
    return add_key(b->ix, KEY_DEL, v, b->id);
}

static int build_row(const store_name_row_t *r, void *c)
{
    build_ctx_t *b = c;
    names_index_t *ix = b->ix;
    name_category_t cat = NAME_CAT_FACILITY;
    if (r->category && names_category_parse(r->category, &cat, NULL))
        cat = NAME_CAT_FACILITY;
    dm_error e;
    if (names_analyze(b->w, r->name, (size_t)-1, cat, b->np, &e))
        return 0; /* an unusable stored name is skipped, not fatal */
    if (ix->n == ix->cap) {
        size_t cap = ix->cap ? ix->cap * 2 : 1024;
        name_entry_t *en = realloc(ix->entries, cap * sizeof *en);
        if (!en)
            return dm_error_set(b->err, DM_ENOMEM, NULL, "out of memory");
        ix->entries = en, ix->cap = cap;
    }
    name_entry_t *en = &ix->entries[ix->n];
    memset(en, 0, sizeof *en);
    en->id = r->id;
    en->name = arena_dup(ix, r->name);
    en->former_names = arena_dup(ix, r->former_names);
    en->status = arena_dup(ix, r->status);
    en->pinyin = arena_dup(ix, r->pinyin);
    snprintf(en->division_code, sizeof en->division_code, "%s", r->division_code ? r->division_code : "");
    en->category = cat;
    en->lon = r->lon, en->lat = r->lat;
    if (!en->name)
        return dm_error_set(b->err, DM_ENOMEM, NULL, "out of memory");
    uint32_t id = (uint32_t)ix->n++;
    b->id = id;
    name_parts_t *np = b->np;
    if (add_key(ix, KEY_NORM, np->norm, id) || add_key(ix, KEY_DUP, np->dup_key, id) ||
        add_key(ix, KEY_HOM, np->hom_key, id) || add_key(ix, KEY_FULLPY, np->full_key, id) ||
        each_deletion(np->dup_key, add_del, b))
        return dm_error_set(b->err, DM_ENOMEM, NULL, "out of memory");
    if (r->former_names) {
        /* Former names are ';'-separated (the importer's convention). */
        char buf[1024];
        snprintf(buf, sizeof buf, "%s", r->former_names);
        char *save = NULL;
        for (char *t = strtok_r(buf, ";；,，", &save); t; t = strtok_r(NULL, ";；,，", &save)) {
            char *norm = NULL;
            if (names_normalize(b->w, t, (size_t)-1, &norm, &e) == 0) {
                int rc = add_key(ix, KEY_FORMER, norm, id);
                free(norm);
                if (rc)
                    return dm_error_set(b->err, DM_ENOMEM, NULL, "out of memory");
            }
        }
    }
    return 0;
}

static int key_cmp(const void *a, const void *b)
{
    const key_rec_t *x = a, *y = b;
    if (x->h != y->h)
        return x->h < y->h ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

int names_index_build(store_t *s, const names_lexicon_t *lx, names_index_t **out, dm_error *err)
{
    *out = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    names_index_t *ix = calloc(1, sizeof *ix);
    if (!ix)
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    ix->lx = lx;
    build_ctx_t b = {.ix = ix, .err = err};
    b.w = names_worker_new(lx, err);
    b.np = malloc(sizeof *b.np);
    int rc = !b.w || !b.np ? (err && err->code ? err->code : DM_ENOMEM) : 0;
    if (!rc) {
        b.w->skip_tones = 1; /* keys are toneless: no ICU call per character */
        rc = store_names_each(s, build_row, &b, err);
    }
    names_worker_free(b.w);
    free(b.np);
    if (rc) {
        names_index_free(ix);
        return rc;
    }
    if (ix->nkeys)
        qsort(ix->keys, ix->nkeys, sizeof *ix->keys, key_cmp);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ix->build_seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    *out = ix;
    return 0;
}

void names_index_free(names_index_t *ix)
{
    if (!ix)
        return;
    for (arena_block_t *b = ix->arena, *n; b; b = n) {
        n = b->next;
        free(b);
    }
    free(ix->entries);
    free(ix->keys);
    free(ix);
}

names_index_stats_t names_index_stats(const names_index_t *ix)
{
    names_index_stats_t st = {0};
    if (!ix)
        return st;
    st.names = ix->n;
    st.keys = ix->nkeys;
    st.bytes = ix->cap * sizeof(name_entry_t) + ix->capkeys * sizeof(key_rec_t) + ix->arena_bytes;
    st.build_seconds = ix->build_seconds;
    return st;
}

/* Calls fn(entry id) for every record of (kind, text). */
int names_index_lookup(const names_index_t *ix, int kind, const char *text, int (*fn)(uint32_t id, void *ctx),
                       void *ctx)
{
    if (!text || !*text || !ix->nkeys)
        return 0;
    uint64_t h = key_hash(kind, text);
    size_t lo = 0, hi = ix->nkeys;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ix->keys[mid].h < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < ix->nkeys && ix->keys[i].h == h; i++) {
        int rc = fn(ix->keys[i].id, ctx);
        if (rc)
            return rc;
    }
    return 0;
}

const name_entry_t *names_index_entry(const names_index_t *ix, uint32_t id)
{
    return id < ix->n ? &ix->entries[id] : NULL;
}

double names_distance_m(double lon1, double lat1, double lon2, double lat2)
{
    if (isnan(lon1) || isnan(lon2))
        return NAN;
    const double R = 6371008.8, d2r = M_PI / 180.0;
    double dlat = (lat2 - lat1) * d2r, dlon = (lon2 - lon1) * d2r;
    double a = sin(dlat / 2) * sin(dlat / 2) + cos(lat1 * d2r) * cos(lat2 * d2r) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * R * asin(sqrt(a < 1 ? a : 1));
}

/* True if code lies under the division prefix (trailing zeros of the prefix
 * ignored: 510104000000 → 510104). */
int names_in_division(const char *code, const char *division)
{
    if (!division || !*division)
        return 1;
    size_t n = strlen(division);
    if (n == 12 && strcmp(division + 9, "000") == 0)
        n = 9;
    if (n == 9 && strncmp(division + 6, "000", 3) == 0)
        n = 6;
    if (n == 6 && strncmp(division + 4, "00", 2) == 0)
        n = 4;
    if (n == 4 && strncmp(division + 2, "00", 2) == 0)
        n = 2;
    return strlen(code) >= n && strncmp(code, division, n) == 0;
}

/* ---- standardize -------------------------------------------------------- */

const char *names_match_type_name(name_match_type_t t)
{
    static const char *const n[] = {"exact", "normalised", "traditional", "former_name",
                                    "missing_generic", "pinyin", "fuzzy"};
    return t <= NAME_MATCH_FUZZY ? n[t] : "?";
}

static const double base_score[] = {1.0, 0.95, 0.95, 0.9, 0.8, 0.7, 0.5};

typedef struct std_ctx {
    const names_index_t *ix;
    const names_query_t *q;
    name_match_type_t type;
    const char *raw;
    name_match_t *m;
    size_t n, cap;
    int oom;
} std_ctx_t;

static int collect(uint32_t id, void *c)
{
    std_ctx_t *s = c;
    const name_entry_t *e = &s->ix->entries[id];
    const names_query_t *q = s->q;
    if (q->has_category && e->category != q->category)
        return 0;
    if (!names_in_division(e->division_code, q->division))
        return 0;
    name_match_type_t t = s->type;
    if (t == NAME_MATCH_NORMALISED && strcmp(e->name, s->raw) == 0)
        t = NAME_MATCH_EXACT;
    for (size_t i = 0; i < s->n; i++)
        if (s->m[i].entry == e) {
            if (t < s->m[i].type)
                s->m[i].type = t;
            return 0;
        }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        if (cap > 4096)
            return 0; /* enough candidates */
        name_match_t *m = realloc(s->m, cap * sizeof *m);
        if (!m) {
            s->oom = 1;
            return 1;
        }
        s->m = m, s->cap = cap;
    }
    s->m[s->n++] = (name_match_t){.entry = e, .type = t, .distance_m = NAN};
    return 0;
}

static int collect_del(const char *v, void *c)
{
    std_ctx_t *s = c;
    names_index_lookup(s->ix, KEY_DEL, v, collect, s); /* substitution */
    names_index_lookup(s->ix, KEY_DUP, v, collect, s); /* query has an extra character */
    return s->oom;
}

static int match_cmp(const void *a, const void *b)
{
    const name_match_t *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    if (x->entry->id != y->entry->id)
        return x->entry->id < y->entry->id ? -1 : 1;
    return 0;
}

/* 1 if the text holds a CJK character that normalisation changed (a
 * traditional form: 長 → 长). */
static int has_traditional(const char *raw, const char *norm)
{
    const char *p = raw, *end = raw + strlen(raw);
    while (p < end) {
        const char *start = p;
        long cp = text_next_codepoint(&p, end);
        if (cp < 0)
            return 0;
        if (text_is_cjk(cp) && cp != 0x3007) {
            char ch[5] = {0};
            memcpy(ch, start, (size_t)(p - start));
            if (!strstr(norm, ch))
                return 1;
        }
    }
    return 0;
}

int names_standardize(names_worker_t *w, const names_index_t *ix, const names_query_t *q, name_match_t **out,
                      size_t *n, dm_error *err)
{
    *out = NULL;
    *n = 0;
    int limit = q->limit <= 0 ? 10 : q->limit;
    if (limit > 100)
        return dm_error_set(err, DM_EINVAL, "limit", "limit must be between 1 and 100");
    size_t len = q->len == (size_t)-1 ? strlen(q->text) : q->len;
    char raw[NAMES_MAX_INPUT + 1];
    if (len > NAMES_MAX_INPUT)
        return dm_error_set(err, DM_EINVAL, "q", "q is too long (%zu bytes, at most %d)", len, NAMES_MAX_INPUT);
    memcpy(raw, q->text, len);
    raw[len] = '\0';
    name_parts_t *np = malloc(sizeof *np);
    if (!np)
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    std_ctx_t s = {.ix = ix, .q = q, .raw = raw};
    char pykey[NAMES_BUF];
    int rc = 0;
    if (names_pinyin_query_key(raw, pykey, sizeof pykey)) {
        if (len == 0) {
            free(np);
            return dm_error_set(err, DM_EINVAL, "q", "q is empty");
        }
        s.type = NAME_MATCH_PINYIN;
        names_index_lookup(ix, KEY_FULLPY, pykey, collect, &s);
        names_index_lookup(ix, KEY_HOM, pykey, collect, &s);
    } else {
        /* Without a category, the split is tried under each one. */
        for (int c = 0; c < NAME_CAT__COUNT && !rc; c++) {
            if (q->has_category && (name_category_t)c != q->category)
                continue;
            rc = names_analyze(w, raw, len, (name_category_t)c, np, err);
            if (rc)
                break;
            if (err)
                snprintf(err->param, sizeof err->param, "q");
            s.type = has_traditional(raw, np->norm) ? NAME_MATCH_TRADITIONAL : NAME_MATCH_NORMALISED;
            names_index_lookup(ix, KEY_NORM, np->norm, collect, &s);
            s.type = NAME_MATCH_FORMER;
            names_index_lookup(ix, KEY_FORMER, np->norm, collect, &s);
            s.type = NAME_MATCH_MISSING_GENERIC;
            names_index_lookup(ix, KEY_DUP, np->dup_key, collect, &s);
            s.type = NAME_MATCH_PINYIN;
            names_index_lookup(ix, KEY_FULLPY, np->full_key, collect, &s);
            s.type = NAME_MATCH_FUZZY;
            names_index_lookup(ix, KEY_DEL, np->dup_key, collect, &s); /* query lacks a character */
            each_deletion(np->dup_key, collect_del, &s);
        }
        if (rc && err)
            snprintf(err->param, sizeof err->param, "q");
    }
    free(np);
    if (s.oom) {
        free(s.m);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    if (rc) {
        free(s.m);
        return rc;
    }
    for (size_t i = 0; i < s.n; i++) {
        name_match_t *m = &s.m[i];
        m->score = base_score[m->type];
        if (q->has_near) {
            m->distance_m = names_distance_m(q->near_lon, q->near_lat, m->entry->lon, m->entry->lat);
            /* Nearer is better: up to 0.2 off at 20 km and beyond. */
            double km = isnan(m->distance_m) ? 20 : m->distance_m / 1000;
            m->score -= (km > 20 ? 20 : km) * 0.01;
        }
        m->score = round(m->score * 1000) / 1000;
    }
    if (s.n)
        qsort(s.m, s.n, sizeof *s.m, match_cmp);
    *n = s.n < (size_t)limit ? s.n : (size_t)limit;
    *out = s.m;
    return 0;
}
