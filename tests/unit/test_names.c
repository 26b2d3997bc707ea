/* test_names.c — the names module without a database: the normaliser, the
 * 专名/通名 split, the keys and the standard pinyin, against the examples of
 * DOMAIN.md §3–§4 (1984 place-name spelling rules, GB/T 16159-2012) and the
 * plan fixtures. The lexicon is the real one: share/names/ of the source
 * tree and Debian's rime-data-luna-pinyin word list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis/names.h"

static names_lexicon_t *g_lx;
static names_worker_t *g_w;

static int setup(void **state)
{
    (void)state;
    names_config_t cfg = {DIMING_SOURCE_DIR "/share/names", DIMING_PINYIN_DICT, 0};
    dm_error e;
    if (names_lexicon_load(&cfg, &g_lx, &e)) {
        fprintf(stderr, "lexicon: %s\n", e.message);
        return -1;
    }
    g_w = names_worker_new(g_lx, &e);
    return g_w ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    names_worker_free(g_w);
    names_lexicon_free(g_lx);
    return 0;
}

static name_parts_t *analyze(const char *name, name_category_t cat)
{
    static name_parts_t np;
    dm_error e;
    if (names_analyze(g_w, name, (size_t)-1, cat, &np, &e)) {
        fprintf(stderr, "%s: %s\n", name, e.message);
        fail();
    }
    return &np;
}

static void test_word_list_loaded(void **state)
{
    (void)state;
    /* luna_pinyin.dict.yaml (2020.08.03) has 20,800 multi-character words,
     * a few of which fold together in simplified form. */
    assert_true(names_lexicon_words(g_lx) > 19000);
    assert_true(names_lexicon_words(g_lx) <= 20800);
}

