/* train_api.c — memspice_train.h: a network netlist as a layer, over the
 * batched engine (batch_net.h) or the per-sample path (net.h).
 *
 * A call splits the batch into chunks (MS_BATCH_CHUNK samples on the
 * batched engine, one on the per-sample path) taken in turn by worker
 * threads started for the call, as trainer.c does; each chunk writes its
 * own rows of scores/dx and its own gradient slot, and the slots are summed
 * in chunk order.  The works (one per thread) stay with the handle. */
#include "../memspice_train.h"
#include "batch_net.h"
#include "chunks.h"
#include "rng.h"
#include "../util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct MsTrainNet {
    MsNet net;
    char *path;
    int engine;
    char reason[MS_ERRMSG_MAX];
    int nthreads;             /* asked: 0 = one per core */
    int nworks;               /* works made so far */
    MsNetWork *works;         /* 64 slots */
    MsBatchWork **bworks;     /* 64 slots */
};


/* text: the netlist, path its name; NULL: read path. */
static int tnet_open(const char *path, const char *text, int engine, MsTrainNet **out, MsError *err)
{
    *out = NULL;
    if (!path || engine < MS_ENGINE_AUTO || engine > MS_ENGINE_PER_SAMPLE)
        return ms_err(err, MS_ERR_ARG, "ms_tnet_open: bad path or engine");
    MsTrainNet *t = ms_calloc(1, sizeof *t);
    t->path = ms_strdup(path);
    int rc = ms_net_open_text(t->path, text, &t->net, err);
    if (rc) {
        free(t->path);
        free(t);
        return rc;
    }
    t->engine = MS_ENGINE_PER_SAMPLE;
    if (engine != MS_ENGINE_PER_SAMPLE) {
        MsError e = {0};
        rc = ms_net_use_batched(&t->net, &e);
        if (rc == MS_OK)
            t->engine = MS_ENGINE_BATCHED;
        else if (engine == MS_ENGINE_BATCHED) {
            ms_err(err, rc, "%s", e.msg);
            ms_tnet_free(&t);
            return rc;
        } else
            snprintf(t->reason, sizeof t->reason, "%s", e.msg);
    }
    t->works = ms_calloc(MS_MAX_THREADS, sizeof *t->works);
    t->bworks = ms_calloc(MS_MAX_THREADS, sizeof *t->bworks);
    *out = t;
    return MS_OK;
}

int ms_tnet_open(const char *path, int engine, MsTrainNet **out, MsError *err)
{
    return tnet_open(path, NULL, engine, out, err);
}

int ms_tnet_open_string(const char *text, const char *name, int engine, MsTrainNet **out, MsError *err)
{
    if (!text) {
        *out = NULL;
        return ms_err(err, MS_ERR_ARG, "ms_tnet_open_string: text is NULL");
    }
    return tnet_open(name ? name : "<string>", text, engine, out, err);
}

void ms_tnet_free(MsTrainNet **tp)
{
    MsTrainNet *t = tp ? *tp : NULL;
    if (!t)
        return;
    for (int i = 0; i < t->nworks; i++) {
        if (t->works)
            ms_net_work_free(&t->works[i]);
        if (t->bworks)
            ms_batch_work_free(&t->bworks[i]);
    }
    free(t->works);
    free(t->bworks);
    ms_net_close(&t->net);
    free(t->path);
    free(t);
    *tp = NULL;
}

const char *ms_circuit_param_name(const MsCircuit *c, int k)
{
    return c && k >= 0 && k < c->nparams ? c->params[k].name : NULL;
}

const char *ms_circuit_node_name(const MsCircuit *c, int k)
{
    if (!c || k < 1 || k > c->n)
        return NULL;
    return c->unk_kind[k] == MS_UNK_NODE ? c->unk_name[k] : "";
}

int ms_circuit_train_cards(const MsCircuit *c)
{
    const MsDeck *d = &c->deck;
    return (d->ninputs ? MS_CARD_INPUT : 0) | (d->readout ? MS_CARD_READOUT : 0) |
           (d->ntrainables ? MS_CARD_TRAINABLE : 0);
}

