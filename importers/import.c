/* import.c — GDAL reading, per-layer row conversion and the one-transaction
 * import; see import.h.
 *
 * Flow of one import: open (with GBK detection for DBFs) → pick the layer →
 * decide the source CRS (file or --src-srs; none → refuse) → resolve columns →
 * BEGIN → batch row → for each feature: strings (UTF-8 check, recode,
 * normalise), geometry (ISO WKB → GEOS → CGCS2000 → conform), layer checks,
 * insert → file-level read error? → batch counts → COMMIT, or ROLLBACK on any
 * fatal error. */
#include "importers/import.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <jansson.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gis/boundary.h"
#include "gis/crs.h"
#include "gis/date.h"
#include "gis/divcode.h"
#include "gis/geom.h"
#include "gis/store_signs.h"
#include "gis/text.h"

#define MAX_ISSUES 10000

static pthread_once_t gdal_once = PTHREAD_ONCE_INIT;
static void gdal_setup(void) { GDALAllRegister(); }

/* ---- report --------------------------------------------------------------- */

__attribute__((format(printf, 5, 6))) static void add_issue(import_report_t *rep, import_issue_kind_t kind,
                                                            long row, const char *field, const char *fmt, ...)
{
    if (rep->nissues >= MAX_ISSUES) {
        rep->issues_dropped++;
        return;
    }
    if (rep->nissues == rep->cap) {
        size_t cap = rep->cap ? rep->cap * 2 : 64;
        import_issue_t *n = realloc(rep->issues, cap * sizeof *n);
        if (!n) {
            rep->issues_dropped++;
            return;
        }
        rep->issues = n;
        rep->cap = cap;
    }
    import_issue_t *is = &rep->issues[rep->nissues++];
    is->kind = kind;
    is->row = row;
    snprintf(is->field, sizeof is->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(is->message, sizeof is->message, fmt, ap);
    va_end(ap);
    text_scrub_utf8(is->message);
    text_scrub_utf8(is->field);
}

void import_report_free(import_report_t *rep)
{
    if (!rep)
        return;
    free(rep->issues);
    rep->issues = NULL;
    rep->nissues = rep->cap = 0;
}

char *import_report_json(const import_report_t *rep, const dm_error *fatal)
{
    static const char *const kinds[] = {"rejected", "repaired", "warning"};
    json_t *o = json_object();
    json_object_set_new(o, "ok", json_boolean(!fatal || fatal->code == DM_OK));
    json_object_set_new(o, "layer", json_string(rep->layer));
    json_object_set_new(o, "source", json_string(rep->source));
    json_object_set_new(o, "driver", json_string(rep->driver));
    json_object_set_new(o, "src_srs", json_string(rep->src_srs));
    json_object_set_new(o, "encoding", json_string(rep->encoding));
    json_object_set_new(o, "batch_id", json_integer(rep->batch_id));
    json_object_set_new(o, "read", json_integer(rep->read));
    json_object_set_new(o, "imported", json_integer(rep->imported));
    json_object_set_new(o, "repaired", json_integer(rep->repaired));
    json_object_set_new(o, "rejected", json_integer(rep->rejected));
    json_object_set_new(o, "skipped", json_integer(rep->skipped));
    json_object_set_new(o, "seconds", json_real(round(rep->seconds * 1000) / 1000));
    json_t *arr = json_array();
    for (size_t i = 0; i < rep->nissues; i++) {
        const import_issue_t *is = &rep->issues[i];
        json_t *it = json_object();
        json_object_set_new(it, "kind", json_string(kinds[is->kind]));
        json_object_set_new(it, "row", json_integer(is->row));
        if (is->field[0])
            json_object_set_new(it, "field", json_string(is->field));
        json_object_set_new(it, "message", json_string(is->message));
        json_array_append_new(arr, it);
    }
    json_object_set_new(o, "issues", arr);
    if (rep->issues_dropped)
        json_object_set_new(o, "issues_not_listed", json_integer((json_int_t)rep->issues_dropped));
    if (fatal && fatal->code != DM_OK) {
        json_t *e = json_object();
        json_object_set_new(e, "code", json_string(dm_status_name(fatal->code)));
        json_object_set_new(e, "message", json_string(fatal->message));
        if (fatal->param[0])
            json_object_set_new(e, "param", json_string(fatal->param));
        json_object_set_new(o, "error", e);
    }
    char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(o);
    return s;
}

/* ---- per-row string handling ------------------------------------------------ */

typedef struct {
    const import_options_t *opt;
    import_report_t *rep;
    store_t *store;
    text_normalizer_t *tn;
    crs_transform_t *xf;     /* NULL when the layer has no geometry */
    int recode;              /* recode values from opt->encoding */
    int index[FIELD_MAX];
    const field_spec_t *fs;
    size_t nf;
    /* strings to free at the end of the row */
    char *owned[4 * FIELD_MAX];
    int nowned;
    long row;
    /* divisions imported in this batch, for the parent check */
    struct div_seen {
        char code[13], parent[13];
        long row;
    } *divs;
    size_t ndivs, capdivs;
    char valid_from[11];
    boundary_edition_t *edition; /* divisions with --valid-from: a new edition (gis/boundary.h) */
} row_ctx_t;

static void row_reset(row_ctx_t *rc)
{
    for (int i = 0; i < rc->nowned; i++)
        free(rc->owned[i]);
    rc->nowned = 0;
}

static char *own(row_ctx_t *rc, char *s)
{
    if (s && rc->nowned < (int)(sizeof rc->owned / sizeof *rc->owned))
        rc->owned[rc->nowned++] = s;
    else if (s) {
        free(s);
        return NULL;
    }
    return s;
}

static int field_no(row_ctx_t *rc, const char *target)
{
    for (size_t i = 0; i < rc->nf; i++)
        if (strcmp(rc->fs[i].target, target) == 0)
            return (int)i;
    return -1;
}

/* The raw (decoded, UTF-8-checked, trimmed) value of a target field, or NULL
 * when absent or empty. Sets *bad (and rejects nothing itself) on bad text. */
static const char *raw_value(row_ctx_t *rc, OGRFeatureH f, const char *target, int *bad)
{
    int fi = field_no(rc, target);
    if (fi < 0 || rc->index[fi] < 0 || !OGR_F_IsFieldSetAndNotNull(f, rc->index[fi]))
        return NULL;
    /* GDAL formats numbers into a per-feature buffer that the next call
     * overwrites, so every value is copied and owned by the row. */
    const char *v = own(rc, strdup(OGR_F_GetFieldAsString(f, rc->index[fi])));
    if (!v) {
        *bad = 1;
        return NULL;
    }
    if (rc->recode) {
        char *r = CPLRecode(v, rc->opt->encoding, CPL_ENC_UTF8);
        char *copy = r ? strdup(r) : NULL;
        CPLFree(r);
        v = own(rc, copy);
        if (!v) {
            *bad = 1;
            return NULL;
        }
    }
    if (!text_is_utf8(v, strlen(v))) {
        *bad = 1;
        return NULL;
    }
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' || v[n - 1] == '\n'))
        n--;
    if (n == 0)
        return NULL;
    ((char *)v)[n] = '\0'; /* our own copy */
    return v;
}

/* Fetches a field; on bad text rejects the row (returns -1). */
static int get_text(row_ctx_t *rc, OGRFeatureH f, const char *target, const char **out)
{
    int bad = 0;
    *out = raw_value(rc, f, target, &bad);
    if (bad) {
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, target,
                  "%s is not valid UTF-8%s", target,
                  rc->opt->encoding ? "" : " (if the file is GBK-encoded, pass --encoding GBK)");
        return -1;
    }
    return 0;
}

