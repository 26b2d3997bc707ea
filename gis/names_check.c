/* names_check.c — the check of a proposed name against 《地名管理条例》(2022)
 * 第九条, its 2024 implementing measures and the local rules DOMAIN.md §3
 * lists; see names.h. Each rule has an id, a severity that follows the
 * statute's verb (不应/不得 → error, 避免/一般 → warning) and its source.
 *
 * Scope of 重名/同音 (第九条(六)(七)): 街路巷 within one 城镇区域 — no urban-
 * area layer exists yet, so the county stands in for it (docs/names.md);
 * residential areas, buildings, villages and facilities within the county;
 * 乡级 divisions within the province; county-level and higher divisions and
 * natural features nationwide. */
#include "gis/geom.h"
#include "gis/names.h"
#include "gis/namesInt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ustring.h>
#include <unicode/ucnv.h>

const char *names_verdict_name(name_verdict_t v)
{
    return v == NAME_VERDICT_ACCEPT ? "accept" : v == NAME_VERDICT_WARN ? "warn" : "reject";
}

const char *names_severity_name(name_severity_t s)
{
    return s == NAME_SEV_INFO ? "info" : s == NAME_SEV_WARNING ? "warning" : "error";
}

#define NAMES_MAX_CONFLICTS 100

static const char SRC_DUP[] = "《地名管理条例》(2022) 第九条(六)(七)";
static const char SRC_TONGLING[] = "铜陵市地名管理规定 (同名/同音 definitions)";

static int add_finding(name_check_t *c, const char *rule, name_severity_t sev, const char *source,
                       const name_entry_t *conflict, const char *zh, const char *en)
{
    name_finding_t *f = realloc(c->findings, (c->nfindings + 1) * sizeof *f);
    if (!f)
        return -1;
    c->findings = f;
    f = &c->findings[c->nfindings++];
    memset(f, 0, sizeof *f);
    f->rule = rule, f->severity = sev, f->source = source, f->conflict = conflict;
    snprintf(f->message_zh, sizeof f->message_zh, "%s", zh);
    snprintf(f->message_en, sizeof f->message_en, "%s", en);
    return 0;
}

static int add_conflict(name_check_t *c, const name_entry_t *e, const char *rule, double d)
{
    for (size_t i = 0; i < c->nconflicts; i++)
        if (c->conflicts[i].entry == e)
            return 0;
    name_conflict_t *x = realloc(c->conflicts, (c->nconflicts + 1) * sizeof *x);
    if (!x)
        return -1;
    c->conflicts = x;
    c->conflicts[c->nconflicts++] = (name_conflict_t){e, rule, d};
    return 0;
}

/* Characters outside GB 2312 stand in for "outside the 通用规范汉字表" (a
 * documented approximation: GB 2312's 6763 characters are a subset of the
 * table's 8105 except for a few dozen; see docs/names.md). */
static int rare_char(const char *s, char *which, size_t whichsz)
{
    UErrorCode ue = U_ZERO_ERROR;
    UConverter *cv = ucnv_open("GB2312", &ue);
    if (U_FAILURE(ue))
        return 0;
    ucnv_setFromUCallBack(cv, UCNV_FROM_U_CALLBACK_STOP, NULL, NULL, NULL, &ue);
    const char *p = s, *end = s + strlen(s);
    int found = 0;
    while (p < end && !found) {
        const char *start = p;
        long cp = text_next_codepoint(&p, end);
        if (cp < 0 || !text_is_cjk(cp))
            continue;
        UChar u[2];
        int32_t ul = 0;
        ue = U_ZERO_ERROR;
        u_strFromUTF8(u, 2, &ul, start, (int32_t)(p - start), &ue);
        char outb[8];
        ue = U_ZERO_ERROR;
        ucnv_fromUChars(cv, outb, sizeof outb, u, ul, &ue);
        if (U_FAILURE(ue)) {
            snprintf(which, whichsz, "%.*s", (int)(p - start), start);
            found = 1;
        }
    }
    ucnv_close(cv);
    return found;
}

/* NAME-TEXT-BAD (data quality, DOMAIN.md §3): signs of text that went
 * through a wrong encoding before it reached us, looked for in the name as
 * given (normalisation would drop a `?`): a replacement character U+FFFD,
 * its GBK rendering 锟斤拷, question marks standing for lost characters, or
 * UTF-8 read as Latin-1 / Windows-1252 (常 → å¸¸). Returns what was found
 * or NULL. */
