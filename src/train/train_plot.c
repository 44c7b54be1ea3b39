/* train_plot.c — loss.png, accuracy.png and the fault-sweep plot (see
 * train_plot.h).  Each plot is three temporary files next to the PNG:
 * "<png>.tmp.<pid>.dat" (the numbers, '?' where a value is missing),
 * "<png>.tmp.<pid>.gp" (the script, fixed text and numbers only) and
 * "<png>.tmp.<pid>.log" (gnuplot's stderr, quoted in the error), and
 * gnuplot's output "<png>.tmp.<pid>", renamed to <png> when gnuplot
 * succeeded. */
#include "train_plot.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../io/result.h"

#define NO_GNUPLOT "gnuplot not found (Debian package gnuplot-nox; 'make deps' installs it, or set MEMSPICE_GNUPLOT)"

/* A data-file field: the number, or '?' (set datafile missing) if not finite. */
static void num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, " %.10g", v);
    else
        fputs(" ?", f);
}

/* The plot's own strings, as gnuplot arguments ARG3.. (never script text). */
typedef struct Plot {
    const char *png;
    void (*data)(FILE *f, const void *user);
    void (*script)(FILE *f, const void *user);
    const void *user;
    const char *args[4];   /* ARG3..ARG6, NULL-terminated early */
} Plot;

static int write_file(const char *path, void (*fill)(FILE *, const void *), const void *user)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return errno ? errno : EIO;
    fill(f, user);
    int e = 0;
    if (fflush(f) != 0 || ferror(f))
        e = errno ? errno : EIO;
    if (fclose(f) != 0 && !e)
        e = errno ? errno : EIO;
    return e;
}

/* The first line or so of gnuplot's complaint, for the error message. */
static void read_log(const char *log, char *msg, size_t cap)
{
    msg[0] = 0;
    FILE *lf = fopen(log, "r");
    if (!lf)
        return;
    size_t n = fread(msg, 1, cap - 1, lf);
    msg[n] = 0;
    fclose(lf);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = 0;
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' ';
}

static int draw(const Plot *p, MsError *err)
{
    char *gnuplot = ms_gnuplot_program();
    if (!gnuplot)
        return ms_err(err, MS_ERR_IO, "cannot draw '%s': " NO_GNUPLOT, p->png);
    char *tmp = ms_out_tmpname(p->png);
    char *dat = ms_asprintf("%s.dat", tmp), *gp = ms_asprintf("%s.gp", tmp), *log = ms_asprintf("%s.log", tmp);
    int rc = MS_OK, e;
    if ((e = write_file(dat, p->data, p->user)) != 0 || (e = write_file(gp, p->script, p->user)) != 0) {
        rc = ms_err(err, MS_ERR_IO, "cannot write '%s': %s", p->png, strerror(e));
        goto done;
    }
    char *argv[12];
    int k = 0;
    argv[k++] = "gnuplot";
    argv[k++] = "-c";
    argv[k++] = gp;
    argv[k++] = tmp;   /* ARG1: the output */
    argv[k++] = dat;   /* ARG2: the data */
    for (int j = 0; j < 4 && p->args[j]; j++)
        argv[k++] = (char *)p->args[j];
    argv[k] = NULL;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        rc = ms_err(err, MS_ERR_IO, "cannot draw '%s': cannot start gnuplot: %s", p->png, strerror(errno));
        goto done;
    }
    if (pid == 0) {   /* only async-signal-safe calls from here on */
        int in = open("/dev/null", O_RDONLY), out = open("/dev/null", O_WRONLY);
        int lg = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (in >= 0)
            dup2(in, 0);
        if (out >= 0)
            dup2(out, 1);
        if (lg >= 0)
            dup2(lg, 2);
        execv(gnuplot, argv);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            st = -1;
            break;
        }
    }
    struct stat sb;
    if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0 && stat(tmp, &sb) == 0 && sb.st_size > 0) {
        int fd = open(tmp, O_RDONLY);
        if (fd >= 0) {
            (void)fsync(fd);   /* a crash after the rename must not leave an empty PNG */
            close(fd);
        }
        rc = ms_out_commit(tmp, p->png, err);
    } else {
        char msg[400];
        read_log(log, msg, sizeof msg);
        if (st == -1)
            rc = ms_err(err, MS_ERR_IO, "cannot draw '%s': lost track of gnuplot", p->png);
        else if (WIFEXITED(st) && WEXITSTATUS(st) == 127 && !msg[0])
            rc = ms_err(err, MS_ERR_IO, "cannot draw '%s': cannot run %s", p->png, gnuplot);
        else
            rc = ms_err(err, MS_ERR_IO, "cannot draw '%s': gnuplot failed (%s %d)%s%s", p->png,
                        WIFEXITED(st) ? "exit status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
                        msg[0] ? ": " : "", msg);
    }