/* A name through the normaliser; *original is set when normalising changed it. */
static int get_name(row_ctx_t *rc, OGRFeatureH f, const char *target, int required, const char **norm,
                    const char **original)
{
    const char *raw;
    *norm = *original = NULL;
    if (get_text(rc, f, target, &raw))
        return -1;
    if (!raw) {
        if (required) {
            add_issue(rc->rep, ISSUE_REJECTED, rc->row, target, "%s is empty", target);
            return -1;
        }
        return 0;
    }
    char *n = NULL;
    dm_error e;
    if (text_normalize(rc->tn, raw, (size_t)-1, &n, &e)) {
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, target, "%s: %s", target, e.message);
        return -1;
    }
    own(rc, n);
    if (!*n && required) {
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, target, "%s is empty after normalisation", target);
        return -1;
    }
    *norm = n;
    if (strcmp(n, raw) != 0)
        *original = raw;
    return 0;
}

static int get_long(row_ctx_t *rc, OGRFeatureH f, const char *target, long *out)
{
    const char *v;
    *out = -1;
    if (get_text(rc, f, target, &v))
        return -1;
    if (!v)
        return 0;
    char *end;
    double d = strtod(v, &end);
    if (*end || !isfinite(d) || d < 0 || d > 1e12 || d != floor(d)) {
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, target, "%s must be a whole number >= 0, got '%.40s'", target,
                  v);
        return -1;
    }
    *out = (long)d;
    return 0;
}

static int get_date(row_ctx_t *rc, OGRFeatureH f, const char *target, const char **out)
{
    const char *v;
    *out = NULL;
    if (get_text(rc, f, target, &v))
        return -1;
    if (!v)
        return 0;
    char *buf = own(rc, malloc(11));
    dm_error e;
    /* Dates read from DBF date fields come as YYYY/MM/DD; accept both. */
    if (!buf || date_parse(v, buf, target, &e)) {
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, target, "%s", buf ? e.message : "out of memory");
        return -1;
    }
    *out = buf;
    return 0;
}

/* Maps a value to one of `canon` (parallel to `words`, several words per
 * canonical value); NULL stays NULL. Unknown values reject the row. */
static int get_enum(row_ctx_t *rc, OGRFeatureH f, const char *target, const char *const *words,
                    const char *const *canon, const char *allowed, const char **out)
{
    const char *v;
    *out = NULL;
    if (get_text(rc, f, target, &v))
        return -1;
    if (!v)
        return 0;
    for (int i = 0; words[i]; i++)
        if (strcasecmp(v, words[i]) == 0) {
            *out = canon[i];
            return 0;
        }
    add_issue(rc->rep, ISSUE_REJECTED, rc->row, target, "%s '%.40s' is not one of %s", target, v, allowed);
    return -1;
}

static int get_code(row_ctx_t *rc, OGRFeatureH f, const char *target, const char **out)
{
    const char *v;
    *out = NULL;
    if (get_text(rc, f, target, &v))
        return -1;
    if (!v)
        return 0;
    char *buf = own(rc, malloc(13));
    dm_error e;
    if (!buf || divcode_parse(v, buf, &e)) {
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, target, "%s: %s", target, buf ? e.message : "out of memory");
        return -1;
    }
    *out = buf;
    return 0;
}

/* ---- geometry ------------------------------------------------------------------- */

typedef struct {
    crs_transform_t *xf;
    int failed;
    char msg[512];
} xf_ctx_t;

static int xf_point(double *x, double *y, void *ud)
{
    xf_ctx_t *c = ud;
    dm_error e;
    if (!c->failed && crs_transform_points(c->xf, x, y, 1, &e)) {
        c->failed = 1;
        snprintf(c->msg, sizeof c->msg, "%s", e.message);
    }
    return 1;
}

/* Reads the feature's geometry into GEOS in CGCS2000. *out NULL when the
 * feature has none. Rejects (returns -1) on unreadable geometry. */
static int read_geometry(row_ctx_t *rc, OGRFeatureH f, GEOSGeometry **out)
{
    *out = NULL;
    OGRGeometryH og = OGR_F_GetGeometryRef(f);
    if (!og || OGR_G_IsEmpty(og))
        return 0;
    OGRGeometryH lin = NULL;
    if (OGR_G_HasCurveGeometry(og, TRUE)) {
        lin = OGR_G_GetLinearGeometry(og, 0, NULL);
        og = lin;
    }
    size_t n = (size_t)OGR_G_WkbSize(og);
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf || OGR_G_ExportToIsoWkb(og, wkbNDR, buf) != OGRERR_NONE) {
        free(buf);
        if (lin)
            OGR_G_DestroyGeometry(lin);
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, "geometry", "geometry cannot be encoded");
        return -1;
    }
    if (lin)
        OGR_G_DestroyGeometry(lin);
    dm_error e;
    GEOSGeometry *g = geom_from_wkb(buf, n, &e);
    free(buf);
    if (!g) {
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, "geometry", "%s", e.message);
        return -1;
    }
    GEOSContextHandle_t h = geom_ctx();
    if (!crs_transform_is_identity(rc->xf)) {
        xf_ctx_t xc = {.xf = rc->xf};
        GEOSGeometry *t = GEOSGeom_transformXY_r(h, g, xf_point, &xc);
        GEOSGeom_destroy_r(h, g);
        if (!t || xc.failed) {
            if (t)
                GEOSGeom_destroy_r(h, t);
            add_issue(rc->rep, ISSUE_REJECTED, rc->row, "geometry", "%s", xc.failed ? xc.msg : "transform failed");
            return -1;
        }
        g = t;
    } else if (!geom_in_lonlat_range(g)) {
        GEOSGeom_destroy_r(h, g);
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, "geometry",
                  "coordinates out of lon/lat range for %s (projected data needs its CRS, see --src-srs)",
                  crs_transform_source_name(rc->xf));
        return -1;
    }
    *out = g;
    return 0;
}

