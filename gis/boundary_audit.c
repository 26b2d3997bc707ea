/* boundary_audit.c — the marker (界桩) audit of DOMAIN.md §7; see boundary.h.
 *
 * Rules and where they come from:
 *  - numbering, GB/T 17796-2009: each line is one numbering unit; the number
 *    is 8 characters, 4-digit line code + 3-digit sequence from 001 + a type
 *    letter: Q single (单立), A/B same-number pair (同号双立), C/D/E
 *    same-number triple (同号三立). Hence: format, line code of the number
 *    against the marker's line, duplicates, gaps in the sequence, pairs that
 *    are not exactly A+B, triples that are not exactly C+D+E, Q mixed with
 *    pair/triple letters on one sequence number;
 *  - position: a marker fixes the line (《行政区域界线管理条例》第五条), so it
 *    must lie within tolerance_m of the line carrying its line code (when a
 *    code is used by two lines — our county scheme is unique only within a
 *    prefecture — the nearer one counts);
 *  - status: damaged or missing markers are findings (第六条: repaired by the
 *    party named in the agreement);
 *  - inspection: every line is jointly inspected every 5 years
 *    (《省级行政区域界线联合检查实施办法》, 民政部令第28号, 第六条): a marker whose
 *    last inspection is older than that is overdue, and a marker the line's
 *    last recorded round has no finding for was not covered by it.
 *  - order: numbers run in order along the line (GB/T 17796-2009 numbers each
 *    line from one end, west→east or north→south). Checked when the line is
 *    one connected piece: each sequence's position along it (the first marker
 *    of the number) must move the same way as the line's overall direction
 *    of numbering, by more than the tolerance to count as a step back.
 *  - side (GB/T 17796-2009): of a same-number pair, A stands on the side of
 *    the smaller division code and B on the other; the side of a marker is
 *    the division of the line's two whose outline holds it (the nearer one
 *    when it lies in a sliver between them; none when in both);
 *  - start (GB/T 17796-2009): a line is numbered from 001 west→east, or
 *    north→south when it runs more north–south than east–west (the larger
 *    extent, in metres, of the line's envelope): 001 must lie west of (north
 *    of) the last number by more than the tolerance. */
#include "gis/boundary.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis/boundaryInt.h"
#include "gis/date.h"
#include "gis/geom.h"

static const char *const KIND_NAMES[AUDIT__COUNT] = {
    [AUDIT_NUMBER_FORMAT] = "number_format",       [AUDIT_LINE_MISMATCH] = "line_mismatch",
    [AUDIT_NO_LINE] = "no_line",                   [AUDIT_OFF_LINE] = "off_line",
    [AUDIT_DUPLICATE] = "duplicate",               [AUDIT_SEQUENCE_GAP] = "sequence_gap",
    [AUDIT_PAIR_INCOMPLETE] = "pair_incomplete",   [AUDIT_TRIPLE_INCOMPLETE] = "triple_incomplete",
    [AUDIT_MIXED_TYPES] = "mixed_types",           [AUDIT_INSPECTION_OVERDUE] = "inspection_overdue",
    [AUDIT_SEQUENCE_ORDER] = "sequence_order",
    [AUDIT_DAMAGED] = "damaged",                   [AUDIT_MISSING] = "missing",
    [AUDIT_NOT_COVERED] = "not_covered_by_last_round", [AUDIT_ROUND_OVERDUE] = "round_overdue",
    [AUDIT_PAIR_SIDE] = "pair_side",               [AUDIT_NUMBERING_START] = "numbering_start",
};