int ms_tnet_num_inputs(const MsTrainNet *t) { return t->net.nin; }
int ms_tnet_num_classes(const MsTrainNet *t) { return t->net.nclass; }
int ms_tnet_num_params(const MsTrainNet *t) { return t->net.nparams; }
int ms_tnet_engine(const MsTrainNet *t) { return t->engine; }
const char *ms_tnet_engine_reason(const MsTrainNet *t) { return t->reason; }

const char *ms_tnet_param_name(const MsTrainNet *t, int k)
{
    return k >= 0 && k < t->net.nparams ? t->net.c->params[k].name : NULL;
}

const char *ms_tnet_input_name(const MsTrainNet *t, int i)
{
    return i >= 0 && i < t->net.nin ? t->net.c->source_name[t->net.c->inputs[i].src] : NULL;
}

void ms_tnet_get_params(const MsTrainNet *t, double *values) { ms_net_get_params(&t->net, values); }

void ms_tnet_bounds(const MsTrainNet *t, double *lo, double *hi)
{
    memcpy(lo, t->net.lo, (size_t)t->net.nparams * sizeof *lo);
    memcpy(hi, t->net.hi, (size_t)t->net.nparams * sizeof *hi);
}

void ms_tnet_scales(const MsTrainNet *t, double *scale)
{
    for (int k = 0; k < t->net.nparams; k++)
        scale[k] = t->net.scale ? t->net.scale[k] : 1;
}

int ms_tnet_set_params(MsTrainNet *t, const double *values, MsError *err)
{
    return ms_net_set_params(&t->net, values, NULL, err);
}

void ms_tnet_set_threads(MsTrainNet *t, int n) { t->nthreads = n < 0 ? 0 : n > MS_MAX_THREADS ? MS_MAX_THREADS : n; }

/* ---- a batch over the threads ---- */

typedef struct Job {
    MsTrainNet *t;
    int B, cs, nchunks;
    const double *x;
    const float *xf;          /* the trainer's float features (ms_tnet_loss), else NULL */
    uint64_t seed;
    const double *ds;
    const int *labels;
    double *scores, *loss, *slots, *dx;
} Job;

static int run_chunk(Job *j, int id, int i0, int n, double *slot, MsError *err)
{
    MsTrainNet *t = j->t;
    const MsNet *net = &t->net;
    int nin = net->nin, nc = net->nclass;
    const double *x[MS_BATCH_CHUNK];
    const float *xf[MS_BATCH_CHUNK];
    uint64_t draw[MS_BATCH_CHUNK];
    for (int q = 0; q < n; q++) {
        size_t i = (size_t)(i0 + q);
        if (j->xf)
            xf[q] = j->xf + i * (size_t)nin;
        else
            x[q] = j->x + i * (size_t)nin;
        draw[q] = ms_hash3(j->seed, MS_RNG_SPIKES, (uint64_t)i);
    }
    double *sc = j->scores + (size_t)i0 * (size_t)nc;
    if (t->engine == MS_ENGINE_BATCHED) {
        if (j->xf)
            return ms_batch_run(net->batch, t->bworks[id], n, xf, draw, j->labels + i0, sc, j->loss + i0, slot, err);
        return ms_batch_run_ds(net->batch, t->bworks[id], n, x, draw, j->ds ? j->ds + (size_t)i0 * (size_t)nc : NULL,
                               sc, slot, j->dx ? j->dx + (size_t)i0 * (size_t)nin : NULL, err);
    }
    if (j->xf)
        return ms_net_sample(net, &t->works[id], xf[0], draw[0], j->labels[i0], sc, j->loss + i0, slot, err);
    return ms_net_sample_ds(net, &t->works[id], x[0], draw[0], j->ds ? j->ds + (size_t)i0 * (size_t)nc : NULL, sc,
                            slot, j->dx ? j->dx + (size_t)i0 * (size_t)nin : NULL, err);
}

/* Chunk c of a job (ms_run_chunks). */
static int job_chunk(void *user, int thread, int c, MsError *err)
{
    Job *j = user;
    int i0 = c * j->cs, n = j->B - i0 < j->cs ? j->B - i0 : j->cs;
    MsError e = {0};
    int rc = run_chunk(j, thread, i0, n, j->slots ? j->slots + (size_t)c * (size_t)j->t->net.nparams : NULL, &e);
    return rc ? ms_err(err, rc, "sample %d of the batch: %s", i0, e.msg) : MS_OK;
}

