/* plot.c — one PNG per compared transient signal, drawn by gnuplot (Debian's
 * gnuplot-nox): the two waveforms overlaid on top, their difference below
 * with the allowed band, axes in engineering units.  gnuplot reads the
 * script on its stdin and writes the temporary name, which is renamed into
 * place once gnuplot succeeded. */
#include "check_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../io/result.h"
#include "../util/util.h"

/* Engineering prefix for values up to maxabs: factor to multiply by. */
static double eng(double maxabs, const char **prefix)
{
    static const char *p[] = {"f", "p", "n", "µ", "m", "", "k", "M", "G", "T"};
    if (!(maxabs > 0) || !isfinite(maxabs)) {
        *prefix = "";
        return 1;
    }
    int e3 = (int)floor(log10(maxabs) / 3.0);
    if (e3 < -5)
        e3 = -5;
    if (e3 > 4)
        e3 = 4;
    *prefix = p[e3 + 5];
    return pow(10.0, -3.0 * e3);
}

/* "35.0 mV": v in engineering notation with unit u (malloc'ed). */
static char *eng_str(double v, const char *u)
{
    if (!isfinite(v))
        return ms_asprintf("%g %s", v, u);
    const char *p;
    double f = eng(fabs(v), &p);
    if (!u[0])
        return ms_asprintf("%.3g", v);
    return ms_asprintf("%.3g %s%s", v * f, p, u);
}

/* A string as a single-quoted gnuplot literal: ' doubled, and control
 * characters (a newline would end the literal and start a command: file
 * names may hold one) shown as '?'. */
static void gq(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
    }
    fputc('\'', f);
}

static char *png_name(const MsCheck *c, const char *signal)
{
    char *s = ms_malloc(strlen(signal) + 16);
    size_t n = 0;
    for (const char *p = signal; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' ||
                 (ch >= 'A' && ch <= 'Z');
        if (ok)
            s[n++] = (char)ch;
        else if (n && s[n - 1] != '_')
            s[n++] = '_';
    }
    while (n && s[n - 1] == '_')
        n--;
    if (!n)
        s[n++] = 's';
    s[n] = 0;
    /* two signals that sanitize alike (v(a,b) and v(a_b)) get distinct files */
    char *name = ms_asprintf("%s.png", s);
    for (int k = 2;; k++) {
        int clash = 0;
        for (int i = 0; i < c->nrows; i++)
            if (c->rows[i].png && !strcmp(c->rows[i].png, name))
                clash = 1;
        if (!clash)
            break;
        free(name);
        name = ms_asprintf("%s_%d.png", s, k);
    }
    free(s);
    return name;
}

static void datablock(FILE *f, const char *name, const double *t, const double *y, size_t n, size_t stride,
                      double tx, double yx)
{
    fprintf(f, "$%s << EOD\n", name);
    for (size_t k = 0; k < n; k++)
        fprintf(f, "%.10g %.10g\n", t[k] * tx, y[k * stride] * yx);
    fprintf(f, "EOD\n");
}

static void script(FILE *f, const MsCheck *c, const MsSigRow *r, const char *out)
{
    const MsResult *a = &c->ms_tran, *b = &c->ng.tran;
    MsWave wa = {a->time, a->data + r->ia, a->npts, (size_t)a->nvec};
    MsWave wb = {b->time, b->data + r->ib, b->npts, (size_t)b->nvec};
    double *dt, *dd;
    size_t nd;
    ms_wave_diff(&wa, &wb, &dt, &dd, &nd);

    const char *unit = ms_check_unit(r->kind);
    double tmax = fmax(fabs(a->time[a->npts - 1]), fabs(b->time[b->npts - 1]));
    double ymax = 0, dmax = 0;
    for (size_t k = 0; k < a->npts; k++)
        ymax = fmax(ymax, fabs(a->data[k * (size_t)a->nvec + (size_t)r->ia]));
    for (size_t k = 0; k < b->npts; k++)
        ymax = fmax(ymax, fabs(b->data[k * (size_t)b->nvec + (size_t)r->ib]));
    for (size_t k = 0; k < nd; k++)
        if (isfinite(dd[k]))
            dmax = fmax(dmax, fabs(dd[k]));
    /* the allowed band is drawn when it does not flatten the difference */
    int band = r->allowed > 0 && r->allowed < 20 * dmax;
    const char *tp, *yp, *dp;
    double tx = eng(tmax, &tp), yx = eng(ymax, &yp), dx = eng(band ? fmax(dmax, r->allowed) : dmax, &dp);

    fputs("if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
          "  set terminal pngcairo size 1100,800 noenhanced font ',10'\n"
          "} else {\n"
          "  set terminal png size 1100,800 noenhanced\n"
          "}\n",
          f);
    fputs("set encoding utf8\nset output ", f);
    gq(f, out);
    fputc('\n', f);
    datablock(f, "ms", a->time, a->data + r->ia, a->npts, (size_t)a->nvec, tx, yx);
    datablock(f, "ng", b->time, b->data + r->ib, b->npts, (size_t)b->nvec, tx, yx);
    datablock(f, "d", dt, dd, nd, 1, tx, dx);

    char *e1 = eng_str(r->abs_err, unit), *e2 = eng_str(r->e.t_max, "s"), *e3 = eng_str(r->allowed, unit);
    /* names go into single-quoted literals only: gnuplot runs `commands`
     * inside double quotes, so the line break is its own "\n" literal */
    char *line1 = ms_asprintf("%s: %s", c->in->label, r->name);
    char *line2 = ms_asprintf("%s: max |memspice - ngspice| = %s (%.3g of the range) at t = %s; allowed %s",
                              r->pass ? "pass" : "FAIL", e1, r->rel_err, e2, e3);
    fputs("set multiplot layout 2,1 title ", f);
    gq(f, line1);
    fputs(" . \"\\n\" . ", f);
    gq(f, line2);
    free(line1);
    free(line2);
    free(e1);
    free(e2);
    fputs("\nset grid\nset key top right opaque box\nset lmargin 14\n", f);
    char *s = ms_asprintf("time (%ss)", tp);
    fputs("set xlabel ", f);
    gq(f, s);
    free(s);
    s = unit[0] ? ms_asprintf("%s (%s%s)", r->name, yp, unit)
        : yx == 1 ? ms_strdup(r->name) : ms_asprintf("%s (x %g)", r->name, 1 / yx);
    fputs("\nset ylabel ", f);
    gq(f, s);
    free(s);
    fputs("\nset title 'the two waveforms'\n", f);
    fprintf(f,
            "plot $ng using 1:2 with lines lw 5 lc rgb '#9ec5fe' title 'ngspice (%zu points)', "
            "$ms using 1:2 with lines lw 1.5 lc rgb '#c00000' title 'memspice (%zu points)'\n",
            b->npts, a->npts);
    fputs("set title 'difference memspice - ngspice (each interpolated onto the other''s time points)'\n", f);
    s = unit[0] ? ms_asprintf("difference (%s%s)", dp, unit)
        : dx == 1 ? ms_strdup("difference") : ms_asprintf("difference (x %g)", 1 / dx);
    fputs("set ylabel ", f);
    gq(f, s);
    free(s);
    fputc('\n', f);
    if (band) {
        double A = r->allowed * dx;
        fprintf(f,
                "plot $d using 1:2 with lines lw 1.2 lc rgb '#1f4e9e' title 'memspice - ngspice', "
                "%.10g with lines dt 2 lw 1.5 lc rgb '#d08000' title 'allowed: ± %s', "
                "%.10g with lines dt 2 lw 1.5 lc rgb '#d08000' notitle\n",
                A, e3, -A);
    } else {
        fprintf(f, "plot $d using 1:2 with lines lw 1.2 lc rgb '#1f4e9e' title 'memspice - ngspice (allowed: ± %s)'\n",
                e3);
    }
    free(e3);
    fputs("unset multiplot\nset output\n", f);
    free(dt);
    free(dd);
}