/* A byte 0x80–0xBF (a UTF-8 continuation byte) as Latin-1 or Windows-1252 shows it. */
static int continuation_glyph(long cp)
{
    static const long cp1252[] = {0x20AC, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
                                  0x2039, 0x0152, 0x017D, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                  0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x017E, 0x0178};
    if (cp >= 0x80 && cp <= 0xBF)
        return 1;
    for (size_t i = 0; i < sizeof cp1252 / sizeof *cp1252; i++)
        if (cp == cp1252[i])
            return 1;
    return 0;
}

static const char *text_bad(const char *s, size_t len)
{
    const char *p = s, *end = s + len;
    long prev = 0;
    while (p < end) {
        long cp = text_next_codepoint(&p, end);
        if (cp == 0xFFFD)
            return "U+FFFD";
        if (cp == '?' || cp == 0xFF1F)
            return "?";
        /* The lead byte of a CJK character in UTF-8 (0xE3–0xE9) shown as
         * Latin-1 (ã–é), followed by a continuation byte: 路 → è·¯. A pinyin
         * letter (é, è) alone is not mojibake. */
        if (prev >= 0xE3 && prev <= 0xE9 && continuation_glyph(cp))
            return "Latin-1";
        prev = cp;
    }
    char buf[NAMES_MAX_INPUT + 1];
    snprintf(buf, sizeof buf, "%.*s", (int)(len < NAMES_MAX_INPUT ? len : NAMES_MAX_INPUT), s);
    return strstr(buf, "锟斤拷") ? "锟斤拷" : NULL;
}

/* The first word of a list found in s, or NULL. */
static const char *find_word(const strmap_t *m, const char *s, int *leader)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key && strstr(s, m->slots[i].key)) {
            if (leader)
                *leader = m->slots[i].weight > 0;
            return m->slots[i].key;
        }
    return NULL;
}

/* The scope prefix length of a category (digits of the division code). */
static size_t scope_digits(name_category_t cat, const name_parts_t *np)
{
    switch (cat) {
    case NAME_CAT_DIVISION:
        if (strcmp(np->base_generic, "镇") == 0 || strcmp(np->base_generic, "乡") == 0 ||
            strcmp(np->base_generic, "街道") == 0)
            return 2; /* 乡级: the province */
        if (strcmp(np->base_generic, "村") == 0 || strcmp(np->base_generic, "社区") == 0)
            return 6; /* 村(居)委会: the county */
        return 0;     /* county and higher: the country */
    case NAME_CAT_NATURAL:
        return 0;
    default:
        return 6;
    }
}

typedef struct scan {
    const names_index_t *ix;
    name_check_t *c;
    const name_parts_t *np;
    name_category_t cat;
    char scope[13];
    size_t scope_n;
    double lon, lat;
    int kind;
    const char *raw;
    names_worker_t *w;
    name_parts_t *tmp;
    uint64_t lo, hi; /* the scope as a range of numeric division codes */
    int oom;
    const char *dialect; /* the dialect of a KEY_DIALECT lookup */
} scan_t;

/* Lookups of names_check beyond the index's own key kinds. */
enum { KEY_DIALECT = 100 };

static int in_scope(const scan_t *s, const name_entry_t *e)
{
    if (e->category != s->cat)
        return 0;
    if (!s->scope_n)
        return 1;
    return strlen(e->division_code) >= s->scope_n && strncmp(e->division_code, s->scope, s->scope_n) == 0;
}

