/* signgen.c — the SYNTHETIC place-name sign layer of the demo data
 * (seeds/signs/chengdu-signs-synthetic.csv), placed along the real OSM road
 * names of central Chengdu.
 *
 * Usage: signgen ROAD_NAMES.geojson VILLAGES.geojson ROAD_PINYIN.csv VILLAGE_PINYIN.tsv OUT.csv
 *        signgen --villages VILLAGES.geojson   (prints the 村 of the central districts, one a line)
 *   ROAD_PINYIN.csv: `diming names export --category road --format csv` of the
 *   road names (the standard spelling diming itself computes, so correct signs
 *   agree with the audit); VILLAGE_PINYIN.tsv: name TAB pinyin.
 * Run by scripts/seeds/build. Deterministic (one splitmix64 stream seeded from
 * a fixed constant). Each road name gets, in file order:
 *   - no sign (about 20 %: the SIGN-MISSING-ROAD material), or
 *   - one sign 8 m beside the midpoint of its longest part, text and pinyin
 *     correct, linked to the road by name;
 *   - among the signed ones, deliberately WRONG signs, three of each kind,
 *     labelled in the `synthetic_error` column: wrong_generic (路↔街 on the
 *     plate), generic_missing (通名 dropped), pinyin_english ("Road" for Lu),
 *     pinyin_joined (words run together), wrong_road (placed beside another
 *     named road). One more sign shows a name that is not in the register
 *     (not_registered) and one has its pinyin in capitals (allowed by
 *     GB 17733-2008: `synthetic_error` empty).
 * Village signs: each 村 of the central districts except the last gets a
 * correct village sign inside it; the last has none (SIGN-MISSING-VILLAGE). */
#define _XOPEN_SOURCE 700
#include <jansson.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEED 0x5167A5D1C0DE2026ULL
#define PER_KIND 3

static uint64_t state = SEED;
static double rnd(void)
{
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}

static void die(const char *m, const char *x)
{
    fprintf(stderr, "signgen: %s %s\n", m, x ? x : "");
    exit(1);
}

/* name → pinyin, from a CSV (name in column 2, pinyin in 3) or a TSV. */
typedef struct kv {
    char *k, *v;
} kv_t;
static kv_t *pys;
static size_t npys;

static void load_pinyin(const char *path, int csv)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die("cannot open", path);
    char line[2048];
    int first = csv;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (first) {
            first = 0;
            continue;
        }
        char *k, *v;
        if (csv) { /* id,name,pinyin,... — names and spellings carry no commas */
            char *a = strchr(line, ','), *b = a ? strchr(a + 1, ',') : NULL, *c = b ? strchr(b + 1, ',') : NULL;
            if (!c)
                continue;
            *b = *c = '\0';
            k = a + 1, v = b + 1;
        } else {
            char *t = strchr(line, '\t');
            if (!t)
                continue;
            *t = '\0';
            k = line, v = t + 1;
            char *t2 = strchr(v, '\t'); /* `diming names pinyin` prints the toned form after a tab */
            if (t2)
                *t2 = '\0';
        }
        pys = realloc(pys, (npys + 1) * sizeof *pys);
        pys[npys].k = strdup(k);
        pys[npys++].v = strdup(v);
    }
    fclose(f);
}

static const char *pinyin_of(const char *name)
{
    for (size_t i = 0; i < npys; i++)
        if (strcmp(pys[i].k, name) == 0)
            return pys[i].v;
    return "";
}

/* The longest part of a (Multi)LineString: its midpoint and the direction there. */
static int midpoint(json_t *geom, double *lon, double *lat, double *dx, double *dy)
{
    const char *t = json_string_value(json_object_get(geom, "type"));
    json_t *coords = json_object_get(geom, "coordinates");
    json_t *parts = json_array();
    if (t && strcmp(t, "LineString") == 0)
        json_array_append(parts, coords);
    else if (t && strcmp(t, "MultiLineString") == 0)
        json_array_extend(parts, coords);
    double kx = 111320 * cos(30.67 * M_PI / 180), ky = 110574, best = -1;
    json_t *bp = NULL;
    size_t i;
    json_t *p;
    json_array_foreach(parts, i, p)
    {
        double len = 0;
        for (size_t k = 1; k < json_array_size(p); k++) {
            json_t *a = json_array_get(p, k - 1), *b = json_array_get(p, k);
            double ddx = (json_real_value(json_array_get(b, 0)) - json_real_value(json_array_get(a, 0))) * kx;
            double ddy = (json_real_value(json_array_get(b, 1)) - json_real_value(json_array_get(a, 1))) * ky;
            len += sqrt(ddx * ddx + ddy * ddy);
        }
        if (len > best)
            best = len, bp = p;
    }
    int ok = 0;
    if (bp && best > 0) {
        double run = 0;
        for (size_t k = 1; k < json_array_size(bp) && !ok; k++) {
            json_t *a = json_array_get(bp, k - 1), *b = json_array_get(bp, k);
            double ax = json_real_value(json_array_get(a, 0)), ay = json_real_value(json_array_get(a, 1));
            double bx = json_real_value(json_array_get(b, 0)), by = json_real_value(json_array_get(b, 1));
            double d = sqrt(pow((bx - ax) * kx, 2) + pow((by - ay) * ky, 2));
            if (d > 0 && run + d >= best / 2) {
                double f = (best / 2 - run) / d;
                *lon = ax + f * (bx - ax), *lat = ay + f * (by - ay);
                *dx = (bx - ax) * kx / d, *dy = (by - ay) * ky / d;
                ok = 1;
            }
            run += d;
        }
    }
    json_decref(parts);
    return ok;
}

