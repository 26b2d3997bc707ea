/* signs_audit.c — the sign audit of signs.h: load the division's outline,
 * the signs inside it, the road edges and standard names around it, resolve
 * each sign to its standard name and run the rules; then list named roads and
 * villages without a sign and count signs per child division. The distances
 * and tie rules are documented in docs/signs.md. */
#include "gis/signs.h"
#include "gis/signsInt.h"
#include "gis/divcode.h"
#include "gis/geom.h"
#include "gis/store_signs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SRC_ART18[] = "《地名管理条例》(2022) 第十八条; GB 17733-2008";
static const char SRC_PINYIN[] = "GB 17733-2008; 《中国地名汉语拼音字母拼写规则》(1984); GB/T 16159-2012";
static const char SRC_GAP[] = "《地名管理条例》第十八条; DOMAIN.md §5 用而不全 (iii) sign gap; docs/signs.md";

typedef struct place {
    int64_t id;
    char *name, *norm, *category, *status, *pinyin;
    name_category_t cat;
    sg_lines_t lines;
    double lon, lat;
    int in_div, is_signed;
} place_t;

typedef struct road {
    int64_t id;
    char *name, *norm; /* NULL when unnamed */
    sg_lines_t lines;
} road_t;

typedef struct sign {
    int64_t id, name_id;
    char *type, *text, *norm, *pinyin, *name_text;
    double lon, lat;
} sign_t;

typedef struct ctx {
    store_t *s;
    names_worker_t *w;
    sg_plane_t plane;
    sg_outline_t div;
    place_t *places;
    size_t nplaces, capplaces;
    road_t *roads;
    size_t nroads, caproads;
    sign_t *signs;
    size_t nsigns, capsigns;
    struct village *villages;
    size_t nvillages;
    signs_audit_result_t *out;
    size_t capfind;
    int oom;
} ctx_t;

#define GROW(arr, n, cap)                                                                                       \
    ((n) < (cap) ? 0                                                                                            \
                 : ((cap) = (cap) ? (cap) * 2 : 64,                                                             \
                    ((arr) = realloc_or_keep((arr), (cap) * sizeof *(arr))) == NULL ? -1 : 0))

static void *realloc_or_keep(void *p, size_t size)
{
    void *q = realloc(p, size);
    if (!q)
        free(p);
    return q;
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* The names normaliser, falling back to the text itself (it refuses empty
 * or over-long input, which then simply compares as written). */
static char *norm_of(ctx_t *c, const char *text)
{
    if (!text)
        return NULL;
    char *out = NULL;
    dm_error e;
    if (names_normalize(c->w, text, (size_t)-1, &out, &e) == 0)
        return out;
    return strdup(text);
}

static int is_standard(const char *status)
{
    return !status || strcmp(status, "approved") == 0 || strcmp(status, "published") == 0 ||
           strcmp(status, "in_use") == 0;
}

void signs_pinyin_fold(const char *in, char *out, size_t n)
{
    size_t j = 0;
    int space = 0;
    for (const char *p = in ? in : ""; *p && j + 1 < n; p++) {
        char ch = *p;
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
            space = j > 0;
            continue;
        }
        if (space && j + 2 < n)
            out[j++] = ' ';
        space = 0;
        out[j++] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
    }
    out[j] = '\0';
}

/* ---- loading ------------------------------------------------------------ */

static int add_place(ctx_t *c, const store_place_row_t *r, size_t *index)
{
    if (GROW(c->places, c->nplaces, c->capplaces))
        return -1;
    place_t *p = &c->places[c->nplaces];
    memset(p, 0, sizeof *p);
    p->id = r->id;
    p->name = strdup(r->name);
    p->norm = norm_of(c, r->name);
    p->category = dup_or_null(r->category);
    p->status = dup_or_null(r->status);
    p->pinyin = dup_or_null(r->pinyin);
    p->cat = NAME_CAT_FACILITY;
    if (r->category)
        names_category_parse(r->category, &p->cat, NULL);
    p->lon = p->lat = NAN;
    if (r->wkb && r->wkb_len && sg_lines_from_wkb(r->wkb, r->wkb_len, &p->lines, NULL) == 0) {
        sg_lines_midpoint(&c->plane, &p->lines, &p->lon, &p->lat);
        p->in_div = sg_outline_intersects_wkb(&c->div, r->wkb, r->wkb_len);
    }
    if (!p->name || !p->norm)
        return -1;
    if (index)
        *index = c->nplaces;
    c->nplaces++;
    return 0;
}

