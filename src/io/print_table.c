/* print_table.c — the `.print tran|dc|ac` tables on stdout, after their
 * analysis, laid out as ngspice's batch mode lays them out: the plot name,
 * a header "Index, scale, columns" between two rules, one row per point.
 * A column is a saved vector (real; in an AC result its phasor as
 * "re, im", as ngspice prints a complex vector) or an AC form of one
 * (vdb(2): one real value).  Values carry 10 significant digits (ngspice
 * prints 6-7). */
#include "result.h"
#include "../netlist/ac_forms.h"
#include "../solver/circuit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RULE "--------------------------------------------------------------------------------\n"

static void print_value(FILE *f, const MsResult *r, int idx, size_t i, int form)
{
    size_t at = i * (size_t)r->nvec + (size_t)idx;
    double re = idx >= 0 ? r->data[at] : NAN;   /* idx < 0 cannot happen: prints are saved */
    if (!r->imag)
        fprintf(f, " % .9e", re);
    else if (form)
        fprintf(f, " % .9e", idx >= 0 ? ms_ac_form_value(form, re, r->imag[at]) : re);
    else
        fprintf(f, " % .9e, % .9e", re, idx >= 0 ? r->imag[at] : re);
}

int ms_print_table(const MsCircuit *c, const char *analysis, const MsResult *r, FILE *f)
{
    MsMeasAnalysis an = !strcmp(analysis, "dc") ? MS_MEAS_DC : !strcmp(analysis, "ac") ? MS_MEAS_AC : MS_MEAS_TRAN;
    int ncol = 0;
    for (int k = 0; k < c->nprints; k++)
        ncol += c->prints[k].analysis == an;
    if (!ncol || !r->time)
        return 0;
    int *idx = ms_malloc((size_t)c->nprints * sizeof *idx);
    fprintf(f, "\n%s\n" RULE "%-6s %-16s", r->plotname ? r->plotname : "", "Index", ms_result_scale(r));
    for (int k = 0; k < c->nprints; k++) {
        const MsPrintCol *pc = &c->prints[k];
        if (pc->analysis != an)
            continue;
        idx[k] = ms_result_find(r, c->saves[pc->save].name);
        fprintf(f, r->imag && !pc->form ? " %-34s" : " %-16s", pc->label);
    }
    fprintf(f, "\n" RULE);
    for (size_t i = 0; i < r->npts; i++) {
        fprintf(f, "%-6zu % .9e", i, r->time[i]);
        for (int k = 0; k < c->nprints; k++)
            if (c->prints[k].analysis == an)
                print_value(f, r, idx[k], i, c->prints[k].form);
        fprintf(f, "\n");
    }
    fprintf(f, "\n");
    free(idx);
    return ncol;
}
