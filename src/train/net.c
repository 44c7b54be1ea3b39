/* net.c — see net.h.
 *
 * A sample's loss depends on its forward result (softmax cross-entropy of
 * the readout), so a sample is: forward run, recorded; the readout terms'
 * values on it; scores s_k = gain * reduce_k; dL/ds; then the adjoint with
 * the readout terms weighted by dL/ds_k * ds_k/dterm_k.  The scores are
 * linear in the terms, so this is the exact gradient of L(s(x(p))). */
#include "net.h"
#include "batch_net.h"
#include "rng.h"
#include "../devices/waveform.h"
#include "../solver/loss.h"
#include "../util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int check_cards(const MsNet *net, MsError *err)
{
    const MsCircuit *c = net->c;
    const char *f = net->path;
    if (!c->deck.readout)
        return ms_err(err, MS_ERR_SEMANTIC, "%s: no .readout card: which signals are the class scores?", f);
    if (!c->ninputs)
        return ms_err(err, MS_ERR_SEMANTIC, "%s: no .input card: which sources carry the features?", f);
    if (c->nreadout > 256)
        return ms_err(err, MS_ERR_UNSUPPORTED, "%s: .readout with %d classes (at most 256)", f, c->nreadout);
    if (!c->nparams)
        return ms_err(err, MS_ERR_SEMANTIC, "%s: no .trainable card: nothing to train", f);
    if (!c->has_tran || c->tran.tstep <= 0)
        return ms_err(err, MS_ERR_SEMANTIC, "%s: no .tran card: training needs the window and step (.tran TSTEP TSTOP uic)", f);
    double n = (c->tran.tstop - c->tran.tstart) / c->tran.tstep;
    if (c->tran.tstart != 0)
        return ms_err(err, MS_ERR_UNSUPPORTED, "%s: .tran with a start time: training windows start at 0", f);
    if (!(n >= 1 && n <= 1e6) || fabs(n - round(n)) > 1e-9 * n)
        return ms_err(err, MS_ERR_SEMANTIC, "%s: .tran: the window %g s must be a whole number (1 to 1e6) of steps of %g s",
                      f, c->tran.tstop, c->tran.tstep);
    return MS_OK;
}

int ms_net_open(const char *path, MsNet *net, MsError *err) { return ms_net_open_text(path, NULL, net, err); }

int ms_net_open_text(const char *path, const char *text, MsNet *net, MsError *err)
{
    memset(net, 0, sizeof *net);
    net->path = path;
    int rc = text ? ms_circuit_load_string(text, path, &net->c, err) : ms_circuit_load(path, &net->c, err);
    if (rc == MS_OK)
        rc = check_cards(net, err);
    if (rc) {
        ms_net_close(net);
        return rc;
    }
    MsCircuit *c = net->c;
    net->nin = c->ninputs;
    net->nclass = c->nreadout;
    net->nparams = c->nparams;
    net->spec = c->tran;
    net->spec.fixed_step = 1;
    net->nsteps = (int)lround(c->tran.tstop / c->tran.tstep);
    net->lo = ms_malloc((size_t)net->nparams * sizeof *net->lo);
    net->hi = ms_malloc((size_t)net->nparams * sizeof *net->hi);
    net->scale = ms_malloc(((size_t)net->nparams + 1) * sizeof *net->scale);
    for (int k = 0; k < net->nparams; k++) {
        net->lo[k] = c->params[k].lo;
        net->hi[k] = c->params[k].hi;
        net->scale[k] = c->params[k].scale;
    }
    net->tgrid = ms_malloc(((size_t)net->nsteps + 1) * sizeof *net->tgrid);
    for (int k = 0; k <= net->nsteps; k++)   /* the fixed-step transient's points: the last is tstop */
        net->tgrid[k] = k == net->nsteps ? c->tran.tstop : k * c->tran.tstep;
    return MS_OK;
}

void ms_net_close(MsNet *net)
{
    ms_batch_free(&net->batch);
    ms_circuit_free(&net->c);
    free(net->lo);
    free(net->hi);
    free(net->scale);
    free(net->tgrid);
    free(net->in_ptr);
    free(net->in_row);
    free(net->in_coef);
    memset(net, 0, sizeof *net);
}

int ms_net_work_new(const MsNet *net, MsNetWork *nw, MsError *err)
{
    memset(nw, 0, sizeof *nw);
    int rc = ms_work_new(net->c, &nw->w, err);
    if (rc)
        return rc;
    ms_work_set_checkpoint(nw->w, 0);   /* the readout is read off every point */
    nw->terms = ms_calloc((size_t)net->c->nlosses + 1, sizeof *nw->terms);
    nw->pwl = ms_calloc((size_t)net->nsteps + 1, sizeof *nw->pwl);
    nw->wf_sum = ms_calloc((size_t)net->c->n + 1, sizeof *nw->wf_sum);
    return MS_OK;
}

void ms_net_work_free(MsNetWork *nw)
{
    ms_work_free(&nw->w);
    free(nw->terms);
    free(nw->pwl);
    free(nw->wf_sum);
    memset(nw, 0, sizeof *nw);
}