static const char *const RULE_IDS[AUDIT__COUNT] = {
    [AUDIT_NUMBER_FORMAT] = "GBT17796-NUMBER-FORMAT", [AUDIT_LINE_MISMATCH] = "GBT17796-NUMBER-LINE",
    [AUDIT_NO_LINE] = "BND-MARKER-LINE",              [AUDIT_OFF_LINE] = "REG353-ART5-POSITION",
    [AUDIT_DUPLICATE] = "GBT17796-NUMBER-UNIQUE",     [AUDIT_SEQUENCE_GAP] = "GBT17796-SEQ-GAP",
    [AUDIT_PAIR_INCOMPLETE] = "GBT17796-PAIR-AB",     [AUDIT_TRIPLE_INCOMPLETE] = "GBT17796-TRIPLE-CDE",
    [AUDIT_MIXED_TYPES] = "GBT17796-TYPE-MIX",        [AUDIT_SEQUENCE_ORDER] = "GBT17796-SEQ-ORDER",
    [AUDIT_INSPECTION_OVERDUE] = "MCA28-ART6-MARKER", [AUDIT_DAMAGED] = "REG353-ART6-DAMAGED",
    [AUDIT_MISSING] = "REG353-ART6-MISSING",          [AUDIT_NOT_COVERED] = "MCA28-ROUND-COVER",
    [AUDIT_ROUND_OVERDUE] = "MCA28-ART6-ROUND",       [AUDIT_PAIR_SIDE] = "GBT17796-PAIR-SIDE",
    [AUDIT_NUMBERING_START] = "GBT17796-SEQ-START",
};

const char *audit_kind_name(audit_kind_t k) { return k < AUDIT__COUNT ? KIND_NAMES[k] : "?"; }
const char *audit_rule_id(audit_kind_t k) { return k < AUDIT__COUNT ? RULE_IDS[k] : "?"; }

int boundary_marker_number_parse(const char *number, char line[5], int *seq, char *letter, dm_error *err)
{
    size_t n = number ? strlen(number) : 0;
    int ok = n == 8;
    for (size_t i = 0; ok && i < 7; i++)
        ok = isdigit((unsigned char)number[i]);
    ok = ok && strchr("QABCDE", number[7]) && number[7];
    if (!ok)
        return dm_error_set(err, DM_EINVAL, "number",
                            "marker number '%s' is not LLLLSSSX (4-digit line code, 3-digit sequence, type letter "
                            "Q, A/B or C/D/E; GB/T 17796-2009)",
                            number ? number : "");
    memcpy(line, number, 4);
    line[4] = '\0';
    *seq = (number[4] - '0') * 100 + (number[5] - '0') * 10 + (number[6] - '0');
    *letter = number[7];
    if (*seq == 0)
        return dm_error_set(err, DM_EINVAL, "number", "marker number '%s' has sequence 000 (numbering starts at 001)",
                            number);
    return 0;
}

static audit_finding_t *add(boundary_audit_result_t *r, audit_kind_t kind, const char *number, const char *line,
                            double lon, double lat)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        audit_finding_t *f = realloc(r->findings, cap * sizeof *f);
        if (!f)
            return NULL;
        r->findings = f;
        r->cap = cap;
    }
    audit_finding_t *f = &r->findings[r->n++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->rule = audit_rule_id(kind);
    snprintf(f->number, sizeof f->number, "%s", number ? number : "");
    snprintf(f->line_code, sizeof f->line_code, "%s", line ? line : "");
    f->lon = lon;
    f->lat = lat;
    f->distance_m = NAN;
    return f;
}

void boundary_audit_result_clear(boundary_audit_result_t *r)
{
    if (!r)
        return;
    free(r->findings);
    memset(r, 0, sizeof *r);
}

/* ---- what the audit reads ------------------------------------------------------ */

typedef struct {
    char code[8];
    char left[13], right[13];
    GEOSGeometry *geom;
} aline_t;

/* A division outline the side rule needs, loaded once per audit. */
typedef struct {
    char code[13];
    char *name;
    GEOSGeometry *geom; /* NULL when the division has no outline on the date */
} aside_t;

typedef struct {
    int64_t id;
    char number[32], line[16], status[16], inspected[11];
    double lon, lat;
    int parsed, seq;
    char letter;
} amarker_t;

typedef struct {
    aline_t *lines;
    size_t nlines, caplines;
    amarker_t *markers;
    size_t nmarkers, capmarkers;
    aside_t *sides;
    size_t nsides;
    dm_error *err;
} audit_data_t;

static int read_line(const boundary_line_t *l, void *ctx)
{
    audit_data_t *a = ctx;
    if (!l->line_code || !*l->line_code)
        return 0;
    if (a->nlines == a->caplines) {
        size_t cap = a->caplines ? a->caplines * 2 : 64;
        aline_t *p = realloc(a->lines, cap * sizeof *p);
        if (!p)
            return dm_error_set(a->err, DM_ENOMEM, NULL, "out of memory");
        a->lines = p;
        a->caplines = cap;
    }
    GEOSGeometry *g = geom_from_wkb(l->wkb, l->wkb_len, a->err);
    if (!g)
        return DM_EGEOM;
    aline_t *e = &a->lines[a->nlines++];
    snprintf(e->code, sizeof e->code, "%s", l->line_code);
    memcpy(e->left, l->left_code, 13);
    memcpy(e->right, l->right_code, 13);
    e->geom = g;
    return 0;
}

