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
 *   - 批而不用 (NAME-AUDIT-NOT-USED): an approved standard name inside the
 *     audited area (the observations' bounding box grown by tolerance_m),
 *     approved before `approved_before`, that no observation uses correctly. */
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

static int push(name_audit_finding_t **out, size_t *n, size_t *cap, name_audit_finding_t f)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        name_audit_finding_t *x = realloc(*out, c * sizeof *x);
        if (!x)
            return -1;
        *out = x, *cap = c;
    }
    (*out)[(*n)++] = f;
    return 0;
}

int names_audit(names_worker_t *w, const names_index_t *ix, const name_observation_t *obs, size_t n,
                const names_audit_params_t *params, name_audit_finding_t **out, size_t *nout, dm_error *err)
{
    *out = NULL;
    *nout = 0;
    double tol = params && params->tolerance_m > 0 ? params->tolerance_m : 1000;
    const char *before = params ? params->approved_before : NULL;
    size_t total = names_index_size(ix), cap = 0;
    unsigned char *used = calloc(total ? total : 1, 1);
    name_parts_t *np = malloc(sizeof *np);
    if (!used || !np) {
        free(used);
        free(np);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const name_observation_t *o = &obs[i];
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
        name_audit_finding_t f = {.observation = (long)i, .distance_m = NAN};
        int report = 1;
        if (best && best->type <= NAME_MATCH_TRADITIONAL) {
            used[best->entry - names_index_entry(ix, 0)] = 1;
            report = 0;
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
            if (push(out, nout, &cap, f))
                rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        }
        free(m);
    }
    /* 批而不用: approved names in the audited area that nobody uses. */
    if (!rc && minx <= maxx) {
        double dlat = tol / 111320.0, dlon = tol / (111320.0 * cos((miny + maxy) / 2 * M_PI / 180));
        minx -= dlon, maxx += dlon, miny -= dlat, maxy += dlat;
        for (size_t i = 0; i < total && !rc; i++) {
            const name_entry_t *e = names_index_entry(ix, (uint32_t)i);
            if (used[i] || isnan(e->lon) || e->lon < minx || e->lon > maxx || e->lat < miny || e->lat > maxy)
                continue;
            if (e->status && strcmp(e->status, "approved") != 0)
                continue;
            if (before && (!e->approved_on || strcmp(e->approved_on, before) >= 0))
                continue;
            name_audit_finding_t f = {.type = NAME_AUDIT_NOT_USED, .rule = "NAME-AUDIT-NOT-USED",
                                      .subtype = "no_correct_use", .observation = -1, .entry = e,
                                      .distance_m = NAN};
            if (push(out, nout, &cap, f))
                rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        }
    }
    free(used);
    free(np);
    if (rc) {
        free(*out);
        *out = NULL;
        *nout = 0;
    }
    return rc;
}