/* features as floats (x) or doubles (xd) */
double ms_net_input_value(const MsNet *net, int i, double f, uint64_t draw, int k)
{
    const MsInputDef *d = net->c->inputs[i].def;
    int N = net->nsteps;
    switch (d->encoding) {
    case MS_ENC_RATE:   /* a spike at step k with probability f */
        return ms_uniform3(draw, MS_RNG_SPIKES, (uint64_t)i * (uint64_t)(N + 1) + (uint64_t)k) < f ? d->scale : 0;
    case MS_ENC_LATENCY: {   /* one spike, earlier for a larger feature */
        long at = f > 0 ? 1 + lround((1 - fmin(f, 1)) * (N - 1)) : -1;
        return k == at ? d->scale : 0;
    }
    default:
        return d->scale * f;
    }
}

static void encode(const MsNet *net, MsNetWork *nw, const float *x, const double *xd, uint64_t draw)
{
    int N = net->nsteps;
    for (int i = 0; i < net->nin; i++) {
        const MsInputRef *in = &net->c->inputs[i];
        double f = x ? (double)x[i] : xd[i];
        if (in->def->encoding == MS_ENC_ANALOG) {
            ms_work_source_dc(nw->w, in->src, ms_net_input_value(net, i, f, draw, 0));
            continue;
        }
        for (int k = 0; k <= N; k++)   /* a PWL through the step points */
            nw->pwl[k] = ms_net_input_value(net, i, f, draw, k);
        ms_work_source_pwl(nw->w, in->src, N + 1, net->tgrid, nw->pwl);
    }
}

void ms_net_encode(const MsNet *net, MsNetWork *nw, const float *x, uint64_t draw)
{
    encode(net, nw, x, NULL, draw);
}

double ms_net_loss(const MsNet *net, const double *s, int label, double *ds)
{
    const MsReadoutDef *r = net->c->deck.readout;
    int n = net->nclass;
    double loss = 0;
    if (r->loss == MS_READOUT_MSE) {
        for (int k = 0; k < n; k++) {
            double e = s[k] - (k == label ? r->target : 0);
            loss += e * e;
            if (ds)
                ds[k] = 2 * e;
        }
        return loss;
    }
    double mx = s[0], z = 0;
    for (int k = 1; k < n; k++)
        mx = fmax(mx, s[k]);
    for (int k = 0; k < n; k++)
        z += exp(s[k] - mx);
    for (int k = 0; k < n && ds; k++)
        ds[k] = exp(s[k] - mx) / z - (k == label);
    return mx + log(z) - s[label];
}

int ms_net_argmax(const MsNet *net, const double *s)
{
    int best = 0;
    for (int k = 1; k < net->nclass; k++)
        if (s[k] > s[best])
            best = k;
    return best;
}

/* d score_k / d term_k */
static double score_per_term(const MsNet *net)
{
    const MsReadoutDef *r = net->c->deck.readout;
    return r->gain * (r->reduce == MS_REDUCE_MEAN ? 1 / net->c->tran.tstop : 1);
}

/* The recorded forward run of the encoded sample and its scores. */
static int forward_scores(const MsNet *net, MsNetWork *nw, double *scores, MsError *err)
{
    MsResult res;
    int rc = ms_grad_forward(nw->w, &net->spec, &res, err);
    if (rc == MS_OK)
        ms_result_free(&res);
    if (rc == MS_OK)
        rc = ms_grad_terms(nw->w, nw->terms, err);
    double k = score_per_term(net);
    for (int j = 0; rc == MS_OK && j < net->nclass; j++)
        scores[j] = k * nw->terms[net->c->readout0 + j];
    return rc;
}

/* The adjoint of that run with the readout terms weighted by ds = dL/dscore
 * (or just the release of the recording, grad and wf_sum NULL). */
static int backward_ds(const MsNet *net, MsNetWork *nw, const double *ds, double *grad, double *wf_sum,
                       MsError *err)
{
    const MsCircuit *c = net->c;
    MsWork *w = nw->w;
    int rc = MS_OK;
    if (grad || wf_sum) {
        double k = score_per_term(net), weighted;
        double *g = grad ? grad : ms_malloc(((size_t)c->nparams + 1) * sizeof *g);
        for (int j = 0; j < c->nlosses; j++)
            w->loss_weight[j] = 0;   /* .loss cards do not count in training */
        for (int j = 0; j < net->nclass; j++)
            w->loss_weight[c->readout0 + j] = ds[j] * k;
        rc = ms_grad_backward_wf(w, &weighted, g, wf_sum, err);
        if (!grad)
            free(g);
    }
    ms_grad_release(w);
    return rc;
}

/* b of the source groups with every source's level 0 but src's, 1: the
 * derivative of b in src's level (b is linear in each level). */
static void unit_excitation(const MsCircuit *c, int src, const MsWave **waves, const MsWave *unit, double *b)
{
    const MsWave *was = waves[src];
    waves[src] = unit;
    memset(b, 0, ((size_t)c->n + 1) * sizeof *b);
    MsSourceEval se = {0, 1, 1, waves, 0, NULL};
    for (int g = 0; g < c->ngroups; g++)
        if ((c->groups[g].type->flags & MS_DEV_SOURCE) && c->groups[g].type->load_sources)
            c->groups[g].type->load_sources(c->groups[g].inst, c->groups[g].n, &se, b);
    waves[src] = was;
}