done:
    remove(tmp);   /* gone already after a successful rename */
    remove(dat);
    remove(gp);
    remove(log);
    free(tmp);
    free(dat);
    free(gp);
    free(log);
    free(gnuplot);
    return rc;
}

/* The common head of every script: terminal, output, data conventions. */
static void head(FILE *f)
{
    fputs("if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
          "  set terminal pngcairo size 900,600 noenhanced font ',11'\n"
          "} else {\n"
          "  set terminal png size 900,600 noenhanced\n"
          "}\n"
          "set encoding utf8\n"
          "set output ARG1\n"
          "set datafile missing '?'\n"
          "set grid\n"
          "set key opaque box\n",
          f);
}

/* ---------------------------------------------------------- per epoch */

typedef struct Epochs {
    const MsEpochStats *h;
    int n;
    int acc;   /* 0 loss.png, 1 accuracy.png */
} Epochs;

static int any_finite(const MsEpochStats *h, int n, size_t off)
{
    for (int k = 0; k < n; k++) {
        double v;
        memcpy(&v, (const char *)&h[k] + off, sizeof v);
        if (isfinite(v))
            return 1;
    }
    return 0;
}

/* The last finite value of a column, NAN if none. */
static double last_finite(const MsEpochStats *h, int n, size_t off)
{
    for (int k = n - 1; k >= 0; k--) {
        double v;
        memcpy(&v, (const char *)&h[k] + off, sizeof v);
        if (isfinite(v))
            return v;
    }
    return NAN;
}

/* columns: epoch train_loss train_acc% test_loss test_acc% val_loss val_acc% */
static void epochs_data(FILE *f, const void *user)
{
    const Epochs *e = user;
    fputs("# epoch train_loss train_acc_percent test_loss test_acc_percent val_loss val_acc_percent\n", f);
    for (int k = 0; k < e->n; k++) {
        const MsEpochStats *s = &e->h[k];
        fprintf(f, "%d", s->epoch);
        num(f, s->train_loss);
        num(f, 100 * s->train_acc);
        num(f, s->test_loss);
        num(f, 100 * s->test_acc);
        num(f, s->val_loss);
        num(f, 100 * s->val_acc);
        fputc('\n', f);
    }
}

