/* param_deps.c — trainable .params in a loaded circuit: where each one enters the
 * equations (the terms the adjoint sums), changing one (set_param), and the
 * adjoint's dot products for them.
 *
 * A trainable .param p enters through device values computed from it
 * (MsParamDep: value v(p) as a tape) and through behavioral tapes that read
 * it.  With the adjoint weights wq, wf of a point (see adjoint.c):
 *     w . dR/dp = sum over deps  dv/dp * (w . dR/dv)      (dvalue / dparam)
 *               + sum over tapes  w . dR/dp               (dtape)
 * where dv/dp is the dep tape's forward-mode derivative, recomputed whenever
 * p changes.  An .ic value computed from p is a dep too: it enters the
 * operating point's row x_i - value = 0, or x_0 itself with uic (ms_pdep_dic). */
#include "param_deps.h"

#include <stdlib.h>
#include <string.h>

static double *dep_ref(MsCircuit *c, const MsParamDep *d)
{
    if (d->group < 0)
        return &c->ics[d->inst].value;
    const MsDevGroup *g = &c->groups[d->group];
    void *inst = ms_group_inst(g, d->inst);
    return d->k < 0 ? g->type->value_ref(inst) : g->type->param_ref(inst, d->k);
}

/* The dep's value and d value / d var at the current trainable values. */
static int dep_eval(const MsCircuit *c, MsParamDep *d, double *v, MsError *err)
{
    const MsTape *t = d->tape;
    double *S = ms_malloc((ms_tape_scratch(t) + 1) * sizeof *S), x0 = 0;
    const char *what;
    int rc = ms_tape_eval(t, &x0, 0, S, v, d->d, &what);
    free(S);
    if (rc) {
        if (d->group < 0)
            return ms_err_at(err, MS_ERR_EVAL, c->deck.ics[d->inst].loc, ".ic: %s in '%s'", what, t->text);
        const MsInstHead *h = ms_group_inst(&c->groups[d->group], d->inst);
        return ms_err_at(err, MS_ERR_EVAL, h->loc, "%s: %s in '%s'", h->name, what, t->text);
    }
    return MS_OK;
}

static void mark_initial(MsIcSink *sink, int unk, int ref, double value)
{
    (void)ref, (void)value;
    ((char *)sink->user)[unk] = 1;
}

/* With uic, devices' ic= are applied after .ic (tran.c): an .ic value on
 * an unknown a device sets is not used. */
static void mark_uic_unused(MsCircuit *c)
{
    char *set = ms_calloc((size_t)c->n + 1, 1);
    MsIcSink sink = {mark_initial, set};
    for (int g = 0; g < c->ngroups; g++)
        if (c->groups[g].type->initial)
            c->groups[g].type->initial(c->groups[g].inst, c->groups[g].n, &sink);
    for (int i = 0; i < c->ndeps; i++)
        if (c->deps[i].group < 0)
            c->deps[i].uic_unused = set[c->ics[c->deps[i].inst].unk];
    free(set);
}

int ms_pdep_setup(MsCircuit *c, MsError *err)
{
    if (!c->ntrain)
        return MS_OK;
    /* a value changed since elaboration (a memristor stuck by .options
     * memfault) is no longer computed from the parameters */
    int n = 0;
    for (int i = 0; i < c->ndeps; i++) {
        MsParamDep *d = &c->deps[i];
        if (!dep_ref(c, d)) {   /* the value stopped being trainable at setup (an inductor K couples) */
            const MsInstHead *h = ms_group_inst(&c->groups[d->group], d->inst);
            for (int j = i; j < c->ndeps; j++)
                ms_tape_free(c->deps[j].tape);
            c->ndeps = n;
            return ms_err_at(err, MS_ERR_SEMANTIC, h->loc, "%s: its value is computed from a trainable .param, "
                             "but a K element couples it (coupled inductors are not trainable)", h->name);
        }
        if (*dep_ref(c, d) != d->value) {
            ms_tape_free(d->tape);
            continue;
        }
        d->d = ms_calloc((size_t)d->tape->nvars, sizeof *d->d);
        double v;
        int rc = dep_eval(c, d, &v, err);
        c->deps[n++] = *d;
        if (rc) {
            c->ndeps = n;
            return rc;
        }
    }
    c->ndeps = n;
    mark_uic_unused(c);
    /* terms, grouped by parameter (counting sort) */
    int *count = ms_calloc((size_t)c->ntrain + 1, sizeof *count), nterms = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < c->ndeps; i++) {
            const MsTape *t = c->deps[i].tape;
            for (int v = 0; v < t->nvars; v++) {
                int j = t->vars[v].param;
                if (pass == 0)
                    count[j + 1]++;
                else
                    c->terms[count[j]++] = (MsTrainTerm){c->deps[i].group, c->deps[i].inst, i, v};
            }
        }
        for (int g = 0; g < c->ngroups; g++) {
            const MsDevGroup *gr = &c->groups[g];
            for (int i = 0; gr->type->tape && i < gr->n; i++) {
                const MsTape *t = gr->type->tape(ms_group_inst(gr, i));
                for (int v = 0; v < t->nvars; v++) {
                    int j = t->vars[v].param;
                    if (j < 0)
                        continue;
                    if (pass == 0)
                        count[j + 1]++;
                    else
                        c->terms[count[j]++] = (MsTrainTerm){g, i, -1, v};
                }
            }
        }
        if (pass == 0) {
            for (int j = 0; j < c->ntrain; j++)
                count[j + 1] += count[j];
            nterms = count[c->ntrain];
            c->term_start = ms_malloc(((size_t)c->ntrain + 1) * sizeof *c->term_start);
            memcpy(c->term_start, count, ((size_t)c->ntrain + 1) * sizeof *count);
            c->terms = ms_malloc(((size_t)nterms + 1) * sizeof *c->terms);
        }
    }
    free(count);
    return MS_OK;
}

