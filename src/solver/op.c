/* op.c — the .op analysis and recording saved vectors. */
#include "output_row.h"
#include "dcop.h"
#include "../io/result.h"
#include "../netlist/tape.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void ms_result_for_circuit(const MsCircuit *c, MsResult *r, const char *plotname, int with_time)
{
    ms_result_init(r, c->title, plotname, c->nsaves, with_time);
    for (int j = 0; j < c->nsaves; j++) {
        r->names[j] = ms_strdup(c->saves[j].name);
        r->kinds[j] = c->saves[j].kind;
    }
    if (c->faults)
        r->faults = ms_strdup(c->faults);
}

/* A {expr} vector at x: NaN where the expression is undefined (a warning
 * at the first point of each such stretch; the simulation itself is not
 * affected by what it prints). */
static double expr_value(const MsSave *s, const MsResult *r, int col, double t, const double *x)
{
    double small[64], *scratch = small, v, g_small[16], *grad = g_small;
    size_t need = ms_tape_scratch(s->tape);
    if (need > sizeof small / sizeof small[0])
        scratch = ms_malloc(need * sizeof *scratch);
    if ((size_t)s->tape->nvars > sizeof g_small / sizeof g_small[0])
        grad = ms_malloc((size_t)s->tape->nvars * sizeof *grad);
    const char *what = NULL;
    if (ms_tape_eval(s->tape, x, t, scratch, &v, grad, &what) != MS_OK) {
        v = NAN;
        if (r->npts < 2 || !isnan(r->data[(r->npts - 2) * (size_t)r->nvec + (size_t)col]))
            fprintf(stderr, "memspice: warning: %s at t=%g: %s; NaN written\n", s->name, t, what ? what : "undefined");
    }
    if (scratch != small)
        free(scratch);
    if (grad != g_small)
        free(grad);
    return v;
}

void ms_result_record(const MsCircuit *c, MsResult *r, double t, const double *x)
{
    double *row = ms_result_add_point(r, t);
    for (int j = 0; j < c->nsaves; j++) {
        const MsSave *s = &c->saves[j];
        if (s->derived == MS_SAVE_POWER)
            row[j] = c->groups[s->a].type->power(ms_group_inst(&c->groups[s->a], s->b), x);
        else if (s->derived == MS_SAVE_EXPR)
            row[j] = expr_value(s, r, j, t, x);
        else
            row[j] = s->kind == MS_VEC_VOLTAGE ? x[s->a] - x[s->b] : x[s->a];
    }
}

int ms_run_op(MsWork *w, MsResult *res, MsError *err)
{
    const MsCircuit *c = w->c;
    int rc = ms_dcop(w, 0, 1, 0, err);
    if (rc)
        return rc;
    ms_result_for_circuit(c, res, "Operating Point", 0);
    ms_result_record(c, res, 0, w->x);
    res->factorizations = w->factorizations;
    return MS_OK;
}