static int on_place(const store_place_row_t *r, void *ctx) { return add_place(ctx, r, NULL) ? DM_ENOMEM : 0; }

static int on_road(const store_road_row_t *r, void *vc)
{
    ctx_t *c = vc;
    if (GROW(c->roads, c->nroads, c->caproads))
        return DM_ENOMEM;
    road_t *rd = &c->roads[c->nroads];
    memset(rd, 0, sizeof *rd);
    rd->id = r->id;
    if (r->name) {
        rd->name = strdup(r->name);
        /* OSM edges keep a Latin gloss ("东城根南街- Dongchenggen Street
         * South"); the register's names do not (seeds/README.md). */
        char *dash = rd->name ? strchr(rd->name, '-') : NULL;
        if (dash && dash > rd->name && ((unsigned char)dash[-1] >= 0x80 || dash[-1] == ' ')) {
            int latin = 1;
            for (const char *q = dash + 1; *q && latin; q++)
                latin = (unsigned char)*q < 0x80;
            if (latin) {
                while (dash > rd->name && dash[-1] == ' ')
                    dash--;
                *dash = '\0';
            }
        }
        rd->norm = rd->name ? norm_of(c, rd->name) : NULL;
        if (!rd->name || !rd->norm)
            return DM_ENOMEM;
    }
    if (sg_lines_from_wkb(r->wkb, r->wkb_len, &rd->lines, NULL))
        return 0; /* an unreadable edge cannot be nearest */
    c->nroads++;
    return 0;
}

static int on_sign(const sign_row_t *r, void *vc)
{
    ctx_t *c = vc;
    if (!sg_outline_contains(&c->div, r->lon, r->lat))
        return 0;
    if (GROW(c->signs, c->nsigns, c->capsigns))
        return DM_ENOMEM;
    sign_t *sg = &c->signs[c->nsigns];
    memset(sg, 0, sizeof *sg);
    sg->id = r->id;
    sg->name_id = r->name_id;
    sg->type = strdup(r->type ? r->type : "");
    sg->text = strdup(r->text ? r->text : "");
    sg->norm = norm_of(c, r->text ? r->text : "");
    sg->pinyin = dup_or_null(r->pinyin);
    sg->name_text = dup_or_null(r->name_text);
    sg->lon = r->lon, sg->lat = r->lat;
    if (!sg->type || !sg->text || !sg->norm)
        return DM_ENOMEM;
    c->nsigns++;
    return 0;
}

/* ---- findings ------------------------------------------------------------ */

static sign_finding_t *finding(ctx_t *c, const char *rule, const char *severity, const char *source)
{
    signs_audit_result_t *o = c->out;
    if (GROW(o->findings, o->nfindings, c->capfind)) {
        o->nfindings = 0;
        c->oom = 1;
        return NULL;
    }
    sign_finding_t *f = &o->findings[o->nfindings++];
    memset(f, 0, sizeof *f);
    f->rule = rule, f->severity = severity, f->source = source;
    f->value_m = NAN;
    return f;
}

static void sign_subject(sign_finding_t *f, const sign_t *s)
{
    f->sign_id = s->id;
    sg_copy(f->subject, sizeof f->subject, s->text);
    f->lon = s->lon, f->lat = s->lat;
}

/* ---- resolving a sign to its standard name --------------------------------- */

static long find_place_id(ctx_t *c, int64_t id)
{
    for (size_t i = 0; i < c->nplaces; i++)
        if (c->places[i].id == id)
            return (long)i;
    size_t before = c->nplaces;
    dm_error e;
    if (store_place_get(c->s, id, on_place, c, &e) || c->nplaces == before)
        return -1;
    return (long)before;
}

/* The nearest place whose normalised name is `norm`; the register is asked by
 * name when none was loaded around the division. */