static const struct {
    const char *name;
    name_category_t cat;
    const char *pinyin, *toned;
} pinyin_cases[] = {
    /* polyphones a per-character transliteration gets wrong (DOMAIN.md §4) */
    {"蚌埠", NAME_CAT_DIVISION, "Bengbu", "Bèngbù"},
    {"六安", NAME_CAT_DIVISION, "Lu'an", "Lù'ān"},
    {"厦门", NAME_CAT_DIVISION, "Xiamen", "Xiàmén"},
    {"长沙", NAME_CAT_DIVISION, "Changsha", "Chángshā"},
    {"乐亭", NAME_CAT_DIVISION, "Laoting", "Làotíng"},
    {"银行路", NAME_CAT_ROAD, "Yinhang Lu", "Yínháng Lù"},
    {"十里堡", NAME_CAT_VILLAGE, "Shilipu", "Shílǐpù"},
    {"吴堡", NAME_CAT_DIVISION, "Wubu", "Wúbǔ"},
    {"大黄堡", NAME_CAT_VILLAGE, "Dahuangbao", "Dàhuángbǎo"},
    /* apostrophe, ü, 儿化 */
    {"西安", NAME_CAT_DIVISION, "Xi'an", "Xī'ān"},
    {"建瓯", NAME_CAT_DIVISION, "Jian'ou", "Jiàn'ōu"},
    {"长安街", NAME_CAT_ROAD, "Chang'an Jie", "Cháng'ān Jiē"},
    {"绿水路", NAME_CAT_ROAD, "Lüshui Lu", "Lǜshuǐ Lù"},
    {"盆儿胡同", NAME_CAT_ROAD, "Penr Hutong", "Pénr Hútóng"},
    /* 专名 and 通名 apart, orientation with the generic */
    {"人民路", NAME_CAT_ROAD, "Renmin Lu", "Rénmín Lù"},
    {"南京路", NAME_CAT_ROAD, "Nanjing Lu", "Nánjīng Lù"},
    {"中山北路", NAME_CAT_ROAD, "Zhongshan Beilu", "Zhōngshān Běilù"},
    {"人民中路", NAME_CAT_ROAD, "Renmin Zhonglu", "Rénmín Zhōnglù"},
    {"景山后街", NAME_CAT_ROAD, "Jingshan Houjie", "Jǐngshān Hòujiē"},
    {"朝阳门内大街", NAME_CAT_ROAD, "Chaoyangmennei Dajie", "Cháoyángménnèi Dàjiē"},
    {"江苏省", NAME_CAT_DIVISION, "Jiangsu Sheng", "Jiāngsū Shěng"},
    {"泰山", NAME_CAT_NATURAL, "Tai Shan", "Tài Shān"},
    {"鸭绿江", NAME_CAT_NATURAL, "Yalü Jiang", "Yālǜ Jiāng"},
    /* specialised generic stays in the 专名 */
    {"黑龙江省", NAME_CAT_DIVISION, "Heilongjiang Sheng", "Hēilóngjiāng Shěng"},
    {"景德镇市", NAME_CAT_DIVISION, "Jingdezhen Shi", "Jǐngdézhèn Shì"},
    /* villages joined */
    {"王村", NAME_CAT_VILLAGE, "Wangcun", "Wángcūn"},
    {"焦溪村", NAME_CAT_DIVISION, "Jiaoxicun", "Jiāoxīcūn"},
    /* person's names joined */
    {"张之洞路", NAME_CAT_ROAD, "Zhangzhidong Lu", "Zhāngzhīdòng Lù"},
    {"恽代英纪念馆", NAME_CAT_BUILDING, "Yundaiying Jinianguan", "Yùndàiyīng Jìniànguǎn"},
    /* numerals: part of the name → pinyin; street ordinals → digits */
    {"三八路", NAME_CAT_ROAD, "Sanba Lu", "Sānbā Lù"},
    {"五一广场", NAME_CAT_FACILITY, "Wuyi Guangchang", "Wǔyī Guǎngchǎng"},
    {"经五路", NAME_CAT_ROAD, "Jing 5 Lu", "Jīng 5 Lù"},
    {"二马路", NAME_CAT_ROAD, "2 Malu", "2 Mǎlù"},
    {"经纬一路", NAME_CAT_ROAD, "Jingwei 1 Lu", "Jīngwěi 1 Lù"},
    {"第九弄", NAME_CAT_ROAD, "Di-9 Long", "Di-9 Lòng"},
    /* session 2: street ordinal after a place word, ethnic areas in parts, road sections */
    {"东四十二条", NAME_CAT_ROAD, "Dongsi 12 Tiao", "Dōngsì 12 Tiáo"},
    {"广西壮族自治区", NAME_CAT_DIVISION, "Guangxi Zhuangzu Zizhiqu", "Guǎngxī Zhuàngzú Zìzhìqū"},
    {"天府大道北段", NAME_CAT_ROAD, "Tianfu Dadao Beiduan", "Tiānfǔ Dàdào Běiduàn"},
    {"新疆维吾尔自治区", NAME_CAT_DIVISION, "Xinjiang Weiwu'er Zizhiqu", "Xīnjiāng Wéiwú'ěr Zìzhìqū"},
    {"恩施土家族苗族自治州", NAME_CAT_DIVISION, "Enshi Tujiazu Miaozu Zizhizhou", "Ēnshī Tǔjiāzú Miáozú Zìzhìzhōu"},
    {"人民南路二段", NAME_CAT_ROAD, "Renmin Nanlu 2 Duan", "Rénmín Nánlù 2 Duàn"},
    /* 北段 before a generic is a 专名, not a section */
    {"北段路", NAME_CAT_ROAD, "Beiduan Lu", "Běiduàn Lù"},
    /* plan fixtures */
    {"溧阳市", NAME_CAT_DIVISION, "Liyang Shi", "Lìyáng Shì"},
    {"湟新路", NAME_CAT_ROAD, "Huangxin Lu", "Huángxīn Lù"},
    {"舣舟亭社区", NAME_CAT_DIVISION, "Yizhouting Shequ", "Yǐzhōutíng Shèqū"},
    {"雕庄街道", NAME_CAT_DIVISION, "Diaozhuang Jiedao", "Diāozhuāng Jiēdào"},
    {"竟成街道", NAME_CAT_DIVISION, "Jingcheng Jiedao", "Jìngchéng Jiēdào"},
    {"射洪坝街道", NAME_CAT_DIVISION, "Shehongba Jiedao", "Shèhóngbà Jiēdào"},
    {"泛月路", NAME_CAT_ROAD, "Fanyue Lu", "Fànyuè Lù"},
    /* input forms: traditional, full width, Arabic numerals */
    {"張之洞路", NAME_CAT_ROAD, "Zhangzhidong Lu", "Zhāngzhīdòng Lù"},
    {"２马路", NAME_CAT_ROAD, "2 Malu", "2 Mǎlù"},
    /* a folded traditional form: 廣 guang and 广 yan both become 广 */
    {"广场路", NAME_CAT_ROAD, "Guangchang Lu", "Guǎngchǎng Lù"},
};

