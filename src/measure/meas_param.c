/* meas_param.c — PARAM: an expression of the measures before it, its value and
 * (for .loss meas) its derivative through a tape. */
#include "measure_internal.h"
#include "../netlist/tape.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int lookup_measure(MsExprEnv *env, const char *name, double *v, MsError *err)
{
    const Ctx *x = env->user;
    for (int i = x->nout - 1; i >= 0; i--)
        if (!strcmp(x->out[i].name, name)) {
            if (!x->out[i].ok)
                return ms_err(err, MS_ERR_EVAL, "measure '%s' failed", name);
            *v = x->out[i].value;
            return 1;
        }
    int k;
    if (ms_map_get(&x->c->meas_param_index, name, &k)) {
        *v = x->c->meas_param_val[k];
        return 1;
    }
    return 0;
}

int ms_meas_param(const Ctx *x, const MsMeasDef *d, MsMeasure *out)
{
    MsExprEnv env = {0};
    env.lookup = lookup_measure;
    env.user = (void *)x;
    env.loc = d->expr_loc;
    env.text = d->text;
    MsError e = {0};
    double v;
    if (ms_expr_eval(d->expr, &env, &v, &e) != MS_OK)
        return ms_meas_fail(out, "%s", e.msg);
    if (!isfinite(v))
        return ms_meas_fail(out, "'%s' is not finite", d->text);
    out->value = v;
    return 1;
}

/* ---- a PARAM's derivative: its expression compiled to a tape whose
 * inputs are the measures it reads (TO_PARAM, numbered by their place in
 * out), the .params folded; d PARAM = sum of d expr / d m_i times d m_i. */

static int no_node(void *user, const char *name, int *unk, MsError *err)
{
    (void)user, (void)unk;
    return ms_err(err, MS_ERR_SEMANTIC, "a PARAM measure cannot read v(%s)", name);
}

static char *no_branch(void *user, const char *name)
{
    (void)user, (void)name;
    return NULL;
}

static int measure_input(void *user, MsExprEnv *env, const char *name, MsParamInput *in, MsError *err)
{
    (void)env, (void)err;
    const Ctx *x = user;
    for (int i = x->nout - 1; i >= 0; i--)
        if (!strcmp(x->out[i].name, name)) {
            *in = (MsParamInput){i, x->out[i].value, NULL, NULL};
            return 1;
        }
    return 0;
}

int ms_meas_param_sens(Ctx *x, const MsMeasDef *d, MsMeasure *out)
{
    MsExprEnv env = {0};
    env.lookup = lookup_measure;
    env.user = x;
    env.loc = d->expr_loc;
    env.text = d->text;
    MsCompileEnv ce = {&env, no_node, no_branch, measure_input, x};
    MsTape *t = NULL;
    MsError e = {0};
    if (ms_expr_compile(d->expr, d->text, d->expr_loc, &ce, &t, &e) != MS_OK)
        return ms_meas_fail(out, "%s", e.msg);
    double *scratch = ms_calloc(ms_tape_scratch(t) + 1, sizeof *scratch);
    double *grad = ms_calloc((size_t)t->nvars + 1, sizeof *grad), val, none = 0;
    const char *what = NULL;
    int ok = ms_tape_eval(t, &none, 0, scratch, &val, grad, &what) == MS_OK;
    if (!ok)
        ms_meas_fail(out, "'%s': %s", d->text, what ? what : "cannot be evaluated");
    for (int j = 0; ok && j < t->nvars; j++) {
        int i = t->vars[j].param;
        if (i < 0 || i >= x->nout)
            continue;
        const MsMeasGrad *gi = &x->g[i];
        for (size_t q = 0; q < gi->n; q++)
            ms_meas_sens(x, gi->e[q].sig, gi->e[q].k, grad[j] * gi->e[q].d);
    }
    free(scratch);
    free(grad);
    ms_tape_free(t);
    return ok;
}
