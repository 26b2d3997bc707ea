/* fields.c — the field tables of every layer and column matching; see fields.h. */
#include "importers/fields.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define A(...) ((const char *const[]){__VA_ARGS__, NULL})

static const field_spec_t divisions[] = {
    {"code", 1, A("code", "adcode", "代码", "区划代码", "行政区划代码", "统计用区划代码", "xzqdm", "xzqhdm")},
    {"name", 1, A("name", "名称", "区划名称", "行政区划名称", "ext_name", "xzqmc", "mc")},
    {"level", 0, A("level", "级别", "层级", "区划级别")},
    {"parent_code", 0, A("parent_code", "上级代码", "上级区划代码", "parent_adcode", "pid")},
    {"type", 0, A("type", "类型", "区划类型")},
    {"urban_rural", 0, A("urban_rural", "城乡分类", "城乡分类代码", "城乡属性")},
    {"valid_from", 0, A("valid_from", "生效日期", "起始日期")},
    {"valid_to", 0, A("valid_to", "失效日期", "终止日期", "撤销日期")},
    {"code_source", 0, A("code_source", "代码来源")},
};

static const field_spec_t markers[] = {
    {"number", 1, A("number", "编号", "界桩编号", "界桩号", "bh")},
    {"type", 0, A("type", "类型", "界桩类型")},
    {"line", 0, A("line", "line_code", "界线", "界线代码", "界线编号")},
    {"status", 0, A("status", "状态", "界桩状态")},
    {"material", 0, A("material", "材质")},
    {"installed", 0, A("installed", "installed_on", "install_date", "埋设日期", "安装日期")},
    {"inspected", 0, A("inspected", "inspected_on", "last_inspection", "检查日期", "联检日期")},
};

static const field_spec_t names[] = {
    {"name", 1, A("name", "名称", "地名", "标准名称", "标准地名", "mc")},
    {"category", 0, A("category", "类别", "地名类别", "类型")},
    {"division", 0, A("division", "division_code", "区划代码", "所在区划", "行政区划代码")},
    {"status", 0, A("status", "状态")},
    {"approval_doc", 0, A("approval_doc", "批准文号", "批复文号")},
    {"approved_on", 0, A("approved_on", "批准日期", "批复日期", "命名日期")},
    {"former_names", 0, A("former_names", "曾用名", "历史名称")},
    {"pinyin", 0, A("pinyin", "拼音", "罗马字母拼写", "汉语拼音")},
};

static const field_spec_t facilities[] = {
    {"name", 1, A("name", "名称", "设施名称", "机构名称")},
    {"type", 0, A("type", "类型", "设施类型", "机构类型")},
    {"functions", 0, A("functions", "服务功能", "功能")},
    {"beds", 0, A("beds", "床位", "床位数")},
    {"nursing_beds", 0, A("nursing_beds", "护理型床位", "护理床位", "护理型床位数")},
    {"status", 0, A("status", "状态", "运营状态")},
    {"division", 0, A("division", "division_code", "区划代码", "所在区划")},
    {"address", 0, A("address", "地址")},
};

static const field_spec_t residential[] = {
    {"name", 1, A("name", "名称", "小区名称", "住宅区名称")},
    {"households", 0, A("households", "户数", "住户数")},
    {"pop_60", 0, A("pop_60", "60岁以上", "60岁以上人口", "老年人口")},
    {"pop_80", 0, A("pop_80", "80岁以上", "80岁以上人口")},
    {"division", 0, A("division", "division_code", "区划代码", "所在区划")},
};

static const field_spec_t roads[] = {
    {"name", 0, A("name", "名称", "道路名称")},
    {"class", 0, A("class", "highway", "fclass", "道路等级", "等级")},
    {"walkable", 0, A("walkable", "可步行")},
    {"oneway", 0, A("oneway", "单行")},
    {"osm_id", 0, A("osm_id", "osm_way_id")},
    {"foot", 0, A("foot")},
    {"access", 0, A("access")},
    {"other_tags", 0, A("other_tags")},
};

/* Place-name signs (地名标志, GB 17733-2008): the plate's text and pinyin as
 * written, and the standard name it should show (by register id or name). */