static void epochs_script(FILE *f, const void *user)
{
    const Epochs *e = user;
    head(f);
    int e0 = e->h[0].epoch, e1 = e->h[0].epoch;
    for (int k = 1; k < e->n; k++) {
        e0 = e->h[k].epoch < e0 ? e->h[k].epoch : e0;
        e1 = e->h[k].epoch > e1 ? e->h[k].epoch : e1;
    }
    /* a margin, so that the first and last points do not sit on the frame */
    double pad = e1 == e0 ? 0.5 : fmax(0.25, 0.02 * (e1 - e0));
    fprintf(f, "set xrange [%g:%g]\n", e0 - pad, e1 + pad);
    if (e1 - e0 <= 20)
        fputs("set xtics 1\n", f);
    fputs("set format x '%g'\nset xlabel 'epoch'\n", f);

    size_t otr = e->acc ? offsetof(MsEpochStats, train_acc) : offsetof(MsEpochStats, train_loss);
    size_t ote = e->acc ? offsetof(MsEpochStats, test_acc) : offsetof(MsEpochStats, test_loss);
    size_t ova = e->acc ? offsetof(MsEpochStats, val_acc) : offsetof(MsEpochStats, val_loss);
    int htr = any_finite(e->h, e->n, otr), hte = any_finite(e->h, e->n, ote), hva = any_finite(e->h, e->n, ova);
    double ltr = last_finite(e->h, e->n, otr), lte = last_finite(e->h, e->n, ote), lva = last_finite(e->h, e->n, ova);
    if (e->acc) {
        double lo = 100;
        for (int k = 0; k < e->n; k++) {
            if (isfinite(e->h[k].train_acc))
                lo = fmin(lo, 100 * e->h[k].train_acc);
            if (isfinite(e->h[k].test_acc))
                lo = fmin(lo, 100 * e->h[k].test_acc);
            if (isfinite(e->h[k].val_acc))
                lo = fmin(lo, 100 * e->h[k].val_acc);
        }
        lo = htr || hte ? fmax(0, floor((lo - 1) / 10) * 10) : 0;
        fprintf(f, "set yrange [%g:100]\nset ylabel 'accuracy (%%)'\n", lo);
        fputs("set title 'memspice train: accuracy per epoch'\nset key bottom right\n", f);
    } else {
        fputs("set ylabel 'loss'\nset title 'memspice train: loss per epoch'\nset key top right\n", f);
    }
    if (!htr && !hte) {
        /* nothing finite to draw (diverged, or not evaluated): say so */
        if (!e->acc)
            fputs("set yrange [0:1]\n", f);
        fputs("unset key\nset label 1 'no finite values to plot' at graph 0.5, graph 0.5 center\n"
              "plot '+' using 1:(NaN) with points notitle\n",
              f);
        fputs("set output\n", f);
        return;
    }
    const char *fmt = e->acc ? "%.2f %%" : "%.4g";
    int ctr = e->acc ? 3 : 2, cte = e->acc ? 5 : 4;
    /* points while they can be told apart, lines alone for long runs */
    const char *with = e->n <= 40 ? "linespoints lw 2 pt %d ps 0.9" : "lines lw 2";
    fputs("plot ", f);
    if (htr) {
        char last[64];
        snprintf(last, sizeof last, fmt, e->acc ? 100 * ltr : ltr);
        fprintf(f, "ARG2 using 1:%d with ", ctr);
        fprintf(f, with, 7);
        fprintf(f, " lc rgb '#1f4e9e' title 'train (last %s)'", last);
    }
    if (hte) {
        char last[64];
        snprintf(last, sizeof last, fmt, e->acc ? 100 * lte : lte);
        fprintf(f, "%sARG2 using 1:%d with ", htr ? ", " : "", cte);
        fprintf(f, with, 5);
        fprintf(f, " lc rgb '#c00000' title 'test (last %s)'", last);
    }
    if (hva) {
        char last[64];
        snprintf(last, sizeof last, fmt, e->acc ? 100 * lva : lva);
        fprintf(f, "%sARG2 using 1:%d with ", htr || hte ? ", " : "", e->acc ? 7 : 6);
        fprintf(f, with, 9);
        fprintf(f, " lc rgb '#2a8c3a' title 'validation (last %s)'", last);
    }
    fputs("\nset output\n", f);
}

int ms_train_plot(const char *dir, const MsEpochStats *h, int n, MsError *err)
{
    if (!dir || !dir[0])
        dir = ".";
    if (n <= 0 || !h)
        return ms_err(err, MS_ERR_ARG, "cannot plot the training of '%s': no epochs yet", dir);
    int rc = MS_OK;
    for (int acc = 0; acc <= 1 && rc == MS_OK; acc++) {
        Epochs e = {h, n, acc};
        char *png = ms_asprintf("%s/%s", dir, acc ? "accuracy.png" : "loss.png");
        Plot p = {png, epochs_data, epochs_script, &e, {NULL}};
        rc = draw(&p, err);
        free(png);
    }
    return rc;
}

/* ---------------------------------------------------------- fault sweep */

typedef struct Sweep {
    const double *x;
    int nf;
    const MsFaultSeries *s[2];
    int ns;
    double dodge;   /* x offset of the second series, so the error bars do not overlap */
} Sweep;

/* columns: fraction, then per series: mean% lo% hi% */
static void sweep_data(FILE *f, const void *user)
{
    const Sweep *w = user;
    fputs("# fraction mean_percent lo_percent hi_percent [mean2 lo2 hi2]\n", f);
    for (int i = 0; i < w->nf; i++) {
        fprintf(f, "%.10g", w->x[i]);
        for (int j = 0; j < w->ns; j++) {
            const MsFaultSeries *s = w->s[j];
            num(f, 100 * s->mean[i]);
            num(f, s->lo ? 100 * s->lo[i] : NAN);
            num(f, s->hi ? 100 * s->hi[i] : NAN);
        }
        fputc('\n', f);
    }
}

