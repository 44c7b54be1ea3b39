/* trainer.c — see trainer.h. */
#include "trainer.h"
#include "augment.h"
#include "batch_net.h"
#include "chunks.h"
#include "cell_faults.h"
#include "rng.h"
#include "train_plot.h"
#include "writeback.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void ms_train_opts_default(MsTrainOpts *o)
{
    memset(o, 0, sizeof *o);
    o->epochs = 10;
    o->batch = 32;
    o->threads = 0;
    o->opt = (MsOptim){.kind = MS_OPT_ADAM, .lr = 1e-2, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .momentum = 0.9,
                       .schedule = MS_SCHED_CONST, .lr_min = 0, .step_every = 10, .gamma = 0.5};
    o->seed = 1;
    o->sa1 = 0.5;
    o->plots = 1;
}

/* ---- one batch of samples over the worker threads ---- */

/* Samples go through the circuit in chunks: one sample each on the
 * per-sample path, MS_BATCH_CHUNK on the batched engine.  Each chunk's
 * gradient has its own slot, summed in chunk order. */
typedef struct Batch {
    MsNet *net;
    MsNetWork *works;
    MsBatchWork **bworks;
    const MsDataset *d;
    const int *idx;           /* dataset rows of the batch */
    int n;
    uint64_t draw_seed;       /* spikes: hash(draw_seed, row) */
    int want_grad;
    double *grads;            /* one slot of nparams per chunk */
    double *loss;             /* n */
    int *pred;                /* n */
    float *xbuf;              /* per thread chunk * nfeat: shifted or noisy inputs */
    double input_noise;
    int rank, size;           /* MPI: this process computes the chunks c % size == rank */
    int shift, epoch;         /* training only: shift by up to `shift` pixels, drawn for this epoch */
    uint64_t seed;            /* ... from this seed (augment.h) */
} Batch;

static int chunk_size(const MsNet *net) { return net->batch ? MS_BATCH_CHUNK : 1; }

/* Sample `row`'s features: the one place both engines get them, so both see
 * the same shifted or noisy image (a copy in slot q of thread id). */
static const float *sample_x(Batch *b, int id, int q, int row)
{
    const float *x = b->d->x + (size_t)row * (size_t)b->d->nfeat;
    if (b->input_noise <= 0 && b->shift <= 0)
        return x;
    float *y = b->xbuf + ((size_t)id * (size_t)chunk_size(b->net) + (size_t)q) * (size_t)b->d->nfeat;
    if (b->shift > 0) {
        int dx, dy;
        ms_augment_draw(b->seed, b->epoch, row, b->shift, &dx, &dy);
        ms_augment_shift(x, y, b->d->rows, b->d->cols, dx, dy);
        x = y;   /* noise, if any, then flips the shifted pixels in place */
    }
    for (int i = 0; i < b->d->nfeat && b->input_noise > 0; i++) {   /* flip binary pixels */
        int on = x[i] >= 0.5f;
        if (ms_uniform3(b->draw_seed, MS_RNG_INPUT_NOISE, (uint64_t)row * (uint64_t)b->d->nfeat + (uint64_t)i) <
            b->input_noise)
            on = !on;
        y[i] = on ? 1.0f : 0.0f;
    }
    return y;
}

static int run_chunk(Batch *b, int id, int i0, int n, double *scores, double *grad, MsError *err)
{
    const float *x[MS_BATCH_CHUNK];
    uint64_t draw[MS_BATCH_CHUNK];
    int label[MS_BATCH_CHUNK];
    for (int q = 0; q < n; q++) {
        int row = b->idx[i0 + q];
        x[q] = sample_x(b, id, q, row);
        draw[q] = ms_hash3(b->draw_seed, MS_RNG_SPIKES, (uint64_t)row);
        label[q] = b->d->y[row];
    }
    if (b->net->batch)
        return ms_batch_run(b->net->batch, b->bworks[id], n, x, draw, label, scores, b->loss + i0, grad, err);
    return ms_net_sample(b->net, &b->works[id], x[0], draw[0], label[0], scores, b->loss + i0, grad, err);
}

