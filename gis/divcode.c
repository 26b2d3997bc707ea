/* divcode.c — parsing and checking division codes; see divcode.h. */
#include "gis/divcode.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int divcode_parse(const char *text, char out[13], dm_error *err)
{
    out[0] = '\0';
    if (!text)
        return dm_error_set(err, DM_EINVAL, "code", "division code is missing");
    while (*text == ' ' || *text == '\t')
        text++;
    size_t n = 0;
    while (text[n] && text[n] != ' ' && text[n] != '\t')
        n++;
    for (size_t i = n; text[i]; i++)
        if (text[i] != ' ' && text[i] != '\t')
            return dm_error_set(err, DM_EINVAL, "code", "division code must be digits only");
    if (n == 0)
        return dm_error_set(err, DM_EINVAL, "code", "division code is empty");
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)text[i]))
            return dm_error_set(err, DM_EINVAL, "code",
                                "division code must be ASCII digits (DIV-CODE-FMT), got '%.*s'",
                                (int)(n > 24 ? 24 : n), text);
    if (n != 2 && n != 4 && n != 6 && n != 9 && n != 12)
        return dm_error_set(err, DM_EINVAL, "code",
                            "division code must have 2, 4, 6, 9 or 12 digits (DIV-CODE-FMT), got %zu", n);
    if (text[0] == '0' && text[1] == '0')
        return dm_error_set(err, DM_EINVAL, "code", "division code cannot start with 00 (DIV-CODE-FMT)");
    memcpy(out, text, n);
    memset(out + n, '0', 12 - n);
    out[12] = '\0';
    return 0;
}

static int zeros(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != '0')
            return 0;
    return 1;
}

division_level_t divcode_level(const char code[13])
{
    if (strlen(code) != 12)
        return LEVEL_NONE;
    if (zeros(code + 2, 10))
        return LEVEL_PROVINCE;
    if (zeros(code + 4, 8))
        return LEVEL_PREFECTURE;
    if (zeros(code + 6, 6))
        return LEVEL_COUNTY;
    if (zeros(code + 9, 3))
        return LEVEL_TOWNSHIP;
    return LEVEL_VILLAGE;
}

void divcode_parent(const char code[13], char parent[13])
{
    static const int keep[] = {0, 0, 2, 4, 6, 9};
    division_level_t lv = divcode_level(code);
    parent[0] = '\0';
    if (lv <= LEVEL_PROVINCE)
        return;
    int k = keep[lv];
    memcpy(parent, code, (size_t)k);
    memset(parent + k, '0', (size_t)(12 - k));
    parent[12] = '\0';
}

void divcode_short(const char code[13], char out[13])
{
    static const int keep[] = {12, 2, 4, 6, 9, 12};
    int k = keep[divcode_level(code)];
    memcpy(out, code, (size_t)k);
    out[k] = '\0';
}

void divcode_adcode(const char code[13], char out[7])
{
    out[0] = '\0';
    division_level_t lv = divcode_level(code);
    if (lv >= LEVEL_PROVINCE && lv <= LEVEL_COUNTY) {
        memcpy(out, code, 6);
        out[6] = '\0';
    }
}

