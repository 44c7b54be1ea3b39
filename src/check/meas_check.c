/* meas_check.c — `memspice check` of .meas results.  memspice's come from
 * ms_measure on its DC sweep, transient and AC sweep; ngspice evaluates the same cards
 * after each run and prints them, so its values are read from the lines it printed:
 *
 *   rise_time           =  2.197201e-03 targ=  2.403064e-03 trig=  2.058633e-04
 *   p1                  =   failed
 *    .meas tran bad when v(a)=10 failed!
 *
 * A measure agrees when both took it and |m - n| <= max(rtol max(|m|,|n|),
 * atol) (atol: rtol times the measure's scale, e.g. the signal's range, so
 * a value near 0 is judged absolutely), or when both failed. */
#include "check_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../io/result.h"
#include "../util/util.h"

/* Why ngspice 39 has no result to compare for a .meas dc of this kind, or
 * NULL.  It evaluates every measure once, on the last analysis's plot, so
 * with a .tran after the .dc its dc measures find no sweep; and its window
 * measures look for a vector named v-sweep, which a current-source sweep
 * does not have. */
static const char *dc_skip(const MsCheck *c, const char *kind)
{
    if (c->ms_has_tran)
        return "not compared: ngspice 39 takes no .meas dc when the netlist also has a .tran";
    static const char *window[] = {"avg", "rms", "min", "max", "pp", "integ", 0};
    if (!strcmp(ms_result_scale(&c->ms_dc), "i(i-sweep)"))
        for (int k = 0; window[k]; k++)
            if (!strcmp(kind, window[k]))
                return "not compared: ngspice 39 fails AVG/RMS/MIN/MAX/PP/INTEG on a current-source sweep";
    return NULL;
}

/* Why ngspice 39 has no result to compare for a .meas ac, or NULL: it
 * takes them only when the .ac is the netlist's one analysis (with a .op,
 * .dc or .tran beside it, it prints none). */
static const char *ac_skip(const MsCheck *c)
{
    if (c->ms_has_op || c->ms_has_dc || c->ms_has_tran)
        return "not compared: ngspice 39 takes no .meas ac when the netlist also has a .op, .dc or .tran";
    return NULL;
}

/* memspice's measures of the DC sweep, of the transient, then of the AC sweep. */
void ms_check_meas_collect(MsCheck *c, const MsCircuit *circ)
{
    int nm = ms_circuit_num_measures(circ);
    if (!nm)
        return;
    MsMeasure *m = ms_calloc((size_t)nm, sizeof *m);
    c->meas = ms_calloc((size_t)nm, sizeof *c->meas);
    c->nmeas = 0;
    static const char *names[] = {"dc", "tran", "ac"};
    const MsResult *res[] = {&c->ms_dc, &c->ms_tran, &c->ms_ac};
    for (int a = 0; a < 3; a++) {
        int has = a == 0 ? c->ms_has_dc : a == 1 ? c->ms_has_tran : c->ms_has_ac, n = 0;
        MsError err = {0};
        if (!has || ms_measure(circ, names[a], res[a], m, &n, &err) != MS_OK)
            continue;
        for (int i = 0; i < n; i++) {
            MsMeasRow *r = &c->meas[c->nmeas++];
            r->name = ms_strdup(m[i].name);
            r->kind = ms_strdup(m[i].kind);
            r->analysis = m[i].analysis;
            r->ms_ok = m[i].ok;
            r->vm = m[i].value;
            r->ms_why = m[i].ok ? NULL : ms_strdup(m[i].why);
            r->scale = m[i].scale;
            r->skip = a == 0 ? dc_skip(c, r->kind) : a == 2 ? ac_skip(c) : NULL;
        }
    }
    if (!c->nmeas) {
        free(c->meas);
        c->meas = NULL;
    }
    free(m);
}

static MsMeasRow *row_named(MsCheck *c, const char *name, size_t len)
{
    for (int i = 0; i < c->nmeas; i++)
        if (strlen(c->meas[i].name) == len && !strncasecmp(c->meas[i].name, name, len))
            return &c->meas[i];
    return NULL;
}