/* Chunk c of a batch (ms_run_chunks): its losses, predictions and gradient slot. */
static int batch_chunk(void *user, int thread, int c, MsError *err)
{
    Batch *b = user;
    if (b->size > 1 && c % b->size != b->rank)
        return MS_OK;   /* another rank's chunk */
    int cs = chunk_size(b->net), nc = b->net->nclass, i0 = c * cs, n = b->n - i0 < cs ? b->n - i0 : cs;
    double scores[MS_BATCH_CHUNK * 256];   /* (at most 256 classes: net.c) */
    MsError e = {0};
    int rc = run_chunk(b, thread, i0, n, scores, b->want_grad ? b->grads + (size_t)c * (size_t)b->net->nparams : NULL,
                       &e);
    if (rc)
        return ms_err(err, rc, "samples %d.. of the data set: %s", b->idx[i0], e.msg);
    for (int q = 0; q < n; q++)
        b->pred[i0 + q] = ms_net_argmax(b->net, scores + (size_t)q * (size_t)nc);
    return MS_OK;
}

static int run_batch(Batch *b, int nthreads, MsError *err)
{
    int cs = chunk_size(b->net);
    return ms_run_chunks((b->n + cs - 1) / cs, nthreads, batch_chunk, b, err);
}

/* Several processes: before a batch, zero what this rank will not compute;
 * after it, gathering the chunks from the ranks that computed them (copies,
 * or an exact sum with zeros: train_mpi.h) gives every rank every chunk's
 * gradient slot, loss and prediction, as one process has them. */
static void dist_clear(const MsDist *dist, double *grads, size_t ng, double *loss, int *pred, int n)
{
    if (!ms_dist_active(dist))
        return;
    if (grads)
        memset(grads, 0, ng * sizeof *grads);
    memset(loss, 0, (size_t)n * sizeof *loss);
    memset(pred, 0, (size_t)n * sizeof *pred);
}

static int dist_share(const MsDist *dist, double *grads, int np, int cs, double *loss, int *pred, int n, MsError *err)
{
    if (!ms_dist_active(dist))
        return MS_OK;
    int nc = (n + cs - 1) / cs;
    double *buf = ms_calloc(2 * (size_t)nc * (size_t)cs + 1, sizeof *buf);   /* per chunk: cs losses, cs predictions */
    for (int i = 0; i < n; i++)
        buf[(size_t)(i / cs) * 2 * (size_t)cs + (size_t)(i % cs)] = loss[i],
        buf[(size_t)(i / cs) * 2 * (size_t)cs + (size_t)cs + (size_t)(i % cs)] = pred[i];
    int rc = grads ? ms_dist_gather(dist, grads, nc, (size_t)np, err) : MS_OK;
    if (rc == MS_OK)
        rc = ms_dist_gather(dist, buf, nc, 2 * (size_t)cs, err);
    for (int i = 0; i < n && rc == MS_OK; i++)
        loss[i] = buf[(size_t)(i / cs) * 2 * (size_t)cs + (size_t)(i % cs)],
        pred[i] = (int)buf[(size_t)(i / cs) * 2 * (size_t)cs + (size_t)cs + (size_t)(i % cs)];
    free(buf);
    return rc;
}

/* ---- shared set-up of a training or evaluation pass ---- */

typedef struct Pass {
    MsNetWork *works;
    MsBatchWork **bworks;
    int nthreads;
    float *xbuf;
} Pass;

static int pass_open(MsNet *net, int threads, int nfeat, Pass *p, MsError *err)
{
    p->nthreads = ms_thread_count(threads);
    p->works = ms_calloc((size_t)p->nthreads, sizeof *p->works);
    p->bworks = ms_calloc((size_t)p->nthreads, sizeof *p->bworks);
    p->xbuf = ms_calloc((size_t)p->nthreads * (size_t)chunk_size(net) * (size_t)nfeat + 1, sizeof *p->xbuf);
    for (int t = 0; t < p->nthreads; t++) {
        int rc = net->batch ? ms_batch_work_new(net->batch, &p->bworks[t]) : ms_net_work_new(net, &p->works[t], err);
        if (rc)
            return rc;
    }
    return MS_OK;
}

