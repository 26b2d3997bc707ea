/* tile_cache.c — the server's in-memory tile cache; see tile.h.
 *
 * A hash table of entries on one LRU list, under one mutex (lookups copy a
 * few kilobytes out, so the lock is held for microseconds). Each entry keeps
 * both forms of a tile, as built and gzipped, so neither is compressed twice.
 * Staleness is handled by data versions rather than by time: each entry
 * keeps the version it was built from, and a lookup naming another version
 * drops it (the LRU order reclaims entries nobody asks for again). */
#include "tiles/tile.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    struct entry *next_hash, *prev_lru, *next_lru;
    uint64_t hash;
    unsigned char *raw, *gz;
    size_t raw_len, gz_len, cost;
    int64_t version;
    char etag[40], etag_gz[40];
    char key[];
} entry_t;

struct tile_cache {
    pthread_mutex_t lock;
    entry_t **buckets;
    size_t nbuckets;
    entry_t *lru_head, *lru_tail; /* head = most recently used */
    tile_cache_stats_t st;
};

static uint64_t fnv(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

void tile_etag(const unsigned char *raw, size_t len, int gzipped, char etag[40])
{
    snprintf(etag, 40, "\"%016llx%s\"", (unsigned long long)fnv(raw ? raw : (const unsigned char *)"", len),
             gzipped ? "-gz" : "");
}

/* Compares the opaque parts of two entity tags, ignoring W/ and the -gz
 * suffix that only tells the two encodings apart. */
static int same_tag(const char *a, size_t alen, const char *b)
{
    if (alen >= 2 && a[0] == 'W' && a[1] == '/')
        a += 2, alen -= 2;
    size_t blen = strlen(b);
    if (alen >= 5 && memcmp(a + alen - 4, "-gz\"", 4) == 0)
        alen -= 4;
    else if (alen >= 2)
        alen -= 1;
    if (blen >= 5 && memcmp(b + blen - 4, "-gz\"", 4) == 0)
        blen -= 4;
    else if (blen >= 2)
        blen -= 1;
    return alen == blen && memcmp(a, b, alen) == 0;
}

int tile_etag_matches(const char *inm, const char *etag)
{
    if (!inm)
        return 0;
    const char *p = inm;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            break;
        if (*p == '*')
            return 1;
        const char *start = p;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        if (*p != '"')
            return 0; /* malformed: treat as no match */
        const char *end = strchr(p + 1, '"');
        if (!end)
            return 0;
        if (same_tag(start, (size_t)(end + 1 - start), etag))
            return 1;
        p = end + 1;
    }
    return 0;
}