/* One line ngspice printed: a measure's result or its failure. */
static void read_line(MsCheck *c, const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    if (!strncasecmp(s, ".meas", 5)) {   /* " .meas tran NAME ... failed!" */
        const char *p = s;
        for (int w = 0; w < 2 && *p; w++) {
            while (*p && !isspace((unsigned char)*p))
                p++;
            while (isspace((unsigned char)*p))
                p++;
        }
        const char *e = p;
        while (*e && !isspace((unsigned char)*e))
            e++;
        MsMeasRow *r = row_named(c, p, (size_t)(e - p));
        size_t n = strlen(s);
        if (r && n >= 7 && !strcmp(s + n - 7, "failed!")) {
            r->ng_seen = 1;
            r->ng_ok = 0;
        }
        return;
    }
    const char *e = s;
    while (*e && !isspace((unsigned char)*e) && *e != '=')
        e++;
    const char *p = e;
    while (isspace((unsigned char)*p))
        p++;
    if (*p != '=' || e == s)
        return;
    MsMeasRow *r = row_named(c, s, (size_t)(e - s));
    if (!r)
        return;
    p++;
    while (isspace((unsigned char)*p))
        p++;
    char *end;
    double v = strtod(p, &end);
    if (end != p) {
        r->ng_seen = r->ng_ok = 1;
        r->vn = v;
    } else if (!strncasecmp(p, "failed", 6)) {
        r->ng_seen = 1;
        r->ng_ok = 0;
    }
}

void ms_check_meas_compare(MsCheck *c)
{
    if (!c->nmeas)
        return;
    for (int i = 0; i < c->ng.nout; i++)
        read_line(c, c->ng.out[i]);
    double rtol = c->o->meas_rtol;
    for (int i = 0; i < c->nmeas; i++) {
        MsMeasRow *r = &c->meas[i];
        double atol = c->o->meas_atol >= 0 ? c->o->meas_atol : rtol * r->scale;
        if (r->skip) {
            r->pass = 1;
            r->abs_err = INFINITY;
            continue;
        }
        r->abs_err = r->ms_ok && r->ng_ok ? fabs(r->vm - r->vn) : INFINITY;
        r->allowed = r->ms_ok && r->ng_ok ? fmax(rtol * fmax(fabs(r->vm), fabs(r->vn)), atol) : 0;
        if (r->ms_ok && r->ng_ok)
            r->pass = r->abs_err <= r->allowed;
        else
            r->pass = r->ng_seen && !r->ms_ok && !r->ng_ok;   /* both failed */
    }
}

int ms_check_meas_bad(const MsCheck *c)
{
    for (int i = 0; i < c->nmeas; i++)
        if (!c->meas[i].pass)
            return 1;
    return 0;
}

int ms_check_meas_skipped(const MsCheck *c)
{
    int n = 0;
    for (int i = 0; i < c->nmeas; i++)
        n += c->meas[i].skip != NULL;
    return n;
}

static const char *side(char *buf, size_t n, int seen, int ok, double v)
{
    if (!seen)
        snprintf(buf, n, "(none)");
    else if (!ok)
        snprintf(buf, n, "failed");
    else
        snprintf(buf, n, "% .9e", v);
    return buf;
}