/* Conforms g to `kind`, counting a repair; returns WKB (owned by the row) or
 * NULL after rejecting. Consumes *g (sets it NULL). */
static unsigned char *finish_geometry(row_ctx_t *rc, GEOSGeometry **g, geom_kind_t kind, size_t *len,
                                      int *repaired)
{
    dm_error e;
    char why[160];
    int rep = 0;
    if (geom_conform(g, kind, 0, &rep, why, sizeof why, &e)) {
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, "geometry", "%s", e.message);
        GEOSGeom_destroy_r(geom_ctx(), *g);
        *g = NULL;
        return NULL;
    }
    if (rep) {
        add_issue(rc->rep, ISSUE_REPAIRED, rc->row, "geometry", "invalid polygon repaired: %s", why);
        *repaired = 1;
    }
    unsigned char *wkb = geom_to_wkb(*g, len);
    GEOSGeom_destroy_r(geom_ctx(), *g);
    *g = NULL;
    if (!wkb) {
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, "geometry", "geometry cannot be encoded");
        return NULL;
    }
    return (unsigned char *)own(rc, (char *)wkb);
}

/* ---- layers ------------------------------------------------------------------------ */

/* Outcome of one row: 1 imported, 0 rejected/skipped (reported), <0 fatal. */
typedef int (*row_fn)(row_ctx_t *rc, OGRFeatureH f, int *repaired, dm_error *err);

static int insert_result(row_ctx_t *rc, int rc_store, const char *what, dm_error *err, dm_error *e)
{
    if (rc_store == 0)
        return 1;
    if (rc_store == DM_ECONFLICT || rc_store == DM_EINVAL) {
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, e->param, "%s", e->message);
        return 0;
    }
    *err = *e;
    (void)what;
    return rc_store;
}

static const char *const DIV_CLASSES[] = {"111", "112", "121", "122", "123", "210", "220", NULL};

static int row_division(row_ctx_t *rc, OGRFeatureH f, int *repaired, dm_error *err)
{
    division_t d;
    memset(&d, 0, sizeof d);
    const char *code, *name, *orig, *parent, *type, *ur, *vfrom, *vto, *level_text, *src;
    if (get_code(rc, f, "code", &code) || get_name(rc, f, "name", 1, &name, &orig) ||
        get_code(rc, f, "parent_code", &parent) || get_text(rc, f, "type", &type) ||
        get_text(rc, f, "urban_rural", &ur) || get_date(rc, f, "valid_from", &vfrom) ||
        get_date(rc, f, "valid_to", &vto) || get_text(rc, f, "level", &level_text) ||
        get_text(rc, f, "code_source", &src))
        return 0;
    if (!code) {
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, "code", "code is empty");
        return 0;
    }
    memcpy(d.code, code, 13);
    d.level = divcode_level(d.code);
    if (level_text) {
        division_level_t declared = division_level_parse(level_text);
        if (declared != LEVEL_NONE && declared != d.level)
            add_issue(rc->rep, ISSUE_WARNING, rc->row, "level",
                      "level '%s' disagrees with code %s (a %s code); the code's level is used", level_text, d.code,
                      division_level_name(d.level));
    }
    divcode_parent(d.code, d.parent_code);
    if (parent && strcmp(parent, d.parent_code) != 0) {
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, "parent_code",
                  "parent %s does not match code %s, whose prefix gives %s (DIV-CODE-PARENT)", parent, d.code,
                  d.parent_code[0] ? d.parent_code : "no parent");
        return 0;
    }
    dm_error e;
    if (divcode_check_type(d.code, name, &e)) {
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, "code", "%s", e.message);
        return 0;
    }
    if (ur) {
        int ok = 0;
        for (int i = 0; DIV_CLASSES[i]; i++)
            ok |= strcmp(ur, DIV_CLASSES[i]) == 0;
        if (!ok) {
            add_issue(rc->rep, ISSUE_REJECTED, rc->row, "urban_rural",
                      "urban_rural '%.20s' is not a 城乡分类代码 (111 112 121 122 123 210 220; DIV-CLASS)", ur);
            return 0;
        }
    }
    if (!vfrom && rc->valid_from[0])
        vfrom = rc->valid_from;
    if (vfrom && vto && strcmp(vfrom, vto) >= 0) {
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, "valid_to", "valid_to %s is not after valid_from %s", vto,
                  vfrom);
        return 0;
    }
    d.name = (char *)name;
    d.name_original = (char *)orig;
    d.type = (char *)(type ? type : divcode_type_from_name(name) ? divcode_type_from_name(name)
                                                                  : divcode_type_from_digits(d.code));
    d.urban_rural = (char *)ur;
    d.code_source = (char *)src;
    snprintf(d.valid_from, sizeof d.valid_from, "%s", vfrom ? vfrom : "");
    snprintf(d.valid_to, sizeof d.valid_to, "%s", vto ? vto : "");
    GEOSGeometry *g;
    if (read_geometry(rc, f, &g))
        return 0;
    if (g && !(d.wkb = finish_geometry(rc, &g, GEOM_KIND_POLYGON, &d.wkb_len, repaired)))
        return 0;
    d.batch_id = rc->rep->batch_id;
    d.row_no = rc->row;
    if (rc->edition) {
        /* An edition keeps an unchanged unit's version (the row is skipped) and
         * closes the version a changed row supersedes before it is inserted. */
        int same = boundary_edition_row(rc->edition, &d, err);
        if (same < 0)
            return same;
        if (same == 1) {
            rc->rep->skipped++;
            return 0;
        }
    }
    int r = insert_result(rc, store_insert_division(rc->store, &d, &e), "division", err, &e);
    if (r == 1) {
        if (rc->ndivs == rc->capdivs) {
            size_t cap = rc->capdivs ? rc->capdivs * 2 : 256;
            struct div_seen *n = realloc(rc->divs, cap * sizeof *n);
            if (!n)
                return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
            rc->divs = n;
            rc->capdivs = cap;
        }
        struct div_seen *s = &rc->divs[rc->ndivs++];
        memcpy(s->code, d.code, 13);
        memcpy(s->parent, d.parent_code, 13);
        s->row = rc->row;
    }
    return r;
}

