/* names.c — the lexicon (word lists and pinyin dictionary), the normaliser,
 * the 专名/通名 split, standard pinyin and the keys; see names.h.
 *
 * Pinyin is word-level: at each position the longest word found in the
 * project's own readings (share/names/readings.tsv, toned) or in the Rime
 * dictionary Debian ships as data (rime-data-luna-pinyin, toneless, keyed in
 * traditional characters, converted to simplified at load) wins; a character
 * no word covers takes the dictionary's most frequent reading; ICU Han-Latin
 * is the fallback and supplies tone marks where its reading agrees. The
 * spelling then follows the 1984 place-name rules: 专名 and 通名 apart and
 * capitalised, villages joined, street ordinals as Arabic numerals, an
 * apostrophe before a non-initial a/o/e syllable, ü kept. */
#include "gis/names.h"
#include "gis/namesInt.h"
#include "gis/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>
#include <unistd.h>

static const char *const category_names[NAME_CAT__COUNT] = {
    [NAME_CAT_ROAD] = "road",         [NAME_CAT_RESIDENTIAL] = "residential", [NAME_CAT_BUILDING] = "building",
    [NAME_CAT_DIVISION] = "division", [NAME_CAT_VILLAGE] = "village",         [NAME_CAT_NATURAL] = "natural",
    [NAME_CAT_FACILITY] = "facility",
};

int names_category_parse(const char *s, name_category_t *out, dm_error *err)
{
    if (s)
        for (int i = 0; i < NAME_CAT__COUNT; i++)
            if (strcmp(s, category_names[i]) == 0) {
                *out = (name_category_t)i;
                return 0;
            }
    /* Other spellings registers use (GB/T 18521-2001 class names among them). */
    static const struct {
        const char *word;
        name_category_t cat;
    } alias[] = {{"transport", NAME_CAT_FACILITY}, {"landmark", NAME_CAT_FACILITY}, {"道路", NAME_CAT_ROAD},
                 {"街路巷", NAME_CAT_ROAD},         {"住宅区", NAME_CAT_RESIDENTIAL}, {"居民点", NAME_CAT_RESIDENTIAL},
                 {"小区", NAME_CAT_RESIDENTIAL},    {"楼宇", NAME_CAT_BUILDING},     {"建筑物", NAME_CAT_BUILDING},
                 {"行政区划", NAME_CAT_DIVISION},   {"行政区域", NAME_CAT_DIVISION}, {"村", NAME_CAT_VILLAGE},
                 {"自然村", NAME_CAT_VILLAGE},      {"群众自治组织", NAME_CAT_VILLAGE}, {"自然地理实体", NAME_CAT_NATURAL},
                 {"交通运输设施", NAME_CAT_FACILITY}, {"纪念地旅游景点", NAME_CAT_FACILITY}};
    for (size_t i = 0; s && i < sizeof alias / sizeof *alias; i++)
        if (strcmp(s, alias[i].word) == 0) {
            *out = alias[i].cat;
            return 0;
        }
    return dm_error_set(err, DM_EINVAL, "category",
                        "unknown category '%.40s' (road, residential, building, division, village, natural, "
                        "facility)",
                        s ? s : "");
}

const char *names_category_name(name_category_t c)
{
    return c < NAME_CAT__COUNT ? category_names[c] : "?";
}

/* ---- a string → int hash map (open addressing, FNV-1a) ----------------- */

uint64_t names_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h ? h : 1;
}

static int smap_grow(strmap_t *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    strmap_slot_t *s = calloc(cap, sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key) {
            size_t j = m->slots[i].hash & (cap - 1);
            while (s[j].key)
                j = (j + 1) & (cap - 1);
            s[j] = m->slots[i];
        }
    free(m->slots);
    m->slots = s;
    m->cap = cap;
    return 0;
}

static strmap_slot_t *smap_find(const strmap_t *m, const char *k, size_t n)
{
    if (!m->cap)
        return NULL;
    uint64_t h = names_hash(k, n);
    for (size_t j = h & (m->cap - 1);; j = (j + 1) & (m->cap - 1)) {
        strmap_slot_t *s = &m->slots[j];
        if (!s->key)
            return NULL;
        if (s->hash == h && strlen(s->key) == n && memcmp(s->key, k, n) == 0)
            return s;
    }
}

/* Inserts key (copied) unless present; returns the slot, NULL on OOM. *fresh
 * tells whether it was new. */
static strmap_slot_t *smap_put(strmap_t *m, const char *k, size_t n, int *fresh)
{
    strmap_slot_t *s = smap_find(m, k, n);
    *fresh = 0;
    if (s)
        return s;
    if ((m->len + 1) * 2 > m->cap && smap_grow(m))
        return NULL;
    uint64_t h = names_hash(k, n);
    size_t j = h & (m->cap - 1);
    while (m->slots[j].key)
        j = (j + 1) & (m->cap - 1);
    char *copy = malloc(n + 1);
    if (!copy)
        return NULL;
    memcpy(copy, k, n);
    copy[n] = '\0';
    m->slots[j].key = copy;
    m->slots[j].hash = h;
    m->slots[j].val = NULL;
    m->slots[j].weight = -1;
    m->slots[j].alt = NULL;
    m->slots[j].weight_from_other = 0;
    m->len++;
    *fresh = 1;
    return &m->slots[j];
}

static void smap_free(strmap_t *m)
{
    for (size_t i = 0; i < m->cap; i++) {
        free(m->slots[i].alt);
        free(m->slots[i].key);
        free(m->slots[i].val);
    }
    free(m->slots);
    memset(m, 0, sizeof *m);
}

int names_set_has(const strmap_t *m, const char *k, size_t n) { return smap_find(m, k, n) != NULL; }
const strmap_slot_t *names_map_get(const strmap_t *m, const char *k, size_t n) { return smap_find(m, k, n); }

/* ---- loading ------------------------------------------------------------- */

