/* test_jsonw.c — the hot-path JSON writer gives the same text as jansson:
 * escaping, integers, reals, and jsonw_fixed agreeing with jsonw_real on
 * values already rounded to their decimals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "server/jsonw.h"

static char *one(void (*fn)(jsonw_t *, double, int), double v, int d)
{
    jsonw_t w;
    jsonw_init(&w);
    fn(&w, v, d);
    return jsonw_steal(&w, NULL);
}

static void real_as_fixed(jsonw_t *w, double v, int d)
{
    double p = pow(10, d);
    jsonw_real(w, round(v * p) / p);
}

static void fixed_matches_real(void **state)
{
    (void)state;
    static const struct {
        double v;
        int d;
    } cases[] = {{104.0657, 7},    {30.6595123, 7}, {-0.5, 1},   {954.843, 1}, {954.0, 1}, {0.0, 1},
                 {0.04, 1},        {120.0, 7},      {1e-8, 7},   {-3.25, 2},   {11086.94, 1},
                 {104.06569999999, 7}, {31.75654275, 7}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *a = one(jsonw_fixed, cases[i].v, cases[i].d), *b = one(real_as_fixed, cases[i].v, cases[i].d);
        assert_string_equal(a, b);
        free(a);
        free(b);
    }
    char *a = one(jsonw_fixed, 954.0, 1);
    assert_string_equal(a, "954.0");
    free(a);
    a = one(jsonw_fixed, -0.04, 1);
    assert_string_equal(a, "0.0"); /* rounds to zero; jansson prints 0.0 too (sign aside) */
    free(a);
}

static void strings_and_integers_match_jansson(void **state)
{
    (void)state;
    const char *texts[] = {"锦江区", "quote\" back\\slash", "tab\tnl\n\x01", ""};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        jsonw_t w;
        jsonw_init(&w);
        jsonw_str_always(&w, texts[i]);
        char *mine = jsonw_steal(&w, NULL);
        json_t *s = json_string(texts[i]);
        char *theirs = json_dumps(s, JSON_ENCODE_ANY);
        assert_string_equal(mine, theirs);
        free(mine);
        free(theirs);
        json_decref(s);
    }
    long long ints[] = {0, 7, -42, 9007199254740991LL};
    for (size_t i = 0; i < 4; i++) {
        jsonw_t w;
        jsonw_init(&w);
        jsonw_int(&w, ints[i]);
        char *mine = jsonw_steal(&w, NULL);
        json_t *n = json_integer(ints[i]);
        char *theirs = json_dumps(n, JSON_ENCODE_ANY);
        assert_string_equal(mine, theirs);
        free(mine);
        free(theirs);
        json_decref(n);
    }
    jsonw_t w;
    jsonw_init(&w);
    jsonw_str(&w, NULL);
    jsonw_str(&w, "");
    char *nulls = jsonw_steal(&w, NULL);
    assert_string_equal(nulls, "nullnull");
    free(nulls);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixed_matches_real),
        cmocka_unit_test(strings_and_integers_match_jansson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