static void pass_close(Pass *p)
{
    for (int t = 0; t < p->nthreads; t++) {
        if (p->works)
            ms_net_work_free(&p->works[t]);
        if (p->bworks)
            ms_batch_work_free(&p->bworks[t]);
    }
    free(p->works);
    free(p->bworks);
    free(p->xbuf);
}

int ms_train_check_split(const MsTrainOpts *o, const MsDataset *train, MsError *err)
{
    int nused = ms_train_limited(o->train_limit, train->n);
    if (o->val >= nused)
        return ms_err(err, MS_ERR_ARG, "--val %d: the training set has only %d samples (--train-limit included)",
                      o->val, nused);
    return ms_augment_check(o->augment_shift, train, err);
}

int ms_train_check_data(const MsNet *net, const MsDataset *d, const char *what, MsError *err)
{
    if (d->nfeat != net->nin)
        return ms_err(err, MS_ERR_SEMANTIC, "%s set: %d features per sample, but %s has %d .input sources", what, d->nfeat,
                      net->path, net->nin);
    for (int i = 0; i < d->n; i++)
        if (d->y[i] >= net->nclass)
            return ms_err(err, MS_ERR_SEMANTIC, "%s set: sample %d has label %d, but %s's .readout has %d classes", what, i,
                          d->y[i], net->path, net->nclass);
    return MS_OK;
}

/* ---- evaluation ---- */

int ms_train_evaluate(MsNet *net, const MsDataset *d, const MsEvalOpts *e, MsTrainProgressFn progress, void *user,
                      double *acc, double *loss, MsError *err)
{
    int rc = ms_train_check_data(net, d, "test", err);
    if (rc)
        return rc;
    int n = ms_train_limited(e->limit, d->n), np = net->nparams;
    double *saved = ms_malloc(((size_t)np + 1) * sizeof *saved);
    double *noisy = ms_malloc(((size_t)np + 1) * sizeof *noisy);
    unsigned char *stuck = ms_calloc((size_t)np + 1, 1);
    ms_net_get_params(net, saved);
    memcpy(noisy, saved, (size_t)np * sizeof *noisy);
    if (e->program_noise > 0)
        ms_cells_program_noise(net, noisy, e->program_noise, e->fault_seed);
    rc = ms_net_set_params(net, noisy, NULL, err);
    if (rc == MS_OK && e->faults > 0)
        ms_cells_stick(net, e->faults, e->sa1, e->fault_seed, stuck);
    Pass p = {0};
    if (rc == MS_OK)
        rc = pass_open(net, e->threads, d->nfeat, &p, err);
    int *idx = ms_malloc(((size_t)n + 1) * sizeof *idx);
    for (int i = 0; i < n; i++)
        idx[i] = i;
    double *losses = ms_malloc(((size_t)n + 1) * sizeof *losses);
    int *pred = ms_malloc(((size_t)n + 1) * sizeof *pred);
    long correct = 0;
    double lsum = 0, t0 = now();
    const MsDist *dist = e->dist;
    int nr = ms_dist_active(dist) ? dist->size : 1, rank = ms_dist_active(dist) ? dist->rank : 0;
    /* several ranks: the same batches on all (not from their thread counts), 16 chunks per rank */
    int chunk = (nr > 1 ? 16 * nr : 8 * p.nthreads) * chunk_size(net);
    for (int s = 0; s < n && rc == MS_OK; s += chunk) {
        Batch b = {net, p.works, p.bworks, d, idx + s, n - s < chunk ? n - s : chunk, e->seed, 0, NULL, losses + s,
                   pred + s, p.xbuf, e->input_noise, rank, nr, 0, 0, 0};   /* never augmented */
        dist_clear(dist, NULL, 0, losses + s, pred + s, b.n);
        rc = run_batch(&b, p.nthreads, err);
        if (rc == MS_OK)
            rc = dist_share(dist, NULL, np, chunk_size(net), losses + s, pred + s, b.n, err);
        for (int i = s; i < s + b.n && rc == MS_OK; i++) {
            correct += pred[i] == d->y[i];
            lsum += losses[i];
        }
        if (progress && rc == MS_OK) {
            long done = s + b.n;
            double el = now() - t0;
            MsTrainTick t = {"test", 0, 0, done, n, lsum / (double)done, (double)correct / (double)done,
                             (double)done / el, el / (double)done * (double)(n - done)};
            progress(&t, user);
        }
    }
    *acc = n ? (double)correct / n : NAN;
    *loss = n ? lsum / n : NAN;
    pass_close(&p);
    ms_cells_unstick(net, stuck);
    int rc2 = ms_net_set_params(net, saved, NULL, rc ? NULL : err);
    free(saved), free(noisy), free(stuck), free(idx), free(losses), free(pred);
    if (rc)   /* a sample failed on this rank: the others wait for it */
        ms_dist_abort(dist, err);
    return rc ? rc : rc2;
}

