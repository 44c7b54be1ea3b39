/* sweep.c — see sweep.h. */
#include "sweep.h"
#include "../train/chunks.h"
#include "../util/util.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int ms_cli_has_opt(int argc, char **argv, const char *opt)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], opt))
            return 1;
    return 0;
}

int ms_sweep_exit_early(int code)
{
    MsDist d;
    MsError err = {0};
    fflush(NULL);
    if (ms_dist_begin(&d, &err) == MS_OK)   /* MPI_Finalize is a fence: rank 0 has printed by then */
        ms_dist_end(&d);
    return code;
}

/* The output names; a clash with the command's own file is an error. */
static int out_paths(MsSweep *s, MsError *err)
{
    const MsSweepOpts *o = &s->o;
    s->out = ms_calloc((size_t)s->in.n + 1, sizeof *s->out);
    size_t len = strlen(o->outdir);
    while (len > 1 && o->outdir[len - 1] == '/')
        len--;
    for (int i = 0; i < s->in.n; i++) {
        s->out[i] = ms_asprintf("%.*s/%s.%s", (int)len, o->outdir, s->in.set[i].stem, o->ext);
        if (o->reserved && !strcmp(s->out[i] + len + 1, o->reserved))
            return ms_err(err, MS_ERR_SEMANTIC,
                          "input file '%s' would write over %s/%s, which memspice %s writes: rename it",
                          s->in.set[i].path, o->outdir, o->reserved, o->cmd);
    }
    return MS_OK;
}

/* Every rank must see the same files in the same order, or the split
 * would skip some and run others twice (a folder that is not shared). */
static int same_files(MsSweep *s, MsError *err)
{
    uint64_t h = 1469598103934665603ull;   /* FNV-1a over the names */
    for (int i = 0; i < s->in.n; i++)
        for (const char *p = s->in.set[i].name;; p++) {
            h = (h ^ (unsigned char)*p) * 1099511628211ull;
            if (!*p)
                break;
        }
    uint64_t root[2] = {(uint64_t)s->in.n, h};
    int rc = ms_dist_bcast(&s->dist, root, sizeof root, err);
    if (rc == MS_OK && (root[0] != (uint64_t)s->in.n || root[1] != h))
        rc = ms_err(err, MS_ERR_IO, "--inputs '%s' holds other files here (%d) than on rank 0 (%llu): give every "
                                    "rank the same folder",
                    s->o.inputs, s->in.n, (unsigned long long)root[0]);
    return rc;
}

int ms_sweep_begin(MsSweep *s, const MsSweepOpts *o, MsError *err)
{
    memset(s, 0, sizeof *s);
    s->o = *o;
    pthread_mutex_init(&s->io, NULL);
    int rc = ms_dist_begin(&s->dist, err);
    if (rc)
        return rc;
    if (!ms_dist_root(&s->dist))   /* rank 0 alone prints */
        s->o.quiet = 1;
    rc = ms_circuit_load(o->netlist, &s->c, err);
    if (rc == MS_OK)
        rc = ms_input_sets_read(s->c, o->inputs, &s->in, err);
    if (rc == MS_OK)
        rc = out_paths(s, err);
    rc = ms_dist_agree(&s->dist, rc, err);
    if (rc == MS_OK)   /* every rank is here: same_files is collective */
        rc = ms_dist_agree(&s->dist, same_files(s, err), err);
    if (rc == MS_OK)   /* on every rank: each writes its own files (the folder may not be shared) */
        rc = ms_dist_agree(&s->dist, ms_cli_make_dir(o->outdir, err), err);
    if (rc == MS_OK && !s->o.quiet) {
        const char *f = ms_circuit_faults(s->c);
        if (f[0])
            fprintf(stderr, "memspice: stuck memristors: %s\n", f);
        int nt = ms_thread_count(o->threads);
        fprintf(stderr, "memspice: %s: %d input files from %s", o->cmd, s->in.n, o->inputs);
        if (ms_dist_active(&s->dist))
            fprintf(stderr, " on %d processes x %d thread%s (progress: rank 0's share)\n", s->dist.size, nt,
                    nt > 1 ? "s" : "");
        else
            fprintf(stderr, " on %d thread%s\n", nt, nt > 1 ? "s" : "");
    }
    return rc;
}

