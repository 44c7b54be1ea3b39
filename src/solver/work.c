/* work.c — per-thread numeric state and source overrides. */
#include "circuit.h"
#include "klu_wrap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int ms_work_new(const MsCircuit *c, MsWork **out, MsError *err)
{
    (void)err;
    MsWork *w = ms_calloc(1, sizeof *w);
    size_t n1 = (size_t)c->n + 1, z1 = (size_t)c->nnz + 1;
    w->c = c;
    w->common = c->common;
    double **vecs[] = {&w->x, &w->x_prev, &w->f, &w->q, &w->f_prev, &w->q_prev, &w->b, &w->rhs, &w->dx};
    for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++)
        *vecs[i] = ms_calloc(n1, sizeof(double));
    w->G = ms_calloc(z1, sizeof *w->G);
    w->C = ms_calloc(z1, sizeof *w->C);
    w->J = ms_calloc(z1, sizeof *w->J);
    w->state = ms_calloc((size_t)c->nstate + 1, sizeof *w->state);
    w->scratch = ms_calloc(c->nscratch + 1, sizeof *w->scratch);
    w->override = ms_calloc((size_t)c->nsources + 1, sizeof *w->override);
    w->loss_weight = ms_calloc((size_t)c->nlosses + 1, sizeof *w->loss_weight);
    for (int i = 0; i < c->nlosses; i++)
        w->loss_weight[i] = c->losses[i].def->weight;
    w->owned = ms_calloc((size_t)c->nsources + 1, sizeof *w->owned);
    w->ac_over = ms_calloc((size_t)c->nsources + 1, sizeof *w->ac_over);
    *out = w;
    return MS_OK;
}

void ms_work_free(MsWork **wp)
{
    MsWork *w = *wp;
    if (!w)
        return;
    ms_klu_free(w);
    ms_grad_release(w);
    free(w->x), free(w->x_prev), free(w->f), free(w->q), free(w->f_prev), free(w->q_prev);
    free(w->b), free(w->rhs), free(w->dx), free(w->G), free(w->C), free(w->J), free(w->state), free(w->scratch);
    for (int i = 0; i < w->c->nsources; i++)
        ms_wave_free(&w->owned[i]);
    free(w->owned);
    free(w->ac_over);
    free(w->loss_weight);
    free(w->override);
    free(w);
    *wp = NULL;
}

void ms_work_set_progress(MsWork *w, MsProgressFn fn, void *user)
{
    w->progress = fn;
    w->progress_user = user;
}

void ms_work_set_max_steps(MsWork *w, long n) { w->max_steps = n > 0 ? n : 0; }

static int find_source(MsWork *w, const char *name, MsError *err)
{
    for (int i = 0; i < w->c->nsources; i++)
        if (!strcmp(w->c->source_name[i], name))
            return i;
    return ms_err(err, MS_ERR_ARG, "no independent source named '%s'", name);
}

void ms_work_source_dc(MsWork *w, int id, double value)
{
    MsWave *o = &w->owned[id];
    ms_wave_free(o);
    memset(o, 0, sizeof *o);
    o->kind = WF_DC;
    o->dc = value;
    o->has_dc = 1;
    w->override[id] = o;
}

void ms_work_source_pwl(MsWork *w, int id, int n, const double *t, const double *v)
{
    MsWave *o = &w->owned[id];
    ms_wave_free(o);
    memset(o, 0, sizeof *o);
    o->kind = WF_PWL;
    o->repeat = -1;
    o->npts = n;
    o->t = ms_malloc((size_t)n * sizeof *o->t);
    o->v = ms_malloc((size_t)n * sizeof *o->v);
    memcpy(o->t, t, (size_t)n * sizeof *t);
    memcpy(o->v, v, (size_t)n * sizeof *v);
    w->override[id] = o;
}

int ms_work_set_source_dc(MsWork *w, const char *name, double value, MsError *err)
{
    int id = find_source(w, name, err);
    if (id < 0)
        return id;
    ms_work_source_dc(w, id, value);
    return MS_OK;
}

int ms_work_set_source_pwl(MsWork *w, const char *name, int n, const double *t, const double *v,
                           MsError *err)
{
    int id = find_source(w, name, err);
    if (id < 0)
        return id;
    if (n < 1)
        return ms_err(err, MS_ERR_ARG, "PWL override of '%s' needs at least one point", name);
    for (int i = 1; i < n; i++)
        if (!(t[i] > t[i - 1]))
            return ms_err(err, MS_ERR_ARG, "PWL override of '%s': times must increase", name);
    ms_work_source_pwl(w, id, n, t, v);
    return MS_OK;
}

int ms_work_set_source_ac(MsWork *w, const char *name, double mag, double phase, MsError *err)
{
    int id = find_source(w, name, err);
    if (id < 0)
        return id;
    if (!isfinite(mag) || !isfinite(phase))
        return ms_err(err, MS_ERR_ARG, "AC phasor of '%s': magnitude and phase must be finite", name);
    w->ac_over[id] = (MsWave){.ac_mag = mag, .ac_phase = phase, .has_ac = 1};
    return MS_OK;
}

void ms_work_clear_sources(MsWork *w)
{
    for (int i = 0; i < w->c->nsources; i++) {
        w->override[i] = NULL;
        w->ac_over[i].has_ac = 0;
    }
}