static int read_marker(const marker_rec_t *m, void *ctx)
{
    audit_data_t *a = ctx;
    if (a->nmarkers == a->capmarkers) {
        size_t cap = a->capmarkers ? a->capmarkers * 2 : 256;
        amarker_t *p = realloc(a->markers, cap * sizeof *p);
        if (!p)
            return dm_error_set(a->err, DM_ENOMEM, NULL, "out of memory");
        a->markers = p;
        a->capmarkers = cap;
    }
    amarker_t *e = &a->markers[a->nmarkers++];
    memset(e, 0, sizeof *e);
    e->id = m->id;
    snprintf(e->number, sizeof e->number, "%s", m->number ? m->number : "");
    snprintf(e->line, sizeof e->line, "%s", m->line_code ? m->line_code : "");
    snprintf(e->status, sizeof e->status, "%s", m->status ? m->status : "");
    snprintf(e->inspected, sizeof e->inspected, "%s", m->inspected_on ? m->inspected_on : "");
    e->lon = m->lon;
    e->lat = m->lat;
    char line[5];
    e->parsed = boundary_marker_number_parse(e->number, line, &e->seq, &e->letter, NULL) == 0;
    return 0;
}

static int cmp_marker(const void *a, const void *b)
{
    const amarker_t *x = a, *y = b;
    int c = strcmp(x->line, y->line);
    if (c)
        return c;
    if (x->seq != y->seq)
        return x->seq - y->seq;
    c = x->letter - y->letter;
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* The date `years` before `date` (YYYY-MM-DD; 29 February → 28 February). */
static void years_before(const char *date, int years, char out[11])
{
    int y = atoi(date) - years;
    if (y < 0 || y > 9999)
        y = 0;
    snprintf(out, 11, "%04d%.6s", y, date + 4);
    if (strcmp(out + 5, "02-29") == 0)
        out[9] = '8';
}

/* ---- the audit ---------------------------------------------------------------------- */

/* Sequence order along a line that is one connected piece (see the header). */
static void check_order(const audit_data_t *a, size_t from, size_t to, const char *line, double tol,
                        boundary_audit_result_t *r)
{
    GEOSContextHandle_t h = geom_ctx();
    const aline_t *only = NULL;
    for (size_t k = 0; k < a->nlines; k++)
        if (strcmp(a->lines[k].code, line) == 0) {
            if (only)
                return; /* the code names two lines: no single order */
            only = &a->lines[k];
        }
    if (!only)
        return;
    GEOSGeometry *merged = GEOSLineMerge_r(h, only->geom);
    /* A ring (an enclave's line) has no ends to number from. */
    if (!merged || GEOSGeomTypeId_r(h, merged) != GEOS_LINESTRING || GEOSisClosed_r(h, merged) == 1) {
        if (merged)
            GEOSGeom_destroy_r(h, merged);
        return;
    }
    double len_deg = 0, len_m = geom_length_m(merged);
    GEOSLength_r(h, merged, &len_deg);
    /* Position along the line of the first marker of each sequence number. */
    double pos[1000];
    const amarker_t *who[1000];
    int n = 0;
    for (size_t i = from; i < to && n < 1000; i++) {
        const amarker_t *m = &a->markers[i];
        if (!m->parsed || strncmp(m->number, line, 4) != 0 || (n && who[n - 1]->seq == m->seq))
            continue;
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, m->lon, m->lat);
        /* degrees along the line, scaled to metres by the line's mean scale */
        pos[n] = pt ? GEOSProject_r(h, merged, pt) * (len_deg > 0 ? len_m / len_deg : 0) : 0;
        who[n++] = m;
        if (pt)
            GEOSGeom_destroy_r(h, pt);
    }
    GEOSGeom_destroy_r(h, merged);
    if (n < 3)
        return;
    double dir = pos[n - 1] >= pos[0] ? 1 : -1;
    for (int k = 1; k < n; k++) {
        if ((pos[k] - pos[k - 1]) * dir >= -tol)
            continue;
        audit_finding_t *f = add(r, AUDIT_SEQUENCE_ORDER, who[k]->number, line, who[k]->lon, who[k]->lat);
        if (f)
            snprintf(f->reason, sizeof f->reason,
                     "%.7s lies %.0f m back along the line from %.7s: numbers run in order along a line "
                     "(GB/T 17796-2009)",
                     who[k]->number, fabs(pos[k] - pos[k - 1]), who[k - 1]->number);
    }
}