static long find_place_name(ctx_t *c, const char *name, const char *norm, double lon, double lat)
{
    long best = -1;
    double bd = INFINITY;
    for (int pass = 0; pass < 2 && best < 0; pass++) {
        if (pass == 1) {
            dm_error e;
            size_t before = c->nplaces;
            if (store_places_by_name(c->s, name, on_place, c, &e))
                return -1;
            if (c->nplaces == before)
                return -1;
        }
        for (size_t i = 0; i < c->nplaces; i++) {
            place_t *p = &c->places[i];
            if (strcmp(p->norm, norm) != 0)
                continue;
            double d = isnan(p->lon) ? 1e12 : sg_dist_point_lines(&c->plane, lon, lat, &p->lines);
            /* Standard names first: a retired namesake never wins over one in use. */
            if (!is_standard(p->status))
                d += 1e13;
            if (d < bd)
                bd = d, best = (long)i;
        }
    }
    return best;
}

static name_category_t sign_category(const sign_t *s, const place_t *p)
{
    if (strcmp(s->type, "road") == 0 || strcmp(s->type, "lane") == 0)
        return NAME_CAT_ROAD;
    if (strcmp(s->type, "village") == 0)
        return NAME_CAT_VILLAGE;
    if (strcmp(s->type, "building") == 0)
        return NAME_CAT_BUILDING;
    return p ? p->cat : NAME_CAT_FACILITY;
}

static void check_pinyin(ctx_t *c, const sign_t *s, const place_t *p)
{
    char want[NAMES_BUF], have[NAMES_BUF];
    if (p->pinyin && *p->pinyin)
        snprintf(want, sizeof want, "%s", p->pinyin);
    else {
        name_parts_t *np = malloc(sizeof *np);
        dm_error e;
        if (!np || names_analyze(c->w, p->name, (size_t)-1, sign_category(s, p), np, &e)) {
            free(np);
            return;
        }
        snprintf(want, sizeof want, "%s", np->pinyin);
        free(np);
    }
    if (!s->pinyin || !*s->pinyin) {
        if (strcmp(s->type, "guide") == 0 || strcmp(s->type, "building") == 0)
            return; /* GB 17733 requires pinyin on street, lane and village plates */
        sign_finding_t *f = finding(c, "SIGN-PINYIN", "warning", SRC_PINYIN);
        if (!f)
            return;
        sign_subject(f, s);
        f->name_id = p->id;
        sg_copy(f->expected, sizeof f->expected, want);
        snprintf(f->message_zh, sizeof f->message_zh, "标志“%s”没有汉语拼音（标准拼写 %.150s）", s->text, want);
        snprintf(f->message_en, sizeof f->message_en, "sign '%s' has no pinyin (standard spelling %.150s)", s->text,
                 want);
        return;
    }
    char a[NAMES_BUF], b[NAMES_BUF];
    signs_pinyin_fold(s->pinyin, a, sizeof a);
    signs_pinyin_fold(want, b, sizeof b);
    snprintf(have, sizeof have, "%s", s->pinyin);
    if (strcmp(a, b) == 0)
        return;
    sign_finding_t *f = finding(c, "SIGN-PINYIN", "warning", SRC_PINYIN);
    if (!f)
        return;
    sign_subject(f, s);
    f->name_id = p->id;
    sg_copy(f->expected, sizeof f->expected, want);
    sg_copy(f->found, sizeof f->found, have);
    snprintf(f->message_zh, sizeof f->message_zh, "标志拼音“%.150s”与标准拼写“%.150s”不一致", have, want);
    snprintf(f->message_en, sizeof f->message_en, "sign pinyin '%.150s' differs from the standard spelling '%.150s'", have,
             want);
}