static void test_pinyin_table(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof pinyin_cases / sizeof *pinyin_cases; i++) {
        name_parts_t *np = analyze(pinyin_cases[i].name, pinyin_cases[i].cat);
        if (strcmp(np->pinyin, pinyin_cases[i].pinyin) != 0 || strcmp(np->pinyin_toned, pinyin_cases[i].toned) != 0) {
            fprintf(stderr, "%s: got '%s' / '%s', want '%s' / '%s'\n", pinyin_cases[i].name, np->pinyin,
                    np->pinyin_toned, pinyin_cases[i].pinyin, pinyin_cases[i].toned);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

static const struct {
    const char *in, *norm;
} norm_cases[] = {
    {"人民 路", "人民路"},
    {"Ｒｅｎｍｉｎ　Ｌｕ", "RenminLu"},
    {"長樂路", "长乐路"},
    {"长乐(chánglè)路", "长乐路"},
    {"2马路", "二马路"},
    {"12号路", "十二号路"},
    {"二〇八路", "二零八路"},
    {"中山·北路", "中山北路"},
    {"“湟新”路", "湟新路"},
};

static void test_normalize(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof norm_cases / sizeof *norm_cases; i++) {
        char *out = NULL;
        dm_error e;
        assert_int_equal(names_normalize(g_w, norm_cases[i].in, (size_t)-1, &out, &e), 0);
        assert_string_equal(out, norm_cases[i].norm);
        free(out);
    }
}

static void test_normalize_rejects_bad_input(void **state)
{
    (void)state;
    char *out = NULL;
    dm_error e;
    assert_int_equal(names_normalize(g_w, "", 0, &out, &e), DM_EINVAL);
    assert_string_equal(e.message, "name is empty");
    assert_int_equal(names_normalize(g_w, "\xff\xfe路", (size_t)-1, &out, &e), DM_EINVAL);
    assert_string_equal(e.message, "name is not valid UTF-8");
    char big[10240];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(names_normalize(g_w, big, (size_t)-1, &out, &e), DM_EINVAL);
    assert_string_equal(e.message, "name is too long (10239 bytes, at most 256)");
    assert_int_equal(names_normalize(g_w, "·—", (size_t)-1, &out, &e), DM_EINVAL);
    assert_string_equal(e.message, "name is empty after normalisation");
    assert_null(out);
    name_category_t c;
    assert_int_equal(names_category_parse("park", &c, &e), DM_EINVAL);
    assert_string_equal(e.param, "category");
}

static void test_split_and_keys(void **state)
{
    (void)state;
    name_parts_t *np = analyze("中山北路", NAME_CAT_ROAD);
    assert_string_equal(np->specific, "中山");
    assert_string_equal(np->generic, "北路");
    assert_string_equal(np->orientation, "北");
    assert_string_equal(np->base_generic, "路");
    assert_string_equal(np->dup_key, "中山");
    assert_string_equal(np->hom_key, "zhongshan");

    /* A leading 新/大 or the city name is dropped from the duplicate key (铜陵 rule). */
    np = analyze("新湟新路", NAME_CAT_ROAD);
    assert_string_equal(np->dup_key, "湟新");
    np = analyze("常州湟新大道", NAME_CAT_ROAD);
    assert_string_equal(np->specific, "常州湟新");
    assert_string_equal(np->base_generic, "大道");
    assert_string_equal(np->dup_key, "湟新");
    /* ...but not when it would leave a single character. */
    np = analyze("大同路", NAME_CAT_ROAD);
    assert_string_equal(np->dup_key, "大同");

    /* The longest generic of the category wins; another category's generic does not split. */
    np = analyze("龙城大道", NAME_CAT_ROAD);
    assert_string_equal(np->specific, "龙城");
    assert_string_equal(np->generic, "大道");
    np = analyze("锦绣花园", NAME_CAT_ROAD);
    assert_string_equal(np->generic, "");
    np = analyze("锦绣花园", NAME_CAT_RESIDENTIAL);
    assert_string_equal(np->specific, "锦绣");
    assert_string_equal(np->generic, "花园");

    /* The homophone key keeps ü apart from u (PLATFORM.md trap 5). */
    np = analyze("绿园路", NAME_CAT_ROAD);
    assert_string_equal(np->hom_key, "lüyuan");
    np = analyze("鹿园路", NAME_CAT_ROAD);
    assert_string_equal(np->hom_key, "luyuan");

    /* A road section is split off after the generic (天府大道 + 北段). */
    np = analyze("天府大道北段", NAME_CAT_ROAD);
    assert_string_equal(np->specific, "天府");
    assert_string_equal(np->generic, "大道");
    assert_string_equal(np->section, "北段");
    assert_string_equal(np->dup_key, "天府");
    assert_string_equal(np->full_key, "tianfudadaobeiduan");
    np = analyze("东四十二条", NAME_CAT_ROAD);
    assert_string_equal(np->specific, "东四十二");
    assert_string_equal(np->section, "");
    assert_false(np->ordinal_only);

    /* Bare ordinals are flagged; numbers that are the name are not. */
    assert_true(analyze("二马路", NAME_CAT_ROAD)->ordinal_only);
    assert_false(analyze("三八路", NAME_CAT_ROAD)->ordinal_only);
    assert_false(analyze("经五路", NAME_CAT_ROAD)->ordinal_only);
    assert_true(analyze("Ａ1路", NAME_CAT_ROAD)->has_latin);
}

static void test_pinyin_query_key(void **state)
{
    (void)state;
    char k[64];
    assert_int_equal(names_pinyin_query_key("Renmin Lu", k, sizeof k), 1);
    assert_string_equal(k, "renminlu");
    assert_int_equal(names_pinyin_query_key("Xi'an", k, sizeof k), 1);
    assert_string_equal(k, "xian");
    assert_int_equal(names_pinyin_query_key("lvyuan", k, sizeof k), 1);
    assert_string_equal(k, "lüyuan");
    assert_int_equal(names_pinyin_query_key("人民路", k, sizeof k), 0);
}

static void test_channels(void **state)
{
    (void)state;
    int req = -1;
    assert_string_equal(names_channel_canonical(g_lx, "户籍", &req), "household");
    assert_int_equal(req, 1);
    assert_string_equal(names_channel_canonical(g_lx, "企业登记", &req), "enterprise");
    assert_string_equal(names_channel_canonical(g_lx, "osm", &req), "internet_map");
    assert_string_equal(names_channel_canonical(g_lx, "广告", &req), "advert");
    assert_int_equal(req, 0);
    assert_null(names_channel_canonical(g_lx, "leaflet", &req));
    assert_null(names_channel_canonical(g_lx, NULL, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_word_list_loaded),
        cmocka_unit_test(test_pinyin_table),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_normalize_rejects_bad_input),
        cmocka_unit_test(test_split_and_keys),
        cmocka_unit_test(test_pinyin_query_key),
        cmocka_unit_test(test_channels),
    };
    return cmocka_run_group_tests_name("names", tests, setup, teardown);
}