/* The index in a->sides of division `code` on `date` (loaded once per
 * audit; its geom is NULL when it has no outline then). An index, not a
 * pointer: the cache grows. */
static int side_division(store_t *s, audit_data_t *a, const char *code, const char *date, size_t *out,
                         dm_error *err)
{
    for (size_t i = 0; i < a->nsides; i++)
        if (strcmp(a->sides[i].code, code) == 0) {
            *out = i;
            return 0;
        }
    aside_t *p = realloc(a->sides, (a->nsides + 1) * sizeof *p);
    if (!p)
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    a->sides = p;
    aside_t *e = &a->sides[a->nsides];
    memset(e, 0, sizeof *e);
    snprintf(e->code, sizeof e->code, "%s", code);
    division_t d;
    memset(&d, 0, sizeof d);
    int rc = store_division_get(s, code, date, 1, &d, err);
    if (rc && rc != DM_ENOTFOUND)
        return rc;
    if (!rc) {
        e->name = strdup(d.name ? d.name : "");
        e->geom = d.wkb ? geom_from_wkb(d.wkb, d.wkb_len, NULL) : NULL;
        division_clear(&d);
    }
    *out = a->nsides++;
    return 0;
}

/* The side of the line (l) a point stands on: 1 left (the smaller code), 2
 * right, 0 undecided (an outline missing, or the point in both). */
static int marker_side(const aside_t *left, const aside_t *right, double lon, double lat)
{
    if (!left || !right || !left->geom || !right->geom)
        return 0;
    GEOSContextHandle_t h = geom_ctx();
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, lon, lat);
    if (!pt)
        return 0;
    int in_l = GEOSIntersects_r(h, left->geom, pt) == 1, in_r = GEOSIntersects_r(h, right->geom, pt) == 1;
    GEOSGeom_destroy_r(h, pt);
    if (in_l != in_r)
        return in_l ? 1 : 2;
    if (in_l)
        return 0;
    /* in a sliver between the two outlines: the nearer one */
    double dl = metric_point_distance_m(left->geom, lon, lat, NULL, NULL);
    double dr = metric_point_distance_m(right->geom, lon, lat, NULL, NULL);
    return !(isfinite(dl) && isfinite(dr)) || dl == dr ? 0 : dl < dr ? 1 : 2;
}

/* A/B side of same-number pairs (see the header). */
static int check_pair_sides(store_t *s, audit_data_t *a, size_t from, size_t to, const char *line,
                            const char *date, boundary_audit_result_t *r, dm_error *err)
{
    for (size_t i = from; i < to; i++) {
        const amarker_t *m = &a->markers[i];
        if (!m->parsed || (m->letter != 'A' && m->letter != 'B') || strncmp(m->number, line, 4) != 0)
            continue;
        /* the nearest line carrying the code (a county code may name two) */
        const aline_t *best = NULL;
        double bd = INFINITY;
        for (size_t k = 0; k < a->nlines; k++)
            if (strcmp(a->lines[k].code, line) == 0) {
                double d = metric_point_distance_m(a->lines[k].geom, m->lon, m->lat, NULL, NULL);
                if (d < bd)
                    bd = d, best = &a->lines[k];
            }
        if (!best)
            return 0;
        size_t li = 0, ri = 0;
        int rc = side_division(s, a, best->left, date, &li, err);
        if (!rc)
            rc = side_division(s, a, best->right, date, &ri, err);
        if (rc)
            return rc;
        const aside_t *ls = &a->sides[li], *rs = &a->sides[ri];
        int side = marker_side(ls, rs, m->lon, m->lat);
        int want = m->letter == 'A' ? 1 : 2;
        if (side == 0 || side == want)
            continue;
        const aside_t *on = side == 1 ? ls : rs, *should = want == 1 ? ls : rs;
        audit_finding_t *f = add(r, AUDIT_PAIR_SIDE, m->number, line, m->lon, m->lat);
        if (f)
            snprintf(f->reason, sizeof f->reason,
                     "%s stands on the side of %s (%.12s); %c stands on the side of the %s code, %s (%.12s) "
                     "(GB/T 17796-2009)",
                     m->number, on->name ? on->name : "?", on->code, m->letter, want == 1 ? "smaller" : "larger",
                     should->name ? should->name : "?", should->code);
    }
    return 0;
}

