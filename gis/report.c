/* report.c — evaluating plan targets for a division (see report.h).
 *
 * One pass loads what every target may need: the operating facilities
 * inside the division (by division code) and, for ratio targets over people,
 * the residential areas; unit targets read their units from the store; reach
 * targets run the coverage engine (coverage.h). */
#include "gis/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis/divcode.h"
#include "gis/geom.h"
#include "gis/store_coverage.h"

static const char *const kind_names[] = {"unit", "ratio", "attribute", "reach", "count", "manual"};
static const char *const op_names[] = {">=", ">", "<=", "="};

int report_kind_parse(const char *s)
{
    for (int i = 0; s && i < (int)(sizeof kind_names / sizeof *kind_names); i++)
        if (strcmp(s, kind_names[i]) == 0)
            return i;
    return -1;
}

const char *report_kind_name(report_kind_t k) { return kind_names[k]; }

int report_op_parse(const char *s)
{
    for (int i = 0; s && i < (int)(sizeof op_names / sizeof *op_names); i++)
        if (strcmp(s, op_names[i]) == 0)
            return i;
    return -1;
}

const char *report_op_name(report_op_t op) { return op_names[op]; }

static int compare(report_op_t op, double value, double target)
{
    const double eps = 1e-9;
    switch (op) {
    case REPORT_GE: return value >= target - eps;
    case REPORT_GT: return value > target + eps;
    case REPORT_LE: return value <= target + eps;
    case REPORT_EQ: return fabs(value - target) <= eps;
    }
    return 0;
}

static char *dupstr(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* ---- facilities of the division -------------------------------------------------- */

typedef struct {
    int64_t id;
    char *name, *type, *functions, code[13];
    long beds, nursing_beds;
    unsigned char *wkb;
    size_t wkb_len;
} rfac_t;

typedef struct {
    rfac_t *v;
    size_t n, cap;
    const char *prefix;
} rfacs_t;

static int starts_with(const char *s, const char *prefix) { return s && strncmp(s, prefix, strlen(prefix)) == 0; }

static int on_fac(const store_cov_facility_t *f, void *ctx)
{
    rfacs_t *l = ctx;
    if ((f->status && strcmp(f->status, "operating") != 0) || !starts_with(f->division_code, l->prefix))
        return 0;
    if (l->n == l->cap) {
        size_t c = l->cap ? 2 * l->cap : 64;
        rfac_t *v = realloc(l->v, c * sizeof *v);
        if (!v)
            return DM_ENOMEM;
        l->v = v, l->cap = c;
    }
    rfac_t *o = &l->v[l->n++];
    memset(o, 0, sizeof *o);
    o->id = f->id;
    o->name = dupstr(f->name), o->type = dupstr(f->type), o->functions = dupstr(f->functions);
    snprintf(o->code, sizeof o->code, "%s", f->division_code ? f->division_code : "");
    o->beds = f->beds, o->nursing_beds = f->nursing_beds;
    if ((o->wkb = malloc(f->wkb_len ? f->wkb_len : 1)))
        memcpy(o->wkb, f->wkb, f->wkb_len), o->wkb_len = f->wkb_len;
    return 0;
}

static void rfacs_free(rfacs_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].name);
        free(l->v[i].type);
        free(l->v[i].functions);
        free(l->v[i].wkb);
    }
    free(l->v);
}

static int fac_matches(const rfac_t *f, const report_target_t *t)
{
    return coverage_facility_matches(f->type, f->functions, t->facility_types, t->facility_functions);
}

/* ---- failing units ---------------------------------------------------------------- */

static int add_failing(report_item_t *it, const char *code, const char *name, const unsigned char *wkb,
                       size_t wkb_len)
{
    report_failing_t *v = realloc(it->failing, (it->nfailing + 1) * sizeof *v);
    if (!v)
        return DM_ENOMEM;
    it->failing = v;
    report_failing_t *f = &v[it->nfailing++];
    f->code = dupstr(code), f->name = dupstr(name);
    f->wkb = NULL, f->wkb_len = 0;
    if (wkb && (f->wkb = malloc(wkb_len ? wkb_len : 1)))
        memcpy(f->wkb, wkb, wkb_len), f->wkb_len = wkb_len;
    return 0;
}

/* ---- unit coverage ------------------------------------------------------------------ */

typedef struct {
    const report_target_t *t;
    const rfacs_t *facs;
    report_item_t *it;
} unit_ctx_t;