static const char *const MARKER_STATUS_WORDS[] = {"intact", "完好", "正常", "damaged", "损坏", "破损",
                                                  "missing", "丢失", "缺失", "replaced", "已更换", "更换", NULL};
static const char *const MARKER_STATUS_CANON[] = {"intact", "intact", "intact", "damaged", "damaged", "damaged",
                                                  "missing", "missing", "missing", "replaced", "replaced",
                                                  "replaced"};

static int row_marker(row_ctx_t *rc, OGRFeatureH f, int *repaired, dm_error *err)
{
    marker_row_t m;
    memset(&m, 0, sizeof m);
    if (get_text(rc, f, "number", &m.number) || get_text(rc, f, "type", &m.type) ||
        get_text(rc, f, "line", &m.line_code) ||
        get_enum(rc, f, "status", MARKER_STATUS_WORDS, MARKER_STATUS_CANON, "intact, damaged, missing, replaced",
                 &m.status) ||
        get_text(rc, f, "material", &m.material) || get_date(rc, f, "installed", &m.installed_on) ||
        get_date(rc, f, "inspected", &m.inspected_on))
        return 0;
    if (!m.number) {
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, "number", "number is empty");
        return 0;
    }
    GEOSGeometry *g;
    if (read_geometry(rc, f, &g))
        return 0;
    if (!g) {
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, "geometry", "a marker needs a point");
        return 0;
    }
    if (!(m.wkb = finish_geometry(rc, &g, GEOM_KIND_POINT, &m.wkb_len, repaired)))
        return 0;
    m.batch_id = rc->rep->batch_id;
    m.row_no = rc->row;
    dm_error e;
    return insert_result(rc, store_insert_marker(rc->store, &m, &e), "marker", err, &e);
}

static const char *const NAME_STATUS_WORDS[] = {"approved", "已批准", "标准", "planned", "规划", "拟用",
                                                "retired", "废止", "已废止", "proposed", "申报", NULL};
static const char *const NAME_STATUS_CANON[] = {"approved", "approved", "approved", "planned", "planned", "planned",
                                                "retired", "retired", "retired", "proposed", "proposed"};

static int row_name(row_ctx_t *rc, OGRFeatureH f, int *repaired, dm_error *err)
{
    place_name_row_t n;
    memset(&n, 0, sizeof n);
    const char *former_orig;
    if (get_name(rc, f, "name", 1, &n.name, &n.name_original) || get_text(rc, f, "category", &n.category) ||
        get_code(rc, f, "division", &n.division_code) ||
        get_enum(rc, f, "status", NAME_STATUS_WORDS, NAME_STATUS_CANON, "approved, planned, retired, proposed",
                 &n.status) ||
        get_text(rc, f, "approval_doc", &n.approval_doc) || get_date(rc, f, "approved_on", &n.approved_on) ||
        get_name(rc, f, "former_names", 0, &n.former_names, &former_orig) || get_text(rc, f, "pinyin", &n.pinyin))
        return 0;
    GEOSGeometry *g;
    if (read_geometry(rc, f, &g))
        return 0;
    if (g && !(n.wkb = finish_geometry(rc, &g, GEOM_KIND_ANY, &n.wkb_len, repaired)))
        return 0;
    n.batch_id = rc->rep->batch_id;
    n.row_no = rc->row;
    dm_error e;
    return insert_result(rc, store_insert_place_name(rc->store, &n, &e), "place name", err, &e);
}

static const char *const FAC_STATUS_WORDS[] = {"operating", "运营", "在营", "正常运营", "planned", "规划",
                                               "building", "在建", "closed", "停业", "关闭", NULL};
static const char *const FAC_STATUS_CANON[] = {"operating", "operating", "operating", "operating", "planned",
                                               "planned", "building", "building", "closed", "closed", "closed"};

static int row_facility(row_ctx_t *rc, OGRFeatureH f, int *repaired, dm_error *err)
{
    facility_row_t fa;
    memset(&fa, 0, sizeof fa);
    if (get_name(rc, f, "name", 1, &fa.name, &fa.name_original) || get_text(rc, f, "type", &fa.type) ||
        get_text(rc, f, "functions", &fa.functions) || get_long(rc, f, "beds", &fa.beds) ||
        get_long(rc, f, "nursing_beds", &fa.nursing_beds) ||
        get_enum(rc, f, "status", FAC_STATUS_WORDS, FAC_STATUS_CANON, "operating, planned, building, closed",
                 &fa.status) ||
        get_code(rc, f, "division", &fa.division_code) || get_text(rc, f, "address", &fa.address))
        return 0;
    if (fa.beds >= 0 && fa.nursing_beds > fa.beds) {
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, "nursing_beds", "nursing_beds %ld exceed beds %ld",
                  fa.nursing_beds, fa.beds);
        return 0;
    }
    GEOSGeometry *g;
    if (read_geometry(rc, f, &g))
        return 0;
    if (!g) {
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, "geometry", "a facility needs a location");
        return 0;
    }
    GEOSContextHandle_t h = geom_ctx();
    int t = GEOSGeomTypeId_r(h, g);
    if (t == GEOS_POLYGON || t == GEOS_MULTIPOLYGON) {
        /* A building outline: keep a point inside it. */
        GEOSGeometry *p = GEOSPointOnSurface_r(h, g);
        GEOSGeom_destroy_r(h, g);
        g = p;
        add_issue(rc->rep, ISSUE_REPAIRED, rc->row, "geometry", "polygon reduced to a point inside it");
        *repaired = 1;
    }
    if (!(fa.wkb = finish_geometry(rc, &g, GEOM_KIND_POINT, &fa.wkb_len, repaired)))
        return 0;
    fa.batch_id = rc->rep->batch_id;
    fa.row_no = rc->row;
    dm_error e;
    return insert_result(rc, store_insert_facility(rc->store, &fa, &e), "facility", err, &e);
}

static int row_residential(row_ctx_t *rc, OGRFeatureH f, int *repaired, dm_error *err)
{
    residential_row_t r;
    memset(&r, 0, sizeof r);
    if (get_name(rc, f, "name", 1, &r.name, &r.name_original) || get_long(rc, f, "households", &r.households) ||
        get_long(rc, f, "pop_60", &r.pop_60) || get_long(rc, f, "pop_80", &r.pop_80) ||
        get_code(rc, f, "division", &r.division_code))
        return 0;
    if (r.pop_60 >= 0 && r.pop_80 > r.pop_60) {
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, "pop_80", "pop_80 %ld exceeds pop_60 %ld (80+ are also 60+)",
                  r.pop_80, r.pop_60);
        return 0;
    }
    GEOSGeometry *g;
    if (read_geometry(rc, f, &g))
        return 0;
    if (!g) {
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, "geometry", "a residential area needs a polygon or point");
        return 0;
    }
    int t = GEOSGeomTypeId_r(geom_ctx(), g);
    geom_kind_t kind = (t == GEOS_POINT || t == GEOS_MULTIPOINT) ? GEOM_KIND_POINT : GEOM_KIND_POLYGON;
    if (!(r.wkb = finish_geometry(rc, &g, kind, &r.wkb_len, repaired)))
        return 0;
    r.batch_id = rc->rep->batch_id;
    r.row_no = rc->row;
    dm_error e;
    return insert_result(rc, store_insert_residential(rc->store, &r, &e), "residential area", err, &e);
}