static void sweep_script(FILE *f, const void *user)
{
    const Sweep *w = user;
    head(f);
    double x0 = w->x[0], x1 = w->x[0], ylo = 100;
    for (int i = 0; i < w->nf; i++) {
        if (isfinite(w->x[i])) {
            x0 = fmin(x0, w->x[i]);
            x1 = fmax(x1, w->x[i]);
        }
        for (int j = 0; j < w->ns; j++) {
            const MsFaultSeries *s = w->s[j];
            double v = s->lo ? s->lo[i] : s->mean[i];
            if (isfinite(v))
                ylo = fmin(ylo, 100 * v);
            if (isfinite(s->mean[i]))
                ylo = fmin(ylo, 100 * s->mean[i]);
        }
    }
    double pad = x1 > x0 ? 0.05 * (x1 - x0) : 0.05;
    fprintf(f, "set xrange [%.10g:%.10g]\n", x0 - pad, x1 + pad);
    fprintf(f, "set yrange [%g:100]\n", fmax(0, floor((ylo - 1) / 10) * 10));
    fputs("set xlabel 'fraction of stuck-at cells'\nset ylabel 'accuracy (%)'\n"
          "set title ARG3\nset key bottom left\n",
          f);
    int bars = 0;
    for (int j = 0; j < w->ns; j++)
        bars |= w->s[j]->lo != NULL;
    if (bars)
        fputs("set key title 'error bars: min..max over the fault seeds'\n", f);
    static const char *const color[2] = {"#1f4e9e", "#c00000"};
    static const int pt[2] = {7, 5};
    fputs("plot ", f);
    for (int j = 0; j < w->ns; j++) {
        const MsFaultSeries *s = w->s[j];
        int c = 2 + 3 * j;
        double dx = j ? w->dodge : 0;
        if (s->lo)
            fprintf(f, "%sARG2 using ($1+%.10g):%d:%d:%d with yerrorlines lw 2 pt %d ps 0.9 lc rgb '%s' title ARG%d",
                    j ? ", " : "", dx, c, c + 1, c + 2, pt[j], color[j], 4 + j);
        else
            fprintf(f, "%sARG2 using ($1+%.10g):%d with linespoints lw 2 pt %d ps 0.9 lc rgb '%s' title ARG%d",
                    j ? ", " : "", dx, c, pt[j], color[j], 4 + j);
    }
    fputs("\nset output\n", f);
}

static int check_series(const char *path, const MsFaultSeries *s, const char *which, MsError *err)
{
    if (!s->mean)
        return ms_err(err, MS_ERR_ARG, "cannot draw '%s': the %s series has no values", path, which);
    if ((s->lo == NULL) != (s->hi == NULL))
        return ms_err(err, MS_ERR_ARG, "cannot draw '%s': the %s series needs both lo and hi (or neither)", path,
                      which);
    return MS_OK;
}

int ms_fault_plot(const char *path, const double *fractions, int nf, const MsFaultSeries *a,
                  const MsFaultSeries *b, const char *title, MsError *err)
{
    if (!path || !path[0])
        return ms_err(err, MS_ERR_ARG, "no file name given for the fault plot");
    if (nf <= 0 || !fractions || !a)
        return ms_err(err, MS_ERR_ARG, "cannot draw '%s': no fault fractions", path);
    for (int i = 0; i < nf; i++)
        if (!isfinite(fractions[i]))
            return ms_err(err, MS_ERR_ARG, "cannot draw '%s': fault fraction %d is not a number", path, i);
    int rc = check_series(path, a, "first", err);
    if (rc == MS_OK && b)
        rc = check_series(path, b, "second", err);
    if (rc != MS_OK)
        return rc;
    Sweep w = {fractions, nf, {a, b}, b ? 2 : 1, 0};
    if (b && (a->lo || b->lo)) {
        double x0 = fractions[0], x1 = fractions[0];
        for (int i = 1; i < nf; i++) {
            x0 = fmin(x0, fractions[i]);
            x1 = fmax(x1, fractions[i]);
        }
        w.dodge = x1 > x0 ? 0.006 * (x1 - x0) : 0;
    }
    Plot p = {path, sweep_data, sweep_script, &w,
              {title ? title : "accuracy against stuck-at faults", a->label ? a->label : "accuracy",
               b ? (b->label ? b->label : "accuracy (second series)") : NULL, NULL}};
    return draw(&p, err);
}