/* Urban by 城乡分类代码 (1xx 城镇, 2xx 乡村), else by type (街道, 社区 urban). */
static int unit_is_urban(const store_cov_unit_t *u)
{
    if (u->urban_rural && *u->urban_rural)
        return u->urban_rural[0] == '1';
    return u->type && (strcmp(u->type, "街道") == 0 || strcmp(u->type, "社区") == 0);
}

static int type_in(const char *type, const char *list)
{
    if (!list || !*list)
        return 1;
    if (!type)
        return 0;
    size_t n = strlen(type);
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && strncmp(p, type, n) == 0)
            return 1;
        p += k;
        if (*p)
            p++;
    }
    return 0;
}

static int on_unit(const store_cov_unit_t *u, void *pctx)
{
    unit_ctx_t *c = pctx;
    const report_target_t *t = c->t;
    if (!type_in(u->type, t->unit_types))
        return 0;
    if (t->urban_rural && *t->urban_rural && unit_is_urban(u) != (strcmp(t->urban_rural, "urban") == 0))
        return 0;
    char code[13], prefix[13];
    snprintf(code, sizeof code, "%s", u->code);
    divcode_short(code, prefix);
    long n = 0;
    for (size_t i = 0; i < c->facs->n; i++)
        if (starts_with(c->facs->v[i].code, prefix) && fac_matches(&c->facs->v[i], t))
            n++;
    long need = t->min_count > 0 ? t->min_count : 1;
    c->it->denominator++;
    if (n >= need)
        c->it->numerator++;
    else if (add_failing(c->it, u->code, u->name, u->wkb, u->wkb_len))
        return DM_ENOMEM;
    return 0;
}

/* ---- residential totals ---------------------------------------------------------------- */

typedef struct {
    double pop_60, pop_80, households;
} people_t;

static int on_area(const store_cov_area_t *a, void *ctx)
{
    people_t *p = ctx;
    p->pop_60 += a->pop_60 > 0 ? a->pop_60 : 0;
    p->pop_80 += a->pop_80 > 0 ? a->pop_80 : 0;
    p->households += a->households > 0 ? a->households : 0;
    return 0;
}

static int sum_of(const char *what, const rfacs_t *facs, const report_target_t *t, const people_t *people,
                  double *out)
{
    if (!what)
        return -1;
    if (strcmp(what, "pop_60") == 0)
        *out = people->pop_60;
    else if (strcmp(what, "pop_80") == 0)
        *out = people->pop_80;
    else if (strcmp(what, "households") == 0)
        *out = people->households;
    else if (strcmp(what, "beds") == 0 || strcmp(what, "nursing_beds") == 0) {
        int nursing = what[0] == 'n';
        *out = 0;
        for (size_t i = 0; i < facs->n; i++)
            if (fac_matches(&facs->v[i], t)) {
                long v = nursing ? facs->v[i].nursing_beds : facs->v[i].beds;
                *out += v > 0 ? (double)v : 0;
            }
    } else
        return -1;
    return 0;
}

static char *fac_code(int64_t id)
{
    char buf[32];
    snprintf(buf, sizeof buf, "facility:%lld", (long long)id);
    return dupstr(buf);
}