static void csv_text(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static long row_no;
static void sign(FILE *out, double lon, double lat, const char *type, const char *text, const char *pinyin,
                 const char *name, const char *error)
{
    static const char *const cond[] = {"good", "good", "good", "good", "good", "good", "good", "good", "damaged",
                                       "faded"};
    int y = 2010 + (int)(rnd() * 14), m = 1 + (int)(rnd() * 12), d = 1 + (int)(rnd() * 28);
    fprintf(out, "%.7f,%.7f,%s,", lon, lat, type);
    csv_text(out, text);
    fputc(',', out);
    csv_text(out, pinyin);
    fputc(',', out);
    csv_text(out, name);
    fprintf(out, ",%04d-%02d-%02d,%s,%s\n", y, m, d, cond[(int)(rnd() * 10)], error);
    row_no++;
}

/* "Hongxing Lu" → "Hongxing Road" (the translation GB 17733 forbids). */
static void englished(const char *py, char *out, size_t n)
{
    static const char *const map[][2] = {{" Lu", " Road"}, {" Jie", " Street"}, {" Xiang", " Lane"},
                                         {" Dajie", " Avenue"}, {" Dadao", " Avenue"}};
    snprintf(out, n, "%s", py);
    for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
        size_t L = strlen(py), l = strlen(map[i][0]);
        if (L > l && strcmp(py + L - l, map[i][0]) == 0) {
            snprintf(out, n, "%.*s%s", (int)(L - l), py, map[i][1]);
            return;
        }
    }
    snprintf(out, n, "%s Road", py);
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a > b && strcmp(s + a - b, suf) == 0;
}