void ms_sweep_lock(MsSweep *s) { pthread_mutex_lock(&s->io); }
void ms_sweep_unlock(MsSweep *s) { pthread_mutex_unlock(&s->io); }

typedef struct Job {
    MsSweep *s;
    MsSweepFn fn;
    void *user;
    int nrec, nmine;
    double *rec;
    int first_fail;        /* the lowest failing file of this rank; the file count if none */
    MsError fail;          /* its error */
} Job;

static int one_file(void *user, int thread, int chunk, MsError *err)
{
    (void)thread;
    Job *j = user;
    MsSweep *s = j->s;
    int i = (ms_dist_active(&s->dist) ? s->dist.rank + chunk * s->dist.size : chunk);
    const MsInputSet *in = &s->in.set[i];
    MsWork *w = NULL;
    MsError e = {0};
    /* a fresh work per file: nothing carries over from the file run before */
    int rc = ms_work_new(s->c, &w, &e);
    if (rc == MS_OK) {
        ms_source_specs_apply(&in->specs, w);
        rc = j->fn(s, j->user, w, s->out[i], j->rec + (size_t)i * (size_t)j->nrec, &e);
    }
    ms_work_free(&w);
    ms_sweep_lock(s);
    if (rc && i < j->first_fail) {
        j->first_fail = i;
        ms_err(&j->fail, e.code ? e.code : rc, "%s: %s", in->path, e.msg[0] ? e.msg : ms_strerror(rc));
    }
    if (rc == MS_OK && !s->o.quiet)
        fprintf(stderr, "memspice: %s: [%d/%d] %s -> %s\n", s->o.cmd, ++s->done, j->nmine, in->path, s->out[i]);
    ms_sweep_unlock(s);
    /* the chunk runner starts no file after a failure; files are taken in
     * order, so every file before the first failing one has run */
    return rc ? ms_err(err, rc, "%s", e.msg) : MS_OK;
}

int ms_sweep_run(MsSweep *s, int nrec, MsSweepFn fn, void *user, double **rec, MsError *err)
{
    int n = s->in.n, N = ms_dist_active(&s->dist) ? s->dist.size : 1, r = N > 1 ? s->dist.rank : 0;
    Job j = {s, fn, user, nrec, n / N + (r < n % N), NULL, n, {0}};
    j.rec = ms_calloc((size_t)n * (size_t)nrec + 1, sizeof *j.rec);
    *rec = j.rec;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    MsError ignored = {0};
    ms_run_chunks(j.nmine, ms_thread_count(s->o.threads), one_file, &j, &ignored);
    int rc = j.first_fail < n ? ms_err(err, j.fail.code, "%s", j.fail.msg) : MS_OK;
    rc = ms_dist_agree_first(&s->dist, rc, j.first_fail, err);
    if (rc == MS_OK && nrec > 0)
        rc = ms_dist_gather(&s->dist, j.rec, n, (size_t)nrec, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc == MS_OK && !s->o.quiet)
        fprintf(stderr, "memspice: %s: %d input files in %.2f s, outputs in %s/\n", s->o.cmd, n,
                (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec), s->o.outdir);
    return rc;
}

int ms_sweep_end(MsSweep *s, int rc, MsError *err)
{
    int root = ms_dist_root(&s->dist);
    int code = rc ? (root ? ms_cli_fail(err) : ms_cli_exit_code(err->code)) : 0;
    if (s->out)
        for (int i = 0; i < s->in.n; i++)
            free(s->out[i]);
    free(s->out);
    ms_input_sets_free(&s->in);
    ms_circuit_free(&s->c);
    pthread_mutex_destroy(&s->io);
    fflush(NULL);   /* printed before MPI_Finalize's fence: mpirun ends the job when a rank exits non-zero */
    ms_dist_end(&s->dist);
    return code;
}