static int check_analog(const MsNet *net, MsError *err)
{
    for (int i = 0; i < net->nin; i++)
        if (net->c->inputs[i].def->encoding != MS_ENC_ANALOG)
            return ms_err(err, MS_ERR_UNSUPPORTED,
                          "%s: dL/dinput needs encoding=analog inputs; input %d (%s) is %s coded, and spikes do not "
                          "depend differentiably on the feature",
                          net->path, i, net->c->source_name[net->c->inputs[i].src],
                          net->c->inputs[i].def->encoding == MS_ENC_RATE ? "rate" : "latency");
    return MS_OK;
}

int ms_net_input_rows(MsNet *net, MsError *err)
{
    int rc = check_analog(net, err);
    if (rc || net->in_ptr)
        return rc;
    const MsCircuit *c = net->c;
    MsWave zero = {.kind = WF_DC, .has_dc = 1}, unit = {.kind = WF_DC, .dc = 1, .has_dc = 1};
    const MsWave **waves = ms_malloc(((size_t)c->nsources + 1) * sizeof *waves);
    double *b = ms_malloc(((size_t)c->n + 1) * sizeof *b);
    for (int s = 0; s < c->nsources; s++)
        waves[s] = &zero;
    net->in_ptr = ms_calloc((size_t)net->nin + 1, sizeof *net->in_ptr);
    int nnz = 0;
    for (int i = 0; i < net->nin; i++) {
        unit_excitation(c, c->inputs[i].src, waves, &unit, b);
        for (int r = 1; r <= c->n; r++) {
            if (b[r] == 0)
                continue;
            MS_RESERVE_NEXT(net->in_row, nnz);
            MS_RESERVE_NEXT(net->in_coef, nnz);
            net->in_row[nnz] = r;
            net->in_coef[nnz++] = b[r];
        }
        net->in_ptr[i + 1] = nnz;
    }
    free(waves);
    free(b);
    return MS_OK;
}

/* dx[i] = d level_i / d x_i * (wf_sum . d b / d level_i), analog inputs
 * (level = scale x, the same at every point). */
static void input_grad(const MsNet *net, const double *wf_sum, double *dx)
{
    for (int i = 0; i < net->nin; i++) {
        double s = 0;
        for (int p = net->in_ptr[i]; p < net->in_ptr[i + 1]; p++)
            s += net->in_coef[p] * wf_sum[net->in_row[p]];
        dx[i] = net->c->inputs[i].def->scale * s;
    }
}

int ms_net_sample(const MsNet *net, MsNetWork *nw, const float *x, uint64_t draw, int label, double *scores,
                  double *loss, double *grad, MsError *err)
{
    if (label < 0 || label >= net->nclass)
        return ms_err(err, MS_ERR_ARG, "label %d outside the %d classes of the readout", label, net->nclass);
    ms_net_encode(net, nw, x, draw);
    double ds[256];
    int rc = forward_scores(net, nw, scores, err);
    if (rc)
        return rc;
    *loss = ms_net_loss(net, scores, label, ds);
    return backward_ds(net, nw, ds, grad, NULL, err);
}

int ms_net_sample_ds(const MsNet *net, MsNetWork *nw, const double *x, uint64_t draw, const double *ds,
                     double *scores, double *grad, double *dx, MsError *err)
{
    if ((grad || dx) && !ds)
        return ms_err(err, MS_ERR_ARG, "ms_net_sample_ds: a gradient needs dL/dscore");
    if (dx && !net->in_ptr)
        return ms_err(err, MS_ERR_ARG, "ms_net_sample_ds: dL/dx needs ms_net_input_rows first");
    encode(net, nw, NULL, x, draw);
    int rc = forward_scores(net, nw, scores, err);
    if (rc == MS_OK)
        rc = backward_ds(net, nw, ds, grad, dx ? nw->wf_sum : NULL, err);
    if (rc == MS_OK && dx)
        input_grad(net, nw->wf_sum, dx);
    return rc;
}

int ms_net_use_batched(MsNet *net, MsError *err)
{
    return ms_batch_compile(net, &net->batch, err);
}

int ms_net_step_params(MsNet *net, const double *params, const unsigned char *skip, MsError *err)
{
    if (!net->batch)
        return ms_net_set_params(net, params, skip, err);
    ms_batch_set_params(net->batch, params, skip);
    return MS_OK;
}

int ms_net_set_params(MsNet *net, const double *params, const unsigned char *skip, MsError *err)
{
    int rc = ms_circuit_set_params(net->c, params, skip, err);
    if (net->batch)
        ms_batch_sync(net->batch);
    return rc;
}

void ms_net_get_params(const MsNet *net, double *params)
{
    for (int k = 0; k < net->nparams; k++)
        params[k] = ms_circuit_get_param(net->c, k);
}
