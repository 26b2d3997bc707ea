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
#define _GNU_SOURCE /* qsort_r */
#include "gis/names.h"
#include "gis/namesInt.h"
#include "gis/store_names.h"

#include <math.h>
#include <pthread.h>
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
    uint64_t *div; /* numeric division code per entry */
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

typedef struct key_buf {
    key_rec_t *keys;
    size_t n, cap;
} key_buf_t;

static int add_key(key_buf_t *kb, int kind, const char *s, uint32_t id)
{
    if (!s || !*s)
        return 0;
    if (kb->n == kb->cap) {
        size_t cap = kb->cap ? kb->cap * 2 : 4096;
        key_rec_t *k = realloc(kb->keys, cap * sizeof *k);
        if (!k)
            return -1;
        kb->keys = k, kb->cap = cap;
    }
    kb->keys[kb->n++] = (key_rec_t){key_hash(kind, s), id};
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

/* Phase 1 (one thread, the store's connection): rows → entries. */
static int load_row(const store_name_row_t *r, void *c)
{
    names_index_t *ix = c;
    name_category_t cat = NAME_CAT_FACILITY;
    if (r->category && names_category_parse(r->category, &cat, NULL))
        cat = NAME_CAT_FACILITY;
    if (ix->n == ix->cap) {
        size_t cap = ix->cap ? ix->cap * 2 : 1024;
        name_entry_t *en = realloc(ix->entries, cap * sizeof *en);
        if (!en)
            return DM_ENOMEM;
        ix->entries = en, ix->cap = cap;
    }
    name_entry_t *en = &ix->entries[ix->n];
    memset(en, 0, sizeof *en);
    en->id = r->id;
    en->name = arena_dup(ix, r->name);
    en->former_names = arena_dup(ix, r->former_names);
    en->status = arena_dup(ix, r->status);
    en->pinyin = arena_dup(ix, r->pinyin);
    en->approved_on = arena_dup(ix, r->approved_on);
    snprintf(en->division_code, sizeof en->division_code, "%s", r->division_code ? r->division_code : "");
    en->category = cat;
    en->lon = r->lon, en->lat = r->lat;
    if (!en->name)
        return DM_ENOMEM;
    ix->n++;
    return 0;
}

/* Phase 2 (NAMES_BUILD_THREADS threads): each analyses every T-th entry
 * with its own worker and collects its keys in its own buffer. */
#define NAMES_BUILD_THREADS 2

typedef struct build_part {
    names_index_t *ix;
    const names_lexicon_t *lx;
    size_t first, step;
    key_buf_t kb;
    uint32_t id; /* entry being keyed, for add_del */
    int rc;
} build_part_t;

static int add_del(const char *v, void *c)
{
    build_part_t *b = c;
    return add_key(&b->kb, KEY_DEL, v, b->id);
}

static void *build_part(void *arg)
{
    build_part_t *b = arg;
    dm_error e;
    names_worker_t *w = names_worker_new(b->lx, &e);
    name_parts_t *np = malloc(sizeof *np);
    if (!w || !np) {
        names_worker_free(w);
        free(np);
        b->rc = DM_ENOMEM;
        return NULL;
    }
    w->skip_tones = 1; /* keys are toneless: no ICU call per character */
    for (size_t i = b->first; i < b->ix->n && !b->rc; i += b->step) {
        const name_entry_t *en = &b->ix->entries[i];
        /* An unusable stored name gets no keys; it is not fatal. */
        if (names_analyze(w, en->name, (size_t)-1, en->category, np, &e))
            continue;
        uint32_t id = b->id = (uint32_t)i;
        if (add_key(&b->kb, KEY_NORM, np->norm, id) || add_key(&b->kb, KEY_DUP, np->dup_key, id) ||
            add_key(&b->kb, KEY_HOM, np->hom_key, id) || add_key(&b->kb, KEY_FULLPY, np->full_key, id) ||
            each_deletion(np->dup_key, add_del, b)) {
            b->rc = DM_ENOMEM;
            break;
        }
        if (en->former_names) {
            /* Former names are separated by ; or , (either width). */
            char buf[1024];
            snprintf(buf, sizeof buf, "%s", en->former_names);
            char *save = NULL;
            for (char *t = strtok_r(buf, ";；,，", &save); t && !b->rc; t = strtok_r(NULL, ";；,，", &save)) {
                char *norm = NULL;
                if (names_normalize(w, t, (size_t)-1, &norm, &e) == 0) {
                    if (add_key(&b->kb, KEY_FORMER, norm, id))
                        b->rc = DM_ENOMEM;
                    free(norm);
                }
            }
        }
    }
    names_worker_free(w);
    free(np);
    return NULL;
}

/* Records of one key are ordered by the division code of their entry, so a
 * lookup restricted to a scope (a county, a province) is a binary search. */
static int key_cmp(const void *a, const void *b, void *arg)
{
    const key_rec_t *x = a, *y = b;
    const uint64_t *div = arg;
    if (x->h != y->h)
        return x->h < y->h ? -1 : 1;
    if (div[x->id] != div[y->id])
        return div[x->id] < div[y->id] ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* The 12-digit division code as a number (shorter codes zero-padded), 0 if none. */
static uint64_t div_number(const char *code)
{
    uint64_t v = 0;
    size_t n = 0;
    for (; code[n] >= '0' && code[n] <= '9' && n < 12; n++)
        v = v * 10 + (uint64_t)(code[n] - '0');
    for (; n < 12; n++)
        v *= 10;
    return v;
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
    int rc = store_names_each(s, load_row, ix, err);
    if (rc == DM_ENOMEM)
        dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    build_part_t parts[NAMES_BUILD_THREADS];
    memset(parts, 0, sizeof parts);
    pthread_t th[NAMES_BUILD_THREADS];
    int started = 0;
    for (int t = 0; t < NAMES_BUILD_THREADS && !rc; t++) {
        parts[t] = (build_part_t){.ix = ix, .lx = lx, .first = (size_t)t, .step = NAMES_BUILD_THREADS};
        if (pthread_create(&th[t], NULL, build_part, &parts[t]))
            build_part(&parts[t]); /* no thread: do this share here */
        else
            started |= 1 << t;
    }
    size_t total = 0;
    for (int t = 0; t < NAMES_BUILD_THREADS; t++) {
        if (started & (1 << t))
            pthread_join(th[t], NULL);
        if (parts[t].rc && !rc)
            rc = dm_error_set(err, parts[t].rc, NULL, "out of memory while building the name index");
        total += parts[t].kb.n;
    }
    if (!rc && total) {
        ix->keys = malloc(total * sizeof *ix->keys);
        if (!ix->keys)
            rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        for (int t = 0; t < NAMES_BUILD_THREADS && !rc; t++) {
            memcpy(ix->keys + ix->nkeys, parts[t].kb.keys, parts[t].kb.n * sizeof *ix->keys);
            ix->nkeys += parts[t].kb.n;
        }
        ix->capkeys = ix->nkeys;
    }
    for (int t = 0; t < NAMES_BUILD_THREADS; t++)
        free(parts[t].kb.keys);
    if (!rc) {
        ix->div = malloc((ix->n ? ix->n : 1) * sizeof *ix->div);
        if (!ix->div)
            rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    if (rc) {
        names_index_free(ix);
        return rc;
    }
    for (size_t i = 0; i < ix->n; i++)
        ix->div[i] = div_number(ix->entries[i].division_code);
    if (ix->nkeys)
        qsort_r(ix->keys, ix->nkeys, sizeof *ix->keys, key_cmp, ix->div);
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
    free(ix->div);
    free(ix);
}

names_index_stats_t names_index_stats(const names_index_t *ix)
{
    names_index_stats_t st = {0};
    if (!ix)
        return st;
    st.names = ix->n;
    st.keys = ix->nkeys;
    st.bytes = ix->n * sizeof(name_entry_t) + ix->nkeys * sizeof(key_rec_t) + ix->arena_bytes + ix->n * sizeof(uint64_t);
    st.build_seconds = ix->build_seconds;
    return st;
}

/* Calls fn(entry id) for every record of (kind, text) whose division code
 * lies in [div_lo, div_hi) (numeric 12-digit codes). */
int names_index_lookup_scoped(const names_index_t *ix, int kind, const char *text, uint64_t div_lo, uint64_t div_hi,
                              int (*fn)(uint32_t id, void *ctx), void *ctx)
{
    if (!text || !*text || !ix->nkeys)
        return 0;
    uint64_t h = key_hash(kind, text);
    size_t lo = 0, hi = ix->nkeys;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const key_rec_t *k = &ix->keys[mid];
        if (k->h < h || (k->h == h && ix->div[k->id] < div_lo))
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < ix->nkeys && ix->keys[i].h == h && ix->div[ix->keys[i].id] < div_hi; i++) {
        int rc = fn(ix->keys[i].id, ctx);
        if (rc)
            return rc;
    }
    return 0;
}

int names_index_lookup(const names_index_t *ix, int kind, const char *text, int (*fn)(uint32_t id, void *ctx),
                       void *ctx)
{
    return names_index_lookup_scoped(ix, kind, text, 0, UINT64_MAX, fn, ctx);
}

void names_scope_range(const char *code, size_t digits, uint64_t *lo, uint64_t *hi)
{
    if (!code || !digits) {
        *lo = 0, *hi = UINT64_MAX;
        return;
    }
    uint64_t v = 0, scale = 1;
    for (size_t i = 0; i < digits && code[i] >= '0' && code[i] <= '9'; i++)
        v = v * 10 + (uint64_t)(code[i] - '0');
    for (size_t i = digits; i < 12; i++)
        scale *= 10;
    *lo = v * scale, *hi = (v + 1) * scale;
}

const name_entry_t *names_index_entry(const names_index_t *ix, uint32_t id)
{
    return id < ix->n ? &ix->entries[id] : NULL;
}

size_t names_index_size(const names_index_t *ix) { return ix->n; }

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

/* Candidates are deduplicated through a small open-addressing table of
 * entry number → position in m (common names such as 人民路 exist in
 * hundreds of counties, so a linear scan would be quadratic). */
#define STD_MAX_CANDIDATES 32768
#define STD_MAX_FUZZY 1024

typedef struct std_ctx {
    const names_index_t *ix;
    const names_query_t *q;
    name_match_type_t type;
    const char *raw;
    name_match_t *m;
    size_t n, cap;
    uint32_t *slot; /* entry number + 1, 0 = empty */
    uint32_t *pos;  /* index into m */
    size_t slots;
    size_t stage_cap; /* no more new candidates beyond this count */
    int oom;
} std_ctx_t;

static int std_grow(std_ctx_t *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64, slots = cap * 2;
    name_match_t *m = realloc(s->m, cap * sizeof *m);
    uint32_t *slot = calloc(slots, sizeof *slot), *pos = malloc(slots * sizeof *pos);
    if (!m || !slot || !pos) {
        if (m)
            s->m = m;
        free(slot);
        free(pos);
        return -1;
    }
    s->m = m, s->cap = cap;
    for (size_t i = 0; i < s->n; i++) {
        uint32_t id = (uint32_t)(s->m[i].entry - s->ix->entries);
        size_t j = (id * 2654435761u) & (slots - 1);
        while (slot[j])
            j = (j + 1) & (slots - 1);
        slot[j] = id + 1, pos[j] = (uint32_t)i;
    }
    free(s->slot);
    free(s->pos);
    s->slot = slot, s->pos = pos, s->slots = slots;
    return 0;
}

/* Base score of the match type; with near=, nearer is better: up to 0.2
 * off at 20 km and beyond. Rounded to 3 decimals for stable output. */
static void score(name_match_t *m)
{
    double sc = base_score[m->type];
    if (!isnan(m->distance_m)) {
        double km = m->distance_m / 1000;
        sc -= (km > 20 ? 20 : km) * 0.01;
    }
    m->score = round(sc * 1000) / 1000;
}

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
    if (s->slots) {
        size_t j = (id * 2654435761u) & (s->slots - 1);
        for (; s->slot[j]; j = (j + 1) & (s->slots - 1))
            if (s->slot[j] == id + 1) {
                name_match_t *m = &s->m[s->pos[j]];
                if (t < m->type) {
                    m->type = t;
                    score(m);
                }
                return 0;
            }
    }
    if (s->n >= s->stage_cap)
        return 1; /* enough candidates of this kind */
    if (s->n == s->cap) {
        if (s->cap >= STD_MAX_CANDIDATES)
            return 1; /* enough candidates */
        if (std_grow(s)) {
            s->oom = 1;
            return 1;
        }
    }
    size_t j = (id * 2654435761u) & (s->slots - 1);
    while (s->slot[j])
        j = (j + 1) & (s->slots - 1);
    s->slot[j] = id + 1, s->pos[j] = (uint32_t)s->n;
    name_match_t *m = &s->m[s->n++];
    *m = (name_match_t){.entry = e, .type = t, .distance_m = NAN};
    if (q->has_near)
        m->distance_m = names_distance_m(q->near_lon, q->near_lat, e->lon, e->lat);
    score(m);
    return 0;
}

static int collect_del(const char *v, void *c)
{
    std_ctx_t *s = c;
    names_index_lookup(s->ix, KEY_DEL, v, collect, s); /* substitution */
    names_index_lookup(s->ix, KEY_DUP, v, collect, s); /* query has an extra character */
    return s->oom;
}

/* Best score first, then by id. The entries array is in id order (the rows
 * are read ORDER BY id), so comparing the pointers orders by id without
 * touching the entries: a common name ties by the thousand, and each
 * dereference was a cache miss (perf: a third of names_standardize). */
static int match_cmp(const void *a, const void *b)
{
    const name_match_t *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    if (x->entry != y->entry)
        return x->entry < y->entry ? -1 : 1;
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

/* Keeps the best `k` matches of m[0..n) (by match_cmp) in m[0..k), sorted:
 * a bounded heap, so a common name with thousands of candidates costs
 * n log k, not n log n. */
static size_t top_k(name_match_t *m, size_t n, size_t k)
{
    if (n <= k || n <= 64) {
        if (n)
            qsort(m, n, sizeof *m, match_cmp);
        return n < k ? n : k;
    }
    /* m[0..k) becomes a heap whose root is the worst kept match. */
    for (size_t i = 1; i < k; i++)
        for (size_t c = i; c > 0 && match_cmp(&m[(c - 1) / 2], &m[c]) < 0; c = (c - 1) / 2) {
            name_match_t t = m[c];
            m[c] = m[(c - 1) / 2], m[(c - 1) / 2] = t;
        }
    for (size_t i = k; i < n; i++) {
        if (match_cmp(&m[i], &m[0]) >= 0)
            continue;
        m[0] = m[i];
        for (size_t p = 0;;) {
            size_t l = 2 * p + 1, r = l + 1, w = p;
            if (l < k && match_cmp(&m[l], &m[w]) > 0)
                w = l;
            if (r < k && match_cmp(&m[r], &m[w]) > 0)
                w = r;
            if (w == p)
                break;
            name_match_t t = m[p];
            m[p] = m[w], m[w] = t;
            p = w;
        }
    }
    qsort(m, k, sizeof *m, match_cmp);
    return k;
}

/* Enough candidates already score at least `bound` (the best a later, weaker
 * kind of match could reach): the remaining lookups cannot change the top. */
static int enough(const std_ctx_t *s, double bound, int limit)
{
    int count = 0;
    for (size_t i = 0; i < s->n && count < limit; i++)
        count += s->m[i].score >= bound;
    return count >= limit;
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
    if (len == 0)
        return dm_error_set(err, DM_EINVAL, "q", "q is empty");
    if (len > NAMES_MAX_INPUT)
        return dm_error_set(err, DM_EINVAL, "q", "q is too long (%zu bytes, at most %d)", len, NAMES_MAX_INPUT);
    memcpy(raw, q->text, len);
    raw[len] = '\0';
    std_ctx_t s = {.ix = ix, .q = q, .raw = raw, .stage_cap = STD_MAX_CANDIDATES};
    char pykey[NAMES_BUF];
    int rc = 0;
    name_parts_t *np = NULL;
    size_t nparts = 0;
    if (names_pinyin_query_key(raw, pykey, sizeof pykey)) {
        s.type = NAME_MATCH_PINYIN;
        names_index_lookup(ix, KEY_FULLPY, pykey, collect, &s);
        names_index_lookup(ix, KEY_HOM, pykey, collect, &s);
    } else {
        /* Without a category, the split is tried under each one. */
        np = malloc(NAME_CAT__COUNT * sizeof *np);
        if (!np)
            return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        int skip = w->skip_tones;
        w->skip_tones = 1; /* lookups use toneless keys only */
        char *norm = NULL;
        rc = names_normalize(w, raw, len, &norm, err);
        for (int c = 0; c < NAME_CAT__COUNT && !rc; c++) {
            if (q->has_category && (name_category_t)c != q->category)
                continue;
            names_analyze_normalized(w, norm, (name_category_t)c, &np[nparts]);
            /* Categories whose split gives the same keys add nothing. */
            int same = 0;
            for (size_t i = 0; i < nparts && !same; i++)
                same = strcmp(np[i].dup_key, np[nparts].dup_key) == 0 &&
                       strcmp(np[i].full_key, np[nparts].full_key) == 0;
            if (!same)
                nparts++;
        }
        free(norm);
        w->skip_tones = skip;
        if (rc && err)
            snprintf(err->param, sizeof err->param, "q");
        /* Strongest kinds first; stop once later kinds cannot reach the top. */
        for (size_t i = 0; i < nparts && !rc; i++) {
            s.type = has_traditional(raw, np[i].norm) ? NAME_MATCH_TRADITIONAL : NAME_MATCH_NORMALISED;
            names_index_lookup(ix, KEY_NORM, np[i].norm, collect, &s);
        }
        if (!rc && !enough(&s, base_score[NAME_MATCH_FORMER], limit)) {
            s.type = NAME_MATCH_FORMER;
            if (nparts)
                names_index_lookup(ix, KEY_FORMER, np[0].norm, collect, &s);
            if (!enough(&s, base_score[NAME_MATCH_MISSING_GENERIC], limit)) {
                s.type = NAME_MATCH_MISSING_GENERIC;
                for (size_t i = 0; i < nparts; i++)
                    names_index_lookup(ix, KEY_DUP, np[i].dup_key, collect, &s);
                if (!enough(&s, base_score[NAME_MATCH_PINYIN], limit)) {
                    s.type = NAME_MATCH_PINYIN;
                    for (size_t i = 0; i < nparts; i++)
                        names_index_lookup(ix, KEY_FULLPY, np[i].full_key, collect, &s);
                    if (!enough(&s, base_score[NAME_MATCH_FUZZY], limit)) {
                        /* One-edit neighbours of a short name are many (every 2-character
                         * name sharing a character with it): a bounded sample is kept. */
                        s.type = NAME_MATCH_FUZZY;
                        s.stage_cap = s.n + STD_MAX_FUZZY;
                        for (size_t i = 0; i < nparts; i++) {
                            names_index_lookup(ix, KEY_DEL, np[i].dup_key, collect, &s); /* query lacks a character */
                            each_deletion(np[i].dup_key, collect_del, &s);
                        }
                    }
                }
            }
        }
    }
    free(np);
    free(s.slot);
    free(s.pos);
    if (s.oom) {
        free(s.m);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    if (rc) {
        free(s.m);
        return rc;
    }
    *n = top_k(s.m, s.n, (size_t)limit);
    *out = s.m;
    return 0;
}
