/* names_audit.c — the audit of names as they are used (signs, registers,
 * internet maps) against the register of standard names: 未批擅用, 批而不用
 * and 用而不全 (DOMAIN.md §5; legal basis 《地名管理条例》第四条 and 第十八条).
 * The definitions are the project's own, written in docs/names.md:
 *   - each observation is resolved with names_standardize near its point;
 *   - exact / normalised / traditional within tolerance_m: a correct use;
 *   - a former name within tolerance: NAME-AUDIT-FORMER;
 *   - the standard name without its 通名, or with another 通名, within
 *     tolerance: 用而不全 (NAME-AUDIT-PARTIAL, generic_missing / wrong_generic);
 *   - anything else: 未批擅用 (NAME-AUDIT-UNAPPROVED), the nearest candidate
 *     as evidence;
 *   - 用而不全 (ii), channel gap (NAME-AUDIT-CHANNEL): a standard name used
 *     correctly in one required channel (channels.tsv, 第十八条) and only in a
 *     non-standard form in another (the sign is right, the property register
 *     is not); the wrong uses are the evidence;
 *   - a correct use whose romanisation (a sign's pinyin) differs from the
 *     standard spelling: 用而不全, wrong_pinyin (NAME-PINYIN; 1984 rules,
 *     GB 17733-2008);
 *   - 批而不用 (NAME-AUDIT-NOT-USED): an approved standard name inside the
 *     audited area (the observations' bounding box grown by tolerance_m),
 *     approved before `approved_before`, that no observation uses correctly
 *     (no_correct_use), or whose non-standard uses outnumber the correct ones
 *     (dominated); the competing uses are the evidence.
 * Evidence indices live in the same allocation as the findings, so callers
 * free the result with one free(). */
#include "gis/names.h"
#include "gis/namesInt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *names_audit_type_name(name_audit_type_t t)
{
    static const char *const n[] = {"unapproved_use", "approved_not_used", "used_incompletely", "former_name_used"};
    return t <= NAME_AUDIT_FORMER ? n[t] : "?";
}

/* What one observation turned out to be. */
enum obs_kind { OBS_NONE, OBS_CORRECT, OBS_COMPETING };

typedef struct obs_res {
    long entry;        /* index of the standard name it refers to, -1 for none */
    enum obs_kind kind;
    const char *chan;  /* canonical channel or NULL */
    int required;      /* the channel is one the standard name is required in */
} obs_res_t;

typedef struct acc {
    name_audit_finding_t *f;
    size_t n, cap;
    long *ev;          /* evidence of all findings, in order */
    size_t nev, evcap;
    size_t *ev_at;     /* per finding: first evidence index in ev */
} acc_t;

static int push(acc_t *a, name_audit_finding_t f, const long *ev, size_t nev)
{
    if (a->n == a->cap) {
        size_t c = a->cap ? a->cap * 2 : 16;
        name_audit_finding_t *x = realloc(a->f, c * sizeof *x);
        size_t *y = x ? realloc(a->ev_at, c * sizeof *y) : NULL;
        if (x)
            a->f = x;
        if (!y)
            return -1;
        a->ev_at = y, a->cap = c;
    }
    if (a->nev + nev > a->evcap) {
        size_t c = a->evcap ? a->evcap * 2 : 16;
        while (c < a->nev + nev)
            c *= 2;
        long *x = realloc(a->ev, c * sizeof *x);
        if (!x)
            return -1;
        a->ev = x, a->evcap = c;
    }
    f.evidence = NULL;
    f.nevidence = nev;
    a->ev_at[a->n] = a->nev;
    a->f[a->n++] = f;
    if (nev)
        memcpy(a->ev + a->nev, ev, nev * sizeof *ev);
    a->nev += nev;
    return 0;
}

/* One block: the findings, then their evidence; pointers set inside it. */
static name_audit_finding_t *pack(const acc_t *a)
{
    if (!a->n)
        return NULL;
    name_audit_finding_t *out = malloc(a->n * sizeof *out + a->nev * sizeof(long) + 1);
    if (!out)
        return NULL;
    long *ev = (long *)(void *)(out + a->n);
    if (a->nev)
        memcpy(ev, a->ev, a->nev * sizeof *ev);
    for (size_t i = 0; i < a->n; i++) {
        out[i] = a->f[i];
        out[i].evidence = out[i].nevidence ? ev + a->ev_at[i] : NULL;
    }
    return out;
}