/* OSM's other_tags is an HSTORE-like string: "foot"=>"no","access"=>"private". */
static int tag_is(const char *tags, const char *key, const char *const *values)
{
    if (!tags)
        return 0;
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"=>\"", key);
    const char *p = strstr(tags, pat);
    if (!p)
        return 0;
    p += strlen(pat);
    for (int i = 0; values[i]; i++) {
        size_t n = strlen(values[i]);
        if (strncmp(p, values[i], n) == 0 && p[n] == '"')
            return 1;
    }
    return 0;
}

static int word_in(const char *v, const char *const *values)
{
    for (int i = 0; v && values[i]; i++)
        if (strcasecmp(v, values[i]) == 0)
            return 1;
    return 0;
}

static int row_road(row_ctx_t *rc, OGRFeatureH f, int *repaired, dm_error *err)
{
    static const char *const no_walk_class[] = {"motorway", "motorway_link", "trunk", "trunk_link", "construction",
                                                "proposed", "raceway", "bus_guideway", "busway", "高速公路", NULL};
    static const char *const no_values[] = {"no", "private", NULL};
    static const char *const yes_values[] = {"yes", "designated", "permissive", NULL};
    static const char *const truthy[] = {"1", "yes", "true", "y", "是", NULL};
    static const char *const falsy[] = {"0", "no", "false", "n", "否", NULL};
    road_edge_row_t r;
    memset(&r, 0, sizeof r);
    const char *walk, *oneway, *foot, *access, *tags;
    if (get_name(rc, f, "name", 0, &r.name, &r.name_original) || get_text(rc, f, "class", &r.road_class) ||
        get_text(rc, f, "walkable", &walk) || get_text(rc, f, "oneway", &oneway) ||
        get_text(rc, f, "osm_id", &r.osm_id) || get_text(rc, f, "foot", &foot) ||
        get_text(rc, f, "access", &access) || get_text(rc, f, "other_tags", &tags))
        return 0;
    int is_osm = field_no(rc, "other_tags") >= 0 && rc->index[field_no(rc, "other_tags")] >= 0;
    if (is_osm && !r.road_class) {
        rc->rep->skipped++; /* an OSM line that is not a road: river, power line … */
        return 0;
    }
    if (walk) {
        if (word_in(walk, truthy))
            r.walkable = 1;
        else if (word_in(walk, falsy))
            r.walkable = 0;
        else {
            add_issue(rc->rep, ISSUE_REJECTED, rc->row, "walkable", "walkable must be 1/0 or yes/no, got '%.20s'",
                      walk);
            return 0;
        }
    } else {
        int foot_yes = word_in(foot, yes_values) || tag_is(tags, "foot", yes_values);
        int foot_no = word_in(foot, no_values) || tag_is(tags, "foot", no_values);
        int access_no = word_in(access, no_values) || tag_is(tags, "access", no_values);
        r.walkable = foot_yes || !(foot_no || access_no || word_in(r.road_class, no_walk_class));
    }
    r.oneway = oneway && (word_in(oneway, truthy) || strcmp(oneway, "-1") == 0);
    GEOSGeometry *g;
    if (read_geometry(rc, f, &g))
        return 0;
    if (!g) {
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, "geometry", "a road edge needs a line");
        return 0;
    }
    dm_error e;
    char why[80];
    int rep = 0;
    if (geom_conform(&g, GEOM_KIND_LINE, 1, &rep, why, sizeof why, &e)) {
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, "geometry", "%s", e.message);
        GEOSGeom_destroy_r(geom_ctx(), g);
        return 0;
    }
    /* A multi-part line becomes one edge per part. */
    GEOSContextHandle_t h = geom_ctx();
    int parts = GEOSGeomTypeId_r(h, g) == GEOS_MULTILINESTRING ? GEOSGetNumGeometries_r(h, g) : 1;
    int result = 1;
    for (int i = 0; i < parts && result == 1; i++) {
        const GEOSGeometry *part = parts > 1 || GEOSGeomTypeId_r(h, g) == GEOS_MULTILINESTRING
                                       ? GEOSGetGeometryN_r(h, g, i)
                                       : g;
        size_t len;
        unsigned char *wkb = geom_to_wkb(part, &len);
        if (!wkb) {
            result = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
            break;
        }
        r.wkb = wkb;
        r.wkb_len = len;
        r.length_m = geom_length_m(part);
        r.batch_id = rc->rep->batch_id;
        r.row_no = rc->row;
        result = insert_result(rc, store_insert_road_edge(rc->store, &r, &e), "road edge", err, &e);
        free(wkb);
    }
    GEOSGeom_destroy_r(h, g);
    return result;
}

/* Sign types and conditions (GB 17733-2008 names the plate kinds: 街牌,
 * 巷牌, 楼牌, 村牌 and 指示牌). */
static const char *const SIGN_TYPE_WORDS[] = {"road", "路牌", "街牌", "道路", "lane", "巷牌", "巷", "弄",
                                              "building", "楼牌", "楼宇", "village", "村牌", "村名牌", "村",
                                              "guide", "指示牌", "地名指示牌", "指示", NULL};
static const char *const SIGN_TYPE_CANON[] = {"road",     "road",     "road",    "road",    "lane",
                                              "lane",     "lane",     "lane",    "building", "building",
                                              "building", "village",  "village", "village", "village",
                                              "guide",    "guide",    "guide",   "guide"};
static const char *const SIGN_COND_WORDS[] = {"good", "完好", "良好", "damaged", "破损", "损坏", "faded", "褪色",
                                              "模糊", "missing", "缺失", "丢失", NULL};
static const char *const SIGN_COND_CANON[] = {"good",  "good",  "good",    "damaged", "damaged", "damaged",
                                              "faded", "faded", "faded",   "missing", "missing", "missing"};

