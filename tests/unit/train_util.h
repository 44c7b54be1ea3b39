/* train_util.h — what the training tests share (test_train.c,
 * test_train_cm.c): the 4-input networks' sizes, models/mif.lib's absolute
 * path, netlist text built piece by piece and written to /tmp, the training
 * loss of one fixed sample and its central differences, a network opened and
 * compiled for the batched engine, and a chunk of samples for it. */
#ifndef MS_TRAIN_UTIL_H
#define MS_TRAIN_UTIL_H

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "memspice.h"
#include "train/batch_net.h"
#include "train/net.h"
#include "train/rng.h"
#include "util/util.h"

#define NIN 4
#define NHID 3
#define NOUT 3

static char mif_lib[PATH_MAX];

/* models/mif.lib's absolute path into mif_lib; 0 (said) when the test does
 * not run from the repository root. */
static inline int find_mif_lib(void)
{
    if (realpath("models/mif.lib", mif_lib))
        return 1;
    printf("run from the repository root (models/mif.lib)\n");
    return 0;
}

/* s followed by t (both malloc'ed, and freed). */
static inline char *append(char *s, char *t)
{
    char *st = ms_asprintf("%s%s", s, t);
    free(s);
    free(t);
    return st;
}

/* text in /tmp/<stem>_<pid>_<k>.cir (a new k each call); the path, malloc'ed. */
static inline char *write_tmp(const char *stem, const char *text)
{
    static int k;
    char *path = ms_asprintf("/tmp/%s_%d_%d.cir", stem, (int)getpid(), k++);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return path;
}

/* The fixed sample of the single-sample checks. */
static const float X[NIN] = {0.9f, 0.1f, 0.6f, 0.3f};

/* Training loss of X with this label at the net's current values. */
static inline double loss_now(MsNet *net, MsNetWork *nw, int label)
{
    double scores[NOUT], loss = NAN;
    MsError err = {0};
    int rc = ms_net_sample(net, nw, X, 99, label, scores, &loss, NULL, &err);
    CHECK_MSG(rc == MS_OK, "forward: %s", err.msg);
    return loss;
}

/* d loss / d param k by central differences at steps h and h/2,
 * Richardson-extrapolated; the value is put back. */
static inline double fd_loss(MsNet *net, MsNetWork *nw, int k, int label, double h)
{
    double p[256], d[2];
    ms_net_get_params(net, p);
    double x = p[k];
    for (int r = 0; r < 2; r++, h /= 2) {
        p[k] = x + h;
        ms_net_set_params(net, p, NULL, NULL);
        double up = loss_now(net, nw, label);
        p[k] = x - h;
        ms_net_set_params(net, p, NULL, NULL);
        d[r] = (up - loss_now(net, nw, label)) / (2 * h);
    }
    p[k] = x;
    ms_net_set_params(net, p, NULL, NULL);
    return (4 * d[1] - d[0]) / 3;
}

/* The netlist at path opened and compiled for the batched engine: MS_OK, or
 * the error (a failed check; nothing left open). */
static inline int open_batched(const char *path, MsNet *net, MsBatchNet **bn)
{
    MsError err = {0};
    int rc = ms_net_open(path, net, &err);
    CHECK_MSG(rc == MS_OK, "open %s: %s", path, err.msg);
    if (rc != MS_OK)
        return rc;
    rc = ms_batch_compile(net, bn, &err);
    CHECK_MSG(rc == MS_OK, "batch compile %s: %s", path, err.msg);
    if (rc != MS_OK)
        ms_net_close(net);
    return rc;
}

/* A chunk of samples for ms_batch_run: inputs uniform in [0, 1), draws
 * 100.., labels cycling through the outputs.  Fill it in place (xp points
 * into xs). */
enum { CHUNK = 5 };
typedef struct Chunk {
    float xs[CHUNK][NIN];
    const float *xp[CHUNK];
    uint64_t draw[CHUNK];
    int label[CHUNK];
} Chunk;

static inline void chunk_fill(Chunk *c)
{
    for (int s = 0; s < CHUNK; s++) {
        for (int i = 0; i < NIN; i++)
            c->xs[s][i] = (float)ms_uniform3(11, (uint64_t)s, (uint64_t)i);
        c->xp[s] = c->xs[s];
        c->draw[s] = 100 + (uint64_t)s;
        c->label[s] = s % NOUT;
    }
}

/* The chunk's samples through the per-sample path (the general simulator):
 * their scores (CHUNK x NOUT) and losses, and their gradients summed into sum
 * (net->nparams, zeroed first).  MS_OK or the first failure (a failed check). */
static inline int per_sample_chunk(MsNet *net, MsNetWork *nw, const Chunk *ch, double *scores, double *losses,
                                   double *sum)
{
    int np = net->nparams, rc = MS_OK;
    double *g = calloc((size_t)np + 1, sizeof *g);
    MsError err = {0};
    memset(sum, 0, (size_t)np * sizeof *sum);
    for (int s = 0; s < CHUNK && rc == MS_OK; s++) {
        rc = ms_net_sample(net, nw, ch->xs[s], ch->draw[s], ch->label[s], scores + s * NOUT, &losses[s], g, &err);
        CHECK_MSG(rc == MS_OK, "sample: %s", err.msg);
        for (int k = 0; k < np && rc == MS_OK; k++)
            sum[k] += g[k];
    }
    free(g);
    return rc;
}

/* A netlist text opened for both engines: the per-sample network and its work, the
 * batched network and its work, and a chunk of samples. */
typedef struct Fixture {
    char *text, *path;
    MsNet net;
    MsNetWork nw;
    MsBatchNet *bn;
    MsBatchWork *bw;
    Chunk ch;
} Fixture;

/* Opens text (malloc'ed: fixture_close frees it, or this on failure) under a temporary
 * name: MS_OK, or the error (a failed check; nothing left open). */
static inline int fixture_open(Fixture *f, const char *stem, char *text)
{
    memset(f, 0, sizeof *f);
    f->text = text;
    f->path = write_tmp(stem, text);
    int rc = open_batched(f->path, &f->net, &f->bn);
    if (rc != MS_OK) {
        remove(f->path);
        free(f->text), free(f->path);
        return rc;
    }
    MsError err = {0};
    ms_net_work_new(&f->net, &f->nw, &err);
    ms_batch_work_new(f->bn, &f->bw);
    chunk_fill(&f->ch);
    return MS_OK;
}

static inline void fixture_close(Fixture *f)
{
    ms_batch_work_free(&f->bw);
    ms_batch_free(&f->bn);
    ms_net_work_free(&f->nw);
    ms_net_close(&f->net);
    remove(f->path);
    free(f->path), free(f->text);
}

#endif