/* ---- the training loop ---- */

static char *config_text(const MsTrainOpts *o, const char *netlist)
{
    /* augment_shift only when set: checkpoints from before --augment still match */
    char aug[48] = "";
    if (o->augment_shift > 0)
        snprintf(aug, sizeof aug, "augment_shift=%d\n", o->augment_shift);
    return ms_asprintf("netlist=%s\nbatch=%d\noptimizer=%s\nlr=%.17g\nbeta1=%.17g\nbeta2=%.17g\neps=%.17g\n"
                       "momentum=%.17g\nweight_decay=%.17g\nschedule=%d\nlr_min=%.17g\nstep_every=%d\ngamma=%.17g\n"
                       "seed=%llu\ntrain_limit=%d\ntest_limit=%d\nfault_aware=%.17g\nsa1=%.17g\nval=%d\n%s",
                       netlist, o->batch, o->opt.kind == MS_OPT_ADAM ? "adam" : "sgd", o->opt.lr, o->opt.beta1,
                       o->opt.beta2, o->opt.eps, o->opt.momentum, o->opt.weight_decay, (int)o->opt.schedule,
                       o->opt.lr_min, o->opt.step_every, o->opt.gamma, o->seed, o->train_limit, o->test_limit,
                       o->fault_aware, o->sa1, o->val, aug);
}

/* Training state that a checkpoint holds. */
typedef struct State {
    int epoch;
    double *params;
    MsEpochStats *hist;
    int nhist;
} State;

static int save_epoch(MsNet *net, const MsTrainOpts *o, const State *s, MsError *err)
{
    MsCheckpoint ck = {s->epoch, o->opt.step, o->seed, net->nparams, NULL, s->params, o->opt.m,
                       o->opt.kind == MS_OPT_ADAM ? o->opt.v : NULL, s->nhist, s->hist, NULL};
    ck.names = ms_malloc(((size_t)net->nparams + 1) * sizeof *ck.names);
    for (int k = 0; k < net->nparams; k++)
        ck.names[k] = (char *)net->c->params[k].name;
    ck.config = config_text(o, net->path);
    char *path = ms_asprintf("%s/checkpoint.h5", o->outdir), *csv = ms_asprintf("%s/metrics.csv", o->outdir);
    char *cir = ms_asprintf("%s/trained.cir", o->outdir);
    int rc = ms_checkpoint_write(path, &ck, err);
    if (rc == MS_OK)
        rc = ms_metrics_write_csv(csv, s->hist, s->nhist, err);
    if (rc == MS_OK)
        rc = ms_writeback(net, cir, err);
    if (rc == MS_OK && o->plots) {
        MsError perr = {0};
        if (ms_train_plot(o->outdir, s->hist, s->nhist, &perr))
            fprintf(stderr, "memspice: warning: no plots: %s\n", perr.msg);
    }
    free(ck.names), free(ck.config), free(path), free(csv), free(cir);
    return rc;
}