static int row_sign(row_ctx_t *rc, OGRFeatureH f, int *repaired, dm_error *err)
{
    sign_row_t r;
    memset(&r, 0, sizeof r);
    long name_id;
    const char *name_orig;
    if (get_enum(rc, f, "type", SIGN_TYPE_WORDS, SIGN_TYPE_CANON, "road, lane, building, village, guide", &r.type) ||
        get_name(rc, f, "text", 1, &r.text, &r.text_original) || get_text(rc, f, "pinyin", &r.pinyin) ||
        get_long(rc, f, "name_id", &name_id) || get_name(rc, f, "name", 0, &r.name_text, &name_orig) ||
        get_date(rc, f, "installed", &r.installed_on) ||
        get_enum(rc, f, "condition", SIGN_COND_WORDS, SIGN_COND_CANON, "good, damaged, faded, missing",
                 &r.condition))
        return 0;
    if (!r.type) {
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, "type", "type is empty (road, lane, building, village, guide)");
        return 0;
    }
    r.name_id = name_id > 0 ? name_id : 0;
    GEOSGeometry *g;
    if (read_geometry(rc, f, &g))
        return 0;
    if (!g) {
        add_issue(rc->rep, ISSUE_REJECTED, rc->row, "geometry", "a sign needs a point");
        return 0;
    }
    if (!(r.wkb = finish_geometry(rc, &g, GEOM_KIND_POINT, &r.wkb_len, repaired)))
        return 0;
    r.batch_id = rc->rep->batch_id;
    r.row_no = rc->row;
    dm_error e;
    return insert_result(rc, store_insert_sign(rc->store, &r, &e), "sign", err, &e);
}

static const row_fn row_fns[LAYER__COUNT] = {
    [LAYER_SIGNS] = row_sign,
    [LAYER_DIVISIONS] = row_division, [LAYER_MARKERS] = row_marker,         [LAYER_NAMES] = row_name,
    [LAYER_FACILITIES] = row_facility, [LAYER_RESIDENTIAL] = row_residential, [LAYER_ROADS] = row_road,
};

/* ---- opening the source ---------------------------------------------------------- */

static int has_suffix(const char *path, const char *suffix)
{
    size_t n = strlen(path), m = strlen(suffix);
    return n >= m && strcasecmp(path + n - m, suffix) == 0;
}

/* A CSV header naming one column twice is refused before GDAL opens it:
 * which of the two is meant is a guess, and GDAL 3.6's CSV reader crashes
 * on a repeated coordinate column when KEEP_GEOM_COLUMNS=NO (found by
 * fuzz_import_csv; tests/unit/test_import_header.c). The delimiter is the one
 * GDAL picks: tab for .tsv, else the most frequent of , ; and tab. */
/* The column names GDAL takes as longitude, latitude and geometry (its
 * X_POSSIBLE_NAMES, Y_POSSIBLE_NAMES, GEOM_POSSIBLE_NAMES below). */
#define CSV_X_NAMES "lon,lng,longitude,x,经度,point_x"
#define CSV_Y_NAMES "lat,latitude,y,纬度,point_y"
#define CSV_GEOM_NAMES "wkt,geometry,geom,the_geom"
static const char *const CSV_COORD_NAMES[3] = {CSV_X_NAMES, CSV_Y_NAMES, CSV_GEOM_NAMES};
static const char *const CSV_COORD_WHAT[3] = {"longitude", "latitude", "geometry"};

static int csv_coordinate_name(int kind, const char *col)
{
    size_t n = strlen(col);
    for (const char *p = CSV_COORD_NAMES[kind]; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncasecmp(p, col, n) == 0)
            return 1;
        p += len + (e != NULL);
    }
    return 0;
}

static int csv_header_check(const char *path, dm_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0; /* GDAL says why */
    char line[16384];
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    char *end = strpbrk(line, "\r\n");
    if (end)
        *end = '\0';
    char *h = line;
    if ((unsigned char)h[0] == 0xEF && (unsigned char)h[1] == 0xBB && (unsigned char)h[2] == 0xBF)
        h += 3;
    int commas = 0, semis = 0, tabs = 0;
    for (const char *c = h; *c; c++)
        commas += *c == ',', semis += *c == ';', tabs += *c == '\t';
    char delim = has_suffix(path, ".tsv") ? '\t' : tabs > commas && tabs > semis ? '\t' : semis > commas ? ';' : ',';
    enum { MAX_COLS = 256 };
    char *cols[MAX_COLS];
    int ncols = 0;
    for (char *c = h; ncols < MAX_COLS;) {
        char *next = strchr(c, delim);
        if (next)
            *next = '\0';
        while (*c == ' ' || *c == '"')
            c++;
        size_t len = strlen(c);
        while (len && (c[len - 1] == ' ' || c[len - 1] == '"'))
            c[--len] = '\0';
        for (int i = 0; i < ncols; i++)
            if (len && strcasecmp(cols[i], c) == 0)
                return dm_error_set(err, DM_EINVAL, "file",
                                    "%s: column '%s' appears twice in the header (columns %d and %d): rename one",
                                    path, c, i + 1, ncols + 1);
        /* Two columns that both name the longitude (or the latitude, or the
         * geometry): which one holds it is a guess, and GDAL crashes on it
         * too (lon and longitude, found by fuzz_import_csv). */
        for (int k = 0; k < 3; k++) {
            int mine = csv_coordinate_name(k, c);
            for (int i = 0; mine && i < ncols; i++)
                if (csv_coordinate_name(k, cols[i]))
                    return dm_error_set(err, DM_EINVAL, "file",
                                        "%s: columns '%s' and '%s' (%d and %d) both look like the %s: keep one",
                                        path, cols[i], c, i + 1, ncols + 1, CSV_COORD_WHAT[k]);
        }
        cols[ncols++] = c;
        if (!next)
            break;
        c = next + 1;
    }
    return 0;
}

static GDALDatasetH open_source(const char *path, const char *encoding, dm_error *err)
{
    char **oo = NULL;
    if (has_suffix(path, ".csv") || has_suffix(path, ".tsv") || has_suffix(path, ".txt")) {
        if (csv_header_check(path, err))
            return NULL;
        oo = CSLSetNameValue(oo, "X_POSSIBLE_NAMES", CSV_X_NAMES);
        oo = CSLSetNameValue(oo, "Y_POSSIBLE_NAMES", CSV_Y_NAMES);
        oo = CSLSetNameValue(oo, "GEOM_POSSIBLE_NAMES", CSV_GEOM_NAMES);
        oo = CSLSetNameValue(oo, "KEEP_GEOM_COLUMNS", "NO");
        oo = CSLSetNameValue(oo, "AUTODETECT_TYPE", "NO");
        oo = CSLSetNameValue(oo, "EMPTY_STRING_AS_NULL", "YES");
    }
    if (encoding && (has_suffix(path, ".shp") || has_suffix(path, ".dbf")))
        oo = CSLSetNameValue(oo, "ENCODING", encoding);
    CPLErrorReset();
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, (const char *const *)oo, NULL);
    CSLDestroy(oo);
    if (!ds) {
        const char *why = CPLGetLastErrorMsg();
        dm_error_set(err, DM_EINVAL, "file",
                     "cannot read %s as vector data: %s", path,
                     why && *why ? why : "unknown format (expected Shapefile, GeoJSON, GeoPackage, CSV or OSM)");
    }
    return ds;
}