static void check_road(ctx_t *c, const sign_t *s, const place_t *p, const signs_audit_params_t *prm)
{
    double d0 = INFINITY;
    long nearest = -1;
    for (size_t i = 0; i < c->nroads; i++) {
        double d = sg_dist_point_lines(&c->plane, s->lon, s->lat, &c->roads[i].lines);
        if (d < d0)
            d0 = d, nearest = (long)i;
    }
    if (nearest < 0 || d0 > prm->road_radius_m) {
        sign_finding_t *f = finding(c, "SIGN-ROAD", "warning", SRC_ART18);
        if (!f)
            return;
        sign_subject(f, s);
        f->name_id = p ? p->id : 0;
        snprintf(f->message_zh, sizeof f->message_zh, "标志“%s”周围 %.0f 米内没有道路", s->text, prm->road_radius_m);
        snprintf(f->message_en, sizeof f->message_en, "no road within %.0f m of sign '%s'", prm->road_radius_m,
                 s->text);
        return;
    }
    /* At a junction the cross street can be a metre nearer: any edge within
     * the slack of the nearest that carries the sign's name clears it. */
    const char *want = p ? p->norm : s->norm;
    long named = -1;
    double dn = INFINITY;
    for (size_t i = 0; i < c->nroads; i++) {
        double d = sg_dist_point_lines(&c->plane, s->lon, s->lat, &c->roads[i].lines);
        if (d > d0 + prm->road_slack_m)
            continue;
        if (c->roads[i].norm && strcmp(c->roads[i].norm, want) == 0)
            return;
        if (c->roads[i].norm && d < dn)
            dn = d, named = (long)i;
    }
    if (named < 0)
        return; /* only unnamed edges nearby: nothing to contradict the sign */
    const road_t *r = &c->roads[named];
    sign_finding_t *f = finding(c, "SIGN-ROAD", "warning", SRC_ART18);
    if (!f)
        return;
    sign_subject(f, s);
    f->name_id = p ? p->id : 0;
    f->value_m = dn;
    sg_copy(f->expected, sizeof f->expected, p ? p->name : s->text);
    sg_copy(f->found, sizeof f->found, r->name);
    snprintf(f->message_zh, sizeof f->message_zh, "标志“%s”最近的道路是“%s”（%.0f 米），不是“%s”", s->text, r->name,
             dn, p ? p->name : s->text);
    snprintf(f->message_en, sizeof f->message_en, "the road nearest sign '%s' is '%s' (%.0f m), not '%s'", s->text,
             r->name, dn, p ? p->name : s->text);
}

static void audit_sign(ctx_t *c, const sign_t *s, const signs_audit_params_t *prm)
{
    long pi = -1;
    if (s->name_id > 0) {
        pi = find_place_id(c, s->name_id);
        if (pi < 0) {
            sign_finding_t *f = finding(c, "SIGN-LINK", "error", SRC_ART18);
            if (!f)
                return;
            sign_subject(f, s);
            snprintf(f->message_zh, sizeof f->message_zh, "标志“%s”所指地名编号 %lld 不在地名登记中", s->text,
                     (long long)s->name_id);
            snprintf(f->message_en, sizeof f->message_en, "sign '%s' links name id %lld, which is not in the register",
                     s->text, (long long)s->name_id);
        }
    } else {
        const char *claimed = s->name_text ? s->name_text : s->text;
        char *cn = norm_of(c, claimed);
        if (!cn) {
            c->oom = 1;
            return;
        }
        pi = find_place_name(c, claimed, cn, s->lon, s->lat);
        free(cn);
        if (pi < 0) {
            sign_finding_t *f = finding(c, "SIGN-LINK", "error", SRC_ART18);
            if (!f)
                return;
            sign_subject(f, s);
            sg_copy(f->found, sizeof f->found, claimed);
            snprintf(f->message_zh, sizeof f->message_zh, "标志上的“%s”不是登记的标准地名", claimed);
            snprintf(f->message_en, sizeof f->message_en, "'%s' on the sign is not a registered standard name",
                     claimed);
        }
    }
    place_t *p = pi >= 0 ? &c->places[pi] : NULL;
    if (p && !is_standard(p->status)) {
        sign_finding_t *f = finding(c, "SIGN-LINK", "error", SRC_ART18);
        if (!f)
            return;
        sign_subject(f, s);
        f->name_id = p->id;
        sg_copy(f->found, sizeof f->found, p->status);
        snprintf(f->message_zh, sizeof f->message_zh, "标志所指“%s”的状态为 %s，不是标准地名", p->name, p->status);
        snprintf(f->message_en, sizeof f->message_en, "the sign's name '%s' has status %s, not a standard name",
                 p->name, p->status);
        p = NULL;
    }
    if (p && strcmp(s->norm, p->norm) != 0) {
        sign_finding_t *f = finding(c, "SIGN-TEXT", "error", SRC_ART18);
        if (!f)
            return;
        sign_subject(f, s);
        f->name_id = p->id;
        sg_copy(f->expected, sizeof f->expected, p->name);
        sg_copy(f->found, sizeof f->found, s->text);
        snprintf(f->message_zh, sizeof f->message_zh, "标志文字“%s”与标准地名“%s”不一致", s->text, p->name);
        snprintf(f->message_en, sizeof f->message_en, "sign text '%s' differs from the standard name '%s'", s->text,
                 p->name);
    }
    if (p)
        check_pinyin(c, s, p);
    int roadish = strcmp(s->type, "road") == 0 || strcmp(s->type, "lane") == 0;
    if (roadish)
        check_road(c, s, p, prm);
    /* A correct sign near its road or village counts for the gap rules. */
    if (p && !isnan(p->lon) && strcmp(s->norm, p->norm) == 0) {
        double d = sg_dist_point_lines(&c->plane, s->lon, s->lat, &p->lines);
        if ((roadish && d <= prm->road_signed_m) ||
            (strcmp(s->type, "village") == 0 && d <= prm->village_signed_m))
            p->is_signed = 1;
    }
}

