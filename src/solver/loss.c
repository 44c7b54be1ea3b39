/* loss.c — see loss.h. */
#include "loss.h"
#include "meas_loss.h"
#include "param_deps.h"
#include "train_cards.h"

#include <stdlib.h>
#include <string.h>

static double pwl_at(const MsLossDef *d, double t)
{
    const double *T = d->pwl_t, *V = d->pwl_v;
    int n = d->npwl;
    if (t <= T[0])
        return V[0];
    for (int i = 1; i < n; i++)
        if (t <= T[i])
            return T[i] > T[i - 1] ? V[i - 1] + (V[i] - V[i - 1]) * (t - T[i - 1]) / (T[i] - T[i - 1]) : V[i];
    return V[n - 1];
}

static double signal(const MsSave *s, const double *x)
{
    return s->kind == MS_VEC_VOLTAGE ? x[s->a] - x[s->b] : x[s->a];
}

/* Weight of point k in term L's discrete objective. */
static double point_weight(const MsCircuit *c, const MsLossTerm *L, const MsTraj *tr, size_t k)
{
    const MsLossDef *d = L->def;
    const double *t = tr->t;
    size_t last = tr->npts - 1;
    if (d->kind == MS_LOSS_MAX)
        return tr->loss_at && k == tr->loss_at[L - c->losses];
    if (d->kind == MS_LOSS_VALUE) {
        if (d->at <= t[0])
            return k == 0;
        if (d->at >= t[last])
            return k == last;
        /* the point on each side of `at` shares the weight linearly */
        if (k < last && t[k] <= d->at && d->at < t[k + 1])
            return (t[k + 1] - d->at) / (t[k + 1] - t[k]);
        if (k > 0 && t[k - 1] <= d->at && d->at < t[k])
            return (d->at - t[k - 1]) / (t[k] - t[k - 1]);
        return 0;
    }
    double from = d->from, to = d->to >= 0 ? d->to : t[last];
    if (t[k] < from || t[k] > to)
        return 0;
    double w = 0;
    if (k > 0 && t[k - 1] >= from)
        w += 0.5 * (t[k] - t[k - 1]);
    if (k < last && t[k + 1] <= to)
        w += 0.5 * (t[k + 1] - t[k]);
    return w;
}

/* Term L's share of the objective at point k, with weight `weight`, and
 * (g not NULL) its derivative added to g. */
static double term_point(const MsCircuit *c, const MsLossTerm *L, const MsTraj *tr, size_t k, const double *x,
                         double weight, double *g)
{
    if (L->def->kind == MS_LOSS_MEAS)
        return ms_meas_loss_point(c, (int)(L - c->losses), tr, k, weight, g);
    double w = point_weight(c, L, tr, k) * weight;
    if (w == 0)
        return 0;
    double s = signal(&L->sig, x), ds = w;   /* ds = dL/ds */
    if (L->def->kind == MS_LOSS_SQERR) {
        double y = L->has_target_sig ? signal(&L->target, x) : pwl_at(L->def, tr->t[k]);
        ds = 2 * w * (s - y);
        s = (s - y) * (s - y);
        if (g && L->has_target_sig) {
            g[L->target.a] -= ds;
            if (L->target.kind == MS_VEC_VOLTAGE)
                g[L->target.b] += ds;
        }
    }
    if (g) {
        g[L->sig.a] += ds;
        if (L->sig.kind == MS_VEC_VOLTAGE)
            g[L->sig.b] -= ds;
    }
    return w * s;
}

double ms_loss_point(const MsCircuit *c, const MsTraj *tr, size_t k, const double *x, const double *weights,
                     double *g)
{
    double total = 0;
    for (int i = 0; i < c->nlosses; i++)
        total += term_point(c, &c->losses[i], tr, k, x, weights[i], g);
    if (g)
        g[0] = 0;
    return total;
}

int ms_loss_terms(const MsCircuit *c, MsTraj *tr, double *values)
{
    if (tr->every)
        return MS_ERR_ARG;
    if (!tr->loss_at)
        tr->loss_at = ms_calloc((size_t)c->nlosses + 1, sizeof *tr->loss_at);
    for (int i = 0; i < c->nlosses; i++) {
        const MsLossTerm *L = &c->losses[i];
        if (L->def->kind == MS_LOSS_MAX) {   /* the point of the maximum first: its weight depends on it */
            size_t best = 0;
            for (size_t k = 1; k < tr->npts; k++)
                if (signal(&L->sig, ms_traj_x(tr, k)) > signal(&L->sig, ms_traj_x(tr, best)))
                    best = k;
            tr->loss_at[i] = best;
        }
        values[i] = 0;
        for (size_t k = 0; k < tr->npts; k++)
            values[i] += term_point(c, L, tr, k, ms_traj_x(tr, k), 1, NULL);
    }
    return MS_OK;
}

int ms_grad_setup(MsCircuit *c, MsError *err)
{
    MsDeck *d = &c->deck;
    int nterms = d->nlosses + (d->readout ? d->readout->nsignals : 0);
    if (nterms)
        c->losses = ms_calloc((size_t)nterms, sizeof *c->losses);
    c->nlosses = nterms;
    for (int i = 0; i < d->nlosses; i++)
        c->losses[i].def = &d->losses[i];
    int rc = ms_readout_setup(c, err);
    for (int i = 0; i < nterms && rc == MS_OK; i++) {
        MsLossTerm *L = &c->losses[i];
        if (L->def->kind == MS_LOSS_MEAS)   /* ms_meas_loss_setup */
            continue;
        rc = ms_circuit_signal(c, &L->def->signal, &L->sig, err);
        if (rc == MS_OK && L->def->target.name) {
            L->has_target_sig = 1;
            rc = ms_circuit_signal(c, &L->def->target, &L->target, err);
        }
    }
    if (rc == MS_OK)
        rc = ms_inputs_setup(c, err);
    if (rc == MS_OK)
        rc = ms_trainables_setup(c, err);
    if (rc == MS_OK)
        rc = ms_pdep_setup(c, err);
    return rc ? rc : ms_meas_loss_setup(c, err);
}