/* True if some string value among the first features is not UTF-8. */
static int strings_look_non_utf8(OGRLayerH layer)
{
    OGR_L_ResetReading(layer);
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    int nf = OGR_FD_GetFieldCount(defn), bad = 0;
    OGRFeatureH f;
    for (int k = 0; k < 2000 && !bad && (f = OGR_L_GetNextFeature(layer)); k++) {
        for (int i = 0; i < nf && !bad; i++)
            if (OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, i)) == OFTString && OGR_F_IsFieldSetAndNotNull(f, i)) {
                const char *v = OGR_F_GetFieldAsString(f, i);
                bad = !text_is_utf8(v, strlen(v));
            }
        OGR_F_Destroy(f);
    }
    OGR_L_ResetReading(layer);
    return bad;
}

static OGRLayerH pick_layer(GDALDatasetH ds, const char *want, int osm, dm_error *err)
{
    if (want) {
        OGRLayerH l = GDALDatasetGetLayerByName(ds, want);
        if (!l)
            dm_error_set(err, DM_ENOTFOUND, "source-layer", "the file has no layer '%s'", want);
        return l;
    }
    if (osm)
        return GDALDatasetGetLayerByName(ds, "lines");
    if (GDALDatasetGetLayerCount(ds) < 1) {
        dm_error_set(err, DM_EINVAL, "file", "the file has no layers");
        return NULL;
    }
    return GDALDatasetGetLayer(ds, 0);
}

/* The CRS to read coordinates as: --src-srs, else the file's. */
static crs_transform_t *source_crs(const import_options_t *opt, OGRLayerH layer, import_report_t *rep,
                                   dm_error *err)
{
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(layer);
    char *wkt = NULL;
    char def[64] = "";
    if (srs) {
        const char *auth = OSRGetAuthorityName(srs, NULL), *code = OSRGetAuthorityCode(srs, NULL);
        if (auth && code)
            snprintf(def, sizeof def, "%s:%s", auth, code);
        else {
            const char *wopts[] = {"FORMAT=WKT2_2019", NULL};
            OSRExportToWktEx(srs, &wkt, wopts);
        }
    }
    if (opt->src_srs) {
        if (srs)
            add_issue(rep, ISSUE_WARNING, 0, "src-srs", "the file declares %s; coordinates are read as %s (--src-srs)",
                      def[0] ? def : "its own CRS", opt->src_srs);
        CPLFree(wkt);
        return crs_transform_new(opt->src_srs, err);
    }
    if (!srs) {
        CPLFree(wkt);
        dm_error_set(err, DM_EINVAL, "src-srs",
                     "%s declares no coordinate reference system; pass --src-srs (e.g. EPSG:4490, EPSG:4326, "
                     "EPSG:4549, GCJ02)",
                     opt->path);
        return NULL;
    }
    crs_transform_t *t = crs_transform_new(def[0] ? def : wkt, err);
    CPLFree(wkt);
    return t;
}

/* ---- the import ------------------------------------------------------------------ */

static void parent_check(row_ctx_t *rc)
{
    for (size_t i = 0; i < rc->ndivs; i++) {
        const char *parent = rc->divs[i].parent;
        if (!parent[0])
            continue;
        dm_error e;
        int found = store_division_exists(rc->store, parent, rc->valid_from[0] ? rc->valid_from : NULL, &e);
        if (found == 0)
            add_issue(rc->rep, ISSUE_WARNING, rc->divs[i].row, "parent_code",
                      "parent %s of %s is not in the database", parent, rc->divs[i].code);
    }
}