void ms_check_meas_text(const MsCheck *c, FILE *f)
{
    if (!c->nmeas)
        return;
    int w = 8;
    for (int i = 0; i < c->nmeas; i++)
        if ((int)strlen(c->meas[i].name) > w)
            w = (int)strlen(c->meas[i].name);
    /* the analyses measured, in the order collected: ".meas dc, .meas tran, .meas ac" */
    fprintf(f, "\nmeasures (");
    static const char *names[] = {"dc", "tran", "ac"};
    for (int a = 0, first = 1; a < 3; a++)
        for (int i = 0; i < c->nmeas; i++)
            if (!strcmp(c->meas[i].analysis, names[a])) {
                fprintf(f, "%s.meas %s", first ? "" : ", ", names[a]);
                first = 0;
                break;
            }
    fprintf(f, "): pass when");
    fprintf(f, " |error| <= max(%g * |value|, atol = ", c->o->meas_rtol);
    if (c->o->meas_atol >= 0)
        fprintf(f, "%g)\n", c->o->meas_atol);
    else
        fprintf(f, "%g * the measured signal's range)\n", c->o->meas_rtol);
    fprintf(f, "  %-*s  %-9s %-17s %-17s %-10s %-10s %s\n", w, "measure", "kind", "memspice", "ngspice", "|error|",
            "allowed", "result");
    char b1[64], b2[64], b3[32], b4[32];
    for (int i = 0; i < c->nmeas; i++) {
        const MsMeasRow *r = &c->meas[i];
        int both = r->ms_ok && r->ng_ok && !r->skip;
        snprintf(b3, sizeof b3, both ? "%.3e" : "-", r->abs_err);
        snprintf(b4, sizeof b4, both ? "%.3e" : "-", r->allowed);
        fprintf(f, "  %-*s  %-9s %-17s %-17s %-10s %-10s %s\n", w, r->name, r->kind, side(b1, sizeof b1, 1, r->ms_ok, r->vm),
                side(b2, sizeof b2, r->ng_seen, r->ng_ok, r->vn), b3, b4, r->skip ? "skip" : r->pass ? "pass" : "FAIL");
        if (!r->ms_ok)
            fprintf(f, "  %-*s  memspice: %s\n", w, "", r->ms_why);
        if (r->skip)
            fprintf(f, "  %-*s  %s\n", w, "", r->skip);
        else if (!r->ng_seen)
            fprintf(f, "  %-*s  ngspice printed no result for it\n", w, "");
    }
}

/* A JSON number when ok and finite, else null. */
static void jnum_if(FILE *f, int ok, double v)
{
    ms_check_jnum(f, ok ? v : NAN);
}

void ms_check_meas_json(const MsCheck *c, FILE *f)
{
    fputs("{\"rtol\": ", f);
    jnum_if(f, 1, c->o->meas_rtol);
    fputs(", \"atol\": ", f);
    jnum_if(f, c->o->meas_atol >= 0, c->o->meas_atol);   /* null: rtol x each measure's scale */
    fputs(", \"results\": [", f);
    for (int i = 0; i < c->nmeas; i++) {
        const MsMeasRow *r = &c->meas[i];
        int both = r->ms_ok && r->ng_ok && !r->skip;
        fputs(i ? ",\n      {\"name\": " : "\n      {\"name\": ", f);
        ms_check_jstr(f, r->name);
        fputs(", \"analysis\": ", f);
        ms_check_jstr(f, r->analysis);
        fputs(", \"kind\": ", f);
        ms_check_jstr(f, r->kind);
        fputs(", \"memspice\": ", f);
        jnum_if(f, r->ms_ok, r->vm);
        fputs(", \"memspice_failed\": ", f);
        ms_check_jstr(f, r->ms_ok ? NULL : r->ms_why);
        fputs(", \"ngspice\": ", f);
        jnum_if(f, r->ng_ok, r->vn);
        fprintf(f, ", \"ngspice_result\": \"%s\"", !r->ng_seen ? "none" : r->ng_ok ? "value" : "failed");
        fputs(", \"scale\": ", f);
        jnum_if(f, 1, r->scale);
        fputs(", \"abs_err\": ", f);
        jnum_if(f, both, r->abs_err);
        fputs(", \"allowed\": ", f);
        jnum_if(f, both, r->allowed);
        fputs(", \"skipped\": ", f);
        ms_check_jstr(f, r->skip);
        fprintf(f, ", \"pass\": %s}", r->pass ? "true" : "false");
    }
    fputs(c->nmeas ? "\n    ]}" : "]}", f);
}

void ms_check_meas_free(MsCheck *c)
{
    for (int i = 0; i < c->nmeas; i++) {
        free(c->meas[i].name);
        free(c->meas[i].kind);
        free(c->meas[i].ms_why);
    }
    free(c->meas);
    c->meas = NULL;
    c->nmeas = 0;
}