static char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 65536 + 1 > cap) {
            cap = (n + 65536 + 1) * 2;
            char *b = realloc(buf, cap);
            if (!b) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = b;
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* Calls fn for each non-comment, non-empty line of a data file, split at
 * tabs into at most 4 fields. */
typedef int (*line_fn)(names_lexicon_t *lx, char **fields, int nf, void *ctx);
static int each_line(names_lexicon_t *lx, const char *dir, const char *file, line_fn fn, void *ctx, dm_error *err)
{
    char *path = path_join(dir, file);
    if (!path)
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    char *buf = read_all(path, NULL);
    if (!buf) {
        int rc = dm_error_set(err, DM_EIO, "names-data", "cannot read %s: %s", path, strerror(errno));
        free(path);
        return rc;
    }
    int rc = 0;
    long lineno = 0;
    for (char *line = buf, *next; line && *line && !rc; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        size_t L = strlen(line);
        if (L && line[L - 1] == '\r')
            line[--L] = '\0';
        if (!L || line[0] == '#')
            continue;
        if (!text_is_utf8(line, L)) {
            rc = dm_error_set(err, DM_EINVAL, "names-data", "%s line %ld is not UTF-8", path, lineno);
            break;
        }
        char *f[4];
        int nf = 0;
        for (char *p = line; p && nf < 4;) {
            f[nf++] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = '\0';
        }
        if (fn(lx, f, nf, ctx)) {
            rc = dm_error_set(err, DM_EINVAL, "names-data", "%s line %ld is malformed", path, lineno);
            break;
        }
    }
    free(buf);
    free(path);
    return rc;
}

static int load_generic(names_lexicon_t *lx, char **f, int nf, void *ctx)
{
    (void)ctx;
    if (nf < 2)
        return -1;
    name_category_t c;
    if (names_category_parse(f[0], &c, NULL))
        return -1;
    int fresh;
    if (!smap_put(&lx->generics[c], f[1], strlen(f[1]), &fresh))
        return -1;
    size_t chars = 0;
    for (const char *p = f[1]; *p; p++)
        chars += ((unsigned char)*p & 0xC0) != 0x80;
    if (chars > lx->max_generic_chars)
        lx->max_generic_chars = chars;
    return 0;
}

static int load_set(names_lexicon_t *lx, char **f, int nf, void *ctx)
{
    (void)lx;
    strmap_t *m = ctx;
    int fresh;
    const char *word = nf >= 2 ? f[1] : f[0];
    strmap_slot_t *s = smap_put(m, word, strlen(word), &fresh);
    if (!s)
        return -1;
    /* "leader<TAB>name" lines mark state leaders (weight 1). */
    if (nf >= 2 && strcmp(f[0], "leader") == 0)
        s->weight = 1;
    return 0;
}

/* readings.tsv: word, toned syllables, source. */
static int load_reading(names_lexicon_t *lx, char **f, int nf, void *ctx)
{
    (void)ctx;
    if (nf < 2 || !*f[1])
        return -1;
    int fresh;
    strmap_slot_t *s = smap_put(&lx->own, f[0], strlen(f[0]), &fresh);
    if (!s)
        return -1;
    free(s->val);
    s->val = strdup(f[1]);
    size_t chars = 0;
    for (const char *p = f[0]; *p; p++)
        chars += ((unsigned char)*p & 0xC0) != 0x80;
    if (chars > lx->max_word_chars)
        lx->max_word_chars = chars;
    return s->val ? 0 : -1;
}

/* Sets whose words are counted in characters (ethnic names). */
static size_t utf8_chars(const char *s)
{
    size_t chars = 0;
    for (const char *p = s; *p; p++)
        chars += ((unsigned char)*p & 0xC0) != 0x80;
    return chars;
}

static int load_ethnic(names_lexicon_t *lx, char **f, int nf, void *ctx)
{
    (void)ctx;
    (void)nf;
    int fresh;
    if (!smap_put(&lx->ethnic, f[0], strlen(f[0]), &fresh))
        return -1;
    if (utf8_chars(f[0]) > lx->max_ethnic_chars)
        lx->max_ethnic_chars = utf8_chars(f[0]);
    return 0;
}

/* A key → value row: heritage.tsv (name, list), scale.tsv ("category|generic",
 * limits), severity.tsv (rule, severity). ctx is the map; `what` picks the
 * columns. */
static int put_kv(strmap_t *m, const char *k, const char *v, double weight)
{
    int fresh;
    strmap_slot_t *s = smap_put(m, k, strlen(k), &fresh);
    if (!s)
        return -1;
    free(s->val);
    s->val = strdup(v);
    s->weight = weight;
    return s->val ? 0 : -1;
}

/* heritage.tsv: name, list (保护名录 / 红色地名), source. */
static int load_heritage(names_lexicon_t *lx, char **f, int nf, void *ctx)
{
    (void)ctx;
    if (nf < 2 || !*f[0] || !*f[1])
        return -1;
    /* Keyed by the normalised name, so 繁體 or full-width forms match too. */
    char *norm = NULL;
    if (text_normalize(lx->tn, f[0], strlen(f[0]), &norm, NULL))
        return -1;
    int rc = put_kv(&lx->heritage, norm, f[1], 0);
    free(norm);
    return rc;
}

/* dialect.tsv: region (division code prefix), characters read alike in the
 * region's dialect, dialect, source. Each character maps to its group. */
static int load_dialect(names_lexicon_t *lx, char **f, int nf, void *ctx)
{
    (void)ctx;
    if (nf < 3 || !*f[0] || strspn(f[0], "0123456789") != strlen(f[0]) || strlen(f[0]) > 6)
        return -1;
    const char *p = f[1], *end = f[1] + strlen(f[1]);
    int n = 0;
    while (p < end) {
        const char *start = p;
        if (text_next_codepoint(&p, end) < 0)
            return -1;
        char k[32];
        snprintf(k, sizeof k, "%s|%.*s", f[0], (int)(p - start), start);
        if (put_kv(&lx->dialect, k, f[1], 0))
            return -1;
        n++;
    }
    return n >= 2 ? 0 : -1;
}

/* scale.tsv: category, generic, limits ("width_m>=40", "area_ha>=2,floor_area_m2>=100000"), source. */
static int load_scale(names_lexicon_t *lx, char **f, int nf, void *ctx)
{
    (void)ctx;
    name_category_t c;
    if (nf < 3 || names_category_parse(f[0], &c, NULL) || !strstr(f[2], ">="))
        return -1;
    char k[128];
    snprintf(k, sizeof k, "%s|%s", names_category_name(c), f[1]);
    return put_kv(&lx->scale, k, f[2], 0);
}

/* channels.tsv: alias, canonical channel, required (yes/no). */
static int load_channel(names_lexicon_t *lx, char **f, int nf, void *ctx)
{
    (void)ctx;
    if (nf < 3 || (strcmp(f[2], "yes") != 0 && strcmp(f[2], "no") != 0))
        return -1;
    return put_kv(&lx->channels, f[0], f[1], strcmp(f[2], "yes") == 0);
}

/* severity.tsv: rule, info|warning|error. */
static int load_severity(names_lexicon_t *lx, char **f, int nf, void *ctx)
{
    (void)ctx;
    if (nf < 2 || strncmp(f[0], "NAME-", 5) != 0)
        return -1;
    double sev = strcmp(f[1], "info") == 0 ? 0 : strcmp(f[1], "warning") == 0 ? 1 : strcmp(f[1], "error") == 0 ? 2 : -1;
    return sev < 0 ? -1 : put_kv(&lx->severity, f[0], f[1], sev);
}

const char *names_channel_canonical(const names_lexicon_t *lx, const char *channel, int *required)
{
    if (required)
        *required = 0;
    if (!channel || !*channel)
        return NULL;
    const strmap_slot_t *s = smap_find(&lx->channels, channel, strlen(channel));
    if (!s)
        return NULL;
    if (required)
        *required = s->weight > 0;
    return s->val;
}

/* Rime syllables use v for ü. */
static char *rime_syllables(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n * 2 + 1), *w = out;
    if (!out)
        return NULL;
    for (const char *p = s; *p; p++) {
        if (*p == 'v') {
            memcpy(w, "ü", 2);
            w += 2;
        } else
            *w++ = *p;
    }
    *w = '\0';
    return out;
}