static int on_key(uint32_t id, void *ctx)
{
    scan_t *s = ctx;
    const name_entry_t *e = names_index_entry(s->ix, id);
    if (!e || !in_scope(s, e))
        return 0;
    /* Without a scope a common name clashes with hundreds of counties: the
     * first NAMES_MAX_CONFLICTS are enough to decide and to show. */
    if (s->c->nconflicts >= NAMES_MAX_CONFLICTS)
        return 1;
    double d = names_distance_m(s->lon, s->lat, e->lon, e->lat);
    char zh[256], en[256];
    const char *rule = NULL;
    name_severity_t sev = NAME_SEV_ERROR;
    const char *src = SRC_DUP;
    dm_error err;
    if (s->kind == KEY_NORM) {
        if (strcmp(e->name, s->raw) == 0) {
            rule = "NAME-DUP-EXACT";
            snprintf(zh, sizeof zh, "与范围内已有地名“%.90s”重名", e->name);
            snprintf(en, sizeof en, "same name as the existing '%.90s' in scope", e->name);
        } else {
            rule = "NAME-DUP-VARIANT";
            snprintf(zh, sizeof zh, "与已有地名“%.90s”仅繁简、全半角或标点不同", e->name);
            snprintf(en, sizeof en, "differs from the existing '%.90s' only in script form, width or punctuation",
                     e->name);
        }
    } else if (s->kind == KEY_DUP) {
        if (names_analyze(s->w, e->name, (size_t)-1, e->category, s->tmp, &err) ||
            strcmp(s->tmp->norm, s->np->norm) == 0)
            return 0; /* already reported as an exact duplicate */
        rule = "NAME-DUP-SPECIFIC";
        src = SRC_TONGLING;
        snprintf(zh, sizeof zh, "专名“%.50s”与已有地名“%.50s”相同（仅通名、方位词或城市名/新/大前缀不同）", s->np->dup_key,
                 e->name);
        snprintf(en, sizeof en, "same specific part '%.50s' as the existing '%.50s' (only the generic or a prefix differs)",
                 s->np->dup_key, e->name);
    } else if (s->kind == KEY_HOM) {
        if (names_analyze(s->w, e->name, (size_t)-1, e->category, s->tmp, &err) ||
            strcmp(s->tmp->dup_key, s->np->dup_key) == 0)
            return 0; /* same characters: a duplicate, not a homophone */
        int toned = strcmp(s->tmp->hom_toned, s->np->hom_toned) == 0;
        rule = toned ? "NAME-HOM-TONED" : "NAME-HOM-TONELESS";
        sev = NAME_SEV_WARNING;
        snprintf(zh, sizeof zh, "与范围内已有地名“%.90s”同音（%s）", e->name, toned ? "声调相同" : "不计声调");
        snprintf(en, sizeof en, "sounds like the existing '%.90s' (%s)", e->name,
                 toned ? "same tones" : "ignoring tones");
    } else if (s->kind == KEY_DIALECT) {
        if (names_analyze(s->w, e->name, (size_t)-1, e->category, s->tmp, &err) ||
            strcmp(s->tmp->hom_key, s->np->hom_key) == 0)
            return 0; /* already a 普通话 homophone */
        snprintf(zh, sizeof zh, "与范围内已有地名“%.60s”方言同音（%.60s），需人工核定", e->name, s->dialect);
        snprintf(en, sizeof en, "reads like the existing '%.60s' in the local dialect (%.60s): manual review", e->name,
                 s->dialect);
        /* A second finding for a name already in conflict (one character
         * apart and a dialect homophone): both facts help the reviewer. */
        int known = 0;
        for (size_t i = 0; i < s->c->nconflicts; i++)
            known |= s->c->conflicts[i].entry == e;
        for (size_t i = 0; i < s->c->nfindings; i++)
            if (s->c->findings[i].conflict == e && strcmp(s->c->findings[i].rule, "NAME-HOM-DIALECT") == 0)
                return 0;
        if (add_finding(s->c, "NAME-HOM-DIALECT", NAME_SEV_INFO, SRC_TONGLING, e, zh, en) ||
            (!known && add_conflict(s->c, e, "NAME-HOM-DIALECT", d))) {
            s->oom = 1;
            return 1;
        }
        return 0;
    } else { /* KEY_DEL / one edit apart: only nearby names matter */
        if (!(d <= 5000) || strcmp(e->name, s->raw) == 0)
            return 0;
        if (names_analyze(s->w, e->name, (size_t)-1, e->category, s->tmp, &err) ||
            strcmp(s->tmp->dup_key, s->np->dup_key) == 0 || strcmp(s->tmp->norm, s->np->norm) == 0)
            return 0;
        rule = "NAME-DUP-NEAR";
        sev = NAME_SEV_WARNING;
        src = SRC_DUP;
        snprintf(zh, sizeof zh, "与附近%.0f米的已有地名“%.90s”仅差一字，易混淆", d, e->name);
        snprintf(en, sizeof en, "one character apart from the existing '%.90s' %.0f m away", e->name, d);
    }
    /* One finding per conflicting entry: the first (strongest) rule wins. */
    for (size_t i = 0; i < s->c->nconflicts; i++)
        if (s->c->conflicts[i].entry == e)
            return 0;
    if (add_finding(s->c, rule, sev, src, e, zh, en) || add_conflict(s->c, e, rule, d)) {
        s->oom = 1;
        return 1;
    }
    return 0;
}

static int del_variant(const char *v, void *ctx)
{
    scan_t *s = ctx;
    s->kind = KEY_DEL;
    names_index_lookup_scoped(s->ix, KEY_DEL, v, s->lo, s->hi, on_key, s);
    names_index_lookup_scoped(s->ix, KEY_DUP, v, s->lo, s->hi, on_key, s);
    return s->oom;
}

/* Mirrors each_deletion in names_index.c for the proposal's key. */
static void deletions(const char *key, scan_t *s)
{
    const char *p = key, *end = key + strlen(key);
    size_t offs[NAMES_BUF], n = 0;
    while (p < end && n < NAMES_BUF - 1) {
        offs[n++] = (size_t)(p - key);
        if (text_next_codepoint(&p, end) < 0)
            return;
    }
    offs[n] = (size_t)(end - key);
    if (n < 2)
        return;
    char v[NAMES_BUF];
    size_t L = strlen(key);
    for (size_t i = 0; i < n; i++) {
        size_t a = offs[i], b = offs[i + 1];
        memcpy(v, key, a);
        memcpy(v + a, key + b, L - b);
        v[L - (b - a)] = '\0';
        if (del_variant(v, s))
            return;
    }
}

