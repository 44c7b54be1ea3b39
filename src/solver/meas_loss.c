/* meas_loss.c — see meas_loss.h.  The measure is taken as `memspice run`
 * takes it (measure.c, on the recorded points: the signals it reads are
 * stored per point, checkpointed runs included), with its derivative with
 * respect to each signal value it used; those become dL/dx_k, which the
 * adjoint adds at point k as it adds any other loss term's. */
#include "meas_loss.h"
#include "../io/result.h"
#include "../measure/measure.h"
#include "../util/limits.h"

#include <stdlib.h>
#include <string.h>

static const MsMeasDef *find_def(const MsCircuit *c, const char *name, int *tran_index)
{
    int t = 0;
    for (int k = 0; k < c->deck.nmeas; k++) {
        const MsMeasDef *d = &c->deck.meas[k];
        if (!strcmp(d->name, name)) {
            *tran_index = t;
            return d;
        }
        t += d->analysis == MS_MEAS_TRAN;
    }
    return NULL;
}

/* A PARAM (at any depth of the PARAMs it reads) may not read a trainable
 * .param: PARAM measures see .params as constants copied at load. */
static int check_expr(const MsCircuit *c, const MsExpr *e, const MsLossDef *l, int depth, MsError *err);

static int check_def(const MsCircuit *c, const MsMeasDef *d, const MsLossDef *l, int depth, MsError *err)
{
    if (d->kind != MS_MEAS_PARAM || depth > MS_MAX_MEASURES)
        return MS_OK;
    return check_expr(c, d->expr, l, depth + 1, err);
}

static int check_expr(const MsCircuit *c, const MsExpr *e, const MsLossDef *l, int depth, MsError *err)
{
    if (!e)
        return MS_OK;
    if (e->kind == EX_NAME) {
        int ti;
        const MsMeasDef *d = find_def(c, e->name, &ti);
        if (d)
            return check_def(c, d, l, depth, err);
        for (int j = 0; j < c->ntrain; j++)
            if (!strcmp(c->train[j].name, e->name))
                return ms_err_at(err, MS_ERR_UNSUPPORTED, l->meas.loc,
                                 "'.loss meas %s': its PARAM reads the trainable .param '%s', which PARAM measures "
                                 "take as a constant: not differentiable (write the .loss on the measures it reads)",
                                 l->meas.name, e->name);
        return MS_OK;
    }
    for (int i = 0; i < e->nargs; i++) {
        int rc = check_expr(c, e->args[i], l, depth, err);
        if (rc)
            return rc;
    }
    return MS_OK;
}

/* Adds signal r to the recorded ones (once). */
static int add_signal(MsCircuit *c, const MsVecRef *r, MsError *err)
{
    if (!r->name)
        return MS_OK;
    for (int j = 0; j < c->nmeas_sv; j++)
        if (!strcmp(c->meas_sv_ref[j]->name, r->name))
            return MS_OK;
    MsSave s;
    int rc = ms_circuit_signal(c, r, &s, err);
    if (rc)
        return rc;
    int n = c->nmeas_sv + 1;
    c->meas_sv_a = ms_realloc(c->meas_sv_a, (size_t)n * sizeof *c->meas_sv_a);
    c->meas_sv_b = ms_realloc(c->meas_sv_b, (size_t)n * sizeof *c->meas_sv_b);
    c->meas_sv_ref = ms_realloc(c->meas_sv_ref, (size_t)n * sizeof *c->meas_sv_ref);
    c->meas_sv_a[n - 1] = s.a;
    c->meas_sv_b[n - 1] = s.kind == MS_VEC_VOLTAGE ? s.b : 0;
    c->meas_sv_ref[n - 1] = r;
    c->nmeas_sv = n;
    return MS_OK;
}

int ms_meas_loss_setup(MsCircuit *c, MsError *err)
{
    int any = 0;
    for (int i = 0; i < c->nlosses; i++) {
        MsLossTerm *L = &c->losses[i];
        const MsLossDef *l = L->def;
        if (l->kind != MS_LOSS_MEAS)
            continue;
        const MsMeasDef *d = find_def(c, l->meas.name, &L->meas);
        if (!d)
            return ms_err_at(err, MS_ERR_SEMANTIC, l->meas.loc, "'.loss meas %s': no .meas named '%s'", l->meas.name,
                             l->meas.name);
        if (d->analysis != MS_MEAS_TRAN)
            return ms_err_at(err, MS_ERR_UNSUPPORTED, l->meas.loc,
                             "'.loss meas %s': a .meas %s (line %d): memspice grad differentiates the transient "
                             "(there is no DC or AC adjoint), so only a .meas tran can be a loss", l->meas.name, ms_meas_analysis_name(d->analysis),
                             d->loc.line);
        int rc = check_def(c, d, l, 0, err);
        if (rc)
            return rc;
        any = 1;
    }
    if (!any)
        return MS_OK;
    /* every .meas tran's signals: a PARAM may read any earlier measure */
    for (int k = 0; k < c->deck.nmeas; k++) {
        const MsMeasDef *d = &c->deck.meas[k];
        if (d->analysis != MS_MEAS_TRAN)
            continue;
        const MsVecRef *refs[] = {&d->sig, &d->trig.sig, &d->trig.sig2, &d->targ.sig, &d->targ.sig2};
        for (int j = 0; j < 5; j++) {
            int rc = add_signal(c, refs[j], err);
            if (rc)
                return rc;
        }
    }
    return MS_OK;
}

