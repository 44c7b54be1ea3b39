/* cmd_train.c — "memspice train": trains the .trainable values of a network
 * netlist on a data set by backpropagation through time on the circuit
 * (src/train/), or evaluates a trained netlist (--eval-only), with stuck-at
 * faults and programming noise. */
#include "cli.h"
#include "../train/chunks.h"
#include "../train/trainer.h"
#include "../io/result.h"
#include "../train/train_plot.h"
#include "../util/util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert(MS_MAX_THREADS == 64, "train --help says --threads 1 to 64");

static void train_usage(FILE *f)
{
    fprintf(f,
            "usage: memspice train NETLIST --data SET [options]\n"
            "       memspice train NETLIST --data SET --resume DIR [options]\n"
            "       memspice train NETLIST --data SET --eval-only [--faults F] [--fault-sweep F,F,...]\n"
            "\n"
            "Trains the netlist's .trainable values (e.g. every synapse cell's x0) by\n"
            "backpropagation through time on the circuit: each sample's features drive the\n"
            "sources of .input, the .tran runs with fixed steps, the .readout signals give\n"
            "the class scores, and the exact adjoint gives the gradient of the loss.\n"
            "Networks: tools/mknet.  Cards: README.md, 'Training'.\n"
            "\n"
            "data:\n"
            "  --data SET           mnist, fashion-mnist, a folder of IDX files\n"
            "                       (train-images-idx3-ubyte ...), or an HDF5 file (/x, /y,\n"
            "                       /x_test, /y_test)\n"
            "  --train-limit N      use the first N training samples (default all)\n"
            "  --test-limit N       evaluate the first N test samples (default all)\n"
            "  --val N              hold out the last N of the training samples (after\n"
            "                       --train-limit) as a validation set, evaluated after\n"
            "                       every epoch (metrics.csv val_loss, val_acc)\n"
            "training:\n"
            "  -o, --output DIR     output folder (default run): metrics.csv, loss.png,\n"
            "                       accuracy.png, checkpoint.h5 (every epoch), trained.cir\n"
            "  --resume DIR         continue the run in DIR from its last checkpoint (same\n"
            "                       options: the result equals an uninterrupted run)\n"
            "  --epochs N           epochs (default 10)\n"
            "  --batch N            samples per update (default 32)\n"
            "  --optimizer adam|sgd (default adam)\n"
            "  --lr R               learning rate (default 0.01)\n"
            "  --momentum M         SGD momentum (default 0.9)\n"
            "  --weight-decay W     decoupled weight decay (default 0)\n"
            "  --schedule const|cosine|step   learning-rate schedule over the epochs\n"
            "  --lr-min R           cosine: the last epoch's rate (default 0)\n"
            "  --step-every N --gamma G   step: multiply by G every N epochs (10, 0.5)\n"
            "  --fault-aware F      stick a fresh random fraction F of the cells each batch\n"
            "  --augment shift=N    shift every training image by dx, dy uniform in [-N, N]\n"
            "                       pixels (zero fill), drawn afresh each epoch; images only\n"
            "                       (IDX, or HDF5 samples x rows x cols), N <= min(rows,\n"
            "                       cols) / 2; never the test or --val samples\n"
            "  --seed S             shuffling, rate-coded spikes, faults, shifts (default 1)\n"
            "  --threads N          worker threads, 1 to 64 (default: all cores); results do not\n"
            "                       depend on it\n"
            "  --no-plots           no PNG plots\n"
            "  --engine E           auto (default): the batched engine when the network is a\n"
            "                       layered crossbar network it compiles (README: 'Training\n"
            "                       engines'), else per-sample; batched; per-sample (the\n"
            "                       general simulator, one sample at a time)\n"
            "evaluation (--eval-only, and the test set after every epoch):\n"
            "  --eval-only          evaluate NETLIST as it is on the test set\n"
            "  --faults F           stick a fraction F of the trainable cells\n"
            "  --fault-seed S       which cells (default 1)\n"
            "  --sa1 P              share of stuck cells at the low-resistance state (0.5;\n"
            "                       also for --fault-aware)\n"
            "  --fault-sweep LIST   accuracy against the stuck fraction, e.g. 0,0.05,0.1,0.2,\n"
            "                       over --fault-seeds N seeds (default 5): a table, and\n"
            "                       DIR/faults.png and DIR/faults.csv with -o DIR\n"
            "  --program-noise S    Gaussian noise on the states, sigma S of their range\n"
            "  --input-noise P      flip each binary pixel with probability P\n"
            "  -q, --quiet          no set-up lines and no progress bar (the bar is only\n"
            "                       shown when stderr is a terminal)\n"
            "  -h, --help           this help\n"
            "several processes (MPI): mpirun -np N memspice train ...: the same result as one\n"
            "process, bit for bit (README.md, 'Training on several processes: MPI')\n");
}