/* The dialect group of one character under the region of `code` (the most
 * specific region prefix wins), or NULL. */
static const strmap_slot_t *dialect_group(const names_lexicon_t *lx, const char *code, const char *ch, size_t n)
{
    static const size_t lens[] = {6, 4, 2};
    for (size_t i = 0; i < 3; i++) {
        if (strlen(code) < lens[i])
            continue;
        char k[32];
        int kl = snprintf(k, sizeof k, "%.*s|%.*s", (int)lens[i], code, (int)n, ch);
        if (kl <= 0 || (size_t)kl >= sizeof k)
            continue;
        const strmap_slot_t *sl = names_map_get(&lx->dialect, k, (size_t)kl);
        if (sl)
            return sl;
    }
    return NULL;
}

/* NAME-HOM-DIALECT: every spelling of the duplicate key whose characters are
 * read alike in the dialect of the region (dialect.tsv), looked up as a
 * duplicate key in scope. At most 256 spellings. */
static void dialect_variants(const names_lexicon_t *lx, const char *code, scan_t *s)
{
    const char *key = s->np->dup_key, *p = key, *end = key + strlen(key);
    enum { MAXC = 16 };
    const char *pos[MAXC];
    size_t plen[MAXC];
    const char *groups[MAXC];
    size_t n = 0, combos = 1;
    while (p < end && n < MAXC) {
        const char *start = p;
        if (text_next_codepoint(&p, end) < 0)
            return;
        pos[n] = start, plen[n] = (size_t)(p - start);
        const strmap_slot_t *g = dialect_group(lx, code, start, plen[n]);
        groups[n] = g ? g->val : NULL;
        if (g) {
            size_t members = 0;
            for (const char *q = g->val; *q; q++)
                members += ((unsigned char)*q & 0xC0) != 0x80;
            combos *= members;
        }
        n++;
    }
    if (p < end || combos <= 1 || combos > 256)
        return;
    for (size_t c = 0; c < combos && !s->oom; c++) {
        char v[NAMES_BUF];
        size_t k = 0, rest = c;
        int differs = 0;
        for (size_t i = 0; i < n; i++) {
            const char *ch = pos[i];
            size_t cl = plen[i];
            if (groups[i]) {
                size_t members = 0;
                for (const char *q = groups[i]; *q; q++)
                    members += ((unsigned char)*q & 0xC0) != 0x80;
                size_t pick = rest % members;
                rest /= members;
                const char *q = groups[i], *qe = q + strlen(q);
                for (size_t j = 0; j <= pick; j++) {
                    ch = q;
                    text_next_codepoint(&q, qe);
                    cl = (size_t)(q - ch);
                }
                differs |= cl != plen[i] || memcmp(ch, pos[i], cl) != 0;
            }
            if (k + cl + 1 >= sizeof v)
                return;
            memcpy(v + k, ch, cl);
            k += cl;
        }
        v[k] = '\0';
        if (!differs)
            continue;
        const strmap_slot_t *g = NULL;
        for (size_t i = 0; i < n && !g; i++)
            if (groups[i])
                g = dialect_group(lx, code, pos[i], plen[i]);
        s->dialect = g ? g->val : "";
        s->kind = KEY_DIALECT;
        names_index_lookup_scoped(s->ix, KEY_DUP, v, s->lo, s->hi, on_key, s);
    }
}

