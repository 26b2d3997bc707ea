/* test_fuzz_found.c — inputs the fuzzers (tests/fuzz, scripts/fuzz) found
 * crashing, each kept as a unit test with its exact expected answer, written
 * before the fix (docs/reliability.md lists them). Run under ASan by the
 * Debug build with DIMING_SANITIZE, where each of them failed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "gis/names.h"
#include "gis/text.h"
#include "tests/support/support.h"

static names_lexicon_t *g_lx;
static names_worker_t *g_w;

static int setup(void **state)
{
    (void)state;
    /* The word lists only: the crash is in the normaliser, before pinyin. */
    names_config_t cfg = {DIMING_SOURCE_DIR "/share/names", "", 1};
    dm_error e;
    if (names_lexicon_load(&cfg, &g_lx, &e) || !(g_w = names_worker_new(g_lx, &e)))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    names_worker_free(g_w);
    names_lexicon_free(g_lx);
    return 0;
}

/* fuzz_names, crash ffb37911 (heap-buffer-overflow in number_to_chinese):
 * the normaliser's buffer was 3 bytes per input byte, but two ASCII digits
 * become up to three numerals of 3 bytes each (21 → 二十一, 9 bytes from 2),
 * so a name that is only such a number wrote past the end. */
static void two_digit_number_alone(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"21", "二十一"}, {"64", "六十四"}, {"99", "九十九"}, {"10", "十"}, {"5", "五"},
        {"21 64", "二十一六十四"}, {"2008", "二零零八"}, {"07", "七"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *out = NULL;
        dm_error e;
        assert_int_equal(names_normalize(g_w, cases[i].in, strlen(cases[i].in), &out, &e), 0);
        assert_string_equal(out, cases[i].out);
        free(out);
    }
    /* The fuzzer's own input: category byte '3', then "64" and bytes the
     * normaliser drops (NUL ends the text it normalises). */
    static const unsigned char crash[] = {0x36, 0x34, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00,
                                          0x00, 0x00, 0x00, 0x3c, 0x3b, 0x3c, 0x5b, 0x20};
    name_parts_t *p = malloc(sizeof *p);
    dm_error e;
    int rc = names_analyze(g_w, (const char *)crash, sizeof crash, NAME_CAT_BUILDING, p, &e);
    assert_true(rc == 0 || rc == DM_EINVAL);
    free(p);
}

/* fuzz_names, crash 8b1eab5d (UBSan: signed overflow in numeral_run_value):
 * 卌 and 29 ASCII 3s normalise to 卌 and 29 三 read digit by digit; reading
 * that run as one number overflowed a long. A run too long to be a number is
 * spelled as characters instead. */
static void long_numeral_run(void **state)
{
    (void)state;
    static const unsigned char crash[] = {0x8c, 0xe5, 0x8d, 0x8c, '3', '3', '3', '3', '3', '3', '3', '3', '3', '3',
                                          '3',  '3',  '3',  '3',  '3', '3', '3', '3', '3', '3', '3', '3', '3', '3',
                                          '3',  '3',  '3',  '3',  '3'};
    name_parts_t *p = malloc(sizeof *p);
    dm_error e;
    assert_int_equal(names_analyze(g_w, (const char *)crash + 1, sizeof crash - 1, NAME_CAT_ROAD, p, &e), 0);
    assert_string_equal(p->norm, "卌三三三三三三三三三三三三三三三三三三三三三三三三三三三三三");
    assert_null(strchr(p->pinyin, '-')); /* no negative or wrapped number in the spelling */
    /* 20 三 and a generic: the same, as a road name someone could type. */
    const char *road = "三三三三三三三三三三三三三三三三三三三三路";
    assert_int_equal(names_analyze(g_w, road, strlen(road), NAME_CAT_ROAD, p, &e), 0);
    assert_string_equal(p->specific, "三三三三三三三三三三三三三三三三三三三三");
    assert_string_equal(p->base_generic, "路");
    assert_null(strchr(p->pinyin, '-'));
    /* A short run is still a number: 十二路 → 12. */
    assert_int_equal(names_analyze(g_w, "十二路", strlen("十二路"), NAME_CAT_ROAD, p, &e), 0);
    if (!strstr(p->pinyin, "12"))
        fail_msg("pinyin of 十二路: %s", p->pinyin);
    free(p);
}

/* fuzz_names, crash 80019bc1 (normalising was not idempotent): NFKC turns
 * ¨ (U+00A8) into a space and a combining diaeresis; dropping the space then
 * glued the mark to the letter before it, which only a second NFKC composes
 * (x + U+0308 → ẍ), so the normalised name changed when normalised again.
 * A control character (U+0013) also stayed in the name. */
static void normalising_twice_changes_nothing(void **state)
{
    (void)state;
    static const char crash[] = "\x13" "Fx\xc2\xa8ooooooooLu";
    char *once = NULL, *twice = NULL;
    dm_error e;
    assert_int_equal(names_normalize(g_w, crash, strlen(crash), &once, &e), 0);
    assert_string_equal(once, "F\xe1\xba\x8doooooooo" "Lu"); /* Fẍ…: composed, no control character */
    assert_int_equal(names_normalize(g_w, once, strlen(once), &twice, &e), 0);
    assert_string_equal(twice, once);
    free(once), free(twice);
    /* The same mark after a Chinese character, and a tab and DEL inside a name. */
    static const char *const more[][2] = {{"\xe9\x95\xbf\xc2\xa8\xe8\xb7\xaf", "\xe9\x95\xbf\xcc\x88\xe8\xb7\xaf"},
                                          {"\xe4\xba\xba\x7f\xe6\xb0\x91\x01\xe8\xb7\xaf", "人民路"}};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(names_normalize(g_w, more[i][0], strlen(more[i][0]), &once, &e), 0);
        assert_string_equal(once, more[i][1]);
        assert_int_equal(names_normalize(g_w, once, strlen(once), &twice, &e), 0);
        assert_string_equal(twice, once);
        free(once), free(twice);
    }
}

/* fuzz_names, crash (invalid UTF-8 in the parts): about 250 ASCII digits
 * (7s and a few 29s) normalise to over 640 bytes of numerals; the normalised name was cut at NAMES_BUF − 1 bytes in the
 * middle of a character, so JSON answers could not encode it. */
static void long_name_cut_on_a_character(void **state)
{
    (void)state;
    size_t len;
    char *in = t_read_file(DIMING_SOURCE_DIR "/tests/fuzz/corpus/names/crash-cut-utf8", &len);
    assert_non_null(in);
    name_parts_t *p = malloc(sizeof *p);
    dm_error e;
    assert_int_equal(names_analyze(g_w, in + 1, len - 1, NAME_CAT_ROAD, p, &e), 0); /* byte 0: the category */
    free(in);
    size_t n = strlen(p->norm);
    assert_true(n < NAMES_BUF);
    assert_true(text_is_utf8(p->norm, n));
    assert_true(n >= NAMES_BUF - 4); /* cut at the last whole character */
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_digit_number_alone),
        cmocka_unit_test(long_numeral_run),
        cmocka_unit_test(normalising_twice_changes_nothing),
        cmocka_unit_test(long_name_cut_on_a_character),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