tile_cache_t *tile_cache_new(size_t max_bytes)
{
    tile_cache_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->nbuckets = 4096;
    c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
    if (!c->buckets) {
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    c->st.max_bytes = max_bytes;
    return c;
}

static void unlink_lru(tile_cache_t *c, entry_t *e)
{
    if (e->prev_lru)
        e->prev_lru->next_lru = e->next_lru;
    else
        c->lru_head = e->next_lru;
    if (e->next_lru)
        e->next_lru->prev_lru = e->prev_lru;
    else
        c->lru_tail = e->prev_lru;
    e->prev_lru = e->next_lru = NULL;
}

static void push_front(tile_cache_t *c, entry_t *e)
{
    e->prev_lru = NULL;
    e->next_lru = c->lru_head;
    if (c->lru_head)
        c->lru_head->prev_lru = e;
    c->lru_head = e;
    if (!c->lru_tail)
        c->lru_tail = e;
}

static void remove_entry(tile_cache_t *c, entry_t *e)
{
    entry_t **pp = &c->buckets[e->hash % c->nbuckets];
    while (*pp && *pp != e)
        pp = &(*pp)->next_hash;
    if (*pp)
        *pp = e->next_hash;
    unlink_lru(c, e);
    c->st.bytes -= e->cost;
    c->st.entries--;
    free(e->raw);
    free(e->gz);
    free(e);
}

static void flush(tile_cache_t *c)
{
    while (c->lru_head)
        remove_entry(c, c->lru_head);
}

void tile_cache_free(tile_cache_t *c)
{
    if (!c)
        return;
    flush(c);
    free(c->buckets);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static entry_t *find(tile_cache_t *c, const char *key, uint64_t h)
{
    for (entry_t *e = c->buckets[h % c->nbuckets]; e; e = e->next_hash)
        if (e->hash == h && strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

int tile_cache_get(tile_cache_t *c, const char *key, int64_t version, int want_gzip, int with_body,
                   tile_hit_t *hit)
{
    memset(hit, 0, sizeof *hit);
    uint64_t h = fnv(key, strlen(key));
    pthread_mutex_lock(&c->lock);
    entry_t *e = find(c, key, h);
    if (e && e->version != version) { /* built from other data: never serve it */
        remove_entry(c, e);
        c->st.stale++;
        e = NULL;
    }
    if (!e) {
        c->st.misses++;
        pthread_mutex_unlock(&c->lock);
        return 0;
    }
    c->st.hits++;
    unlink_lru(c, e);
    push_front(c, e);
    hit->empty = e->raw_len == 0;
    hit->gzipped = want_gzip && e->gz_len > 0;
    const unsigned char *src = hit->gzipped ? e->gz : e->raw;
    hit->len = hit->gzipped ? e->gz_len : e->raw_len;
    memcpy(hit->etag, hit->gzipped ? e->etag_gz : e->etag, sizeof hit->etag);
    if (with_body && hit->len) {
        hit->body = malloc(hit->len);
        if (hit->body)
            memcpy(hit->body, src, hit->len);
        else
            hit->len = 0, hit->empty = 1; /* out of memory: let the caller rebuild */
    }
    pthread_mutex_unlock(&c->lock);
    if (with_body && !hit->body && !hit->empty)
        return 0;
    return 1;
}

void tile_cache_put(tile_cache_t *c, const char *key, int64_t version, const unsigned char *raw, size_t raw_len,
                    const unsigned char *gz, size_t gz_len)
{
    size_t klen = strlen(key);
    size_t cost = sizeof(entry_t) + klen + 1 + raw_len + gz_len;
    if (cost > c->st.max_bytes / 2)
        return;
    entry_t *e = calloc(1, sizeof *e + klen + 1);
    if (!e)
        return;
    memcpy(e->key, key, klen + 1);
    e->hash = fnv(key, klen);
    e->cost = cost;
    if ((raw_len && !(e->raw = malloc(raw_len))) || (gz_len && !(e->gz = malloc(gz_len)))) {
        free(e->raw);
        free(e);
        return;
    }
    if (raw_len)
        memcpy(e->raw, raw, raw_len);
    if (gz_len)
        memcpy(e->gz, gz, gz_len);
    e->raw_len = raw_len;
    e->gz_len = gz_len;
    tile_etag(raw, raw_len, 0, e->etag);
    tile_etag(raw, raw_len, 1, e->etag_gz);
    e->version = version;
    pthread_mutex_lock(&c->lock);
    entry_t *old = find(c, key, e->hash);
    if (old && old->version > version) { /* a newer build got there first */
        pthread_mutex_unlock(&c->lock);
        free(e->raw);
        free(e->gz);
        free(e);
        return;
    }
    if (old)
        remove_entry(c, old);
    while (c->st.bytes + cost > c->st.max_bytes && c->lru_tail) {
        remove_entry(c, c->lru_tail);
        c->st.evictions++;
    }
    entry_t **b = &c->buckets[e->hash % c->nbuckets];
    e->next_hash = *b;
    *b = e;
    push_front(c, e);
    c->st.bytes += cost;
    c->st.entries++;
    pthread_mutex_unlock(&c->lock);
}

tile_cache_stats_t tile_cache_stats(tile_cache_t *c)
{
    pthread_mutex_lock(&c->lock);
    tile_cache_stats_t s = c->st;
    pthread_mutex_unlock(&c->lock);
    return s;
}