typedef struct Args {
    const char *netlist, *data, *outdir;
    MsTrainOpts t;
    MsEvalOpts e;
    int eval_only, quiet, fault_seeds;
    int bar;   /* a progress bar: not quiet, and stderr a terminal (logs get the epoch lines) */
    const char *engine;
    double sweep[32];
    int nsweep;
} Args;

static int bad(const char *what, const char *v)
{
    fprintf(stderr, "memspice train: %s: bad value '%s' (see memspice train --help)\n", what, v);
    return 2;
}

static int num(const char *opt, const char *v, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (!*v || *end || errno || !isfinite(x) || x < lo || x > hi)
        return bad(opt, v);
    *out = x;
    return 0;
}

static int whole(const char *opt, const char *v, long lo, long hi, long *out)
{
    double x;
    int rc = num(opt, v, (double)lo, (double)hi, &x);   /* num() has said why */
    if (rc)
        return rc;
    if (x != floor(x))
        return bad(opt, v);
    *out = (long)x;
    return 0;
}

static int parse_sweep(Args *a, const char *v)
{
    char *copy = ms_strdup(v), *save = NULL;
    int rc = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
        if (a->nsweep == 32)
            rc = bad("--fault-sweep (at most 32 fractions)", v);
        else
            rc = num("--fault-sweep", tok, 0, 1, &a->sweep[a->nsweep++]);
    }
    free(copy);
    return rc || a->nsweep ? rc : bad("--fault-sweep", v);
}