static int resume(MsNet *net, MsTrainOpts *o, State *s, MsError *err)
{
    char *path = ms_asprintf("%s/checkpoint.h5", o->outdir);
    MsCheckpoint ck;
    int rc = ms_checkpoint_read(path, &ck, err);
    if (rc == MS_OK && ck.nparams != net->nparams)
        rc = ms_err(err, MS_ERR_ARG, "%s: %d parameters, but %s has %d trainable values: not this network's checkpoint",
                    path, ck.nparams, net->path, net->nparams);
    for (int k = 0; rc == MS_OK && k < ck.nparams; k++)
        if (strcmp(ck.names[k], net->c->params[k].name))
            rc = ms_err(err, MS_ERR_ARG, "%s: parameter %d is '%s', but %s's is '%s': not this network's checkpoint",
                        path, k, ck.names[k], net->path, net->c->params[k].name);
    if (rc == MS_OK) {
        char *now_cfg = config_text(o, net->path);
        if (strcmp(now_cfg, ck.config))
            fprintf(stderr, "memspice: warning: %s was written with other training options; resuming with its seed "
                            "and these options (the same options give the same result as an uninterrupted run)\n",
                    path);
        free(now_cfg);
        s->epoch = ck.epoch;
        memcpy(s->params, ck.params, (size_t)ck.nparams * sizeof *s->params);
        o->opt.step = ck.step;
        if (ck.opt_m)
            memcpy(o->opt.m, ck.opt_m, (size_t)ck.nparams * sizeof *o->opt.m);
        if (ck.opt_v)
            memcpy(o->opt.v, ck.opt_v, (size_t)ck.nparams * sizeof *o->opt.v);
        s->hist = ms_realloc(s->hist, ((size_t)ck.nhist + (size_t)o->epochs + 1) * sizeof *s->hist);
        memcpy(s->hist, ck.hist, (size_t)ck.nhist * sizeof *s->hist);
        s->nhist = ck.nhist;
        o->seed = ck.seed;
    }
    ms_checkpoint_free(&ck);
    free(path);
    return rc;
}