static void icu_reading_with(UTransliterator *han, const char *ch, size_t n, char *out, size_t outsz);
static void strip_tones(const char *in, char *out, size_t outsz);

/* For characters with an alternative reading from a folded traditional
 * form, keeps the reading ICU Han-Latin (made for simplified text) gives. */
static int resolve_merged(names_lexicon_t *lx, dm_error *err)
{
    UErrorCode ue = U_ZERO_ERROR;
    static const UChar id[] = u"Han-Latin";
    UTransliterator *han = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &ue);
    if (U_FAILURE(ue))
        return dm_error_set(err, DM_EINTERNAL, NULL, "ICU Han-Latin unavailable: %s", u_errorName(ue));
    for (size_t i = 0; i < lx->chars.cap; i++) {
        strmap_slot_t *s = &lx->chars.slots[i];
        if (!s->key || !s->alt)
            continue;
        char icu[48], plain[48];
        icu_reading_with(han, s->key, strlen(s->key), icu, sizeof icu);
        strip_tones(icu, plain, sizeof plain);
        if (strcmp(plain, s->alt) == 0) {
            free(s->val);
            s->val = s->alt;
        } else
            free(s->alt);
        s->alt = NULL;
    }
    utrans_close(han);
    return 0;
}

/* The Rime dictionary: a YAML header ending in "...", then lines
 * "詞<TAB>ci yu[<TAB>weight]". Keys are traditional: all keys are joined with
 * '|' and converted to simplified in one text_normalize call. */