/* ---- roads and villages without a sign ------------------------------------- */

/* A road crossing the division's edge may carry its sign outside the
 * division: signs around the whole road are looked at (a correct sign of it,
 * road or lane type, within road_signed_m of its line). */
typedef struct near_sign {
    ctx_t *c;
    const place_t *p;
    double max_m;
    int found;
} near_sign_t;

static int on_near_sign(const sign_row_t *r, void *vn)
{
    near_sign_t *n = vn;
    if (!r->type || (strcmp(r->type, "road") != 0 && strcmp(r->type, "lane") != 0))
        return 0;
    if (r->name_id > 0 && r->name_id != n->p->id)
        return 0;
    char *t = norm_of(n->c, r->text), *l = r->name_text ? norm_of(n->c, r->name_text) : NULL;
    int same = t && strcmp(t, n->p->norm) == 0 && (!r->name_text || (l && strcmp(l, n->p->norm) == 0));
    free(t);
    free(l);
    if (same && sg_dist_point_lines(&n->c->plane, r->lon, r->lat, &n->p->lines) <= n->max_m)
        n->found = 1;
    return n->found;
}

static void missing_roads(ctx_t *c, const signs_audit_params_t *prm)
{
    for (size_t i = 0; i < c->nplaces && !c->oom; i++) {
        place_t *p = &c->places[i];
        if (p->cat != NAME_CAT_ROAD || !p->in_div || p->is_signed || !is_standard(p->status))
            continue;
        near_sign_t ns = {c, p, prm->road_signed_m, 0};
        double gx = prm->road_signed_m / c->plane.kx, gy = prm->road_signed_m / c->plane.ky;
        store_bbox_t box = {p->lines.minx - gx, p->lines.miny - gy, p->lines.maxx + gx, p->lines.maxy + gy};
        dm_error e;
        if (store_signs_in_bbox(c->s, &box, on_near_sign, &ns, &e) < 0) {
            c->oom = 1; /* reported as a failure of the audit */
            return;
        }
        if (ns.found)
            continue;
        sign_finding_t *f = finding(c, "SIGN-MISSING-ROAD", "warning", SRC_GAP);
        if (!f)
            return;
        double len = 0;
        for (size_t k = 0; k < p->lines.nparts; k++)
            for (size_t v = p->lines.start[k]; v + 1 < p->lines.start[k + 1]; v++)
                len += sg_dist_m(&c->plane, p->lines.xy[2 * v], p->lines.xy[2 * v + 1], p->lines.xy[2 * v + 2],
                                 p->lines.xy[2 * v + 3]);
        f->name_id = p->id;
        sg_copy(f->subject, sizeof f->subject, p->name);
        sg_copy(f->expected, sizeof f->expected, p->name);
        f->lon = p->lon, f->lat = p->lat;
        f->value_m = round(len);
        snprintf(f->message_zh, sizeof f->message_zh, "道路“%s”（长 %.0f 米）%.0f 米内没有地名标志", p->name, len,
                 prm->road_signed_m);
        snprintf(f->message_en, sizeof f->message_en, "road '%s' (%.0f m long) has no name sign within %.0f m",
                 p->name, len, prm->road_signed_m);
    }
}

/* Villages (村) of the division: collected before the signs are audited, as
 * standard names a village sign can show (a division's name is standard),
 * then checked for a village sign inside or near them. */
typedef struct village {
    char code[13];
    size_t place;    /* index of its entry in places */
    sg_outline_t o;
} village_t;