int ms_pdep_set(MsCircuit *c, int j, double value, MsError *err)
{
    double old = c->train[j].value;
    c->train[j].value = value;
    for (int g = 0; g < c->ngroups; g++) {
        const MsDevGroup *gr = &c->groups[g];
        for (int i = 0; gr->type->tape && i < gr->n; i++)
            ms_tape_set_param(gr->type->tape(ms_group_inst(gr, i)), j, value);
    }
    for (int i = 0; i < c->ndeps; i++) {
        MsParamDep *d = &c->deps[i];
        if (!ms_tape_set_param(d->tape, j, value))
            continue;
        double v;
        int rc = dep_eval(c, d, &v, err);
        if (rc) {
            ms_pdep_set(c, j, old, NULL);   /* evaluated before: cannot fail */
            return rc;
        }
        *dep_ref(c, d) = d->value = v;
    }
    return MS_OK;
}

double ms_pdep_dot(const MsCircuit *c, int j, const MsEval *ev, const MsSourceEval *se, const double *wq,
                    const double *wf)
{
    double s = 0;
    for (int i = c->term_start[j]; i < c->term_start[j + 1]; i++) {
        const MsTrainTerm *t = &c->terms[i];
        if (t->group < 0)
            continue;   /* an .ic value: ms_pdep_dic */
        const MsDevGroup *g = &c->groups[t->group];
        const void *inst = ms_group_inst(g, t->inst);
        if (t->dep < 0) {
            s += g->type->dtape(inst, t->var, ev, se, wq, wf);
            continue;
        }
        const MsParamDep *d = &c->deps[t->dep];
        double f = d->d[t->var];
        if (f != 0)
            s += f * (d->k < 0 ? g->type->dvalue(inst, ev, se, wq, wf) : g->type->dparam(inst, d->k, ev, se, wq, wf));
    }
    return s;
}

double ms_pdep_dinitial(const MsCircuit *c, int j, const double *w)
{
    double s = 0;
    for (int i = c->term_start[j]; i < c->term_start[j + 1]; i++) {
        const MsTrainTerm *t = &c->terms[i];
        if (t->group < 0 || t->dep < 0 || c->deps[t->dep].k < 0)
            continue;
        const MsDevGroup *g = &c->groups[t->group];
        const MsParamDep *d = &c->deps[t->dep];
        if (g->type->dinitial)
            s += d->d[t->var] * g->type->dinitial(ms_group_inst(g, t->inst), d->k, w);
    }
    return s;
}

double ms_pdep_dic(const MsCircuit *c, int j, const double *w, int uic)
{
    double s = 0;
    for (int i = c->term_start[j]; i < c->term_start[j + 1]; i++) {
        const MsTrainTerm *t = &c->terms[i];
        if (t->group >= 0 || (uic && c->deps[t->dep].uic_unused))
            continue;
        s += c->deps[t->dep].d[t->var] * w[c->ics[t->inst].unk];
    }
    return s;
}

void ms_pdep_free(MsCircuit *c)
{
    for (int i = 0; i < c->ndeps; i++) {
        ms_tape_free(c->deps[i].tape);
        free(c->deps[i].d);
    }
    free(c->deps);
    free(c->train);
    free(c->terms);
    free(c->term_start);
}