int import_run(store_t *s, const import_options_t *opt, import_report_t *rep, dm_error *err)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(rep, 0, sizeof *rep);
    dm_error_clear(err);
    snprintf(rep->layer, sizeof rep->layer, "%s", import_layer_name(opt->layer));
    snprintf(rep->source, sizeof rep->source, "%s", opt->path ? opt->path : "");
    snprintf(rep->encoding, sizeof rep->encoding, "%s", opt->encoding ? opt->encoding : "UTF-8");
    pthread_once(&gdal_once, gdal_setup);

    row_ctx_t rc;
    memset(&rc, 0, sizeof rc);
    rc.opt = opt;
    rc.rep = rep;
    rc.store = s;
    rc.fs = import_layer_fields(opt->layer, &rc.nf);

    if (!opt->path || !*opt->path)
        return dm_error_set(err, DM_EINVAL, "file", "no input file given");
    struct stat st;
    if (stat(opt->path, &st) != 0)
        return dm_error_set(err, DM_ENOTFOUND, "file", "file not found: %s", opt->path);
    if (S_ISREG(st.st_mode) && st.st_size == 0)
        return dm_error_set(err, DM_EINVAL, "file", "%s is empty", opt->path);
    if (opt->valid_from && date_parse(opt->valid_from, rc.valid_from, "valid-from", err))
        return err->code;

    CPLPushErrorHandler(CPLQuietErrorHandler);
    int rcode = 0;
    GDALDatasetH ds = open_source(opt->path, opt->encoding, err);
    OGRLayerH layer = NULL;
    int began = 0;
    if (!ds) {
        rcode = err->code;
        goto out;
    }
    GDALDriverH drv = GDALGetDatasetDriver(ds);
    snprintf(rep->driver, sizeof rep->driver, "%s", drv ? GDALGetDriverShortName(drv) : "?");
    int osm = strcmp(rep->driver, "OSM") == 0;
    int shapefile = strcmp(rep->driver, "ESRI Shapefile") == 0;
    if (!(layer = pick_layer(ds, opt->source_layer, osm, err))) {
        rcode = err->code;
        goto out;
    }
    if (opt->encoding)
        rc.recode = !shapefile && strcasecmp(opt->encoding, "UTF-8") != 0;
    else if (shapefile && !OGR_L_TestCapability(layer, OLCStringsAsUTF8) && strings_look_non_utf8(layer)) {
        /* PLATFORM.md trap 3: a GBK DBF without .cpg comes through as raw
         * bytes; GB18030 is a superset of GBK and GB2312. */
        GDALClose(ds);
        ds = open_source(opt->path, "GB18030", err);
        if (!ds || !(layer = pick_layer(ds, opt->source_layer, 0, err))) {
            rcode = err->code ? err->code : DM_EIO;
            goto out;
        }
        snprintf(rep->encoding, sizeof rep->encoding, "GB18030 (detected)");
    }

    /* Columns. */
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    int ncol = OGR_FD_GetFieldCount(defn);
    /* Column names go through the same decoding as values: a CSV saved by
     * Excel on a Chinese Windows has GBK headers (代码, 名称). */
    char **cols = calloc((size_t)(ncol > 0 ? ncol : 1), sizeof *cols);
    for (int i = 0; cols && i < ncol; i++) {
        const char *name = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i));
        if (rc.recode) {
            char *r = CPLRecode(name, opt->encoding, CPL_ENC_UTF8);
            cols[i] = strdup(r ? r : name);
            CPLFree(r);
        } else
            cols[i] = strdup(name);
        if (cols[i])
            text_scrub_utf8(cols[i]);
    }
    if (OGR_L_GetFeatureCount(layer, TRUE) == 0)
        rcode = dm_error_set(err, DM_EINVAL, "file", "%s contains no records", opt->path);
    else
        rcode = import_resolve_fields(opt->layer, (const char *const *)cols, (size_t)ncol, opt->fields,
                                      opt->nfields, rc.index, err);
    for (int i = 0; cols && i < ncol; i++)
        free(cols[i]);
    free(cols);
    if (rcode)
        goto out;

    /* CRS: only needed when the layer has geometry. Divisions and names may
     * come as plain code lists. */
    int has_geom = OGR_FD_GetGeomFieldCount(defn) > 0 && OGR_L_GetGeomType(layer) != wkbNone;
    if (has_geom || opt->src_srs) {
        if (!(rc.xf = source_crs(opt, layer, rep, err))) {
            rcode = err->code;
            goto out;
        }
        snprintf(rep->src_srs, sizeof rep->src_srs, "%s", crs_transform_source_name(rc.xf));
    } else if (opt->layer != LAYER_DIVISIONS && opt->layer != LAYER_NAMES) {
        rcode = dm_error_set(err, DM_EINVAL, "file",
                             "%s has no geometry column; %s need locations (CSV: lon/lat or WKT columns)", opt->path,
                             rep->layer);
        goto out;
    }
    if (!(rc.tn = text_normalizer_new(err))) {
        rcode = err->code;
        goto out;
    }

    if ((rcode = store_begin(s, err)))
        goto out;
    began = 1;
    char opts_json[256];
    snprintf(opts_json, sizeof opts_json, "{\"encoding\":\"%s\",\"strict\":%s}", rep->encoding,
             opt->strict ? "true" : "false");
    if ((rcode = store_batch_begin(s, rep->layer, opt->path, rep->src_srs[0] ? rep->src_srs : NULL, opts_json,
                                   &rep->batch_id, err)))
        goto out;
    if (opt->layer == LAYER_DIVISIONS && rc.valid_from[0] &&
        (rcode = boundary_edition_begin(s, rc.valid_from, rep->batch_id, &rc.edition, err)))
        goto out;

    GIntBig total = osm ? -1 : OGR_L_GetFeatureCount(layer, FALSE);
    OGR_L_ResetReading(layer);
    CPLErrorReset();
    OGRFeatureH f;
    for (;;) {
        if (osm) {
            OGRLayerH from = NULL;
            f = GDALDatasetGetNextFeature(ds, &from, NULL, NULL, NULL);
            if (f && from != layer) {
                OGR_F_Destroy(f);
                continue;
            }
        } else
            f = OGR_L_GetNextFeature(layer);
        if (!f)
            break;
        rc.row = ++rep->read;
        int repaired = 0;
        int r = row_fns[opt->layer](&rc, f, &repaired, err);
        OGR_F_Destroy(f);
        row_reset(&rc);
        if (r < 0) {
            rcode = r;
            goto out;
        }
        if (r == 1) {
            rep->imported++;
            rep->repaired += repaired;
        }
        if (opt->progress && total > 0 && rep->read % 500 == 0)
            opt->progress((double)rep->read / (double)total, opt->progress_ud);
    }
    if (CPLGetLastErrorType() >= CE_Failure) {
        rcode = dm_error_set(err, DM_EIO, "file", "reading %s failed after %ld records: %s (truncated or damaged?)",
                             opt->path, rep->read, CPLGetLastErrorMsg());
        goto out;
    }
    for (size_t i = 0; i < rep->nissues; i++)
        if (rep->issues[i].kind == ISSUE_REJECTED)
            rep->rejected++;
    /* An edition closes the versions it no longer lists and records the change
     * events (new, abolished, merged, split, renamed, type change …). */
    if (rc.edition && (rcode = boundary_edition_finish(rc.edition, NULL, err)))
        goto out;
    if (opt->layer == LAYER_DIVISIONS)
        parent_check(&rc);
    if (opt->strict && rep->rejected > 0) {
        rcode = dm_error_set(err, DM_EINVAL, "file", "%ld of %ld records rejected and --strict given; nothing imported",
                             rep->rejected, rep->read);
        goto out;
    }
    if (rep->imported == 0 && rep->read > rep->skipped) {
        rcode = dm_error_set(err, DM_EINVAL, "file", "none of the %ld records could be imported", rep->read);
        goto out;
    }
    if (rep->read == 0) {
        rcode = dm_error_set(err, DM_EINVAL, "file", "%s contains no records", opt->path);
        goto out;
    }
    batch_counts_t counts = {rep->imported, rep->repaired, rep->rejected};
    if ((rcode = store_batch_finish(s, rep->batch_id, &counts, err)) || (rcode = store_commit(s, err)))
        goto out;
    began = 0;
    if (opt->progress && total > 0)
        opt->progress(1.0, opt->progress_ud);
out:
    if (began) {
        store_rollback(s);
        rep->batch_id = 0;
    }
    if (rcode) {
        /* Nothing was imported: say so, keep what was read and rejected. */
        rep->imported = rep->repaired = 0;
    }
    if (rcode && rep->rejected == 0)
        for (size_t i = 0; i < rep->nissues; i++)
            if (rep->issues[i].kind == ISSUE_REJECTED)
                rep->rejected++;
    row_reset(&rc);
    boundary_edition_free(rc.edition);
    free(rc.divs);
    text_normalizer_free(rc.tn);
    crs_transform_free(rc.xf);
    if (ds)
        GDALClose(ds);
    CPLPopErrorHandler();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    rep->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return rcode;
}