static int evaluate_one(store_t *s, const coverage_graph_t *g, const char *division, const char *date,
                        const char *prefix, const rfacs_t *facs, const people_t *people, report_item_t *it,
                        dm_error *err)
{
    const report_target_t *t = it->target;
    int rc = 0;
    it->evaluated = 1;
    switch (t->kind) {
    case REPORT_MANUAL:
        it->evaluated = 0;
        it->why_not = dupstr(t->note ? t->note : "not computable from the data diming holds");
        return 0;
    case REPORT_UNIT: {
        unit_ctx_t c = {t, facs, it};
        rc = store_cov_units(s, prefix, t->level, date, on_unit, &c, err);
        if (rc)
            return rc == DM_ENOMEM ? dm_error_set(err, rc, NULL, "out of memory") : rc;
        if (!it->denominator) {
            it->evaluated = 0;
            it->why_not = dupstr("no units of this kind in the division");
            return 0;
        }
        it->value = it->numerator / it->denominator;
        break;
    }
    case REPORT_RATIO: {
        double num, den;
        if (sum_of(t->numerator, facs, t, people, &num) || sum_of(t->denominator, facs, t, people, &den)) {
            it->evaluated = 0;
            it->why_not = dupstr("unknown numerator or denominator");
            return 0;
        }
        it->numerator = num, it->denominator = den;
        if (den <= 0) {
            it->evaluated = 0;
            it->why_not = dupstr("the denominator is zero in this division");
            return 0;
        }
        it->value = num / den * (t->scale > 0 ? t->scale : 1);
        break;
    }
    case REPORT_ATTRIBUTE:
        for (size_t i = 0; i < facs->n; i++) {
            const rfac_t *f = &facs->v[i];
            if (!fac_matches(f, t) || f->beds < t->min_beds)
                continue;
            it->denominator++;
            if (coverage_facility_matches(NULL, f->functions, NULL, t->requires_function))
                it->numerator++;
            else {
                char *code = fac_code(f->id);
                rc = add_failing(it, code, f->name, f->wkb, f->wkb_len);
                free(code);
                if (rc)
                    return dm_error_set(err, rc, NULL, "out of memory");
            }
        }
        it->value = it->denominator > 0 ? it->numerator / it->denominator : 1; /* vacuously met */
        break;
    case REPORT_COUNT:
        for (size_t i = 0; i < facs->n; i++)
            if (fac_matches(&facs->v[i], t))
                it->numerator++;
        it->value = it->numerator;
        break;
    case REPORT_REACH: {
        coverage_query_t q = {division, date, coverage_params_default(), t->facility_types, t->facility_functions};
        if (t->minutes > 0)
            q.params.minutes = t->minutes;
        if (t->speed_mps > 0)
            q.params.speed_mps = t->speed_mps;
        coverage_result_t r;
        if ((rc = coverage_evaluate(s, g, &q, &r, err)))
            return rc;
        int areas = t->measure && strcmp(t->measure, "areas") == 0;
        it->numerator = (double)(areas ? r.total.areas_covered : r.total.pop_60_covered);
        it->denominator = (double)(areas ? r.total.areas : r.total.pop_60);
        for (size_t i = 0; i < r.nareas && !rc; i++)
            if (!r.areas[i].covered) {
                char *code = dupstr(r.areas[i].division_code);
                rc = add_failing(it, code, r.areas[i].name, r.areas[i].wkb, r.areas[i].wkb_len);
                free(code);
            }
        coverage_result_clear(&r);
        if (rc)
            return dm_error_set(err, rc, NULL, "out of memory");
        if (it->denominator <= 0) {
            it->evaluated = 0;
            it->why_not = dupstr("no residential areas with people 60+ in the division");
            return 0;
        }
        it->value = it->numerator / it->denominator;
        break;
    }
    }
    it->pass = compare(t->op, it->value, t->target);
    return 0;
}

int report_evaluate(store_t *s, const coverage_graph_t *g, const char *division, const char *date,
                    const report_target_t *targets, size_t n, report_item_t **items, dm_error *err)
{
    *items = NULL;
    division_t d;
    int rc = store_division_get(s, division, date, 0, &d, err);
    if (rc) {
        if (rc == DM_ENOTFOUND)
            rc = dm_error_set(err, DM_EINVAL, "division", "no division with code %s valid on %s", division, date);
        return rc;
    }
    division_clear(&d);
    char code[13], prefix[13];
    snprintf(code, sizeof code, "%s", division);
    divcode_short(code, prefix);
    report_item_t *it = calloc(n + 1, sizeof *it);
    rfacs_t facs = {NULL, 0, 0, prefix};
    people_t people = {0, 0, 0};
    if (!it)
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    rc = store_cov_facilities(s, on_fac, &facs, err);
    if (!rc)
        rc = store_cov_areas(s, prefix, on_area, &people, err);
    for (size_t i = 0; i < n && !rc; i++) {
        it[i].target = &targets[i];
        rc = evaluate_one(s, g, division, date, prefix, &facs, &people, &it[i], err);
    }
    rfacs_free(&facs);
    if (rc) {
        if (rc == DM_ENOMEM)
            dm_error_set(err, rc, NULL, "out of memory");
        report_items_free(it, n);
        return rc;
    }
    *items = it;
    return 0;
}

void report_items_free(report_item_t *items, size_t n)
{
    if (!items)
        return;
    for (size_t i = 0; i < n; i++) {
        free(items[i].why_not);
        for (size_t k = 0; k < items[i].nfailing; k++) {
            free(items[i].failing[k].code);
            free(items[i].failing[k].name);
            free(items[i].failing[k].wkb);
        }
        free(items[i].failing);
    }
    free(items);
}