/* One option at argv[*i]; 0 ok, 2 usage error, -1 not an option of ours. */
static int parse_opt(Args *a, int argc, char **argv, int *i)
{
    const char *o = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    double d;
    long n;
    int rc = 0;
#define WITH_VALUE(name) (!strcmp(o, name) && v && (++*i, 1))
    if (WITH_VALUE("--data"))
        a->data = v;
    else if (WITH_VALUE("-o") || (!strcmp(o, "--output") && v && (++*i, 1)))
        a->outdir = v;
    else if (WITH_VALUE("--resume")) {
        a->outdir = v;
        a->t.resume = 1;
    } else if (WITH_VALUE("--epochs"))
        rc = whole(o, v, 1, 100000, &n), a->t.epochs = (int)n;
    else if (WITH_VALUE("--batch"))
        rc = whole(o, v, 1, 65536, &n), a->t.batch = (int)n;
    else if (WITH_VALUE("--threads"))
        rc = whole(o, v, 1, MS_MAX_THREADS, &n), a->t.threads = a->e.threads = (int)n;
    else if (WITH_VALUE("--train-limit"))
        rc = whole(o, v, 1, 1L << 30, &n), a->t.train_limit = (int)n;
    else if (WITH_VALUE("--val"))
        rc = whole(o, v, 1, 1L << 30, &n), a->t.val = (int)n;
    else if (WITH_VALUE("--test-limit"))
        rc = whole(o, v, 1, 1L << 30, &n), a->t.test_limit = a->e.limit = (int)n;
    else if (WITH_VALUE("--seed"))
        rc = whole(o, v, 0, 1L << 53, &n), a->t.seed = a->e.seed = (unsigned long long)n;
    else if (WITH_VALUE("--fault-seed"))
        rc = whole(o, v, 0, 1L << 53, &n), a->e.fault_seed = (unsigned long long)n;
    else if (WITH_VALUE("--fault-seeds"))
        rc = whole(o, v, 1, 1000, &n), a->fault_seeds = (int)n;
    else if (WITH_VALUE("--step-every"))
        rc = whole(o, v, 1, 100000, &n), a->t.opt.step_every = (int)n;
    else if (WITH_VALUE("--lr"))
        rc = num(o, v, 0, 1e6, &a->t.opt.lr);
    else if (WITH_VALUE("--lr-min"))
        rc = num(o, v, 0, 1e6, &a->t.opt.lr_min);
    else if (WITH_VALUE("--gamma"))
        rc = num(o, v, 0, 1e6, &a->t.opt.gamma);
    else if (WITH_VALUE("--momentum"))
        rc = num(o, v, 0, 1, &a->t.opt.momentum);
    else if (WITH_VALUE("--weight-decay"))
        rc = num(o, v, 0, 1e6, &a->t.opt.weight_decay);
    else if (WITH_VALUE("--augment")) {
        if (strncmp(v, "shift=", 6))
            rc = bad(o, v);
        else   /* the image size bounds it: ms_augment_check */
            rc = whole("--augment shift", v + 6, 0, 1L << 20, &n), a->t.augment_shift = (int)n;
    } else if (WITH_VALUE("--fault-aware"))
        rc = num(o, v, 0, 1, &a->t.fault_aware);
    else if (WITH_VALUE("--faults"))
        rc = num(o, v, 0, 1, &a->e.faults);
    else if (WITH_VALUE("--sa1"))
        rc = num(o, v, 0, 1, &d), a->e.sa1 = a->t.sa1 = d;
    else if (WITH_VALUE("--program-noise"))
        rc = num(o, v, 0, 10, &a->e.program_noise);
    else if (WITH_VALUE("--input-noise"))
        rc = num(o, v, 0, 1, &a->e.input_noise);
    else if (WITH_VALUE("--engine")) {
        if (strcmp(v, "auto") && strcmp(v, "batched") && strcmp(v, "per-sample"))
            rc = bad(o, v);
        a->engine = v;
    } else if (WITH_VALUE("--fault-sweep"))
        rc = parse_sweep(a, v);
    else if (WITH_VALUE("--optimizer")) {
        if (!strcmp(v, "adam") || !strcmp(v, "sgd"))
            a->t.opt.kind = !strcmp(v, "adam") ? MS_OPT_ADAM : MS_OPT_SGD;
        else
            rc = bad(o, v);
    } else if (WITH_VALUE("--schedule")) {
        if (!strcmp(v, "const") || !strcmp(v, "cosine") || !strcmp(v, "step"))
            a->t.opt.schedule = !strcmp(v, "const") ? MS_SCHED_CONST : !strcmp(v, "cosine") ? MS_SCHED_COSINE : MS_SCHED_STEP;
        else
            rc = bad(o, v);
    } else if (!strcmp(o, "--eval-only"))
        a->eval_only = 1;
    else if (!strcmp(o, "--no-plots"))
        a->t.plots = 0;
    else if (!strcmp(o, "-q") || !strcmp(o, "--quiet"))
        a->quiet = 1;
    else
        return -1;
#undef WITH_VALUE
    return rc;
}

/* ---- progress bar ---- */