/* Samples the vertices of a geometry: their mean and the divisions they lie in. */
static int locate_geometry(const division_index_t *divs, const names_proposal_t *p, name_check_t *c, double *lon,
                           double *lat, dm_error *err)
{
    *lon = *lat = NAN;
    if (!p->wkb)
        return 0;
    GEOSGeometry *g = geom_from_wkb(p->wkb, p->wkb_len, err);
    if (!g)
        return DM_EGEOM;
    GEOSContextHandle_t h = geom_ctx();
    GEOSCoordSequence *cs = NULL;
    GEOSGeometry *pts = GEOSGeom_extractUniquePoints_r(h, g);
    int n = pts ? GEOSGetNumGeometries_r(h, pts) : 0;
    if (n <= 0) {
        geom_destroy_all(g, pts, NULL);
        return dm_error_set(err, DM_EGEOM, "geometry", "geometry has no coordinates");
    }
    (void)cs;
    double sx = 0, sy = 0;
    int step = n > 200 ? n / 200 : 1, used = 0;
    char counties[8][7];
    int ncounties = 0;
    for (int i = 0; i < n; i += step) {
        const GEOSGeometry *pt = GEOSGetGeometryN_r(h, pts, i);
        double x, y;
        GEOSGeomGetX_r(h, pt, &x);
        GEOSGeomGetY_r(h, pt, &y);
        if (!(x >= -180 && x <= 180 && y >= -90 && y <= 90)) {
            geom_destroy_all(g, pts, NULL);
            return dm_error_set(err, DM_EGEOM, "geometry", "coordinates must be lon/lat (got %g, %g)", x, y);
        }
        sx += x, sy += y, used++;
        if (!divs)
            continue;
        const division_entry_t *chain[LOCATE_MAX_CHAIN];
        int k = division_index_locate(divs, x, y, p->date, chain);
        for (int j = 0; j < k; j++) {
            size_t m;
            for (m = 0; m < c->ndivisions && c->divisions[m] != chain[j]; m++)
                ;
            if (m == c->ndivisions && c->ndivisions < sizeof c->divisions / sizeof *c->divisions)
                c->divisions[c->ndivisions++] = chain[j];
            if (chain[j]->level == LEVEL_COUNTY) {
                int q;
                for (q = 0; q < ncounties && strncmp(counties[q], chain[j]->code, 6) != 0; q++)
                    ;
                if (q == ncounties && ncounties < 8)
                    snprintf(counties[ncounties++], 7, "%.6s", chain[j]->code);
            }
        }
    }
    c->crosses_county = ncounties > 1;
    *lon = sx / used, *lat = sy / used;
    geom_destroy_all(g, pts, NULL);
    return 0;
}

/* NAME-GENERIC-SCALE: the generic claims a size the stated one does not
 * reach (scale.tsv: "width_m>=40", "area_ha>=2,floor_area_m2>=100000").
 * Only the measures the proposal states are checked. Returns 1 on OOM. */