/* Where numbering starts (see the header). */
static void check_start(const audit_data_t *a, size_t from, size_t to, const char *line, double tol,
                        boundary_audit_result_t *r)
{
    GEOSContextHandle_t h = geom_ctx();
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (size_t k = 0; k < a->nlines; k++)
        if (strcmp(a->lines[k].code, line) == 0) {
            double v;
            GEOSGeom_getXMin_r(h, a->lines[k].geom, &v), x0 = fmin(x0, v);
            GEOSGeom_getYMin_r(h, a->lines[k].geom, &v), y0 = fmin(y0, v);
            GEOSGeom_getXMax_r(h, a->lines[k].geom, &v), x1 = fmax(x1, v);
            GEOSGeom_getYMax_r(h, a->lines[k].geom, &v), y1 = fmax(y1, v);
        }
    if (!isfinite(x0))
        return;
    const amarker_t *first = NULL, *last = NULL;
    for (size_t i = from; i < to; i++) {
        const amarker_t *m = &a->markers[i];
        if (!m->parsed || strncmp(m->number, line, 4) != 0)
            continue;
        if (!first || m->seq < first->seq)
            first = m;
        if (!last || m->seq > last->seq)
            last = m;
    }
    if (!first || first->seq == last->seq)
        return;
    double kx, ky;
    metric_scale((y0 + y1) / 2, &kx, &ky);
    int east_west = (x1 - x0) * kx >= (y1 - y0) * ky;
    /* metres from the first number to the last, in the direction numbering must run */
    double run = east_west ? (last->lon - first->lon) * kx : (first->lat - last->lat) * ky;
    if (run >= -tol)
        return;
    audit_finding_t *f = add(r, AUDIT_NUMBERING_START, first->number, line, first->lon, first->lat);
    if (f)
        snprintf(f->reason, sizeof f->reason,
                 "line %s runs %s, so it is numbered from its %s end, but %.7s lies %.0f m %s of %.7s "
                 "(GB/T 17796-2009: 001 west→east or north→south)",
                 line, east_west ? "west–east" : "north–south", east_west ? "west" : "north", first->number, -run,
                 east_west ? "east" : "south", last->number);
}

