/* test_divcode.c — division codes (DOMAIN.md §2: DIV-CODE-FMT, -PARENT, -TYPE)
 * and dates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "gis/date.h"
#include "gis/divcode.h"

static void parse_pads_short_forms_to_twelve_digits(void **state)
{
    (void)state;
    char c[13];
    dm_error e;
    assert_int_equal(divcode_parse("51", c, &e), 0);
    assert_string_equal(c, "510000000000");
    assert_int_equal(divcode_parse("5101", c, &e), 0);
    assert_string_equal(c, "510100000000");
    assert_int_equal(divcode_parse(" 510104 ", c, &e), 0);
    assert_string_equal(c, "510104000000");
    assert_int_equal(divcode_parse("510104021", c, &e), 0);
    assert_string_equal(c, "510104021000");
    assert_int_equal(divcode_parse("320402001001", c, &e), 0);
    assert_string_equal(c, "320402001001");
}

static void parse_rejects_malformed_codes_with_reason(void **state)
{
    (void)state;
    char c[13];
    dm_error e;
    assert_int_equal(divcode_parse("51010", c, &e), DM_EINVAL);
    assert_non_null(strstr(e.message, "2, 4, 6, 9 or 12 digits"));
    assert_string_equal(e.param, "code");
    assert_int_equal(divcode_parse("51o104", c, &e), DM_EINVAL);
    assert_non_null(strstr(e.message, "ASCII digits"));
    assert_int_equal(divcode_parse("５１０１０４", c, &e), DM_EINVAL); /* full-width digits */
    assert_int_equal(divcode_parse("", c, &e), DM_EINVAL);
    assert_int_equal(divcode_parse("5101 04", c, &e), DM_EINVAL);
    assert_int_equal(divcode_parse("000000", c, &e), DM_EINVAL);
    assert_int_equal(divcode_parse("5101040010011", c, &e), DM_EINVAL);
}

static void level_and_parent_follow_the_prefix(void **state)
{
    (void)state;
    char p[13];
    assert_int_equal(divcode_level("510000000000"), LEVEL_PROVINCE);
    assert_int_equal(divcode_level("510100000000"), LEVEL_PREFECTURE);
    assert_int_equal(divcode_level("510104000000"), LEVEL_COUNTY);
    assert_int_equal(divcode_level("510104021000"), LEVEL_TOWNSHIP);
    assert_int_equal(divcode_level("510104021005"), LEVEL_VILLAGE);
    divcode_parent("510104021005", p);
    assert_string_equal(p, "510104021000");
    divcode_parent("510104021000", p);
    assert_string_equal(p, "510104000000");
    divcode_parent("510104000000", p);
    assert_string_equal(p, "510100000000");
    divcode_parent("510100000000", p);
    assert_string_equal(p, "510000000000");
    divcode_parent("510000000000", p);
    assert_string_equal(p, "");
    /* Province-administered county-level city: parent is the xx90 pseudo-prefecture. */
    divcode_parent("429004000000", p);
    assert_string_equal(p, "429000000000");
}

static void short_and_adcode_forms(void **state)
{
    (void)state;
    char s[13], a[7];
    divcode_short("510104021000", s);
    assert_string_equal(s, "510104021");
    divcode_adcode("510104021000", a);
    assert_string_equal(a, "");
    divcode_adcode("510100000000", a);
    assert_string_equal(a, "510100");
}

static void type_digits_agree_with_name_suffix(void **state)
{
    (void)state;
    dm_error e;
    assert_string_equal(divcode_type_from_digits("320402001000"), "街道");
    assert_string_equal(divcode_type_from_digits("320402100000"), "镇");
    assert_string_equal(divcode_type_from_digits("320402200000"), "乡");
    assert_string_equal(divcode_type_from_digits("320402400000"), "政企合一");
    assert_string_equal(divcode_type_from_digits("320402001001"), "社区");
    assert_string_equal(divcode_type_from_digits("320402109227"), "村");
    assert_null(divcode_type_from_digits("320402000000"));
    assert_int_equal(divcode_check_type("320402001000", "茶山街道", &e), 0);
    assert_int_equal(divcode_check_type("320402100000", "郑陆镇", &e), 0);
    assert_int_equal(divcode_check_type("320402100000", "郑陆街道", &e), DM_EINVAL);
    assert_non_null(strstr(e.message, "DIV-CODE-TYPE"));
    assert_int_equal(divcode_check_type("320402109227", "翟家村", &e), 0);
    assert_int_equal(divcode_check_type("320402109227", "翟家社区", &e), DM_EINVAL);
    /* Names without a level suffix are not judged. */
    assert_int_equal(divcode_check_type("320412413000", "太湖旅游度假区", &e), 0);
    assert_string_equal(divcode_type_from_name("梅园新村社区居委会"), "社区");
    assert_string_equal(divcode_type_from_name("锦江区"), "区");
    assert_string_equal(divcode_type_from_name("简阳市"), "市");
}

static void levels_parse_in_both_languages(void **state)
{
    (void)state;
    assert_int_equal(division_level_parse("province"), LEVEL_PROVINCE);
    assert_int_equal(division_level_parse("City"), LEVEL_PREFECTURE);
    assert_int_equal(division_level_parse("district"), LEVEL_COUNTY);
    assert_int_equal(division_level_parse("乡级"), LEVEL_TOWNSHIP);
    assert_int_equal(division_level_parse("5"), LEVEL_VILLAGE);
    assert_int_equal(division_level_parse("galaxy"), LEVEL_NONE);
    assert_string_equal(division_level_name(LEVEL_TOWNSHIP), "township");
}

static void dates_are_real_calendar_dates(void **state)
{
    (void)state;
    char d[11];
    dm_error e;
    assert_int_equal(date_parse("2024-02-29", d, "date", &e), 0);
    assert_string_equal(d, "2024-02-29");
    assert_int_equal(date_parse("2023/06/30", d, "date", &e), 0);
    assert_string_equal(d, "2023-06-30");
    assert_int_equal(date_parse("20230630", d, "date", &e), 0);
    assert_string_equal(d, "2023-06-30");
    assert_int_equal(date_parse("2023-02-29", d, "date", &e), DM_EINVAL);
    assert_string_equal(e.param, "date");
    assert_int_equal(date_parse("2023-13-01", d, "date", &e), DM_EINVAL);
    assert_int_equal(date_parse("yesterday", d, "date", &e), DM_EINVAL);
    assert_int_equal(date_parse("2023-6-30", d, "date", &e), DM_EINVAL);
    assert_int_equal(date_parse("", d, "date", &e), DM_EINVAL);
    date_today(d);
    assert_int_equal(strlen(d), 10);
    assert_int_equal(date_parse(d, d, "date", &e), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_pads_short_forms_to_twelve_digits),
        cmocka_unit_test(parse_rejects_malformed_codes_with_reason),
        cmocka_unit_test(level_and_parent_follow_the_prefix),
        cmocka_unit_test(short_and_adcode_forms),
        cmocka_unit_test(type_digits_agree_with_name_suffix),
        cmocka_unit_test(levels_parse_in_both_languages),
        cmocka_unit_test(dates_are_real_calendar_dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