static void fmt_time(double s, char *buf, size_t n)
{
    long t = s > 0 ? (long)(fmin(s, 1e9) + 0.5) : 0;   /* NaN and absurd ETAs: no undefined cast */
    if (t >= 3600)
        snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

static void show_progress(const MsTrainTick *t, void *user)
{
    (void)user;
    char eta[32], ep[32] = "";
    fmt_time(t->eta_s, eta, sizeof eta);
    if (t->epochs)
        snprintf(ep, sizeof ep, "epoch %d/%d ", t->epoch, t->epochs);
    int width = 24, fill = t->total ? (int)(width * t->done / t->total) : width;
    fprintf(stderr, "\r%s%-5s [", ep, t->phase);
    for (int i = 0; i < width; i++)
        fputc(i < fill ? '#' : '.', stderr);
    fprintf(stderr, "] %ld/%ld  %.1f samples/s  loss %.4f  acc %.2f %%  ETA %s\033[K", t->done, t->total,
            t->samples_per_s, t->loss, 100 * t->acc, eta);
    if (t->done == t->total)
        fputc('\n', stderr);
    fflush(stderr);
}

/* ---- evaluation and fault sweeps ---- */

static int fault_sweep(MsNet *net, const MsDataset *test, Args *a, MsError *err)
{
    int ns = a->fault_seeds, nf = a->nsweep, rc = MS_OK;
    double mean[32], lo[32], hi[32];
    int root = ms_dist_root(a->e.dist);   /* MPI: the evaluations are split over the ranks, rank 0 prints */
    if (root)
        printf("stuck fraction  accuracy mean  min     max     (%d seeds, %d samples, sa1 share %.2f)\n", ns,
               ms_train_limited(a->e.limit, test->n), a->e.sa1);
    for (int f = 0; f < nf && rc == MS_OK; f++) {
        mean[f] = 0, lo[f] = INFINITY, hi[f] = -INFINITY;
        for (int s = 0; s < ns && rc == MS_OK; s++) {
            MsEvalOpts e = a->e;
            e.faults = a->sweep[f];
            e.fault_seed = a->e.fault_seed + (unsigned long long)s;
            double acc, loss;
            rc = ms_train_evaluate(net, test, &e, NULL, NULL, &acc, &loss, err);
            mean[f] += acc / ns;
            lo[f] = fmin(lo[f], acc);
            hi[f] = fmax(hi[f], acc);
        }
        if (rc == MS_OK && root)
            printf("%14.3f  %12.2f %%  %6.2f  %6.2f\n", a->sweep[f], 100 * mean[f], 100 * lo[f], 100 * hi[f]);
        fflush(stdout);
    }
    if (rc || !a->outdir || !root)
        return rc;
    char *csv = ms_asprintf("%s/faults.csv", a->outdir), *png = ms_asprintf("%s/faults.png", a->outdir);
    MsOutFile f;
    rc = ms_out_open(&f, csv, 0, err);
    if (rc == MS_OK) {
        fprintf(f.fp, "fraction,mean_acc,min_acc,max_acc,seeds\n");
        for (int k = 0; k < nf; k++)
            fprintf(f.fp, "%.17g,%.17g,%.17g,%.17g,%d\n", a->sweep[k], mean[k], lo[k], hi[k], ns);
        rc = ms_out_finish(&f, 1, err);
    }
    MsFaultSeries s = {net->path, mean, lo, hi};
    MsError perr = {0};
    if (rc == MS_OK && ms_fault_plot(png, a->sweep, nf, &s, NULL, NULL, &perr))
        fprintf(stderr, "memspice: warning: no fault plot: %s\n", perr.msg);
    free(csv), free(png);
    return rc;
}

static int evaluate(MsNet *net, const MsDataset *test, Args *a, MsError *err)
{
    if (a->nsweep)
        return fault_sweep(net, test, a, err);
    double acc, loss;
    int rc = ms_train_evaluate(net, test, &a->e, a->bar ? show_progress : NULL, NULL, &acc, &loss, err);
    if (rc == MS_OK && ms_dist_root(a->e.dist)) {
        int n = ms_train_limited(a->e.limit, test->n);
        if (a->e.faults > 0 || a->e.program_noise > 0 || a->e.input_noise > 0)
            printf("stuck cells %.3f (seed %llu), programming noise %.3f, input noise %.3f\n", a->e.faults,
                   a->e.fault_seed, a->e.program_noise, a->e.input_noise);
        printf("loss %.4f\naccuracy %.2f %% on %d samples\n", loss, 100 * acc, n);
    }
    return rc;
}

static int make_dir(const char *dir, int resume, MsError *err)
{
    if (resume && access(dir, F_OK))   /* --resume: the run's folder, not a new one */
        return ms_err(err, MS_ERR_IO, "%s: cannot resume: %s", dir, strerror(errno));
    return ms_cli_make_dir(dir, err);
}

/* The command line: -1 to go on, else the exit code (0: --help, 2: a usage error). */
static int parse_args(Args *a, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            train_usage(stdout);
            return 0;
        }
        int rc = parse_opt(a, argc, argv, &i);
        if (rc > 0)
            return rc;
        if (rc == 0)
            continue;
        if (argv[i][0] == '-' || a->netlist) {
            fprintf(stderr, "memspice train: unknown option or extra argument '%s' (see memspice train --help)\n",
                    argv[i]);
            return 2;
        }
        a->netlist = argv[i];
    }
    if (!a->netlist || !a->data) {
        fprintf(stderr, "memspice train: %s\n", !a->netlist ? "no netlist given" : "no data set given (--data mnist, "
                                                                                   "fashion-mnist, a folder or an .h5 file)");
        train_usage(stderr);
        return 2;
    }
    return -1;
}