static const field_spec_t signs[] = {
    {"type", 1, A("type", "sign_type", "类型", "标志类型", "标牌类型", "种类")},
    {"text", 1, A("text", "sign_text", "标志文字", "标牌文字", "标志名称", "牌面文字", "文字", "汉字")},
    {"pinyin", 0, A("pinyin", "sign_pinyin", "拼音", "标志拼音", "牌面拼音", "罗马字母拼写", "汉语拼音")},
    {"name_id", 0, A("name_id", "standard_name_id", "地名编号", "标准地名编号", "地名id")},
    {"name", 0, A("name", "standard_name", "linked_name", "标准名称", "标准地名", "对应地名", "对应标准地名")},
    {"installed", 0, A("installed", "installed_on", "install_date", "设置日期", "安装日期", "设立日期")},
    {"condition", 0, A("condition", "状况", "完好状况", "标志状况", "状态")},
};

static const struct {
    const char *name;
    const field_spec_t *fields;
    size_t n;
} layers[LAYER__COUNT] = {
    [LAYER_DIVISIONS] = {"divisions", divisions, sizeof divisions / sizeof *divisions},
    [LAYER_MARKERS] = {"markers", markers, sizeof markers / sizeof *markers},
    [LAYER_NAMES] = {"names", names, sizeof names / sizeof *names},
    [LAYER_FACILITIES] = {"facilities", facilities, sizeof facilities / sizeof *facilities},
    [LAYER_RESIDENTIAL] = {"residential", residential, sizeof residential / sizeof *residential},
    [LAYER_ROADS] = {"roads", roads, sizeof roads / sizeof *roads},
    [LAYER_SIGNS] = {"signs", signs, sizeof signs / sizeof *signs},
};

int import_layer_parse(const char *name)
{
    for (int i = 0; i < LAYER__COUNT; i++)
        if (name && strcmp(name, layers[i].name) == 0)
            return i;
    return -1;
}

const char *import_layer_name(import_layer_t layer) { return layers[layer].name; }

const field_spec_t *import_layer_fields(import_layer_t layer, size_t *n)
{
    *n = layers[layer].n;
    return layers[layer].fields;
}

static int find_column(const char *const *columns, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (columns[i] && strcasecmp(columns[i], name) == 0)
            return (int)i;
    return -1;
}

int import_resolve_fields(import_layer_t layer, const char *const *columns, size_t ncolumns,
                          const char *const *overrides, size_t noverrides, int index[FIELD_MAX],
                          dm_error *err)
{
    size_t nf;
    const field_spec_t *fs = import_layer_fields(layer, &nf);
    for (size_t i = 0; i < FIELD_MAX; i++)
        index[i] = -1;
    for (size_t o = 0; o < noverrides; o++) {
        const char *eq = strchr(overrides[o], '=');
        if (!eq || eq == overrides[o] || !eq[1])
            return dm_error_set(err, DM_EINVAL, "field", "--field must be TARGET=COLUMN, got '%s'", overrides[o]);
        size_t tl = (size_t)(eq - overrides[o]);
        int t = -1;
        for (size_t i = 0; i < nf; i++)
            if (strlen(fs[i].target) == tl && strncmp(fs[i].target, overrides[o], tl) == 0)
                t = (int)i;
        if (t < 0)
            return dm_error_set(err, DM_EINVAL, "field", "--field %s: layer %s has no field '%.*s'", overrides[o],
                                import_layer_name(layer), (int)tl, overrides[o]);
        int c = find_column(columns, ncolumns, eq + 1);
        if (c < 0)
            return dm_error_set(err, DM_EINVAL, "field", "--field %s: the file has no column '%s'", overrides[o],
                                eq + 1);
        index[t] = c;
    }
    for (size_t i = 0; i < nf; i++) {
        if (index[i] >= 0)
            continue;
        for (const char *const *a = fs[i].aliases; *a && index[i] < 0; a++)
            index[i] = find_column(columns, ncolumns, *a);
    }
    for (size_t i = 0; i < nf; i++) {
        if (fs[i].required && index[i] < 0) {
            char have[256] = "";
            size_t used = 0;
            for (size_t c = 0; c < ncolumns && used + 1 < sizeof have; c++) {
                int w = snprintf(have + used, sizeof have - used, "%s%s", c ? ", " : "", columns[c]);
                if (w < 0)
                    break;
                used += (size_t)w;
            }
            return dm_error_set(err, DM_EINVAL, fs[i].target,
                                "no column for required field '%s' (the file has: %s); map one with --field %s=COLUMN",
                                fs[i].target, ncolumns ? have : "no columns", fs[i].target);
        }
    }
    return 0;
}