static int digits3(const char *p) { return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0'); }

const char *divcode_type_from_digits(const char code[13])
{
    division_level_t lv = divcode_level(code);
    if (lv == LEVEL_TOWNSHIP) {
        int t = digits3(code + 6);
        if (t >= 1 && t <= 99)
            return "街道";
        if (t >= 100 && t <= 199)
            return "镇";
        if (t >= 200 && t <= 399)
            return "乡";
        if (t >= 400 && t <= 599)
            return "政企合一";
        return NULL;
    }
    if (lv == LEVEL_VILLAGE) {
        int v = digits3(code + 9);
        if (v >= 1 && v <= 199)
            return "社区";
        if (v >= 200 && v <= 399)
            return "村";
    }
    return NULL;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

const char *divcode_type_from_name(const char *name)
{
    if (!name)
        return NULL;
    /* Longest, most specific suffixes first. */
    static const struct {
        const char *suffix, *type;
    } table[] = {
        {"街道办事处", "街道"}, {"街道", "街道"}, {"民族乡", "乡"}, {"苏木", "乡"},
        {"社区居委会", "社区"}, {"社区居民委员会", "社区"}, {"居委会", "社区"}, {"社区", "社区"},
        {"村民委员会", "村"}, {"村委会", "村"}, {"嘎查", "村"}, {"村", "村"},
        {"镇", "镇"}, {"乡", "乡"},
        {"自治区", "自治区"}, {"特别行政区", "特别行政区"}, {"省", "省"}, {"自治州", "自治州"},
        {"地区", "地区"}, {"盟", "盟"}, {"自治县", "县"}, {"自治旗", "旗"}, {"旗", "旗"},
        {"县", "县"}, {"区", "区"}, {"市", "市"},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (ends_with(name, table[i].suffix))
            return table[i].type;
    return NULL;
}

int divcode_check_type(const char code[13], const char *name, dm_error *err)
{
    const char *by_code = divcode_type_from_digits(code);
    const char *by_name = divcode_type_from_name(name);
    if (!by_code || !by_name || strcmp(by_code, "政企合一") == 0)
        return 0;
    division_level_t lv = divcode_level(code);
    /* Only judge suffixes that belong to this level. */
    if (lv == LEVEL_TOWNSHIP && strcmp(by_name, "街道") && strcmp(by_name, "镇") && strcmp(by_name, "乡"))
        return 0;
    if (lv == LEVEL_VILLAGE && strcmp(by_name, "社区") && strcmp(by_name, "村"))
        return 0;
    if (strcmp(by_code, by_name) != 0)
        return dm_error_set(err, DM_EINVAL, "code",
                            "code %s denotes a %s by its digits but the name %s is a %s (DIV-CODE-TYPE)",
                            code, by_code, name, by_name);
    return 0;
}

const char *division_level_name(division_level_t level)
{
    switch (level) {
    case LEVEL_PROVINCE: return "province";
    case LEVEL_PREFECTURE: return "prefecture";
    case LEVEL_COUNTY: return "county";
    case LEVEL_TOWNSHIP: return "township";
    case LEVEL_VILLAGE: return "village";
    default: return "unknown";
    }
}

division_level_t division_level_parse(const char *t)
{
    if (!t)
        return LEVEL_NONE;
    static const struct {
        const char *word;
        division_level_t level;
    } table[] = {
        {"province", LEVEL_PROVINCE}, {"省", LEVEL_PROVINCE}, {"省级", LEVEL_PROVINCE}, {"1", LEVEL_PROVINCE},
        {"prefecture", LEVEL_PREFECTURE}, {"city", LEVEL_PREFECTURE}, {"市", LEVEL_PREFECTURE},
        {"地级", LEVEL_PREFECTURE}, {"市级", LEVEL_PREFECTURE}, {"2", LEVEL_PREFECTURE},
        {"county", LEVEL_COUNTY}, {"district", LEVEL_COUNTY}, {"县", LEVEL_COUNTY}, {"县级", LEVEL_COUNTY},
        {"3", LEVEL_COUNTY},
        {"township", LEVEL_TOWNSHIP}, {"town", LEVEL_TOWNSHIP}, {"street", LEVEL_TOWNSHIP},
        {"乡", LEVEL_TOWNSHIP}, {"乡级", LEVEL_TOWNSHIP}, {"乡镇", LEVEL_TOWNSHIP}, {"4", LEVEL_TOWNSHIP},
        {"village", LEVEL_VILLAGE}, {"community", LEVEL_VILLAGE}, {"村", LEVEL_VILLAGE},
        {"村级", LEVEL_VILLAGE}, {"5", LEVEL_VILLAGE},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (strcasecmp(t, table[i].word) == 0)
            return table[i].level;
    return LEVEL_NONE;
}