/* Run gnuplot on the script for row r; 0 if the PNG is in place. */
static int one_plot(MsCheck *c, const char *gnuplot, const char *dir, MsSigRow *r, char **why)
{
    char *name = png_name(c, r->name);
    char *path = ms_asprintf("%s/%s", dir, name);
    char *tmp = ms_out_tmpname(path);
    char *log = ms_asprintf("%s.log", tmp);
    int fds[2];
    int ok = 0;
    if (pipe(fds) != 0) {
        *why = ms_asprintf("cannot create a pipe: %s", strerror(errno));
        goto done;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        *why = ms_asprintf("cannot start gnuplot: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        goto done;
    }
    if (pid == 0) {
        dup2(fds[0], 0);
        close(fds[0]);
        close(fds[1]);
        int nul = open("/dev/null", O_WRONLY);
        int lg = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (nul >= 0)
            dup2(nul, 1);
        if (lg >= 0)
            dup2(lg, 2);
        execl(gnuplot, "gnuplot", (char *)NULL);
        _exit(127);
    }
    close(fds[0]);
    /* gnuplot may die before reading everything: no SIGPIPE for us then */
    struct sigaction ign, old;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old);
    FILE *f = fdopen(fds[1], "w");
    if (f) {
        script(f, c, r, tmp);
        fclose(f);
    } else {
        close(fds[1]);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    sigaction(SIGPIPE, &old, NULL);
    struct stat sb;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && stat(tmp, &sb) == 0 && sb.st_size > 0) {
        MsError err = {0};
        if (ms_out_commit(tmp, path, &err) == MS_OK) {
            ok = 1;
            r->png = name;
            name = NULL;
        } else {
            *why = ms_strdup(err.msg);
        }
    } else {
        char msg[300] = "";
        FILE *lf = fopen(log, "r");
        if (lf) {
            size_t n = fread(msg, 1, sizeof msg - 1, lf);
            msg[n] = 0;
            fclose(lf);
            for (char *p = msg; *p; p++)
                if (*p == '\n')
                    *p = ' ';
        }
        *why = ms_asprintf("gnuplot failed on %s (%s%d)%s%s", name, WIFEXITED(st) ? "exit status " : "signal ",
                           WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), msg[0] ? ": " : "", msg);
        remove(tmp);
    }
done:
    remove(log);
    free(log);
    free(tmp);
    free(path);
    free(name);
    return ok ? 0 : -1;
}

void ms_check_write_plots(MsCheck *c, const char *dir)
{
    int any = 0;
    for (int i = 0; i < c->nrows; i++)
        any |= c->rows[i].analysis == MS_ROW_TRAN;
    if (!any)
        return;
    char *gnuplot = ms_gnuplot_program();
    if (!gnuplot) {
        c->plot_note = ms_strdup("gnuplot not found (Debian package gnuplot-nox; 'make deps' installs it): "
                                 "no PNG plots written");
        return;
    }
    for (int i = 0; i < c->nrows; i++) {
        if (c->rows[i].analysis != MS_ROW_TRAN)   /* DC sweeps and AC: the table only */
            continue;
        char *why = NULL;
        if (one_plot(c, gnuplot, dir, &c->rows[i], &why) != 0) {
            if (!c->plot_note)
                c->plot_note = why;
            else
                free(why);
        }
    }
    free(gnuplot);
}