static int audit_line_group(store_t *s, audit_data_t *a, size_t from, size_t to, const boundary_audit_opts_t *o,
                            const char *overdue_before, boundary_audit_result_t *r, dm_error *err)
{
    const char *line = a->markers[from].line;
    double tol = o->tolerance_m > 0 ? o->tolerance_m : 50;
    int has_line = 0;
    for (size_t k = 0; k < a->nlines; k++)
        has_line |= strcmp(a->lines[k].code, line) == 0;
    long round_no;
    char round_on[11];
    int64_t round_id;
    int rc = store_inspection_last(s, line, &round_no, round_on, &round_id, err);
    if (rc)
        return rc;
    if (round_no > 0 && strcmp(round_on, overdue_before) < 0) {
        audit_finding_t *f = add(r, AUDIT_ROUND_OVERDUE, line, line, NAN, NAN);
        if (f)
            snprintf(f->reason, sizeof f->reason,
                     "the last joint inspection of line %s, round %ld on %s, is more than %d years before %s "
                     "(民政部令第28号 第六条)",
                     line, round_no, round_on, o->inspection_years > 0 ? o->inspection_years : 5, o->as_of);
    }

    int max_seq = 0;
    for (size_t i = from; i < to; i++) {
        const amarker_t *m = &a->markers[i];
        audit_finding_t *f;
        if (!m->parsed) {
            if ((f = add(r, AUDIT_NUMBER_FORMAT, m->number, line, m->lon, m->lat)))
                snprintf(f->reason, sizeof f->reason,
                         "number %s is not LLLLSSSX: 4-digit line code, 3-digit sequence from 001, type letter "
                         "Q, A/B or C/D/E (GB/T 17796-2009)",
                         m->number);
        } else if (strncmp(m->number, line, 4) != 0 || strlen(line) != 4) {
            if ((f = add(r, AUDIT_LINE_MISMATCH, m->number, line, m->lon, m->lat)))
                snprintf(f->reason, sizeof f->reason, "number %s belongs to line %.4s but the marker is on line %s",
                         m->number, m->number, line);
        } else if (m->seq > max_seq)
            max_seq = m->seq;

        if (!has_line) {
            if ((f = add(r, AUDIT_NO_LINE, m->number, line, m->lon, m->lat)))
                snprintf(f->reason, sizeof f->reason, "no boundary line has code %s (derive or import the lines)",
                         line);
        } else {
            double best = INFINITY;
            for (size_t k = 0; k < a->nlines; k++)
                if (strcmp(a->lines[k].code, line) == 0) {
                    double d = metric_point_distance_m(a->lines[k].geom, m->lon, m->lat, NULL, NULL);
                    if (d < best)
                        best = d;
                }
            if (best > tol && (f = add(r, AUDIT_OFF_LINE, m->number, line, m->lon, m->lat))) {
                f->distance_m = best;
                snprintf(f->reason, sizeof f->reason, "%.1f m from line %s, more than the tolerance of %g m", best,
                         line, tol);
            }
        }
        if (strcmp(m->status, "damaged") == 0 && (f = add(r, AUDIT_DAMAGED, m->number, line, m->lon, m->lat)))
            snprintf(f->reason, sizeof f->reason, "marker reported damaged: to be repaired with both parties present "
                                                  "(《行政区域界线管理条例》第六条)");
        if (strcmp(m->status, "missing") == 0 && (f = add(r, AUDIT_MISSING, m->number, line, m->lon, m->lat)))
            snprintf(f->reason, sizeof f->reason, "marker reported missing: to be restored at its recorded position");
        if ((!m->inspected[0] || strcmp(m->inspected, overdue_before) < 0) &&
            (f = add(r, AUDIT_INSPECTION_OVERDUE, m->number, line, m->lon, m->lat)))
            snprintf(f->reason, sizeof f->reason, "%s%s, more than %d years before %s (民政部令第28号 第六条)",
                     m->inspected[0] ? "last inspected " : "never inspected", m->inspected,
                     o->inspection_years > 0 ? o->inspection_years : 5, o->as_of);
        if (round_no > 0) {
            int covered = store_inspection_covers(s, round_id, m->number, err);
            if (covered < 0)
                return covered;
            if (!covered && (f = add(r, AUDIT_NOT_COVERED, m->number, line, m->lon, m->lat)))
                snprintf(f->reason, sizeof f->reason, "round %ld of line %s (%s) has no finding for this marker",
                         round_no, line, round_on);
        }
    }

    /* Per number and per sequence: duplicates, pairs, triples, gaps. */
    for (size_t i = from; i < to;) {
        size_t j = i;
        while (j < to && strcmp(a->markers[j].number, a->markers[i].number) == 0)
            j++;
        audit_finding_t *f;
        if (j - i > 1 && (f = add(r, AUDIT_DUPLICATE, a->markers[i].number, line, a->markers[i].lon, a->markers[i].lat)))
            snprintf(f->reason, sizeof f->reason, "number %s is on %zu current records", a->markers[i].number, j - i);
        i = j;
    }
    for (size_t i = from; i < to;) {
        const amarker_t *m = &a->markers[i];
        size_t j = i;
        char letters[8] = "";
        while (j < to && a->markers[j].seq == m->seq) {
            if (a->markers[j].parsed && !strchr(letters, a->markers[j].letter) && strlen(letters) < 7)
                strncat(letters, &a->markers[j].letter, 1);
            j++;
        }
        if (m->parsed && strncmp(m->number, line, 4) == 0) {
            int q = strchr(letters, 'Q') != NULL, ab = strchr(letters, 'A') || strchr(letters, 'B');
            int cde = strchr(letters, 'C') || strchr(letters, 'D') || strchr(letters, 'E');
            char base[16];
            snprintf(base, sizeof base, "%.7s", m->number);
            audit_finding_t *f;
            if (q + ab + cde > 1) {
                if ((f = add(r, AUDIT_MIXED_TYPES, base, line, m->lon, m->lat)))
                    snprintf(f->reason, sizeof f->reason, "sequence %s carries letters %s: Q, A/B and C/D/E exclude "
                                                          "each other", base, letters);
            } else if (ab && !(strchr(letters, 'A') && strchr(letters, 'B'))) {
                if ((f = add(r, AUDIT_PAIR_INCOMPLETE, base, line, m->lon, m->lat)))
                    snprintf(f->reason, sizeof f->reason, "同号双立 %s has %s but not %s", base,
                             strchr(letters, 'A') ? "A" : "B", strchr(letters, 'A') ? "B" : "A");
            } else if (cde && !(strchr(letters, 'C') && strchr(letters, 'D') && strchr(letters, 'E'))) {
                if ((f = add(r, AUDIT_TRIPLE_INCOMPLETE, base, line, m->lon, m->lat)))
                    snprintf(f->reason, sizeof f->reason, "同号三立 %s has only %s of C, D, E", base, letters);
            }
        }
        i = j;
    }
    if (strlen(line) == 4 && has_line) {
        check_order(a, from, to, line, tol, r);
        check_start(a, from, to, line, tol, r);
        if ((rc = check_pair_sides(s, a, from, to, line, o->as_of, r, err)))
            return rc;
    }
    if (strlen(line) == 4) {
        for (int seq = 1; seq < max_seq; seq++) {
            int present = 0;
            for (size_t i = from; i < to && !present; i++)
                present = a->markers[i].parsed && a->markers[i].seq == seq && strncmp(a->markers[i].number, line, 4) == 0;
            if (!present) {
                char num[24];
                snprintf(num, sizeof num, "%.4s%03d", line, seq % 1000);
                audit_finding_t *f = add(r, AUDIT_SEQUENCE_GAP, num, line, NAN, NAN);
                if (f)
                    snprintf(f->reason, sizeof f->reason, "no marker numbered %s between 001 and %03d", num, max_seq);
            }
        }
    }
    r->lines++;
    return 0;
}