static int in_list(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (list[i] && strcmp(list[i], s) == 0)
            return 1;
    return 0;
}

/* (entry, observation) pairs, sorted to group the observations by entry. */
typedef struct pair {
    long entry, obs;
} pair_t;

static int by_entry(const void *a, const void *b)
{
    const pair_t *x = a, *y = b;
    if (x->entry != y->entry)
        return x->entry < y->entry ? -1 : 1;
    return (x->obs > y->obs) - (x->obs < y->obs);
}

static int same_channel(const obs_res_t *a, const obs_res_t *b)
{
    return a->chan && b->chan && strcmp(a->chan, b->chan) == 0;
}

int names_audit(names_worker_t *w, const names_index_t *ix, const name_observation_t *obs, size_t n,
                const names_audit_params_t *params, name_audit_finding_t **out, size_t *nout, dm_error *err)
{
    *out = NULL;
    *nout = 0;
    double tol = params && params->tolerance_m > 0 ? params->tolerance_m : 1000;
    const char *before = params ? params->approved_before : NULL;
    size_t total = names_index_size(ix);
    unsigned char *used = calloc(total ? total : 1, 1);
    name_parts_t *np = malloc(sizeof *np);
    obs_res_t *res = calloc(n ? n : 1, sizeof *res);
    pair_t *pairs = calloc(n ? n : 1, sizeof *pairs);
    long *order = calloc(n ? n : 1, sizeof *order), *ev = calloc(n ? n : 1, sizeof *ev);
    acc_t a = {0};
    if (!used || !np || !res || !pairs || !order || !ev) {
        free(used), free(np), free(res), free(pairs), free(order), free(ev);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    const name_entry_t *base = names_index_entry(ix, 0);
    double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const name_observation_t *o = &obs[i];
        res[i].entry = -1;
        res[i].chan = names_channel_canonical(w->lx, o->channel, &res[i].required);
        if (params && params->required_channels)
            res[i].required = in_list(params->required_channels, params->nrequired_channels, res[i].chan);
        names_query_t q = {.text = o->text, .len = (size_t)-1, .limit = 5};
        q.has_category = o->has_category, q.category = o->category;
        if (!isnan(o->lon) && !isnan(o->lat)) {
            q.has_near = 1, q.near_lon = o->lon, q.near_lat = o->lat;
            minx = fmin(minx, o->lon), maxx = fmax(maxx, o->lon);
            miny = fmin(miny, o->lat), maxy = fmax(maxy, o->lat);
        }
        name_match_t *m = NULL;
        size_t k = 0;
        if ((rc = names_standardize(w, ix, &q, &m, &k, err))) {
            snprintf(err->param, sizeof err->param, "observations[%zu].text", i);
            break;
        }
        /* The best candidate within tolerance (any distance when either point is unknown). */
        const name_match_t *best = NULL;
        for (size_t j = 0; j < k && !best; j++)
            if (isnan(m[j].distance_m) || m[j].distance_m <= tol)
                best = &m[j];
        name_audit_finding_t f = {.observation = (long)i, .distance_m = NAN, .channel = res[i].chan};
        int report = 1;
        if (best)
            res[i].entry = best->entry - base, res[i].kind = OBS_COMPETING;
        if (best && best->type <= NAME_MATCH_TRADITIONAL) {
            used[best->entry - base] = 1;
            res[i].kind = OBS_CORRECT;
            report = 0;
            if (o->pinyin && *o->pinyin &&
                !names_analyze(w, best->entry->name, (size_t)-1, best->entry->category, np, err)) {
                char given[NAMES_BUF], want[NAMES_BUF];
                names_pinyin_fold(o->pinyin, given, sizeof given);
                names_pinyin_fold(np->pinyin, want, sizeof want);
                if (strcmp(given, want) != 0) {
                    f.type = NAME_AUDIT_INCOMPLETE, f.rule = "NAME-PINYIN", f.subtype = "wrong_pinyin";
                    report = 1;
                }
            }
        } else if (best && best->type == NAME_MATCH_FORMER) {
            f.type = NAME_AUDIT_FORMER, f.rule = "NAME-AUDIT-FORMER", f.subtype = "former_name";
        } else if (best && best->type == NAME_MATCH_MISSING_GENERIC) {
            names_analyze(w, o->text, (size_t)-1, best->entry->category, np, err);
            f.type = NAME_AUDIT_INCOMPLETE, f.rule = "NAME-AUDIT-PARTIAL";
            f.subtype = np->generic[0] ? "wrong_generic" : "generic_missing";
        } else {
            f.type = NAME_AUDIT_UNAPPROVED, f.rule = "NAME-AUDIT-UNAPPROVED";
            best = k ? &m[0] : NULL; /* the best candidate as evidence */
            f.subtype = best ? "similar_standard_name" : "no_standard_name";
        }
        if (report) {
            f.entry = best ? best->entry : NULL;
            f.distance_m = best ? best->distance_m : NAN;
            if (push(&a, f, NULL, 0))
                rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        }
        free(m);
    }
    /* The observations grouped by the standard name they refer to. */
    size_t nord = 0;
    for (size_t i = 0; i < n && !rc; i++)
        if (res[i].entry >= 0)
            pairs[nord++] = (pair_t){res[i].entry, (long)i};
    qsort(pairs, nord, sizeof *pairs, by_entry);
    for (size_t i = 0; i < nord; i++)
        order[i] = pairs[i].obs;
    /* 用而不全 (ii), channel gap: right in one required channel, only wrong in another. */
    for (size_t g = 0; g < nord && !rc;) {
        size_t h = g;
        while (h < nord && res[order[h]].entry == res[order[g]].entry)
            h++;
        int any_correct = 0;
        for (size_t i = g; i < h; i++)
            any_correct |= res[order[i]].kind == OBS_CORRECT && res[order[i]].required;
        size_t nev = 0;
        for (size_t i = g; i < h && any_correct; i++) {
            const obs_res_t *r = &res[order[i]];
            if (r->kind != OBS_COMPETING || !r->required)
                continue;
            int right_there = 0;
            for (size_t j = g; j < h; j++)
                right_there |= res[order[j]].kind == OBS_CORRECT && same_channel(&res[order[j]], r);
            if (!right_there)
                ev[nev++] = order[i];
        }
        if (nev) {
            name_audit_finding_t f = {.type = NAME_AUDIT_INCOMPLETE, .rule = "NAME-AUDIT-CHANNEL",
                                      .subtype = "channel_gap", .observation = -1,
                                      .entry = names_index_entry(ix, (uint32_t)res[order[g]].entry),
                                      .distance_m = NAN, .channel = res[ev[0]].chan};
            if (push(&a, f, ev, nev))
                rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        }
        g = h;
    }
    /* 批而不用: approved names in the audited area that nobody uses correctly,
     * or whose non-standard uses outnumber the correct ones. */
    if (!rc && minx <= maxx) {
        double dlat = tol / 111320.0, dlon = tol / (111320.0 * cos((miny + maxy) / 2 * M_PI / 180));
        minx -= dlon, maxx += dlon, miny -= dlat, maxy += dlat;
        size_t g = 0; /* walks the groups of `order` along the entries */
        for (size_t i = 0; i < total && !rc; i++) {
            while (g < nord && res[order[g]].entry < (long)i)
                g++;
            size_t h = g;
            while (h < nord && res[order[h]].entry == (long)i)
                h++;
            const name_entry_t *e = names_index_entry(ix, (uint32_t)i);
            if (isnan(e->lon) || e->lon < minx || e->lon > maxx || e->lat < miny || e->lat > maxy)
                continue;
            if (e->status && strcmp(e->status, "approved") != 0)
                continue;
            if (before && (!e->approved_on || strcmp(e->approved_on, before) >= 0))
                continue;
            size_t correct = 0, nev = 0;
            for (size_t j = g; j < h; j++) {
                if (res[order[j]].kind == OBS_CORRECT)
                    correct++;
                else
                    ev[nev++] = order[j];
            }
            if (used[i] && nev <= correct)
                continue;
            name_audit_finding_t f = {.type = NAME_AUDIT_NOT_USED, .rule = "NAME-AUDIT-NOT-USED",
                                      .subtype = used[i] ? "dominated" : "no_correct_use", .observation = -1,
                                      .entry = e, .distance_m = NAN};
            if (push(&a, f, ev, nev))
                rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        }
    }
    if (!rc && a.n && !(*out = pack(&a)))
        rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    if (!rc)
        *nout = a.n;
    free(a.f), free(a.ev), free(a.ev_at);
    free(used), free(np), free(res), free(pairs), free(order), free(ev);
    return rc;
}
