/* test_fonts.c — the glyph ranges a MapLibre client fetches through
 * /style.json's "glyphs" URL, against the real `diming serve`: the URL the
 * style gives, filled in with the style's own text-font, answers a glyph
 * range protobuf naming that fontstack (spaces in the URL decoded), with a
 * Latin letter and, through the Chinese fallback, a character of a road
 * name; bad ranges and fontstacks get 400 naming the parameter, other paths
 * under /fonts 404. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "glyphs.pb-c.h"
#include "tests/support/support.h"

static char *g_dir, *g_db;
static t_server_t g_srv;

static int group_setup(void **state)
{
    (void)state;
    g_dir = t_tmpdir("http-fonts");
    if (!g_dir)
        return -1;
    g_db = t_path(g_dir, "fonts.sqlite");
    if (t_import(g_db, "divisions", "hierarchy.geojson", NULL))
        return -1;
    return t_server_start(&g_srv, g_db, NULL);
}

static int group_teardown(void **state)
{
    (void)state;
    int status = t_server_stop_checked(&g_srv);
    t_rmtree(g_dir);
    free(g_dir), free(g_db);
    return status;
}

static void get(const char *target, int status, t_response_t *res)
{
    assert_int_equal(t_http(g_srv.port, "GET", target, NULL, NULL, 0, res), 0);
    if (res->status != status)
        fprintf(stderr, "GET %s: %d %s\n", target, res->status, res->body);
    assert_int_equal(res->status, status);
}

/* "Noto Sans Regular" → "Noto%20Sans%20Regular" */
static void url_escape(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; *s && n + 4 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')
            out[n++] = (char)c;
        else
            n += (size_t)snprintf(out + n, cap - n, "%%%02X", c);
    }
    out[n] = '\0';
}

static Diming__Glyphs__Glyphs *fetch_range(const char *url_template, const char *fontstack, const char *range)
{
    /* The template is absolute (http://host:port/fonts/{fontstack}/{range}.pbf). */
    const char *path = strstr(url_template, "/fonts/");
    assert_non_null(path);
    char esc[512], target[1024];
    url_escape(fontstack, esc, sizeof esc);
    const char *a = strstr(path, "{fontstack}"), *b = strstr(path, "{range}");
    assert_non_null(a);
    assert_non_null(b);
    snprintf(target, sizeof target, "%.*s%s%.*s%s%s", (int)(a - path), path, esc, (int)(b - a - 11), a + 11, range,
             b + 7);
    t_response_t res;
    get(target, 200, &res);
    assert_string_equal(t_header(&res, "Content-Type"), "application/x-protobuf");
    assert_non_null(strstr(t_header(&res, "Cache-Control"), "max-age="));
    Diming__Glyphs__Glyphs *m = diming__glyphs__glyphs__unpack(NULL, res.body_len, (const uint8_t *)res.body);
    t_response_free(&res);
    assert_non_null(m);
    assert_int_equal(m->n_stacks, 1);
    assert_string_equal(m->stacks[0]->name, fontstack);
    assert_string_equal(m->stacks[0]->range, range);
    return m;
}

static int has_glyph(const Diming__Glyphs__Glyphs *m, unsigned id)
{
    for (size_t i = 0; i < m->stacks[0]->n_glyphs; i++)
        if (m->stacks[0]->glyphs[i]->id == id)
            return m->stacks[0]->glyphs[i]->has_bitmap;
    return 0;
}

static void style_glyphs_url_serves_its_fonts(void **state)
{
    (void)state;
    t_response_t res;
    get("/style.json", 200, &res);
    const char *tmpl = t_json_str(res.json, "glyphs");
    assert_non_null(tmpl);
    /* The first text-font any layer of the style uses. */
    json_t *layers = t_json_at(res.json, "layers");
    const char *font = NULL;
    for (size_t i = 0; !font && i < json_array_size(layers); i++) {
        json_t *tf = json_object_get(json_object_get(json_array_get(layers, i), "layout"), "text-font");
        if (json_is_array(tf))
            font = json_string_value(json_array_get(tf, 0));
    }
    assert_non_null(font);
    char *tmpl_copy = strdup(tmpl), *font_copy = strdup(font);
    t_response_free(&res);

    Diming__Glyphs__Glyphs *m = fetch_range(tmpl_copy, font_copy, "0-255");
    assert_true(has_glyph(m, 'R'));
    assert_true(has_glyph(m, 'u'));
    diming__glyphs__glyphs__free_unpacked(m, NULL);
    m = fetch_range(tmpl_copy, font_copy, "36096-36351"); /* 路 U+8DEF */
    assert_true(has_glyph(m, 0x8def));
    diming__glyphs__glyphs__free_unpacked(m, NULL);
    m = fetch_range(tmpl_copy, "Open Sans Semibold,Arial Unicode MS Bold", "20224-20479"); /* 佳 U+4F73 */
    assert_true(has_glyph(m, 0x4f73));
    diming__glyphs__glyphs__free_unpacked(m, NULL);
    free(tmpl_copy), free(font_copy);
}

static void bad_requests_name_the_problem(void **state)
{
    (void)state;
    static const struct {
        const char *target;
        int status;
        const char *param;
    } cases[] = {
        {"/fonts/Noto%20Sans%20Regular/1-256.pbf", 400, "range"},
        {"/fonts/Noto%20Sans%20Regular/0-511.pbf", 400, "range"},
        {"/fonts/Noto%20Sans%20Regular/65536-65791.pbf", 400, "range"},
        {"/fonts/Noto%20Sans%20Regular/abc.pbf", 400, "range"},
        {"/fonts/Noto%01Sans/0-255.pbf", 400, "fontstack"},
        {"/fonts/A,B,C,D,E,F,G,H,I/0-255.pbf", 400, "fontstack"},
        {"/fonts/%20,%20/0-255.pbf", 400, "fontstack"},
        {"/fonts/Noto%20Sans%20Regular/0-255.png", 404, NULL},
        {"/fonts/Noto%20Sans%20Regular", 404, NULL},
        {"/fonts//0-255.pbf", 404, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        t_response_t res;
        get(cases[i].target, cases[i].status, &res);
        assert_non_null(res.json);
        if (cases[i].param)
            assert_string_equal(t_json_str(res.json, "error.param"), cases[i].param);
        assert_non_null(t_json_str(res.json, "error.message"));
        t_response_free(&res);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(style_glyphs_url_serves_its_fonts),
        cmocka_unit_test(bad_requests_name_the_problem),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
