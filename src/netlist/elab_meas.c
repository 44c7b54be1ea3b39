/* elab_meas.c — the names a .meas PARAM expression reads, checked once the
 * top-level .params are known: an earlier measure of the same analysis, a
 * top-level .param (whose value is kept for the evaluation after the run)
 * or a constant (pi, e, temper).  Anything else is an error at the card, so
 * a typo does not wait for the simulation to surface as a failed measure. */
#include "elab_internal.h"

#include <string.h>

static int earlier_measure(const MsDeck *d, int k, const char *name)
{
    for (int j = 0; j < k; j++)
        if (d->meas[j].analysis == d->meas[k].analysis && !strcmp(d->meas[j].name, name))
            return 1;
    return 0;
}

static MsLoc at_col(const MsMeasDef *m, const MsExpr *e)
{
    MsLoc l = m->expr_loc;
    l.col += e->col;
    return l;
}

static int check_names(MsElab *el, Scope *top, int k, const MsExpr *e)
{
    MsCircuit *c = el->c;
    const MsMeasDef *m = &c->deck.meas[k];
    if (e->kind == EX_VOLT || e->kind == EX_CURR)
        return ms_err_at(el->err, MS_ERR_UNSUPPORTED, at_col(m, e),
                         "PARAM of measure '%s' reads a signal: measure it first (e.g. FIND ... AT=) and use that measure", m->name);
    if (e->kind == EX_NAME && !earlier_measure(&c->deck, k, e->name)) {
        ScopeParam *p;
        int r = ms_elab_find_param(el, top, e->name, &p);
        if (r < 0)
            return el->err->code;
        int temperature = r == 0 && (!strcmp(e->name, "temper") || !strcmp(e->name, "temp"));
        if ((r > 0 || temperature) && !ms_map_get(&c->meas_param_index, e->name, NULL)) {
            MS_RESERVE_NEXT(c->meas_param_val, c->nmeas_params);
            c->meas_param_val[c->nmeas_params] = r > 0 ? p->value : c->deck.temp;   /* (.temp, as in .param) */
            ms_map_put(&c->meas_param_index, e->name, c->nmeas_params++);
        } else if (r == 0 && !temperature && strcmp(e->name, "pi") && strcmp(e->name, "e")) {
            return ms_err_at(el->err, MS_ERR_SEMANTIC, at_col(m, e),
                             "PARAM of measure '%s': '%s' is neither an earlier .meas %s nor a top-level .param", m->name,
                             e->name, ms_meas_analysis_name(m->analysis));
        }
    }
    if (e->kind == EX_CALL) {
        double a[16] = {0}, out;
        for (int i = 0; i < 16; i++)
            a[i] = 1;
        int r = e->nargs <= 16 ? ms_builtin_call(e->name, a, e->nargs, &out) : -1;
        if (r <= 0)
            return ms_err_at(el->err, MS_ERR_SEMANTIC, at_col(m, e), "PARAM of measure '%s': %s function '%s'", m->name,
                             r == 0 ? "unknown (or user .func, not available here)" : "wrong number of arguments to", e->name);
    }
    for (int i = 0; i < e->nargs; i++) {
        int rc = check_names(el, top, k, e->args[i]);
        if (rc)
            return rc;
    }
    return MS_OK;
}

int ms_elab_meas_params(MsElab *el, Scope *top)
{
    const MsDeck *d = &el->c->deck;
    for (int k = 0; k < d->nmeas; k++)
        if (d->meas[k].kind == MS_MEAS_PARAM) {
            int rc = check_names(el, top, k, d->meas[k].expr);
            if (rc)
                return rc;
        }
    return MS_OK;
}
