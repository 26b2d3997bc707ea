/* test_text.c — the name normaliser: UTF-8 validation, NFKC, t2s, white space. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "gis/text.h"

static int setup(void **state)
{
    dm_error e;
    *state = text_normalizer_new(&e);
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    text_normalizer_free(*state);
    return 0;
}

static void expect(text_normalizer_t *tn, const char *in, const char *want)
{
    char *out = NULL;
    dm_error e;
    assert_int_equal(text_normalize(tn, in, (size_t)-1, &out, &e), 0);
    assert_string_equal(out, want);
    free(out);
}

static void traditional_becomes_simplified(void **state)
{
    expect(*state, "長樂路", "长乐路");
    expect(*state, "臺灣", "台湾");
    expect(*state, "錦江區", "锦江区");
}

static void full_width_forms_fold_to_ascii(void **state)
{
    expect(*state, "ＡＢＣ１２３（路）", "ABC123(路)");
    expect(*state, "经５路", "经5路");
}

static void white_space_is_trimmed_and_dropped_next_to_cjk(void **state)
{
    expect(*state, "  人民 路\t", "人民路");
    expect(*state, "人民\u3000南路", "人民南路");
    expect(*state, "Renmin   Nanlu ", "Renmin Nanlu");
    expect(*state, "3 号 院", "3号院");
    expect(*state, "", "");
}

static void invalid_utf8_is_rejected(void **state)
{
    char *out = NULL;
    dm_error e;
    /* "成都" in GBK bytes. */
    assert_int_equal(text_normalize(*state, "\xb3\xc9\xb6\xbc", (size_t)-1, &out, &e), DM_EINVAL);
    assert_null(out);
    assert_non_null(strstr(e.message, "UTF-8"));
    assert_false(text_is_utf8("\xc0\xaf", 2));           /* overlong '/' */
    assert_false(text_is_utf8("\xed\xa0\x80", 3));       /* surrogate */
    assert_false(text_is_utf8("\xe6\x88", 2));           /* truncated */
    assert_true(text_is_utf8("成都", strlen("成都")));
}

static void cjk_ranges(void **state)
{
    (void)state;
    assert_true(text_is_cjk(0x6210));  /* 成 */
    assert_true(text_is_cjk(0x3007));  /* 〇 */
    assert_true(text_is_cjk(0x20000)); /* ext B */
    assert_false(text_is_cjk('A'));
    assert_false(text_is_cjk(0x3001)); /* 、 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(traditional_becomes_simplified),
        cmocka_unit_test(full_width_forms_fold_to_ascii),
        cmocka_unit_test(white_space_is_trimmed_and_dropped_next_to_cjk),
        cmocka_unit_test(invalid_utf8_is_rejected),
        cmocka_unit_test(cjk_ranges),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