static int scale_rule(const names_lexicon_t *lx, const names_proposal_t *p, const name_parts_t *np, name_check_t *c)
{
    if (!np->base_generic[0])
        return 0;
    char k[NAMES_BUF + 32];
    int kl = snprintf(k, sizeof k, "%s|%s", names_category_name(p->category), np->base_generic);
    const strmap_slot_t *sl = names_map_get(&lx->scale, k, (size_t)kl);
    if (!sl)
        return 0;
    char spec[256];
    snprintf(spec, sizeof spec, "%s", sl->val);
    char *save = NULL;
    for (char *t = strtok_r(spec, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *ge = strstr(t, ">=");
        if (!ge)
            continue;
        *ge = '\0';
        double min = strtod(ge + 2, NULL), have = 0;
        const char *zh_what = NULL;
        if (strcmp(t, "width_m") == 0)
            have = p->width_m, zh_what = "红线宽度";
        else if (strcmp(t, "area_ha") == 0)
            have = p->area_ha, zh_what = "占地面积";
        else if (strcmp(t, "floor_area_m2") == 0)
            have = p->floor_area_m2, zh_what = "建筑面积";
        if (!zh_what || !(have > 0) || have >= min)
            continue;
        char zh[256], en[256];
        snprintf(zh, sizeof zh, "通名“%.60s”要求%s不小于%g，实际为%g", np->base_generic, zh_what, min, have);
        snprintf(en, sizeof en, "the generic '%.60s' needs %s >= %g, the proposal has %g", np->base_generic, t, min, have);
        if (add_finding(c, "NAME-GENERIC-SCALE", NAME_SEV_WARNING, "local naming rules (scale.tsv)", NULL, zh, en))
            return 1;
    }
    return 0;
}

/* NAME-FACILITY-LOCALITY (第九条(八)): a facility that matters for
 * orientation generally takes the name of its locality. The locality is the
 * declared one, else the divisions the geometry lies in (their 专名 without
 * 省/市/区/街道/社区 …); the finding is informational when the facility's name
 * contains none of them. Returns 1 on OOM. */
static int locality_rule(names_worker_t *w, const names_proposal_t *p, const name_parts_t *np, name_check_t *c)
{
    char names[4][NAMES_BUF];
    size_t n = 0;
    name_parts_t *tmp = malloc(sizeof *tmp);
    if (!tmp)
        return 1;
    dm_error e;
    const char *cand[1 + sizeof c->divisions / sizeof *c->divisions];
    size_t ncand = 0;
    if (p->locality && *p->locality)
        cand[ncand++] = p->locality;
    else
        for (size_t i = c->ndivisions; i-- > 0;) /* the smallest division first */
            if (c->divisions[i]->level != LEVEL_PROVINCE)
                cand[ncand++] = c->divisions[i]->name;
    int matched = 0;
    for (size_t i = 0; i < ncand && !matched; i++) {
        if (!cand[i] || names_analyze(w, cand[i], (size_t)-1, NAME_CAT_DIVISION, tmp, &e))
            continue;
        const char *spec = tmp->specific[0] ? tmp->specific : tmp->norm;
        if (strlen(spec) < 6) /* a one-character 专名 matches too easily */
            spec = tmp->norm;
        if (strstr(np->norm, spec))
            matched = 1;
        else if (n < 4)
            snprintf(names[n++], NAMES_BUF, "%s", spec);
    }
    free(tmp);
    if (matched || !n)
        return 0;
    char list[200] = "";
    for (size_t i = 0; i < n; i++) {
        size_t L = strlen(list);
        snprintf(list + L, sizeof list - L, "%s%.40s", i ? "、" : "", names[i]);
    }
    char zh[256], en[256];
    snprintf(zh, sizeof zh, "设施名称未采用所在地名称（%.150s）", list);
    snprintf(en, sizeof en, "the facility does not take the name of its locality (%.150s)", list);
    return add_finding(c, "NAME-FACILITY-LOCALITY", NAME_SEV_INFO, "《地名管理条例》第九条(八)", NULL, zh, en) != 0;
}

/* NAME-HERITAGE: the proposal renames or cancels a name of the protection
 * list (heritage.tsv): a warning, or an info finding when the override is
 * given. Returns 0 or a dm_status (the name to replace is invalid). */
static int heritage_rule(names_worker_t *w, const names_proposal_t *p, name_check_t *c)
{
    char *norm = NULL;
    dm_error e;
    int rc = names_normalize(w, p->replaces, (size_t)-1, &norm, &e);
    if (rc)
        return rc;
    const strmap_slot_t *sl = names_map_get(&w->lx->heritage, norm, strlen(norm));
    if (sl) {
        char zh[256], en[256];
        snprintf(zh, sizeof zh, "更名或注销列入%.40s的地名“%.80s”%s", sl->val, norm,
                 p->heritage_override ? "（已确认特许）" : "，需特许确认");
        snprintf(en, sizeof en, "renames or cancels '%.80s' of the %.40s list%s", norm, sl->val,
                 p->heritage_override ? " (override given)" : ": needs an explicit override");
        rc = add_finding(c, "NAME-HERITAGE", p->heritage_override ? NAME_SEV_INFO : NAME_SEV_WARNING,
                         "《地名管理条例实施办法》(2024) 地名文化遗产保护名录", NULL, zh, en)
                 ? DM_ENOMEM
                 : 0;
    }
    free(norm);
    return rc;
}

int names_check(names_worker_t *w, const names_index_t *ix, const division_index_t *divisions,
                const names_proposal_t *p, name_check_t *c, dm_error *err)
{
    memset(c, 0, sizeof *c);
    c->category = p->category;
    const names_lexicon_t *lx = w->lx;
    int rc = names_analyze(w, p->name, p->len, p->category, &c->parts, err);
    if (rc)
        return rc;
    double lon, lat;
    rc = locate_geometry(divisions, p, c, &lon, &lat, err);
    if (rc) {
        names_check_clear(c);
        return rc;
    }
    const name_parts_t *np = &c->parts;
    char zh[256], en[256], w1[64];
    int leader = 0;
    const char *word;
    int oom = 0;
#define FIND(rule, sev, src, z, e) oom |= add_finding(c, rule, sev, src, NULL, z, e)

    const char *bad = text_bad(p->name, p->len == (size_t)-1 ? strlen(p->name) : p->len);
    if (bad) {
        snprintf(zh, sizeof zh, "文字疑似乱码或有缺字（%s）", bad);
        snprintf(en, sizeof en, "the text looks mis-decoded or has lost characters (%s)", bad);
        FIND("NAME-TEXT-BAD", NAME_SEV_ERROR, "data quality (DOMAIN.md §3)", zh, en);
    }
    if (np->has_latin)
        FIND("NAME-SCRIPT", NAME_SEV_ERROR, "《地名管理条例》第九条(二)", "地名含拉丁字母或外文",
             "the name contains Latin letters or a foreign script");
    if (rare_char(np->norm, w1, sizeof w1)) {
        snprintf(zh, sizeof zh, "含生僻字“%.90s”（不在通用规范汉字表的近似表 GB 2312 内）", w1);
        snprintf(en, sizeof en, "rare character '%.90s' (outside GB 2312, the approximation of the common-character list)",
                 w1);
        FIND("NAME-RARE-CHAR", NAME_SEV_WARNING, "《地名管理条例》第九条(二)", zh, en);
    }
    if (!np->generic[0] && p->category != NAME_CAT_NATURAL) {
        const char *other = NULL;
        for (int k = 0; k < NAME_CAT__COUNT && !other; k++) {
            if ((name_category_t)k == p->category)
                continue;
            for (size_t i = 0; i < lx->generics[k].cap && !other; i++) {
                const char *g = lx->generics[k].slots[i].key;
                size_t gl = g ? strlen(g) : 0, nl = strlen(np->norm);
                if (g && nl > gl && strcmp(np->norm + nl - gl, g) == 0)
                    other = g;
            }
        }
        if (other) {
            snprintf(zh, sizeof zh, "通名“%.90s”与类别“%.90s”不符", other, names_category_name(p->category));
            snprintf(en, sizeof en, "generic '%.90s' does not fit the category %s", other,
                     names_category_name(p->category));
        } else {
            snprintf(zh, sizeof zh, "缺少类别“%.90s”的通名", names_category_name(p->category));
            snprintf(en, sizeof en, "no generic term of the category %s", names_category_name(p->category));
        }
        FIND("NAME-GENERIC-MISSING", NAME_SEV_ERROR, "GB/T 38207-2019; local generic lists", zh, en);
    }
    if (np->generic[0] && np->specific[0]) {
        /* ××大厦广场, ××苑公寓: the specific itself ends in a generic. */
        for (int k = 0; k < NAME_CAT__COUNT; k++) {
            if (k != NAME_CAT_BUILDING && k != NAME_CAT_RESIDENTIAL && (name_category_t)k != p->category)
                continue;
            const char *hit = NULL;
            size_t sl = strlen(np->specific);
            for (size_t i = 0; i < lx->generics[k].cap && !hit; i++) {
                const char *g = lx->generics[k].slots[i].key;
                size_t gl = g ? strlen(g) : 0;
                if (g && gl >= 6 && sl > gl && strcmp(np->specific + sl - gl, g) == 0)
                    hit = g;
            }
            if (hit) {
                snprintf(zh, sizeof zh, "通名叠加：“%.90s”后又接“%.90s”", hit, np->base_generic);
                snprintf(en, sizeof en, "stacked generics: '%.90s' followed by '%.90s'", hit, np->base_generic);
                FIND("NAME-GENERIC-STACK", NAME_SEV_WARNING, "local naming rules", zh, en);
                break;
            }
        }
    }
    if (np->ordinal_only)
        FIND("NAME-ORDINAL-ONLY", NAME_SEV_ERROR, "local naming rules; issue 3 (bare ordinals are rejected)",
             "专名仅为序数或数字",
             "the specific part is only an ordinal or a number");
    if ((word = find_word(&lx->grandiose, np->norm, NULL))) {
        snprintf(zh, sizeof zh, "含夸大用语“%.90s”", word);
        snprintf(en, sizeof en, "exaggerated word '%.90s'", word);
        FIND("NAME-GRANDIOSE", NAME_SEV_WARNING, "local naming rules (中国/中华/全国/国际/世界)", zh, en);
    }
    if ((word = find_word(&lx->foreign, np->norm, NULL))) {
        snprintf(zh, sizeof zh, "使用外国地名或人名“%.90s”", word);
        snprintf(en, sizeof en, "foreign place or person name '%.90s'", word);
        FIND("NAME-FOREIGN", NAME_SEV_ERROR, "《地名管理条例》第九条(四)", zh, en);
    }
    if ((word = find_word(&lx->brands, np->norm, NULL))) {
        snprintf(zh, sizeof zh, "使用企业名称或商标“%.90s”", word);
        snprintf(en, sizeof en, "enterprise or trademark name '%.90s'", word);
        FIND("NAME-BRAND", NAME_SEV_ERROR, "《地名管理条例》第九条(五); 实施办法第四条", zh, en);
    }
    if ((word = find_word(&lx->persons, np->norm, &leader))) {
        snprintf(zh, sizeof zh, leader ? "使用国家领导人姓名“%.90s”" : "使用人名“%.90s”", word);
        snprintf(en, sizeof en, leader ? "name of a state leader '%.90s'" : "person's name '%.90s'", word);
        FIND("NAME-PERSON", leader ? NAME_SEV_ERROR : NAME_SEV_WARNING, "《地名管理条例》第九条(三); 实施办法第三条",
             zh, en);
    }
    if ((word = find_word(&lx->meaning, np->norm, NULL))) {
        snprintf(zh, sizeof zh, "含不宜用语“%.90s”，需审查", word);
        snprintf(en, sizeof en, "inappropriate word '%.90s' (review)", word);
        FIND("NAME-MEANING", NAME_SEV_WARNING, "《地名管理条例》第九条(一)", zh, en);
    }
    if (c->crosses_county && p->category == NAME_CAT_ROAD)
        FIND("NAME-CROSS-BOUNDARY", NAME_SEV_WARNING, "《地名管理条例》第十条 (approval by the level above)",
             "道路跨越县级行政区域界线，需报上一级审批", "the road crosses a county boundary: approval by the level above");
    oom |= scale_rule(lx, p, np, c);
    if (p->category == NAME_CAT_FACILITY)
        oom |= locality_rule(w, p, np, c);
    if (p->replaces && (rc = heritage_rule(w, p, c))) {
        names_check_clear(c);
        return dm_error_set(err, rc, "replaces", rc == DM_ENOMEM ? "out of memory" : "replaces must be a place name");
    }
    if (p->pinyin && *p->pinyin) {
        char given[NAMES_BUF], want[NAMES_BUF];
        names_pinyin_fold(p->pinyin, given, sizeof given);
        names_pinyin_fold(np->pinyin, want, sizeof want);
        if (strcmp(given, want) != 0) {
            snprintf(zh, sizeof zh, "拼写“%.80s”与标准拼写“%.80s”不符", p->pinyin, np->pinyin);
            snprintf(en, sizeof en, "the spelling '%.80s' differs from the standard '%.80s'", p->pinyin, np->pinyin);
            FIND("NAME-PINYIN", NAME_SEV_WARNING,
                 "1984 汉语地名拼写规则; GB/T 16159-2012; GB 17733-2008", zh, en);
        }
    }
#undef FIND

    /* Duplicates and homophones in scope. */
    if (ix && !oom) {
        scan_t s = {.ix = ix, .c = c, .np = np, .cat = p->category, .lon = lon, .lat = lat, .w = w};
        char raw[NAMES_MAX_INPUT + 1];
        size_t len = p->len == (size_t)-1 ? strlen(p->name) : p->len;
        snprintf(raw, sizeof raw, "%.*s", (int)len, p->name);
        s.raw = raw;
        s.scope_n = scope_digits(p->category, np);
        const char *code = p->division && *p->division ? p->division : NULL;
        for (size_t i = 0; !code && i < c->ndivisions; i++)
            if (c->divisions[i]->level == LEVEL_COUNTY)
                code = c->divisions[i]->code;
        if (s.scope_n && !code)
            s.scope_n = 0; /* no division known: the whole register is the scope */
        if (code)
            snprintf(s.scope, sizeof s.scope, "%s", code);
        if (strlen(s.scope) < s.scope_n)
            s.scope_n = strlen(s.scope);
        s.tmp = malloc(sizeof *s.tmp);
        if (!s.tmp)
            oom = 1;
        else {
            names_scope_range(s.scope, s.scope_n, &s.lo, &s.hi);
            s.kind = KEY_NORM;
            names_index_lookup_scoped(ix, KEY_NORM, np->norm, s.lo, s.hi, on_key, &s);
            s.kind = KEY_DUP;
            names_index_lookup_scoped(ix, KEY_DUP, np->dup_key, s.lo, s.hi, on_key, &s);
            s.kind = KEY_HOM;
            names_index_lookup_scoped(ix, KEY_HOM, np->hom_key, s.lo, s.hi, on_key, &s);
            s.kind = KEY_DEL;
            names_index_lookup_scoped(ix, KEY_DEL, np->dup_key, s.lo, s.hi, on_key, &s);
            deletions(np->dup_key, &s);
            if (code && !s.oom)
                dialect_variants(lx, code, &s);
            oom |= s.oom;
            free(s.tmp);
        }
    }
    if (oom) {
        names_check_clear(c);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    /* An office's severity for a rule (severity.tsv) overrides the default. */
    for (size_t i = 0; i < c->nfindings; i++) {
        const strmap_slot_t *sv = names_map_get(&lx->severity, c->findings[i].rule, strlen(c->findings[i].rule));
        if (sv)
            c->findings[i].severity = sv->weight >= 2 ? NAME_SEV_ERROR : sv->weight >= 1 ? NAME_SEV_WARNING : NAME_SEV_INFO;
    }
    c->verdict = NAME_VERDICT_ACCEPT;
    for (size_t i = 0; i < c->nfindings; i++) {
        if (c->findings[i].severity == NAME_SEV_ERROR)
            c->verdict = NAME_VERDICT_REJECT;
        else if (c->findings[i].severity == NAME_SEV_WARNING && c->verdict == NAME_VERDICT_ACCEPT)
            c->verdict = NAME_VERDICT_WARN;
    }
    return 0;
}

void names_check_clear(name_check_t *c)
{
    free(c->findings);
    free(c->conflicts);
    c->findings = NULL;
    c->conflicts = NULL;
    c->nfindings = c->nconflicts = 0;
}