static int load_rime(names_lexicon_t *lx, const char *path, dm_error *err)
{
    char *buf = read_all(path, NULL);
    if (!buf)
        return dm_error_set(err, DM_EIO, "pinyin-dict", "cannot read pinyin dictionary %s: %s", path,
                            strerror(errno));
    char *body = strstr(buf, "\n...");
    if (!body) {
        free(buf);
        return dm_error_set(err, DM_EINVAL, "pinyin-dict", "%s is not a Rime dictionary (no '...' line)", path);
    }
    body += 4;
    /* Pass 1: collect rows and the joined keys. */
    size_t cap = 1 << 16, nrows = 0, keys_len = 0;
    struct row {
        char *key, *syl;
        double weight;
    } *rows = malloc(cap * sizeof *rows);
    for (char *line = body, *next; rows && line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (!*line || line[0] == '#')
            continue;
        char *t1 = strchr(line, '\t');
        if (!t1)
            continue;
        *t1 = '\0';
        char *syl = t1 + 1, *t2 = strchr(syl, '\t');
        double weight = 50;
        if (t2) {
            *t2 = '\0';
            weight = strtod(t2 + 1, NULL);
        }
        if (strchr(line, '|') || !text_is_utf8(line, strlen(line)))
            continue;
        if (nrows == cap) {
            cap *= 2;
            struct row *r = realloc(rows, cap * sizeof *rows);
            if (!r) {
                free(rows);
                rows = NULL;
                break;
            }
            rows = r;
        }
        rows[nrows++] = (struct row){line, syl, weight};
        keys_len += strlen(line) + 1;
    }
    char *joined = rows ? malloc(keys_len + 1) : NULL;
    if (!joined) {
        free(rows);
        free(buf);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    char *w = joined;
    for (size_t i = 0; i < nrows; i++) {
        size_t n = strlen(rows[i].key);
        memcpy(w, rows[i].key, n);
        w += n;
        *w++ = '|';
    }
    *w = '\0';
    char *simp = NULL;
    int rc = text_normalize(lx->tn, joined, (size_t)(w - joined), &simp, err);
    free(joined);
    if (rc) {
        free(rows);
        free(buf);
        return rc;
    }
    char *p = simp;
    for (size_t i = 0; i < nrows && p; i++) {
        char *bar = strchr(p, '|');
        if (!bar)
            break;
        *bar = '\0';
        size_t n = strlen(p);
        const char *q = p, *end = p + n;
        size_t chars = 0;
        while (q < end && text_next_codepoint(&q, end) >= 0)
            chars++;
        strmap_t *m = chars == 1 ? &lx->chars : &lx->words;
        int fresh;
        strmap_slot_t *s = chars ? smap_put(m, p, n, &fresh) : NULL;
        /* Two traditional characters folded into one simplified one (廣 guang
         * and 广 yan → 广) with different readings: ICU decides after loading. */
        if (s && chars == 1 && !fresh && s->val && strcmp(rows[i].key, p) != 0 && !s->weight_from_other) {
            char *syl = rime_syllables(rows[i].syl);
            if (syl && strcmp(syl, s->val) != 0) {
                free(s->alt);
                s->alt = syl, syl = NULL;
            }
            free(syl);
            s->weight_from_other = 1;
        }
        /* Keep the most frequent reading; words without weights keep the first. */
        if (s && (fresh || (rows[i].weight > s->weight && strcmp(rows[i].key, p) == 0))) {
            free(s->val);
            s->val = rime_syllables(rows[i].syl);
            s->weight = rows[i].weight;
            if (chars > lx->max_word_chars && chars <= 8)
                lx->max_word_chars = chars;
        }
        p = bar + 1;
    }
    free(simp);
    free(rows);
    free(buf);
    return resolve_merged(lx, err);
}

int names_lexicon_load(const names_config_t *cfg, names_lexicon_t **out, dm_error *err)
{
    *out = NULL;
    names_lexicon_t *lx = calloc(1, sizeof *lx);
    if (!lx)
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    lx->max_word_chars = 1;
    lx->tn = text_normalizer_new(err);
    if (!lx->tn) {
        free(lx);
        return err ? err->code : DM_EINTERNAL;
    }
    const char *dir = cfg && cfg->data_dir ? cfg->data_dir : "share/names";
    int rc = each_line(lx, dir, "generics.tsv", load_generic, NULL, err);
    if (!rc)
        rc = each_line(lx, dir, "orientations.txt", load_set, &lx->orientations, err);
    if (!rc)
        rc = each_line(lx, dir, "grandiose.txt", load_set, &lx->grandiose, err);
    if (!rc)
        rc = each_line(lx, dir, "foreign.txt", load_set, &lx->foreign, err);
    if (!rc)
        rc = each_line(lx, dir, "brands.txt", load_set, &lx->brands, err);
    if (!rc)
        rc = each_line(lx, dir, "persons.txt", load_set, &lx->persons, err);
    if (!rc)
        rc = each_line(lx, dir, "meaning.txt", load_set, &lx->meaning, err);
    if (!rc)
        rc = each_line(lx, dir, "prefixes.txt", load_set, &lx->prefixes, err);
    if (!rc)
        rc = each_line(lx, dir, "readings.tsv", load_reading, NULL, err);
    if (!rc)
        rc = each_line(lx, dir, "ethnic.txt", load_ethnic, NULL, err);
    if (!rc)
        rc = each_line(lx, dir, "sections.txt", load_set, &lx->sections, err);
    if (!rc)
        rc = each_line(lx, dir, "heritage.tsv", load_heritage, NULL, err);
    if (!rc)
        rc = each_line(lx, dir, "dialect.tsv", load_dialect, NULL, err);
    if (!rc)
        rc = each_line(lx, dir, "scale.tsv", load_scale, NULL, err);
    if (!rc)
        rc = each_line(lx, dir, "channels.tsv", load_channel, NULL, err);
    if (!rc)
        rc = each_line(lx, dir, "severity.tsv", load_severity, NULL, err);
    if (!rc && cfg && cfg->pinyin_dict && *cfg->pinyin_dict &&
        !(cfg->pinyin_dict_optional && access(cfg->pinyin_dict, R_OK) != 0))
        rc = load_rime(lx, cfg->pinyin_dict, err);
    if (rc) {
        names_lexicon_free(lx);
        return rc;
    }
    *out = lx;
    return 0;
}

void names_lexicon_free(names_lexicon_t *lx)
{
    if (!lx)
        return;
    for (int i = 0; i < NAME_CAT__COUNT; i++)
        smap_free(&lx->generics[i]);
    smap_free(&lx->orientations);
    smap_free(&lx->grandiose);
    smap_free(&lx->foreign);
    smap_free(&lx->brands);
    smap_free(&lx->persons);
    smap_free(&lx->meaning);
    smap_free(&lx->prefixes);
    smap_free(&lx->own);
    smap_free(&lx->words);
    smap_free(&lx->chars);
    smap_free(&lx->ethnic);
    smap_free(&lx->sections);
    smap_free(&lx->heritage);
    smap_free(&lx->dialect);
    smap_free(&lx->scale);
    smap_free(&lx->channels);
    smap_free(&lx->severity);
    text_normalizer_free(lx->tn);
    free(lx);
}

size_t names_lexicon_words(const names_lexicon_t *lx) { return lx->words.len; }

const names_lexicon_t *names_worker_lexicon(const names_worker_t *w) { return w->lx; }

/* ---- worker -------------------------------------------------------------- */

names_worker_t *names_worker_new(const names_lexicon_t *lx, dm_error *err)
{
    names_worker_t *w = calloc(1, sizeof *w);
    if (!w) {
        dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    w->lx = lx;
    w->tn = text_normalizer_new(err);
    UErrorCode ue = U_ZERO_ERROR;
    static const UChar id[] = u"Han-Latin";
    w->han = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &ue);
    if (!w->tn || U_FAILURE(ue)) {
        if (w->tn && U_FAILURE(ue))
            dm_error_set(err, DM_EINTERNAL, NULL, "ICU Han-Latin unavailable: %s", u_errorName(ue));
        names_worker_free(w);
        return NULL;
    }
    return w;
}

void names_worker_free(names_worker_t *w)
{
    if (!w)
        return;
    if (w->han)
        utrans_close(w->han);
    text_normalizer_free(w->tn);
    free(w);
}

/* ---- UTF-8 helpers ------------------------------------------------------- */

static size_t put_cp(char *w, long cp)
{
    if (cp < 0x80) {
        w[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        w[0] = (char)(0xC0 | (cp >> 6));
        w[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        w[0] = (char)(0xE0 | (cp >> 12));
        w[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        w[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    w[0] = (char)(0xF0 | (cp >> 18));
    w[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    w[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    w[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes s into code points (at most max); returns the count, with byte
 * offsets in off[0..n] (off[n] = strlen). */
static size_t decode(const char *s, long *cps, size_t *off, size_t max)
{
    const char *p = s, *end = s + strlen(s);
    size_t n = 0;
    while (p < end && n < max) {
        off[n] = (size_t)(p - s);
        long cp = text_next_codepoint(&p, end);
        if (cp < 0)
            break;
        cps[n++] = cp;
    }
    off[n] = (size_t)(p - s);
    return n;
}

static int numeral_value(long cp)
{
    static const long digits[] = {0x96F6 /*零*/, 0x4E00, 0x4E8C, 0x4E09, 0x56DB, 0x4E94,
                                  0x516D,        0x4E03, 0x516B, 0x4E5D};
    for (int i = 0; i < 10; i++)
        if (cp == digits[i])
            return i;
    if (cp == 0x3007)
        return 0;
    if (cp == 0x4E24) /* 两 */
        return 2;
    if (cp == 0x5341) /* 十 */
        return 10;
    if (cp == 0x767E) /* 百 */
        return 100;
    return -1;
}

static int is_numeral(long cp) { return numeral_value(cp) >= 0; }

/* Value of a run of Chinese numerals (十二 12, 二十三 23, 一百零五 105, 三八 38
 * read digit by digit); -1 if not a number. */
static long numeral_run_value(const long *cps, size_t n)
{
    long total = 0, cur = -1;
    int positional = 0;
    for (size_t i = 0; i < n; i++) {
        int v = numeral_value(cps[i]);
        if (v < 0)
            return -1;
        if (cur > 99999999 || total > 99999999)
            return -1; /* too long to be a number in a name (fuzz_names: 29 三 overflowed a long) */
        if (v == 10 || v == 100) {
            total += (cur < 0 ? 1 : cur) * v;
            cur = -1;
            positional = 1;
        } else if (cur >= 0 && !positional)
            cur = cur * 10 + v; /* digit-by-digit form: 三八 */
        else
            cur = v;
    }
    return total + (cur < 0 ? 0 : cur);
}

/* ASCII digits → Chinese numerals: 1–99 in counting form (12 → 十二), larger
 * numbers digit by digit (2008 → 二零零八). */
static size_t number_to_chinese(const char *digits, size_t n, char *w)
{
    static const char *const ch[] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
    size_t k = 0;
    while (n > 1 && digits[0] == '0')
        digits++, n--;
    if (n <= 2) {
        int v = atoi((char[3]){digits[0], n > 1 ? digits[1] : '\0', '\0'});
        if (v >= 10) {
            if (v / 10 > 1)
                k += (size_t)sprintf(w + k, "%s", ch[v / 10]);
            k += (size_t)sprintf(w + k, "十");
            if (v % 10)
                k += (size_t)sprintf(w + k, "%s", ch[v % 10]);
        } else
            k += (size_t)sprintf(w + k, "%s", ch[v]);
        return k;
    }
    for (size_t i = 0; i < n; i++)
        k += (size_t)sprintf(w + k, "%s", ch[digits[i] - '0']);
    return k;
}

/* Punctuation removed by the normaliser: ASCII punctuation and the CJK
 * forms people type in names (interpuncts, dashes, quotes, brackets). */
static int is_fold_punct(long cp)
{
    if (cp < 0x80)
        return ispunct((int)cp) != 0;
    return cp == 0xB7 || cp == 0x30FB || cp == 0x2022 || cp == 0x2027 || (cp >= 0x2010 && cp <= 0x2015) ||
           (cp >= 0x2018 && cp <= 0x201F) || (cp >= 0x3001 && cp <= 0x3003) || (cp >= 0x3008 && cp <= 0x3011) ||
           (cp >= 0x3014 && cp <= 0x301F) || cp == 0xFF5E;
}

int names_normalize(names_worker_t *w, const char *in, size_t len, char **out, dm_error *err)
{
    *out = NULL;
    if (len == (size_t)-1)
        len = strlen(in);
    if (len == 0)
        return dm_error_set(err, DM_EINVAL, "name", "name is empty");
    if (len > NAMES_MAX_INPUT)
        return dm_error_set(err, DM_EINVAL, "name", "name is too long (%zu bytes, at most %d)", len,
                            NAMES_MAX_INPUT);
    if (!text_is_utf8(in, len))
        return dm_error_set(err, DM_EINVAL, "name", "name is not valid UTF-8");
    char *t = NULL;
    int rc = text_normalize(w->tn, in, len, &t, err);
    if (rc) {
        snprintf(err->param, sizeof err->param, "name");
        return rc;
    }
    /* Drop glued annotations: "(" ASCII letters/tone vowels/spaces ")". */
    size_t tl = strlen(t);
    /* Worst growth: two ASCII digits become three 3-byte numerals (21 → 二十一,
     * 9 bytes from 2); found by fuzz_names (tests/unit/test_fuzz_found.c). */
    char *res = malloc(tl * 5 + 1), *o = res;
    if (!res) {
        free(t);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    const char *p = t, *end = t + tl;
    int dropped = 0;
    while (p < end) {
        if (*p == '(') {
            const char *q = p + 1;
            int latin = 0, ok = 1;
            while (q < end && *q != ')') {
                const char *r = q;
                long cp = text_next_codepoint(&r, end);
                if (cp < 0 || text_is_cjk(cp)) {
                    ok = 0;
                    break;
                }
                latin |= isalpha((int)(cp < 0x80 ? cp : 'a'));
                q = r;
            }
            if (ok && latin && q < end) {
                p = q + 1;
                continue;
            }
        }
        if (*p >= '0' && *p <= '9') {
            const char *q = p;
            while (q < end && *q >= '0' && *q <= '9')
                q++;
            o += number_to_chinese(p, (size_t)(q - p), o);
            p = q;
            continue;
        }
        const char *start = p;
        long cp = text_next_codepoint(&p, end);
        if (cp < 0)
            break;
        if (is_fold_punct(cp) || cp == ' ' || cp < 0x20 || cp == 0x7F) { /* control characters too (fuzz_names) */
            dropped = 1;
            continue;
        }
        if (cp == 0x3007) { /* 〇 → 零: one form of zero */
            o += put_cp(o, 0x96F6);
            continue;
        }
        memcpy(o, start, (size_t)(p - start));
        o += p - start;
    }
    *o = '\0';
    free(t);
    if (!*res) {
        free(res);
        return dm_error_set(err, DM_EINVAL, "name", "name is empty after normalisation");
    }
    /* A dropped character can glue a combining mark to the letter before it
     * (NFKC makes ¨ a space and U+0308): normalise once more so normalising
     * is idempotent (fuzz_names; tests/unit/test_fuzz_found.c). */
    if (dropped) {
        char *again = NULL;
        if (text_normalize(w->tn, res, strlen(res), &again, err)) {
            free(res);
            snprintf(err->param, sizeof err->param, "name");
            return err->code;
        }
        free(res);
        res = again;
    }
    *out = res;
    return 0;
}

/* ---- split ------------------------------------------------------------- */

static void copy_range(char *dst, const char *src, size_t from, size_t to)
{
    size_t n = to - from;
    if (n >= NAMES_BUF)
        n = NAMES_BUF - 1;
    memcpy(dst, src + from, n);
    dst[n] = '\0';
}

/* Splits norm: the longest generic of the category that is a suffix and
 * leaves a non-empty specific; an orientation word just before it joins the
 * generic (中山北路 → 中山 + 北 + 路) when a specific remains. A generic that
 * has become part of the name (黑龙江 in 黑龙江省) stays in the specific
 * because only the final generic is split off. */
static void split(const names_lexicon_t *lx, name_category_t cat, name_parts_t *np)
{
    long cps[NAMES_BUF];
    size_t off[NAMES_BUF + 1];
    const char *s = np->norm;
    size_t n = decode(s, cps, off, NAMES_BUF - 1);
    /* A road section (天府大道北段: orientation + 段, sections.txt) follows a
     * complete road name; it is split off first and written as its own word
     * (Tianfu Dadao Beiduan). */
    if (cat == NAME_CAT_ROAD && n >= 4)
        for (size_t k = 1; k <= 2; k++) {
            size_t from = n - k;
            if (!names_set_has(&lx->sections, s + off[from], off[n] - off[from]))
                continue;
            /* [orientation] [numeral] 段: 北段, 二段, 南二段 */
            size_t o = 0;
            while (from - o >= 3 && is_numeral(cps[from - o - 1]))
                o++;
            for (size_t L = 2; L >= 1; L--)
                if (from >= o + L + 2 &&
                    names_set_has(&lx->orientations, s + off[from - o - L], off[from - o] - off[from - o - L])) {
                    o += L;
                    break;
                }
            if (!o)
                break;
            copy_range(np->section, s, off[from - o], off[n]);
            n = from - o;
            break;
        }
    size_t gstart = n;
    size_t maxg = lx->max_generic_chars;
    for (size_t k = maxg < n ? maxg : n - 1; k >= 1 && n > 1; k--) {
        size_t from = n - k;
        if (from >= 1 && names_set_has(&lx->generics[cat], s + off[from], off[n] - off[from])) {
            gstart = from;
            break;
        }
        if (k == 1)
            break;
    }
    size_t ostart = gstart;
    if (gstart < n)
        for (size_t k = 2; k >= 1; k--) {
            if (gstart >= k + 1 &&
                names_set_has(&lx->orientations, s + off[gstart - k], off[gstart] - off[gstart - k])) {
                ostart = gstart - k;
                break;
            }
        }
    copy_range(np->specific, s, 0, off[ostart]);
    copy_range(np->generic, s, off[ostart], off[n]);
    copy_range(np->orientation, s, off[ostart], off[gstart]);
    if (np->section[0] && !np->generic[0]) {
        /* No road generic before the section: it is not a section (北段 as a name). */
        np->section[0] = '\0';
        n = decode(s, cps, off, NAMES_BUF - 1);
        copy_range(np->specific, s, 0, off[n]);
    }
    copy_range(np->base_generic, s, off[gstart], off[n]);
}

/* ---- pinyin ------------------------------------------------------------ */

/* Strips the tone marks (U+0300, U+0301, U+0304, U+030C after NFD) of a
 * syllable, keeping ü (PLATFORM.md trap 5). */
static void strip_tones(const char *in, char *out, size_t outsz)
{
    static const struct {
        const char *from, *to;
    } map[] = {{"ā", "a"}, {"á", "a"}, {"ǎ", "a"}, {"à", "a"}, {"ē", "e"}, {"é", "e"}, {"ě", "e"},
               {"è", "e"}, {"ī", "i"}, {"í", "i"}, {"ǐ", "i"}, {"ì", "i"}, {"ō", "o"}, {"ó", "o"},
               {"ǒ", "o"}, {"ò", "o"}, {"ū", "u"}, {"ú", "u"}, {"ǔ", "u"}, {"ù", "u"}, {"ǖ", "ü"},
               {"ǘ", "ü"}, {"ǚ", "ü"}, {"ǜ", "ü"}, {"ń", "n"}, {"ň", "n"}, {"ǹ", "n"}, {"ḿ", "m"}};
    size_t k = 0;
    for (const char *p = in; *p && k + 3 < outsz;) {
        int done = 0;
        for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
            size_t L = strlen(map[i].from);
            if (strncmp(p, map[i].from, L) == 0) {
                size_t t = strlen(map[i].to);
                memcpy(out + k, map[i].to, t);
                k += t;
                p += L;
                done = 1;
                break;
            }
        }
        if (!done)
            out[k++] = (char)tolower((unsigned char)*p++);
    }
    out[k] = '\0';
}

void names_pinyin_fold(const char *in, char *out, size_t outsz)
{
    /* Lower-case every code point first (all capitals are allowed on signs,
     * toned capitals included), then drop the tone marks and fold spaces. */
    char low[NAMES_BUF * 2];
    size_t k = 0;
    const char *p = in, *end = in + strlen(in);
    while (p < end && k + 5 < sizeof low) {
        long cp = text_next_codepoint(&p, end);
        if (cp < 0)
            break;
        k += put_cp(low + k, u_tolower((UChar32)cp));
    }
    low[k] = '\0';
    char bare[NAMES_BUF * 2];
    strip_tones(low, bare, sizeof bare);
    size_t o = 0;
    int space = 0;
    for (const char *q = bare; *q && o + 1 < outsz; q++) {
        if (isspace((unsigned char)*q)) {
            space = o > 0;
            continue;
        }
        if (space && o + 2 < outsz)
            out[o++] = ' ';
        space = 0;
        out[o++] = *q;
    }
    out[o] = '\0';
}

/* ICU Han-Latin of one character (toned), "" if ICU gives no Latin. */
static void icu_reading(names_worker_t *w, const char *ch, size_t n, char *out, size_t outsz)
{
    icu_reading_with(w->han, ch, n, out, outsz);
}

static void icu_reading_with(UTransliterator *han, const char *ch, size_t n, char *out, size_t outsz)
{
    UChar buf[64];
    int32_t len = 0, cap = 64, limit;
    UErrorCode ue = U_ZERO_ERROR;
    u_strFromUTF8(buf, cap, &len, ch, (int32_t)n, &ue);
    if (U_FAILURE(ue)) {
        out[0] = '\0';
        return;
    }
    limit = len;
    utrans_transUChars(han, buf, &len, cap, 0, &limit, &ue);
    if (U_FAILURE(ue)) {
        out[0] = '\0';
        return;
    }
    int32_t blen = 0;
    u_strToUTF8(out, (int32_t)outsz - 1, &blen, buf, len, &ue);
    if (U_FAILURE(ue) || blen <= 0 || (unsigned char)out[0] >= 0xE0) {
        out[0] = '\0';
        return;
    }
    out[blen] = '\0';
    /* ICU may leave a space or two syllables; keep the first token. */
    char *sp = strchr(out, ' ');
    if (sp)
        *sp = '\0';
}

typedef struct syl {
    char plain[32]; /* toneless, lower case, ü kept */
    char toned[48];
    int numeral;    /* the source character is a Chinese numeral */
    int own_word;   /* part of a word of the project's table with a non-numeral (东四 in 东四十二条) */
    long cp;        /* source code point (first of its word) */
} syl_t;

/* Readings of s (normalised text) as syllables, word by word. Non-Chinese
 * characters become their own lower-cased "syllable". Returns the count. */
static size_t syllables(names_worker_t *w, const char *s, syl_t *out, size_t max)
{
    const names_lexicon_t *lx = w->lx;
    long cps[NAMES_BUF];
    size_t off[NAMES_BUF + 1];
    size_t n = decode(s, cps, off, NAMES_BUF - 1), k = 0;
    for (size_t i = 0; i < n && k < max;) {
        size_t best = 0;
        const char *reading = NULL;
        int toned = 0;
        size_t maxw = lx->max_word_chars < n - i ? lx->max_word_chars : n - i;
        for (size_t L = maxw; L >= 2 && !reading; L--) {
            const strmap_slot_t *sl = smap_find(&lx->own, s + off[i], off[i + L] - off[i]);
            if (sl) {
                reading = sl->val, best = L, toned = 1;
                break;
            }
            sl = smap_find(&lx->words, s + off[i], off[i + L] - off[i]);
            if (sl)
                reading = sl->val, best = L;
        }
        if (!reading) {
            best = 1;
            const strmap_slot_t *sl = smap_find(&lx->own, s + off[i], off[i + 1] - off[i]);
            if (sl)
                reading = sl->val, toned = 1;
            else if ((sl = smap_find(&lx->chars, s + off[i], off[i + 1] - off[i])))
                reading = sl->val;
        }
        /* A word of the project's table that mixes a place with a numeral
         * (东四) keeps its numeral out of a street ordinal (Dongsi 12 Tiao). */
        int own_word = 0;
        if (toned && best >= 2)
            for (size_t j = 0; j < best; j++)
                own_word |= !is_numeral(cps[i + j]);
        /* Split the reading into syllables, one per character. */
        char tmp[256];
        snprintf(tmp, sizeof tmp, "%s", reading ? reading : "");
        char *save = NULL, *tok = reading ? strtok_r(tmp, " ", &save) : NULL;
        for (size_t j = 0; j < best && k < max; j++) {
            syl_t *y = &out[k];
            memset(y, 0, sizeof *y);
            y->cp = cps[i + j];
            y->numeral = is_numeral(cps[i + j]);
            y->own_word = own_word;
            const char *ch = s + off[i + j];
            size_t chn = off[i + j + 1] - off[i + j];
            char icu[32] = "";
            if (!text_is_cjk(cps[i + j])) {
                /* Latin letters and other symbols pass through, lower-cased. */
                snprintf(y->plain, sizeof y->plain, "%.*s", (int)chn, ch);
                for (char *c = y->plain; *c; c++)
                    *c = (char)tolower((unsigned char)*c);
                snprintf(y->toned, sizeof y->toned, "%s", y->plain);
                k++;
                continue;
            }
            if (!(w->skip_tones && tok))
                icu_reading(w, ch, chn, icu, sizeof icu);
            char icu_plain[32];
            strip_tones(icu, icu_plain, sizeof icu_plain);
            if (tok && toned) {
                snprintf(y->toned, sizeof y->toned, "%s", tok);
                strip_tones(tok, y->plain, sizeof y->plain);
            } else if (tok) {
                snprintf(y->plain, sizeof y->plain, "%s", tok);
                /* Tone marks from ICU when its reading is the same syllable. */
                snprintf(y->toned, sizeof y->toned, "%s", strcmp(icu_plain, tok) == 0 ? icu : tok);
            } else {
                snprintf(y->plain, sizeof y->plain, "%s", icu_plain);
                snprintf(y->toned, sizeof y->toned, "%s", icu);
            }
            tok = tok ? strtok_r(NULL, " ", &save) : NULL;
            k++;
        }
        i += best;
    }
    return k;
}

/* Appends syllables [a, b) as one written word: capitalised, apostrophe
 * before a non-initial syllable starting with a, o or e (1984 rules). */
static void append_word(char *dst, size_t dstsz, const syl_t *y, size_t a, size_t b, int toned)
{
    size_t k = strlen(dst);
    if (k && k + 1 < dstsz)
        dst[k++] = ' ';
    for (size_t i = a; i < b; i++) {
        const char *t = toned ? y[i].toned : y[i].plain;
        char base[48];
        strip_tones(t, base, sizeof base);
        if (i > a && text_is_cjk(y[i].cp) && text_is_cjk(y[i - 1].cp) &&
            (base[0] == 'a' || base[0] == 'o' || base[0] == 'e') && k + 1 < dstsz)
            dst[k++] = '\'';
        size_t L = strlen(t);
        if (k + L + 1 >= dstsz)
            break;
        memcpy(dst + k, t, L);
        if (i == a) {
            /* Capitalise the first letter (it may be a toned vowel). */
            const char *p = dst + k, *end = dst + k + L;
            long cp = text_next_codepoint(&p, end);
            if (cp > 0) {
                long up = u_toupper((UChar32)cp);
                char enc[4];
                size_t en = put_cp(enc, up), on = (size_t)(p - (dst + k));
                if (en == on)
                    memcpy(dst + k, enc, en);
            }
        }
        k += L;
    }
    dst[k] = '\0';
}

/* Writes the specific: a trailing street ordinal (经五路, 经纬一路) or a bare
 * ordinal (二马路) becomes Arabic numerals written apart; 第N → Di-N; numbers
 * that are part of the name (三八路, 五一广场) stay pinyin (1984 rules). */
static void spell_specific(char *dst, size_t dstsz, const syl_t *y, size_t n, int toned, int *ordinal_only)
{
    size_t r = n;
    while (r > 0 && y[r - 1].numeral && !y[r - 1].own_word)
        r--;
    long run[32];
    size_t rn = 0;
    for (size_t i = r; i < n && rn < 32; i++)
        run[rn++] = y[i].cp;
    int ordinal = 0;
    if (rn > 0 && r > 0)
        ordinal = 1;                           /* 经五, 经纬一, 第九 */
    else if (rn == 1 && r == 0)
        ordinal = 1;                           /* 二 (二马路) */
    else if (rn > 1 && r == 0 && (run[0] == 0x5341 || run[rn - 1] == 0x5341 || (rn >= 2 && run[1] == 0x5341)))
        ordinal = 1;                           /* 十二, 二十 */
    *ordinal_only = r == 0 && ordinal;
    if (!ordinal) {
        append_word(dst, dstsz, y, 0, n, toned);
        return;
    }
    long v = numeral_run_value(run, rn);
    if (v < 0) { /* not readable as a number: spell the characters */
        append_word(dst, dstsz, y, 0, n, toned);
        return;
    }
    size_t k = strlen(dst);
    if (r == 1 && y[0].cp == 0x7B2C) { /* 第 */
        snprintf(dst + k, dstsz - k, "%sDi-%ld", k ? " " : "", v);
        return;
    }
    if (r > 0)
        append_word(dst, dstsz, y, 0, r, toned);
    k = strlen(dst);
    snprintf(dst + k, dstsz - k, "%s%ld", k ? " " : "", v);
}

/* The end of the ethnic word (ethnic.txt) starting at syllable a, or a when
 * none starts there; the longest word wins. */
static size_t ethnic_word(const names_lexicon_t *lx, const syl_t *y, size_t a, size_t n)
{
    char buf[128];
    for (size_t L = lx->max_ethnic_chars < n - a ? lx->max_ethnic_chars : n - a; L >= 2; L--) {
        size_t k = 0;
        for (size_t i = a; i < a + L && k + 5 < sizeof buf; i++)
            k += put_cp(buf + k, y[i].cp);
        if (names_set_has(&lx->ethnic, buf, k))
            return a + L;
    }
    return a;
}

/* Where a run of ethnic words ending the specific starts (壮族 in 广西壮族,
 * 土家族苗族 in 恩施土家族苗族), or n when the specific does not end in one
 * or is only ethnic words (the place part must remain). */
static size_t ethnic_cut(const names_lexicon_t *lx, const syl_t *y, size_t n)
{
    if (!lx->ethnic.len || n < 3)
        return n;
    /* Most names do not end in an ethnic word: a few lookups settle it
     * before the full scan (this runs for every division name of an index). */
    int ends = 0;
    for (size_t L = 2; L <= lx->max_ethnic_chars && L < n && !ends; L++)
        ends = ethnic_word(lx, y, n - L, n) == n;
    if (!ends)
        return n;
    for (size_t cut = 1; cut + 2 <= n; cut++) {
        size_t a = cut;
        while (a < n) {
            size_t b = ethnic_word(lx, y, a, n);
            if (b == a)
                break;
            a = b;
        }
        if (a == n)
            return cut;
    }
    return n;
}

static void spell(names_worker_t *w, name_category_t cat, name_parts_t *np)
{
    syl_t ys[NAMES_BUF / 2], yg[64];
    size_t ns = syllables(w, np->specific, ys, NAMES_BUF / 2);
    size_t ng = np->generic[0] ? syllables(w, np->generic, yg, 64) : 0;
    syl_t ysec[8];
    size_t nsec = np->section[0] ? syllables(w, np->section, ysec, 8) : 0;
    /* Villages (and 村 as a division) are written as one word: Wangcun. */
    int joined = cat == NAME_CAT_VILLAGE || strcmp(np->base_generic, "村") == 0;
    for (int toned = 0; toned <= 1; toned++) {
        char *dst = toned ? np->pinyin_toned : np->pinyin;
        dst[0] = '\0';
        if (joined) {
            /* Read as one word, so a word across the split (十里堡) is found. */
            syl_t all[NAMES_BUF / 2 + 64];
            size_t na = syllables(w, np->norm, all, NAMES_BUF / 2 + 64);
            append_word(dst, NAMES_BUF, all, 0, na, toned);
            np->ordinal_only = 0;
            continue;
        }
        /* Ethnic names in a specific are written apart (广西壮族自治区 →
         * Guangxi Zhuangzu Zizhiqu; DOMAIN.md §4, 1984 rules). */
        size_t cut = cat == NAME_CAT_DIVISION ? ethnic_cut(w->lx, ys, ns) : ns;
        if (cut < ns) {
            append_word(dst, NAMES_BUF, ys, 0, cut, toned);
            np->ordinal_only = 0;
            for (size_t a = cut; a < ns;) {
                size_t b = ethnic_word(w->lx, ys, a, ns);
                append_word(dst, NAMES_BUF, ys, a, b, toned);
                a = b;
            }
        } else
            spell_specific(dst, NAMES_BUF, ys, ns, toned, &np->ordinal_only);
        /* A 2 Malu style generic: 马路 after a bare ordinal. */
        if (ng)
            append_word(dst, NAMES_BUF, yg, 0, ng, toned);
        if (nsec) {
            /* 北段 Beiduan; 二段 2 Duan, 南二段 Nan 2 Duan (ordinals as digits) */
            size_t a = 0, b;
            while (a < nsec && !ysec[a].numeral)
                a++;
            for (b = a; b < nsec && ysec[b].numeral; b++)
                ;
            if (a == b)
                append_word(dst, NAMES_BUF, ysec, 0, nsec, toned);
            else {
                if (a)
                    append_word(dst, NAMES_BUF, ysec, 0, a, toned);
                long run[8];
                size_t rn = 0;
                for (size_t i = a; i < b && rn < 8; i++)
                    run[rn++] = ysec[i].cp;
                size_t k = strlen(dst);
                snprintf(dst + k, NAMES_BUF - k, "%s%ld", k ? " " : "", numeral_run_value(run, rn));
                append_word(dst, NAMES_BUF, ysec, b, nsec, toned);
            }
        }
    }
    /* The full-name key: toneless, no spaces or apostrophes. */
    size_t k = 0;
    for (size_t i = 0; i < ns + ng + nsec; i++) {
        const char *p = i < ns ? ys[i].plain : i < ns + ng ? yg[i - ns].plain : ysec[i - ns - ng].plain;
        size_t L = strlen(p);
        if (k + L + 1 >= NAMES_BUF)
            break;
        memcpy(np->full_key + k, p, L);
        k += L;
    }
    np->full_key[k] = '\0';
}

static void key_of(names_worker_t *w, const char *text, char *plain, char *toned)
{
    syl_t y[NAMES_BUF / 2];
    size_t n = syllables(w, text, y, NAMES_BUF / 2);
    size_t a = 0, b = 0;
    plain[0] = toned[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t L = strlen(y[i].plain), T = strlen(y[i].toned);
        if (a + L + 1 < NAMES_BUF) {
            memcpy(plain + a, y[i].plain, L);
            a += L;
            plain[a] = '\0';
        }
        if (b + T + 2 < NAMES_BUF) {
            memcpy(toned + b, y[i].toned, T);
            b += T;
            toned[b] = '\0';
        }
    }
}

/* The duplicate key: the specific without a leading configured prefix (city
 * or county name, 新, 大) when something of two or more characters remains
 * (铜陵市 rule: adding or removing them still counts as the same name). */
static void dup_key(const names_lexicon_t *lx, name_parts_t *np)
{
    const char *s = np->specific[0] ? np->specific : np->norm;
    long cps[NAMES_BUF];
    size_t off[NAMES_BUF + 1];
    size_t n = decode(s, cps, off, NAMES_BUF - 1);
    size_t cut = 0;
    for (size_t L = n > 2 ? n - 2 : 0; L >= 1; L--) {
        if (names_set_has(&lx->prefixes, s, off[L])) {
            cut = L;
            break;
        }
    }
    snprintf(np->dup_key, NAMES_BUF, "%s", s + off[cut]);
}

int names_analyze(names_worker_t *w, const char *in, size_t len, name_category_t cat, name_parts_t *out,
                  dm_error *err)
{
    memset(out, 0, sizeof *out);
    if (cat >= NAME_CAT__COUNT)
        return dm_error_set(err, DM_EINVAL, "category", "unknown category");
    char *norm = NULL;
    int rc = names_normalize(w, in, len, &norm, err);
    if (rc)
        return rc;
    names_analyze_normalized(w, norm, cat, out);
    free(norm);
    return 0;
}

void names_analyze_normalized(names_worker_t *w, const char *norm, name_category_t cat, name_parts_t *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->norm, NAMES_BUF, "%s", norm);
    /* A name longer than the buffer is cut at a character, never inside one
     * (fuzz_names: JSON answers could not encode the half character). */
    size_t cut = strlen(out->norm); /* out->norm is a prefix of norm */
    while (cut > 0 && ((unsigned char)norm[cut] & 0xC0) == 0x80)
        cut--;
    out->norm[cut] = '\0';
    /* Latin letters (é as well as e) or another non-Chinese script (NAME-SCRIPT). */
    const char *p = out->norm, *end = out->norm + strlen(out->norm);
    while (p < end && !out->has_latin) {
        long cp = text_next_codepoint(&p, end);
        if (cp < 0)
            break;
        UErrorCode ue = U_ZERO_ERROR;
        out->has_latin = u_isalpha((UChar32)cp) && uscript_getScript((UChar32)cp, &ue) != USCRIPT_HAN;
    }
    split(w->lx, cat, out);
    dup_key(w->lx, out);
    spell(w, cat, out);
    key_of(w, out->dup_key, out->hom_key, out->hom_toned);
}

int names_pinyin_query_key(const char *in, char *out, size_t outsz)
{
    size_t k = 0;
    int letters = 0;
    for (const char *p = in; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (k + 3 >= outsz)
            return 0;
        if (c == ' ' || c == '\'' || c == '-' || c == 0xE2 /* ’ */) {
            if (c == 0xE2 && p[1] && p[2])
                p += 2;
            continue;
        }
        if (c == 0xC3 && (unsigned char)p[1] == 0xBC) { /* ü */
            memcpy(out + k, "ü", 2), k += 2, p++, letters++;
            continue;
        }
        if (c == 'u' && p[1] == ':') {
            memcpy(out + k, "ü", 2), k += 2, p++, letters++;
            continue;
        }
        if (!isalpha(c))
            return 0;
        char l = (char)tolower(c);
        if (l == 'v') {
            memcpy(out + k, "ü", 2), k += 2, letters++;
            continue;
        }
        out[k++] = l;
        letters++;
    }
    out[k] = '\0';
    return letters > 0;
}