static int central_village(json_t *pr)
{
    static const char *const central[] = {"510104", "510105", "510106", "510107", "510108"};
    const char *code = json_string_value(json_object_get(pr, "code")), *type = json_string_value(json_object_get(pr, "type"));
    if (!code || !type || strcmp(type, "村") != 0)
        return 0;
    for (int i = 0; i < 5; i++)
        if (strncmp(code, central[i], 6) == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--villages") == 0) {
        json_error_t je;
        json_t *v = json_load_file(argv[2], 0, &je);
        if (!v)
            die("cannot read", je.text);
        size_t i;
        json_t *f;
        json_array_foreach(json_object_get(v, "features"), i, f)
        {
            json_t *pr = json_object_get(f, "properties");
            if (central_village(pr))
                printf("%s\n", json_string_value(json_object_get(pr, "name")));
        }
        json_decref(v);
        return 0;
    }
    if (argc != 6)
        die("usage: signgen ROAD_NAMES.geojson VILLAGES.geojson ROAD_PINYIN.csv VILLAGE_PINYIN.tsv OUT.csv", NULL);
    json_error_t je;
    json_t *roads = json_load_file(argv[1], 0, &je), *villages = json_load_file(argv[2], 0, &je);
    if (!roads || !villages)
        die("cannot read", je.text);
    load_pinyin(argv[3], 1);
    size_t road_pys = npys;
    load_pinyin(argv[4], 0);
    FILE *out = fopen(argv[5], "w");
    if (!out)
        die("cannot write", argv[5]);
    fputs("lon,lat,type,text,pinyin,name,installed,condition,synthetic_error\n", out);
    static const char *const kinds[] = {"wrong_generic", "generic_missing", "pinyin_english", "pinyin_joined",
                                        "wrong_road"};
    int done[5] = {0}, kind = 0, caps = 0;
    json_t *fs = json_object_get(roads, "features");
    size_t n = json_array_size(fs), signed_n = 0, skipped = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *f = json_array_get(fs, i), *pr = json_object_get(f, "properties");
        const char *name = json_string_value(json_object_get(pr, "name"));
        double lon, lat, dx, dy;
        if (!name || !midpoint(json_object_get(f, "geometry"), &lon, &lat, &dx, &dy))
            continue;
        if (rnd() < 0.2) {
            skipped++;
            continue;
        }
        const char *py = pinyin_of(name);
        const char *type = ends_with(name, "巷") ? "lane" : "road";
        /* 8 m to the left of the direction of drawing */
        double slon = lon + (-dy * 8) / (111320 * cos(30.67 * M_PI / 180)), slat = lat + (dx * 8) / 110574;
        char text[256], pinyin[256];
        snprintf(text, sizeof text, "%s", name);
        snprintf(pinyin, sizeof pinyin, "%s", py);
        const char *error = "";
        if (kind < 5 && *py && rnd() < 0.08) {
            error = kinds[kind];
            if (kind == 0) {
                size_t L = strlen(name);
                if (ends_with(name, "路"))
                    snprintf(text, sizeof text, "%.*s街", (int)(L - 3), name);
                else
                    snprintf(text, sizeof text, "%.*s路", (int)(L - 3), name);
            } else if (kind == 1)
                snprintf(text, sizeof text, "%.*s", (int)(strlen(name) - 3), name);
            else if (kind == 2)
                englished(py, pinyin, sizeof pinyin);
            else if (kind == 3) {
                size_t j = 0;
                for (const char *p = py; *p && j + 1 < sizeof pinyin; p++)
                    if (*p != ' ')
                        pinyin[j++] = *p;
                pinyin[j] = '\0';
            } else {
                /* beside another named road, 25 names further on in the file */
                json_t *g = json_array_get(fs, (i + 25) % n);
                double l2, a2, ddx, ddy;
                if (midpoint(json_object_get(g, "geometry"), &l2, &a2, &ddx, &ddy)) {
                    slon = l2 + (-ddy * 8) / (111320 * cos(30.67 * M_PI / 180));
                    slat = a2 + (ddx * 8) / 110574;
                }
            }
            if (++done[kind] == PER_KIND)
                kind++;
        } else if (!caps && *py && strlen(py) > 6) {
            for (char *p = pinyin; *p; p++)
                if (*p >= 'a' && *p <= 'z')
                    *p = (char)(*p - 'a' + 'A');
            caps = 1;
        }
        sign(out, slon, slat, type, text, pinyin, name, error);
        signed_n++;
    }
    /* A plate showing a name nobody approved (placed beside the first road). */
    {
        json_t *f = json_array_get(fs, 0);
        double lon, lat, dx, dy;
        if (midpoint(json_object_get(f, "geometry"), &lon, &lat, &dx, &dy))
            sign(out, lon + (dy * 8) / (111320 * cos(30.67 * M_PI / 180)), lat - (dx * 8) / 110574, "road",
                 "未名新路", "Weiming Xinlu", "", "not_registered");
    }
    /* Village signs: the 村 of the central districts listed in VILLAGE_PINYIN. */
    json_t *vs = json_object_get(villages, "features");
    size_t nv = 0, nvill = npys - road_pys, vsigns = 0;
    for (size_t i = 0; i < json_array_size(vs); i++) {
        json_t *pr = json_object_get(json_array_get(vs, i), "properties");
        const char *name = json_string_value(json_object_get(pr, "name"));
        int listed = 0;
        for (size_t k = road_pys; k < npys && name; k++)
            listed |= strcmp(pys[k].k, name) == 0;
        if (!listed)
            continue;
        if (++nv == nvill)
            break; /* the last one keeps no sign */
        /* inside: the mean of the outer ring's vertices (the synthetic cells are convex) */
        json_t *geom = json_object_get(json_array_get(vs, i), "geometry");
        json_t *ring = json_array_get(json_object_get(geom, "coordinates"), 0);
        if (strcmp(json_string_value(json_object_get(geom, "type")), "MultiPolygon") == 0)
            ring = json_array_get(ring, 0);
        double sx = 0, sy = 0;
        size_t k, m = json_array_size(ring) - 1;
        for (k = 0; k < m; k++) {
            sx += json_real_value(json_array_get(json_array_get(ring, k), 0));
            sy += json_real_value(json_array_get(json_array_get(ring, k), 1));
        }
        sign(out, sx / (double)m, sy / (double)m, "village", name, pinyin_of(name), name, "");
        vsigns++;
    }
    fclose(out);
    fprintf(stderr, "signgen: %ld signs (%zu road names signed, %zu unsigned, %zu village signs)\n", row_no,
            signed_n, skipped, vsigns);
    json_decref(roads);
    json_decref(villages);
    return 0;
}