static int on_village(const division_t *d, void *vc)
{
    ctx_t *c = vc;
    const char *type = d->type ? d->type : divcode_type_from_digits(d->code);
    if (!type || strcmp(type, "村") != 0 || !d->wkb)
        return 0;
    village_t *v = realloc(c->villages, (c->nvillages + 1) * sizeof *v);
    if (!v)
        return DM_ENOMEM;
    c->villages = v;
    v = &c->villages[c->nvillages];
    memset(v, 0, sizeof *v);
    if (sg_outline_from_wkb(d->wkb, d->wkb_len, &v->o, NULL))
        return 0;
    store_place_row_t row = {.name = d->name, .category = "village", .status = "approved",
                             .division_code = d->code};
    if (add_place(c, &row, &v->place)) {
        sg_outline_free(&v->o);
        return DM_ENOMEM;
    }
    place_t *p = &c->places[v->place];
    if (sg_lines_from_geom(v->o.g, &p->lines, NULL)) {
        sg_outline_free(&v->o);
        return DM_ENOMEM;
    }
    GEOSContextHandle_t h = geom_ctx();
    GEOSGeometry *pt = GEOSPointOnSurface_r(h, v->o.g);
    if (pt) {
        GEOSGeomGetX_r(h, pt, &p->lon);
        GEOSGeomGetY_r(h, pt, &p->lat);
        GEOSGeom_destroy_r(h, pt);
    }
    sg_copy(v->code, sizeof v->code, d->code);
    c->nvillages++;
    return 0;
}

static void missing_villages(ctx_t *c, const signs_audit_params_t *prm)
{
    for (size_t k = 0; k < c->nvillages && !c->oom; k++) {
        village_t *v = &c->villages[k];
        place_t *p = &c->places[v->place];
        /* Signed: a village sign showing the name inside the village or within
         * village_signed_m of its boundary. */
        int found = p->is_signed;
        for (size_t i = 0; i < c->nsigns && !found; i++) {
            const sign_t *s = &c->signs[i];
            if (strcmp(s->type, "village") == 0 && strcmp(s->norm, p->norm) == 0 &&
                sg_outline_contains(&v->o, s->lon, s->lat))
                found = 1;
        }
        if (found)
            continue;
        sign_finding_t *f = finding(c, "SIGN-MISSING-VILLAGE", "warning", SRC_GAP);
        if (!f)
            return;
        sg_copy(f->division_code, sizeof f->division_code, v->code);
        sg_copy(f->subject, sizeof f->subject, p->name);
        sg_copy(f->expected, sizeof f->expected, p->name);
        f->lon = p->lon, f->lat = p->lat;
        snprintf(f->message_zh, sizeof f->message_zh, "村“%s”内及周边 %.0f 米内没有村名标志", p->name,
                 prm->village_signed_m);
        snprintf(f->message_en, sizeof f->message_en,
                 "village '%s' has no village name sign inside it or within %.0f m", p->name, prm->village_signed_m);
    }
}

/* ---- density ---------------------------------------------------------------- */

static int add_unit(ctx_t *c, const division_t *d, const sg_outline_t *o)
{
    signs_audit_result_t *r = c->out;
    sign_density_t *u = realloc(r->units, (r->nunits + 1) * sizeof *u);
    if (!u)
        return DM_ENOMEM;
    r->units = u;
    u = &r->units[r->nunits++];
    memset(u, 0, sizeof *u);
    sg_copy(u->code, sizeof u->code, d->code);
    sg_copy(u->name, sizeof u->name, d->name);
    u->urban_class = sg_division_class(d);
    u->area_km2 = sg_area_km2(o->g);
    for (size_t i = 0; i < c->nsigns; i++)
        if (sg_outline_contains(o, c->signs[i].lon, c->signs[i].lat))
            u->signs++;
    r->class_signs[u->urban_class] += u->signs;
    r->class_km2[u->urban_class] += u->area_km2;
    return 0;
}

static int on_child(const division_t *d, void *vc)
{
    if (!d->wkb)
        return 0;
    sg_outline_t o;
    if (sg_outline_from_wkb(d->wkb, d->wkb_len, &o, NULL))
        return 0;
    int rc = add_unit(vc, d, &o);
    sg_outline_free(&o);
    return rc;
}

/* ---- the audit -------------------------------------------------------------- */