int boundary_audit(store_t *s, const boundary_audit_opts_t *opt, boundary_audit_result_t *r, dm_error *err)
{
    memset(r, 0, sizeof *r);
    boundary_audit_opts_t o = *opt;
    char today[11], before[11];
    if (!o.as_of || !*o.as_of) {
        date_today(today);
        o.as_of = today;
    }
    years_before(o.as_of, o.inspection_years > 0 ? o.inspection_years : 5, before);
    audit_data_t a = {.err = err};
    /* The line versions in force on as_of: a marker is held against the line of its day. */
    int rc = store_boundary_lines_on(s, LEVEL_NONE, "", NULL, o.as_of, read_line, &a, err);
    if (!rc)
        rc = store_markers(s, o.line_code, NULL, read_marker, &a, err);
    if (!rc && o.line_code && *o.line_code && a.nmarkers == 0) {
        int known = 0;
        for (size_t k = 0; k < a.nlines; k++)
            known |= strcmp(a.lines[k].code, o.line_code) == 0;
        if (!known)
            rc = dm_error_set(err, DM_EINVAL, "line", "no boundary line and no marker has line code %s",
                              o.line_code);
    }
    if (!rc) {
        if (a.nmarkers) /* qsort wants a valid pointer even for 0 items (C11 7.1.4; fuzz_http) */
            qsort(a.markers, a.nmarkers, sizeof *a.markers, cmp_marker);
        r->markers = (long)a.nmarkers;
        for (size_t i = 0; !rc && i < a.nmarkers;) {
            size_t j = i;
            while (j < a.nmarkers && strcmp(a.markers[j].line, a.markers[i].line) == 0)
                j++;
            rc = audit_line_group(s, &a, i, j, &o, before, r, err);
            i = j;
        }
    }
    for (size_t k = 0; k < a.nlines; k++)
        GEOSGeom_destroy_r(geom_ctx(), a.lines[k].geom);
    for (size_t k = 0; k < a.nsides; k++) {
        free(a.sides[k].name);
        if (a.sides[k].geom)
            GEOSGeom_destroy_r(geom_ctx(), a.sides[k].geom);
    }
    free(a.sides);
    free(a.lines);
    free(a.markers);
    if (rc)
        boundary_audit_result_clear(r);
    return rc;
}