static int run_job(Job *j, double *dparams, MsError *err)
{
    MsTrainNet *t = j->t;
    size_t np = (size_t)t->net.nparams;
    j->cs = t->engine == MS_ENGINE_BATCHED ? MS_BATCH_CHUNK : 1;
    j->nchunks = (j->B + j->cs - 1) / j->cs;
    int nt = ms_thread_count(t->nthreads);
    if (nt > j->nchunks)
        nt = j->nchunks;
    for (; t->nworks < nt; t->nworks++) {
        int rc = t->engine == MS_ENGINE_BATCHED ? ms_batch_work_new(t->net.batch, &t->bworks[t->nworks])
                                                : ms_net_work_new(&t->net, &t->works[t->nworks], err);
        if (rc)
            return rc;
    }
    j->slots = dparams ? ms_calloc((size_t)j->nchunks * np + 1, sizeof *j->slots) : NULL;
    int rc = ms_run_chunks(j->nchunks, nt, job_chunk, j, err);
    if (dparams && rc == MS_OK) {
        memset(dparams, 0, np * sizeof *dparams);
        for (int c = 0; c < j->nchunks; c++)   /* in chunk order: independent of the threads */
            for (size_t k = 0; k < np; k++)
                dparams[k] += j->slots[(size_t)c * np + k];
    }
    free(j->slots);
    return rc;
}

static int check_batch(const MsTrainNet *t, int B, const double *x, const double *scores, MsError *err)
{
    if (!t || B < 0 || (B > 0 && (!x || !scores)))
        return ms_err(err, MS_ERR_ARG, "bad batch: B = %d, or a NULL array", B);
    return MS_OK;
}

int ms_tnet_forward(MsTrainNet *t, int B, const double *x, uint64_t seed, double *scores, MsError *err)
{
    int rc = check_batch(t, B, x, scores, err);
    if (rc || B == 0)
        return rc;
    Job j = {.t = t, .B = B, .x = x, .seed = seed, .scores = scores};
    return run_job(&j, NULL, err);
}

int ms_tnet_backward(MsTrainNet *t, int B, const double *x, uint64_t seed, const double *dscores, double *scores,
                     double *dparams, double *dx, MsError *err)
{
    double *own = NULL;
    int rc = check_batch(t, B, x, x, err);
    if (rc == MS_OK && !dscores)
        rc = ms_err(err, MS_ERR_ARG, "ms_tnet_backward: dscores is NULL");
    if (rc == MS_OK && dx && t->engine == MS_ENGINE_PER_SAMPLE)
        rc = ms_net_input_rows(&t->net, err);   /* (the batched engine checks the encodings itself) */
    if (rc)
        return rc;
    if (B == 0) {
        if (dparams)
            memset(dparams, 0, (size_t)t->net.nparams * sizeof *dparams);
        return MS_OK;
    }
    if (!scores)
        scores = own = ms_malloc((size_t)B * (size_t)t->net.nclass * sizeof *own);
    Job j = {.t = t, .B = B, .x = x, .seed = seed, .ds = dscores, .scores = scores, .dx = dx};
    rc = run_job(&j, dparams, err);
    free(own);
    return rc;
}

int ms_tnet_loss(MsTrainNet *t, int B, const double *x, uint64_t seed, const int *labels, double *scores,
                 double *loss, double *dparams, MsError *err)
{
    int rc = check_batch(t, B, x, scores, err);
    if (rc == MS_OK && B > 0 && (!labels || !loss))
        rc = ms_err(err, MS_ERR_ARG, "ms_tnet_loss: labels or loss is NULL");
    for (int i = 0; rc == MS_OK && i < B; i++)
        if (labels[i] < 0 || labels[i] >= t->net.nclass)
            rc = ms_err(err, MS_ERR_ARG, "label %d of sample %d outside the %d classes of the readout", labels[i], i,
                        t->net.nclass);
    if (rc || B == 0)
        return rc;
    size_t n = (size_t)B * (size_t)t->net.nin;
    float *xf = ms_malloc((n + 1) * sizeof *xf);
    for (size_t i = 0; i < n; i++)
        xf[i] = (float)x[i];
    Job j = {.t = t, .B = B, .xf = xf, .seed = seed, .labels = labels, .scores = scores, .loss = loss};
    rc = run_job(&j, dparams, err);
    free(xf);
    return rc;
}
