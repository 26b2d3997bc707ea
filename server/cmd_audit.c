/* cmd_audit.c — `diming audit export --format csv|json [--out FILE]`: the
 * register's audit trail (reg_audit, append-only) for archiving or review.
 * CSV follows RFC 4180 (fields quoted, quotes doubled, CRLF line ends); JSON
 * is one array of rows with before/after as JSON values. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis/register.h"
#include "server/cli.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: diming audit export [--format csv|json] [--out FILE] [--db PATH]\n"
                 "\n"
                 "Writes every row of the register's audit trail (who, when, from where, action,\n"
                 "object, before and after as JSON, request id), oldest first, to FILE or stdout.\n");
}

static void csv_field(FILE *f, const char *v, int last)
{
    fputc('"', f);
    for (const char *p = v ? v : ""; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputs(last ? "\"\r\n" : "\",", f);
}

static int row_csv(const reg_audit_row_t *r, void *ctx)
{
    FILE *f = ctx;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)r->id);
    const char *v[] = {id, r->at, r->actor, r->ip, r->action, r->object, r->before, r->after, r->request_id};
    for (int i = 0; i < 9; i++)
        csv_field(f, v[i], i == 8);
    return ferror(f) ? 1 : 0;
}

static json_t *json_or_null(const char *text)
{
    json_t *v = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
    return v ? v : (text ? json_string(text) : json_null());
}

static int row_json(const reg_audit_row_t *r, void *ctx)
{
    json_t *o = json_pack("{s:I,s:s,s:s,s:o,s:s,s:s,s:o,s:o,s:o}", "id", (json_int_t)r->id, "at", r->at, "actor",
                          r->actor, "ip", r->ip ? json_string(r->ip) : json_null(), "action", r->action, "object",
                          r->object, "before", json_or_null(r->before), "after", json_or_null(r->after), "request_id",
                          r->request_id ? json_string(r->request_id) : json_null());
    return o ? json_array_append_new(ctx, o) : 1;
}

int cmd_audit_trail(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"format", required_argument, 0, 'f'},
                                         {"out", required_argument, 0, 'o'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = NULL, *format = "csv", *outp = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'f': format = optarg; break;
        case 'o': outp = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind + 1 != argc || strcmp(argv[optind], "export") != 0 ||
        (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)) {
        usage(stderr);
        return 2;
    }
    store_t *s;
    dm_error err;
    if (store_open(db ? db : cli_default_db(), STORE_NOCREATE, &s, &err)) {
        fprintf(stderr, "diming audit: error: %s\n", err.message);
        return 1;
    }
    FILE *f = outp ? fopen(outp, "w") : stdout;
    if (!f) {
        fprintf(stderr, "diming audit: error: cannot write %s\n", outp);
        store_close(s);
        return 1;
    }
    int rc;
    if (!strcmp(format, "csv")) {
        fputs("id,at,actor,ip,action,object,before,after,request_id\r\n", f);
        rc = register_audit_each(s, row_csv, f, &err);
    } else {
        json_t *arr = json_array();
        rc = register_audit_each(s, row_json, arr, &err);
        if (!rc && json_dumpf(arr, f, JSON_INDENT(1)) == 0)
            fputc('\n', f);
        json_decref(arr);
    }
    store_close(s);
    int bad = (outp ? fclose(f) : fflush(f)) != 0;
    if (rc || bad) {
        fprintf(stderr, "diming audit: error: %s\n", rc ? err.message : "write failed");
        return 1;
    }
    return 0;
}