typedef struct Ent {
    size_t k;
    int a, b;
    double d;
} Ent;

static int by_point(const void *p, const void *q)
{
    const Ent *x = p, *y = q;
    return x->k < y->k ? -1 : x->k > y->k;
}

/* The derivative entries of one measure as (point, unknowns, d), sorted;
 * the measure's point k is the trajectory's k0 + k. */
static void fill(const MsCircuit *c, const MsMeasGrad *g, size_t k0, MsMeasLossVal *v)
{
    Ent *e = ms_malloc((g->n + 1) * sizeof *e);
    size_t n = 0;
    for (size_t q = 0; q < g->n; q++)
        for (int j = 0; j < c->nmeas_sv; j++)
            if (!strcmp(c->meas_sv_ref[j]->name, g->e[q].sig->name)) {
                e[n++] = (Ent){k0 + g->e[q].k, c->meas_sv_a[j], c->meas_sv_b[j], g->e[q].d};
                break;
            }
    qsort(e, n, sizeof *e, by_point);
    v->n = n;
    v->k = ms_malloc((n + 1) * sizeof *v->k);
    v->a = ms_malloc((n + 1) * sizeof *v->a);
    v->b = ms_malloc((n + 1) * sizeof *v->b);
    v->d = ms_malloc((n + 1) * sizeof *v->d);
    for (size_t q = 0; q < n; q++) {
        v->k[q] = e[q].k;
        v->a[q] = e[q].a;
        v->b[q] = e[q].b;
        v->d[q] = e[q].d;
    }
    free(e);
}

int ms_meas_loss_eval(const MsCircuit *c, MsTraj *tr, MsError *err)
{
    if (!c->nmeas_sv || tr->mloss)
        return MS_OK;
    /* the points `run` keeps: from the output start (tran.c's test) */
    size_t k0 = 0;
    while (k0 < tr->npts && !(tr->t[k0] >= tr->tstart * (1 - 1e-12)))
        k0++;
    if (tr->nsv != c->nmeas_sv || k0 >= tr->npts)
        return ms_err(err, MS_ERR_ARG, "%s", ".loss meas: the forward run did not record the measured signals");
    MsResult r;
    ms_result_init(&r, "grad", "Transient Analysis", c->nmeas_sv, 1);
    for (int j = 0; j < c->nmeas_sv; j++)
        r.names[j] = ms_strdup(c->meas_sv_ref[j]->name);
    for (size_t k = k0; k < tr->npts; k++)
        memcpy(ms_result_add_point(&r, tr->t[k]), tr->sv + k * (size_t)tr->nsv, (size_t)tr->nsv * sizeof(double));
    int nm = c->deck.nmeas, n = 0;
    MsMeasure *out = ms_calloc((size_t)nm + 1, sizeof *out);
    MsMeasGrad *g = ms_calloc((size_t)nm + 1, sizeof *g);
    int rc = ms_measure_grad(c, &r, out, &n, g, err);
    MsMeasLossVal *mv = ms_calloc((size_t)c->nlosses + 1, sizeof *mv);
    for (int i = 0; i < c->nlosses && rc == MS_OK; i++) {
        const MsLossTerm *L = &c->losses[i];
        if (L->def->kind != MS_LOSS_MEAS)
            continue;
        const MsMeasure *m = &out[L->meas];
        if (L->meas >= n || !m->ok) {
            rc = ms_err_at(err, MS_ERR_EVAL, L->def->loc, "'.loss meas %s': the measure failed on this run: %s",
                           L->def->meas.name, L->meas < n ? m->why : "not taken");
            break;
        }
        mv[i].value = m->value;
        fill(c, &g[L->meas], k0, &mv[i]);
    }
    tr->mloss = mv;
    tr->nmloss = c->nlosses;
    if (rc)
        ms_meas_loss_free(tr);
    ms_meas_grad_free(g, n);
    free(g);
    free(out);
    ms_result_free(&r);
    return rc;
}

double ms_meas_loss_point(const MsCircuit *c, int i, const MsTraj *tr, size_t k, double weight, double *g)
{
    if (!tr->mloss)
        return 0;
    const MsLossDef *l = c->losses[i].def;
    const MsMeasLossVal *v = &tr->mloss[i];
    double m = v->value, f = m, df = 1;
    if (l->has_meas_target) {
        f = (m - l->meas_target) * (m - l->meas_target);
        df = 2 * (m - l->meas_target);
    }
    if (g) {
        size_t lo = 0, hi = v->n;   /* the first entry at point k */
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (v->k[mid] < k)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t q = lo; q < v->n && v->k[q] == k; q++) {
            g[v->a[q]] += weight * df * v->d[q];
            g[v->b[q]] -= weight * df * v->d[q];
        }
    }
    return k == 0 ? weight * f : 0;
}

void ms_meas_loss_free(MsTraj *tr)
{
    for (int i = 0; tr->mloss && i < tr->nmloss; i++) {
        free(tr->mloss[i].k);
        free(tr->mloss[i].a);
        free(tr->mloss[i].b);
        free(tr->mloss[i].d);
    }
    free(tr->mloss);
    tr->mloss = NULL;
    tr->nmloss = 0;
}