/* Fisher-Yates from counter-based draws: the epoch's order. */
static void shuffle(int *idx, int n, uint64_t seed, int epoch)
{
    for (int i = 0; i < n; i++)
        idx[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(ms_uniform3(seed, MS_RNG_SHUFFLE, ((uint64_t)epoch << 32) | (uint64_t)i) * (i + 1));
        int t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}

static int train_epoch(MsNet *net, const MsDataset *d, MsTrainOpts *o, Pass *p, State *s, double lr,
                       MsEpochStats *st, MsTrainProgressFn progress, void *user, MsError *err)
{
    int n = d->n, np = net->nparams;   /* d: the samples to fit (the limit and --val applied) */
    int B = o->batch < n ? o->batch : n;
    int *idx = ms_malloc((size_t)n * sizeof *idx);   /* the first n samples, shuffled per epoch */
    shuffle(idx, n, o->seed, s->epoch + 1);
    int cs = chunk_size(net), nslots = (B + cs - 1) / cs;
    double *grads = ms_malloc((size_t)nslots * (size_t)np * sizeof *grads), *g = ms_malloc((size_t)np * sizeof *g);
    double *losses = ms_malloc((size_t)B * sizeof *losses);
    int *pred = ms_malloc((size_t)B * sizeof *pred);
    unsigned char *stuck = ms_calloc((size_t)np + 1, 1);
    int rc = MS_OK;
    long correct = 0, done = 0;
    double lsum = 0, t0 = now();
    uint64_t draw = ms_hash3(o->seed, MS_RNG_SPIKES, (uint64_t)s->epoch + 1);
    for (int start = 0; start + B <= n && rc == MS_OK; start += B) {   /* whole batches only */
        const MsDist *dist = o->dist;
        Batch b = {net, p->works, p->bworks, d, idx + start, B, draw, 1, grads, losses, pred, p->xbuf, 0,
                   ms_dist_active(dist) ? dist->rank : 0, ms_dist_active(dist) ? dist->size : 1,
                   o->augment_shift, s->epoch + 1, o->seed};
        dist_clear(dist, grads, (size_t)nslots * (size_t)np, losses, pred, B);
        if (o->fault_aware > 0)   /* a fresh stuck set each batch: robust to any set, not to one */
            ms_cells_stick(net, o->fault_aware, o->sa1,
                           ms_hash3(o->seed, MS_RNG_FAULT, ((uint64_t)(s->epoch + 1) << 32) | (uint64_t)start), stuck);
        rc = run_batch(&b, p->nthreads, err);
        if (rc == MS_OK)
            rc = dist_share(dist, grads, np, cs, losses, pred, B, err);
        if (rc)
            break;
        for (int k = 0; k < np; k++)
            g[k] = 0;
        for (int c = 0; c < nslots; c++) {   /* in chunk order: independent of the threads */
            const double *gc = grads + (size_t)c * (size_t)np;
            for (int k = 0; k < np; k++)
                g[k] += gc[k];
        }
        for (int i = 0; i < B; i++) {
            lsum += losses[i];
            correct += pred[i] == d->y[idx[start + i]];
        }
        for (int k = 0; k < np; k++)
            g[k] /= B;
        ms_optim_step(&o->opt, lr, s->params, g, net->lo, net->hi, net->scale, stuck);
        rc = ms_net_step_params(net, s->params, stuck, err);
        if (o->fault_aware > 0 && rc == MS_OK) {   /* sticking overwrote the cells' x0: restore all */
            ms_cells_unstick(net, stuck);
            memset(stuck, 0, (size_t)np + 1);
            rc = ms_net_set_params(net, s->params, NULL, err);
        }
        done += B;
        if (progress) {
            double el = now() - t0;
            MsTrainTick t = {"train", s->epoch + 1, o->epochs, done, n - n % B, lsum / (double)done,
                             (double)correct / (double)done, (double)done / el,
                             el / (double)done * (double)(n - n % B - done)};
            progress(&t, user);
        }
    }
    ms_cells_unstick(net, stuck);
    if (rc == MS_OK)
        rc = ms_net_set_params(net, s->params, NULL, err);
    st->train_loss = done ? lsum / (double)done : NAN;
    st->train_acc = done ? (double)correct / (double)done : NAN;
    st->seconds = now() - t0;
    st->samples_per_s = (double)done / st->seconds;
    free(idx), free(grads), free(g), free(losses), free(pred), free(stuck);
    return rc;
}

/* Several processes: rank 0 read the checkpoint; the state it holds to every rank. */
static int share_state(const MsDist *dist, MsTrainOpts *o, State *s, int np, MsError *err)
{
    int rc = ms_dist_bcast(dist, &s->epoch, sizeof s->epoch, err);
    if (rc == MS_OK)
        rc = ms_dist_bcast(dist, &o->opt.step, sizeof o->opt.step, err);
    if (rc == MS_OK)
        rc = ms_dist_bcast(dist, &o->seed, sizeof o->seed, err);
    if (rc == MS_OK)
        rc = ms_dist_bcast(dist, s->params, (size_t)np * sizeof *s->params, err);
    if (rc == MS_OK)
        rc = ms_dist_bcast(dist, o->opt.m, (size_t)np * sizeof *o->opt.m, err);
    if (rc == MS_OK)
        rc = ms_dist_bcast(dist, o->opt.v, (size_t)np * sizeof *o->opt.v, err);
    return rc;
}

int ms_train_run(MsNet *net, const MsDataset *train, const MsDataset *test, const MsTrainOpts *opts,
                 MsTrainProgressFn progress, void *user, FILE *log, MsError *err)
{
    MsTrainOpts o = *opts;
    const MsDist *dist = o.dist;
    int root = ms_dist_root(dist);
    if (!root)   /* rank 0 alone prints */
        progress = NULL, log = NULL;
    int np = net->nparams, rc = ms_train_check_data(net, train, "training", err);
    if (rc == MS_OK && test)
        rc = ms_train_check_data(net, test, "test", err);
    if (rc == MS_OK)
        rc = ms_writeback_check(net, err);
    if (rc == MS_OK)
        rc = ms_train_check_split(&o, train, err);
    int nused = ms_train_limited(o.train_limit, train->n);
    if (rc && !ms_dist_active(dist))
        return rc;
    State s = {0, ms_malloc(((size_t)np + 1) * sizeof *s.params), ms_calloc((size_t)o.epochs + 1, sizeof *s.hist), 0};
    ms_net_get_params(net, s.params);
    ms_optim_alloc(&o.opt, np);
    if (rc == MS_OK && o.resume && root) {   /* rank 0 reads the checkpoint, share_state() sends it */
        rc = resume(net, &o, &s, err);
        if (rc == MS_OK && log)
            fprintf(log, "resuming %s after epoch %d of %d\n", o.outdir, s.epoch, o.epochs);
    }
    Pass p = {0};
    if (rc == MS_OK)
        rc = pass_open(net, o.threads, train->nfeat, &p, err);
    rc = ms_dist_agree(dist, rc, err);   /* the set-up failed on a rank: on every rank, no hang */
    if (rc == MS_OK && o.resume && ms_dist_active(dist))
        rc = share_state(dist, &o, &s, np, err);
    if (rc == MS_OK)
        rc = ms_net_set_params(net, s.params, NULL, err);
    int setup_rc = rc;
    /* --val: the last o.val of the (limited) training samples are held out */
    MsDataset fit = *train, val = *train;
    fit.n = nused - o.val;
    val.n = o.val;
    val.x = train->x + (size_t)fit.n * (size_t)train->nfeat;
    val.y = train->y + fit.n;
    while (rc == MS_OK && s.epoch < o.epochs) {
        MsEpochStats st = {s.epoch + 1, NAN, NAN, NAN, NAN, 0, 0, ms_optim_rate(&o.opt, s.epoch + 1, o.epochs), NAN, NAN};
        rc = train_epoch(net, &fit, &o, &p, &s, st.lr, &st, progress, user, err);
        MsEvalOpts e = {0, 0, 0, 0, 0, o.seed ^ 0x7e57ull, o.threads, o.test_limit, o.dist};
        if (rc == MS_OK && test)
            rc = ms_train_evaluate(net, test, &e, progress, user, &st.test_acc, &st.test_loss, err);
        e.limit = 0;
        if (rc == MS_OK && val.n > 0)
            rc = ms_train_evaluate(net, &val, &e, progress, user, &st.val_acc, &st.val_loss, err);
        if (rc)
            break;
        s.hist[s.nhist++] = st;
        s.epoch++;
        if (root)
            rc = save_epoch(net, &o, &s, err);
        if (log) {
            fprintf(log, "epoch %d/%d  train loss %.4f  acc %.2f %%  ", st.epoch, o.epochs, st.train_loss,
                    100 * st.train_acc);
            if (val.n > 0)
                fprintf(log, "val acc %.2f %%  ", 100 * st.val_acc);
            fprintf(log, "test acc %.2f %%  %.2f s  %.1f samples/s  lr %.3g\n", 100 * st.test_acc, st.seconds,
                    st.samples_per_s, st.lr);
        }
        if (log)
            fflush(log);
    }
    if (rc && setup_rc == MS_OK)   /* failed on this rank while the others train: end the job */
        ms_dist_abort(dist, err);
    pass_close(&p);
    ms_optim_free(&o.opt);
    free(s.params);
    free(s.hist);
    return rc;
}