int ms_cmd_train(int argc, char **argv)
{
    Args a = {0};
    ms_train_opts_default(&a.t);
    a.e = (MsEvalOpts){0, 0.5, 1, 0, 0, 1, 0, 0, NULL};
    a.fault_seeds = 5;
    a.engine = "auto";
    int saved[2];
    ms_cli_mute(saved);   /* under mpirun: help and usage errors from rank 0 alone */
    int code = parse_args(&a, argc, argv);
    ms_cli_unmute(saved);
    MsError err = {0};
    MsDist dist;   /* under mpirun: this rank of the job (README: 'Training on several processes: MPI') */
    if (ms_dist_begin(&dist, &err))
        return ms_cli_fail(&err);
    if (code >= 0) {   /* rank 0 has printed: MPI_Finalize's fence keeps mpirun from killing it first */
        ms_dist_end(&dist);
        return code;
    }
    if (!a.outdir && !a.eval_only)
        a.outdir = "run";
    a.t.outdir = a.outdir;
    int root = ms_dist_root(&dist);
    a.t.dist = a.e.dist = &dist;
    if (!root)   /* rank 0 alone prints */
        a.quiet = 1;
    a.bar = !a.quiet && isatty(2);
    MsNet net;
    MsDataset train = {0}, test = {0};
    int rc = ms_net_open(a.netlist, &net, &err), net_ok = rc == MS_OK;
    const char *engine = "per-sample";
    if (net_ok && strcmp(a.engine, "per-sample")) {
        MsError why = {0};
        if (ms_net_use_batched(&net, &why) == MS_OK)
            engine = "batched";
        else if (!strcmp(a.engine, "batched"))
            rc = ms_err(&err, why.code, "%s", why.msg);
        else if (!a.quiet)
            fprintf(stderr, "memspice train: per-sample engine: %s\n", why.msg);
    }
    if (rc == MS_OK && net_ok && !a.eval_only)   /* (rc: --engine batched may have refused the network) */
        rc = ms_dataset_load(a.data, 0, &train, &err);
    if (rc == MS_OK)
        rc = ms_dataset_load(a.data, 1, &test, &err);
    if (rc == MS_OK && !a.eval_only)   /* before the output folder is made */
        rc = ms_train_check_data(&net, &train, "training", &err);
    if (rc == MS_OK && !a.eval_only)
        rc = ms_train_check_split(&a.t, &train, &err);
    if (rc == MS_OK)
        rc = ms_train_check_data(&net, &test, "test", &err);
    if (rc == MS_OK && a.outdir && root)   /* only rank 0 writes: the others need no folder */
        rc = make_dir(a.outdir, a.t.resume, &err);
    rc = ms_dist_agree(&dist, rc, &err);   /* one rank failed (its data path ...): all end, rank 0 says why */
    if (rc == MS_OK && !a.quiet)
        fprintf(stderr, "%s: %d inputs, %d classes, %d trainable values, %d steps of %g s, %s engine; %s: %d training, "
                        "%d test samples\n",
                a.netlist, net.nin, net.nclass, net.nparams, net.nsteps, net.spec.tstep, engine, a.data, train.n, test.n);
    if (rc == MS_OK && a.eval_only)
        rc = evaluate(&net, &test, &a, &err);
    else if (rc == MS_OK) {
        rc = ms_train_run(&net, &train, &test, &a.t, a.bar ? show_progress : NULL, NULL, stdout, &err);
        if (rc == MS_OK && (a.e.faults > 0 || a.nsweep || a.e.program_noise > 0 || a.e.input_noise > 0))
            rc = evaluate(&net, &test, &a, &err);
        if (rc == MS_OK && root)
            printf("trained netlist: %s/trained.cir\n", a.outdir);
    }
    ms_dataset_free(&train);
    ms_dataset_free(&test);
    if (net_ok)
        ms_net_close(&net);
    code = rc ? (root ? ms_cli_fail(&err) : ms_cli_exit_code(err.code)) : 0;
    fflush(NULL);   /* printed before MPI_Finalize's fence: mpirun ends the job when a rank exits non-zero */
    ms_dist_end(&dist);
    return code;
}