static void free_ctx(ctx_t *c)
{
    for (size_t i = 0; i < c->nplaces; i++) {
        place_t *p = &c->places[i];
        free(p->name), free(p->norm), free(p->category), free(p->status), free(p->pinyin);
        sg_lines_free(&p->lines);
    }
    free(c->places);
    for (size_t i = 0; i < c->nroads; i++) {
        free(c->roads[i].name), free(c->roads[i].norm);
        sg_lines_free(&c->roads[i].lines);
    }
    free(c->roads);
    for (size_t i = 0; i < c->nsigns; i++) {
        sign_t *s = &c->signs[i];
        free(s->type), free(s->text), free(s->norm), free(s->pinyin), free(s->name_text);
    }
    free(c->signs);
    for (size_t i = 0; i < c->nvillages; i++)
        sg_outline_free(&c->villages[i].o);
    free(c->villages);
    sg_outline_free(&c->div);
}

static store_bbox_t grow_box(const sg_outline_t *o, const sg_plane_t *p, double m)
{
    store_bbox_t b = {o->minx - m / p->kx, o->miny - m / p->ky, o->maxx + m / p->kx, o->maxy + m / p->ky};
    return b;
}

int signs_audit(store_t *s, names_worker_t *w, const char *division, const signs_audit_params_t *p,
                signs_audit_result_t *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    signs_audit_params_t prm = {.road_radius_m = 100, .road_slack_m = 15, .road_signed_m = 30,
                                .village_signed_m = 200};
    if (p) {
        prm.date = p->date;
        if (p->road_radius_m > 0)
            prm.road_radius_m = p->road_radius_m;
        if (p->road_slack_m > 0)
            prm.road_slack_m = p->road_slack_m;
        if (p->road_signed_m > 0)
            prm.road_signed_m = p->road_signed_m;
        if (p->village_signed_m > 0)
            prm.village_signed_m = p->village_signed_m;
    }
    out->params = prm;
    char code[13];
    if (divcode_parse(division, code, err)) {
        snprintf(err->param, sizeof err->param, "division");
        return err->code;
    }
    division_t d;
    int rc = store_division_get(s, code, prm.date, 1, &d, err);
    if (rc) {
        snprintf(err->param, sizeof err->param, "division");
        return rc;
    }
    sg_copy(out->division_code, sizeof out->division_code, d.code);
    sg_copy(out->division_name, sizeof out->division_name, d.name);
    ctx_t c = {.s = s, .w = w, .out = out};
    if (!d.wkb) {
        rc = dm_error_set(err, DM_EINVAL, "division",
                          "division %s (%s) has no outline; signs are placed by their location", d.code, d.name);
        division_clear(&d);
        return rc;
    }
    if ((rc = sg_outline_from_wkb(d.wkb, d.wkb_len, &c.div, err))) {
        division_clear(&d);
        return rc;
    }
    sg_plane_init(&c.plane, (c.div.miny + c.div.maxy) / 2);
    store_bbox_t inner = grow_box(&c.div, &c.plane, 0);
    store_bbox_t near = grow_box(&c.div, &c.plane, prm.road_radius_m + prm.road_slack_m);
    store_bbox_t wide = grow_box(&c.div, &c.plane, 1000);
    char prefix[13];
    divcode_short(d.code, prefix);
    if ((rc = store_signs_in_bbox(s, &inner, on_sign, &c, err)) ||
        (rc = store_roads_in_bbox(s, &near, on_road, &c, err)) ||
        (rc = store_places_in_bbox(s, &wide, on_place, &c, err)))
        goto done;
    if ((rc = store_divisions_under(s, prefix, LEVEL_VILLAGE, prm.date, on_village, &c, err)))
        goto done;
    out->signs = (long)c.nsigns;
    for (size_t i = 0; i < c.nsigns && !c.oom; i++)
        audit_sign(&c, &c.signs[i], &prm);
    if (!c.oom)
        missing_roads(&c, &prm);
    if (!c.oom)
        missing_villages(&c, &prm);
    if (!c.oom && (rc = store_division_children(s, d.code, prm.date, 1, on_child, &c, err)))
        goto done;
    if (!c.oom && out->nunits == 0 && (rc = add_unit(&c, &d, &c.div)))
        goto done;
done:
    if (!rc && c.oom)
        rc = DM_ENOMEM;
    if (rc == DM_ENOMEM)
        dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    free_ctx(&c);
    division_clear(&d);
    if (rc)
        signs_audit_clear(out);
    return rc;
}

void signs_audit_clear(signs_audit_result_t *r)
{
    if (!r)
        return;
    free(r->findings);
    free(r->units);
    r->findings = NULL, r->units = NULL;
    r->nfindings = r->nunits = 0;
}
