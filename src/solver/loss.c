/* loss.c — see loss.h. */
#include "loss.h"
#include "param_deps.h"

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
static double point_weight(const MsLossTerm *L, const MsTraj *tr, size_t k)
{
    const MsLossDef *d = L->def;
    const double *t = tr->t;
    size_t last = tr->npts - 1;
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

double ms_loss_point(const MsCircuit *c, const MsTraj *tr, size_t k, const double *x, const double *weights,
                     double *g)
{
    double total = 0;
    for (int i = 0; i < c->nlosses; i++) {
        const MsLossTerm *L = &c->losses[i];
        double w = point_weight(L, tr, k) * weights[i];
        if (w == 0)
            continue;
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
        total += w * s;
        if (g) {
            g[L->sig.a] += ds;
            if (L->sig.kind == MS_VEC_VOLTAGE)
                g[L->sig.b] -= ds;
        }
    }
    if (g)
        g[0] = 0;
    return total;
}

/* The trainable value named by r: a top-level .param ("rval" or
 * "param:rval"; elaboration found which names are and rejected a bare name
 * that is an element too), an element's value ("r1"), or a named device
 * parameter ("m1:ron"). */
static int find_param(MsCircuit *c, const MsVecRef *r, MsParamRef *out, MsError *err)
{
    const char *pname = !strncmp(r->name, "param:", 6) ? r->name + 6 : r->name;
    for (int j = 0; j < c->ntrain; j++)
        if (!strcmp(c->train[j].name, pname)) {
            *out = (MsParamRef){-1, -1, -1, j, r->name};
            return MS_OK;
        }
    const char *colon = strchr(r->name, ':');
    size_t len = colon ? (size_t)(colon - r->name) : strlen(r->name);
    for (int g = 0; g < c->ngroups; g++)
        for (int i = 0; i < c->groups[g].n; i++) {
            MsInstHead *h = ms_group_inst(&c->groups[g], i);
            if (strlen(h->name) != len || strncmp(h->name, r->name, len))
                continue;
            const MsDevType *t = c->groups[g].type;
            if (colon) {
                int k = t->param_index ? t->param_index(h, colon + 1) : -1;
                if (k < 0)
                    return ms_err_at(err, MS_ERR_SEMANTIC, r->loc, "%.*s (%s) has no trainable parameter '%s'",
                                     (int)len, r->name, t->name, colon + 1);
                *out = (MsParamRef){g, i, k, -1, r->name};
                return MS_OK;
            }
            if (!t->value_ref || !t->value_ref(h))
                return ms_err_at(err, MS_ERR_SEMANTIC, r->loc, "%s (%s) has no trainable value%s", r->name, t->name,
                                 t->param_index ? ": name a parameter, e.g. m1:ron" : "");
            *out = (MsParamRef){g, i, -1, -1, r->name};
            return MS_OK;
        }
    return ms_err_at(err, MS_ERR_SEMANTIC, r->loc, ".trainable: no element or top-level .param named '%.*s'", (int)len,
                     r->name);
}

int ms_grad_setup(MsCircuit *c, MsError *err)
{
    MsDeck *d = &c->deck;
    if (d->nlosses) {
        c->losses = ms_calloc((size_t)d->nlosses, sizeof *c->losses);
        c->nlosses = d->nlosses;
    }
    for (int i = 0; i < d->nlosses; i++) {
        MsLossTerm *L = &c->losses[i];
        L->def = &d->losses[i];
        int rc = ms_circuit_signal(c, &L->def->signal, &L->sig, err);
        if (rc == MS_OK && L->def->target.name) {
            L->has_target_sig = 1;
            rc = ms_circuit_signal(c, &L->def->target, &L->target, err);
        }
        if (rc)
            return rc;
    }
    if (d->ntrainables) {
        c->params = ms_calloc((size_t)d->ntrainables, sizeof *c->params);
        c->nparams = d->ntrainables;
    }
    for (int i = 0; i < d->ntrainables; i++) {
        for (int j = 0; j < i; j++)
            if (!strcmp(d->trainables[j].name, d->trainables[i].name))
                return ms_err_at(err, MS_ERR_SEMANTIC, d->trainables[i].loc, "'%s' is listed twice in .trainable",
                                 d->trainables[i].name);
        int rc = find_param(c, &d->trainables[i], &c->params[i], err);
        if (rc)
            return rc;
    }
    return ms_pdep_setup(c, err);
}
