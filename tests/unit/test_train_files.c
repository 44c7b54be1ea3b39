/* test_train_files.c — the files `memspice train` writes: the HDF5
 * checkpoint (bit-exact round trip of values, names, optimiser moments and
 * history; atomic writes; refused missing, truncated, damaged, foreign or
 * incomplete files, with the file named), metrics.csv (exact text), and the
 * gnuplot PNGs (loss, accuracy, fault sweep: real PNGs, no temporary files,
 * titles never executed; skipped with a message when gnuplot is absent). */
#include "check.h"
#include "tmp_util.h"
#include "train/checkpoint.h"
#include "train/train_plot.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hdf5.h>

static int same_bits(double a, double b)
{
    return !memcmp(&a, &b, sizeof a);
}

static double nan_payload(uint64_t payload)
{
    uint64_t u = 0x7ff8000000000000ull | payload;
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* ---- fixture ---- */

#define NP 7
#define NH 4

static const char *const NAMES[NP] = {"m1p_0_0:x0", "m1n_0_0:x0", "x1.m2_3_9:x0", "r/odd:r",
                                      "m2_9_9:x0", "ümlaut:x0", "mlong_123456789_123456789_123456789:x0"};

static void make_ck(MsCheckpoint *ck, double *p, double *m, double *v, MsEpochStats *h)
{
    const double vals[NP] = {1.0 / 3.0, -0.0, 5e-324, nan_payload(0x1234), 1.7976931348623157e308,
                             0.30000000000000004, -2.2250738585072014e-308};
    for (int k = 0; k < NP; k++) {
        p[k] = vals[k];
        m[k] = vals[(k + 1) % NP] * -1.5;
        v[k] = k == 3 ? INFINITY : vals[(k + 3) % NP] * 1e-3;
    }
    for (int k = 0; k < NH; k++) {
        h[k] = (MsEpochStats){k + 1, 2.3 / (k + 1), 0.1 + 0.2 * k, NAN, NAN, 12.5 + k / 7.0, 1000.0 / 3.0 + k,
                              1e-3 * pow(0.5, k), k % 3 ? NAN : 1.9 / (k + 1), k % 3 ? NAN : 0.3 + 0.1 * k};
        if (k % 2)
            h[k].test_loss = 2.1 / (k + 1), h[k].test_acc = 0.15 + 0.19 * k;
    }
    memset(ck, 0, sizeof *ck);
    ck->epoch = NH;
    ck->step = 1L << 40;
    ck->seed = 0xfedcba9876543210ull;
    ck->nparams = NP;
    ck->names = (char **)NAMES;
    ck->params = p;
    ck->opt_m = m;
    ck->opt_v = v;
    ck->nhist = NH;
    ck->hist = h;
    ck->config = "optimizer=adam\nlr=0.001\nbatch=32\nname=it's \"quoted\"\n";
}

static void check_hist_same(const MsEpochStats *got, const MsEpochStats *want, int n, const char *what)
{
    for (int k = 0; k < n; k++) {
        CHECK_MSG(got[k].epoch == want[k].epoch, "%s: hist[%d].epoch %d", what, k, got[k].epoch);
        double gv[7] = {got[k].train_loss, got[k].train_acc, got[k].test_loss, got[k].test_acc,
                        got[k].seconds, got[k].samples_per_s, got[k].lr};
        double wv[7] = {want[k].train_loss, want[k].train_acc, want[k].test_loss, want[k].test_acc,
                        want[k].seconds, want[k].samples_per_s, want[k].lr};
        for (int j = 0; j < 7; j++)
            CHECK_MSG(same_bits(gv[j], wv[j]), "%s: hist[%d] column %d: %.17g, want %.17g", what, k, j, gv[j],
                      wv[j]);
    }
}

static void check_ck_same(const MsCheckpoint *got, const MsCheckpoint *want, const char *what)
{
    CHECK_MSG(got->epoch == want->epoch, "%s: epoch %d", what, got->epoch);
    CHECK_MSG(got->step == want->step, "%s: step %ld", what, got->step);
    CHECK_MSG(got->seed == want->seed, "%s: seed %llx", what, got->seed);
    CHECK_MSG(got->nparams == want->nparams, "%s: nparams %d", what, got->nparams);
    CHECK_MSG(got->nhist == want->nhist, "%s: nhist %d", what, got->nhist);
    CHECK_MSG(got->config && !strcmp(got->config, want->config ? want->config : ""), "%s: config '%s'", what,
              got->config ? got->config : "(null)");
    CHECK_MSG(got->params != NULL && got->names != NULL && got->hist != NULL, "%s: arrays allocated", what);
    CHECK_MSG((got->opt_m == NULL) == (want->opt_m == NULL), "%s: opt_m presence", what);
    CHECK_MSG((got->opt_v == NULL) == (want->opt_v == NULL), "%s: opt_v presence", what);
    if (got->nparams != want->nparams || !got->params || !got->names)
        return;
    for (int k = 0; k < want->nparams; k++) {
        CHECK_MSG(got->names[k] && !strcmp(got->names[k], want->names[k]), "%s: name %d '%s'", what, k,
                  got->names[k] ? got->names[k] : "(null)");
        CHECK_MSG(same_bits(got->params[k], want->params[k]), "%s: params[%d] = %.17g, want %.17g", what, k,
                  got->params[k], want->params[k]);
        if (got->opt_m && want->opt_m)
            CHECK_MSG(same_bits(got->opt_m[k], want->opt_m[k]), "%s: opt_m[%d]", what, k);
        if (got->opt_v && want->opt_v)
            CHECK_MSG(same_bits(got->opt_v[k], want->opt_v[k]), "%s: opt_v[%d]", what, k);
    }
    if (got->nhist == want->nhist && got->hist)
        check_hist_same(got->hist, want->hist, want->nhist, what);
}

static int ck_is_empty(const MsCheckpoint *ck)
{
    static const MsCheckpoint zero;
    return !memcmp(ck, &zero, sizeof zero);
}

/* ---- checkpoint ---- */

static void test_roundtrip(void)
{
    double p[NP], m[NP], v[NP];
    MsEpochStats h[NH];
    MsCheckpoint ck, got;
    make_ck(&ck, p, m, v, h);
    char *path = tpath("ck.h5");
    MsError err = {0};
    int rc = ms_checkpoint_write(path, &ck, &err);
    CHECK_MSG(rc == MS_OK, "write: %s", err.msg);
    CHECK_MSG(count_tmp_files(tmpdir) == 0, "temporary file left after a write");
    rc = ms_checkpoint_read(path, &got, &err);
    CHECK_MSG(rc == MS_OK, "read: %s", err.msg);
    check_ck_same(&got, &ck, "full");
    ms_checkpoint_free(&got);
    CHECK(ck_is_empty(&got));
    ms_checkpoint_free(NULL);

    /* overwrite: the new content replaces the old atomically */
    ck.epoch = 5;
    p[0] = 0.25;
    rc = ms_checkpoint_write(path, &ck, &err);
    CHECK_MSG(rc == MS_OK, "rewrite: %s", err.msg);
    rc = ms_checkpoint_read(path, &got, &err);
    CHECK_MSG(rc == MS_OK && got.epoch == 5 && got.params && got.params[0] == 0.25, "rewritten content");
    ms_checkpoint_free(&got);

    /* SGD with momentum: m only; no config */
    ck.opt_v = NULL;
    ck.config = NULL;
    char *p2 = tpath("sgd.h5");
    rc = ms_checkpoint_write(p2, &ck, &err);
    CHECK_MSG(rc == MS_OK, "write sgd: %s", err.msg);
    rc = ms_checkpoint_read(p2, &got, &err);
    CHECK_MSG(rc == MS_OK, "read sgd: %s", err.msg);
    check_ck_same(&got, &ck, "sgd");
    CHECK(got.opt_m != NULL && got.opt_v == NULL);
    ms_checkpoint_free(&got);

    /* nothing trained yet: no parameters, no history, no moments */
    MsCheckpoint empty = {0};
    empty.seed = 1;
    char *p3 = tpath("empty.h5");
    rc = ms_checkpoint_write(p3, &empty, &err);
    CHECK_MSG(rc == MS_OK, "write empty: %s", err.msg);
    rc = ms_checkpoint_read(p3, &got, &err);
    CHECK_MSG(rc == MS_OK, "read empty: %s", err.msg);
    CHECK(got.nparams == 0 && got.nhist == 0 && got.seed == 1 && got.opt_m == NULL && got.opt_v == NULL);
    CHECK(got.params && got.names && got.hist && got.config && !got.config[0]);
    ms_checkpoint_free(&got);

    /* h5dump reads it, and shows the layout the header promises */
    if (access("/usr/bin/h5dump", X_OK) == 0) {
        char *cmd = ms_asprintf("/usr/bin/h5dump -H '%s' > '%s/dump.txt' 2>&1", path, tmpdir);
        int st = system(cmd);
        free(cmd);
        char *dump = tpath("dump.txt");
        size_t n;
        char *txt = slurp(dump, &n);
        CHECK_MSG(st == 0 && txt, "h5dump failed on the checkpoint");
        if (txt) {
            static const char *const want[] = {"DATASET \"params\"", "DATASET \"names\"", "DATASET \"opt_m\"",
                                               "DATASET \"opt_v\"", "GROUP \"history\"", "DATASET \"test_acc\"",
                                               "ATTRIBUTE \"epoch\"", "ATTRIBUTE \"step\"", "ATTRIBUTE \"seed\"",
                                               "ATTRIBUTE \"config\"", "ATTRIBUTE \"format\""};
            for (size_t k = 0; k < sizeof want / sizeof *want; k++)
                CHECK_MSG(strstr(txt, want[k]) != NULL, "h5dump -H shows no %s", want[k]);
        }
        free(txt);
        remove(dump);
        free(dump);
    }
    free(path);
    free(p2);
    free(p3);
}

static void test_write_errors(void)
{
    double p[NP], m[NP], v[NP];
    MsEpochStats h[NH];
    MsCheckpoint ck;
    make_ck(&ck, p, m, v, h);
    MsError err = {0};
    int before = count_files(tmpdir);

    /* a folder that does not exist: an error naming the file, nothing left */
    char *path = tpath("no/such/dir/ck.h5");
    int rc = ms_checkpoint_write(path, &ck, &err);
    CHECK_MSG(rc == MS_ERR_IO && strstr(err.msg, path), "missing folder: %d %s", rc, err.msg);
    CHECK(count_files(tmpdir) == before);
    free(path);

    /* a nameless parameter: refused before anything is created */
    const char *bad[NP];
    memcpy(bad, NAMES, sizeof bad);
    bad[2] = NULL;
    ck.names = (char **)bad;
    path = tpath("bad.h5");
    rc = ms_checkpoint_write(path, &ck, &err);
    CHECK_MSG(rc == MS_ERR_ARG && strstr(err.msg, path), "NULL name: %d %s", rc, err.msg);
    CHECK(access(path, F_OK) != 0 && count_files(tmpdir) == before);
    ck.names = (char **)NAMES;
    ck.nparams = -1;
    rc = ms_checkpoint_write(path, &ck, &err);
    CHECK_MSG(rc == MS_ERR_ARG && access(path, F_OK) != 0, "negative nparams: %d %s", rc, err.msg);
    ck.nparams = NP;
    free(path);

    /* a full disk in the middle of the write: the previous checkpoint stays
     * intact and readable, no temporary file is left */
    path = tpath("full.h5");
    rc = ms_checkpoint_write(path, &ck, &err);
    CHECK_MSG(rc == MS_OK, "write: %s", err.msg);
    size_t n0, n1;
    unsigned char *old = slurp(path, &n0);
    double big[20000];
    char **names = ms_malloc(sizeof *names * 20000);
    for (int k = 0; k < 20000; k++) {
        big[k] = k;
        names[k] = ms_asprintf("m1p_%d_%d:x0", k / 100, k % 100);
    }
    MsCheckpoint large = ck;
    large.nparams = 20000;
    large.names = names;
    large.params = large.opt_m = large.opt_v = big;
    struct rlimit lim0, lim;
    getrlimit(RLIMIT_FSIZE, &lim0);
    lim = lim0;
    lim.rlim_cur = 8192;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    setrlimit(RLIMIT_FSIZE, &lim);
    rc = ms_checkpoint_write(path, &large, &err);
    setrlimit(RLIMIT_FSIZE, &lim0);
    signal(SIGXFSZ, prev);
    CHECK_MSG(rc == MS_ERR_IO && strstr(err.msg, path), "disk full: %d %s", rc, err.msg);
    CHECK_MSG(count_tmp_files(tmpdir) == 0, "temporary file left after a failed write");
    unsigned char *now = slurp(path, &n1);
    CHECK_MSG(old && now && n0 == n1 && !memcmp(old, now, n0), "the previous checkpoint changed");
    MsCheckpoint got;
    rc = ms_checkpoint_read(path, &got, &err);
    CHECK_MSG(rc == MS_OK && got.nparams == NP, "previous checkpoint unreadable: %s", err.msg);
    ms_checkpoint_free(&got);
    /* and without the limit, the large one round-trips */
    rc = ms_checkpoint_write(path, &large, &err);
    CHECK_MSG(rc == MS_OK, "large write: %s", err.msg);
    rc = ms_checkpoint_read(path, &got, &err);
    CHECK_MSG(rc == MS_OK, "large read: %s", err.msg);
    check_ck_same(&got, &large, "large");
    ms_checkpoint_free(&got);
    for (int k = 0; k < 20000; k++)
        free(names[k]);
    free(names);
    free(old);
    free(now);
    remove(path);
    free(path);
}

/* Reading path must fail with MS_ERR_IO, an error naming the file (and
 * containing want, if given), and leave *ck empty. */
static void expect_read_error(const char *path, const char *want, const char *what)
{
    MsCheckpoint got;
    memset(&got, 0x5a, sizeof got);
    MsError err = {0};
    int rc = ms_checkpoint_read(path, &got, &err);
    CHECK_MSG(rc == MS_ERR_IO, "%s: rc %d (%s)", what, rc, err.msg);
    CHECK_MSG(strstr(err.msg, path) != NULL, "%s: error does not name the file: %s", what, err.msg);
    if (want)
        CHECK_MSG(strstr(err.msg, want) != NULL, "%s: error '%s' does not say '%s'", what, err.msg, want);
    CHECK_MSG(ck_is_empty(&got), "%s: checkpoint not emptied", what);
    ms_checkpoint_free(&got);
}

/* A copy of src with HDF5 surgery applied: delete link del (if not NULL),
 * replace dataset short_ds by one of 2 doubles, or set the format attr. */
static char *doctored(const char *src, const char *name, const char *del, const char *short_ds, const char *format)
{
    size_t n;
    unsigned char *b = slurp(src, &n);
    char *dst = tpath(name);
    spill(dst, b, n);
    free(b);
    hid_t f = H5Fopen(dst, H5F_ACC_RDWR, H5P_DEFAULT);
    CHECK_MSG(f >= 0, "cannot reopen %s", dst);
    if (f < 0)
        return dst;
    if (del)
        CHECK_MSG(H5Ldelete(f, del, H5P_DEFAULT) >= 0, "cannot delete %s", del);
    if (short_ds) {
        H5Ldelete(f, short_ds, H5P_DEFAULT);
        hsize_t dims[1] = {2};
        double two[2] = {1, 2};
        hid_t sp = H5Screate_simple(1, dims, NULL);
        hid_t ds = H5Dcreate2(f, short_ds, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        CHECK(ds >= 0 && H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, two) >= 0);
        H5Dclose(ds);
        H5Sclose(sp);
    }
    if (format) {
        H5Adelete(f, "format");
        hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR);
        H5Tset_size(t, H5T_VARIABLE);
        hid_t a = H5Acreate2(f, "format", t, sp, H5P_DEFAULT, H5P_DEFAULT);
        CHECK(a >= 0 && H5Awrite(a, t, &format) >= 0);
        H5Aclose(a);
        H5Sclose(sp);
        H5Tclose(t);
    }
    H5Fclose(f);
    return dst;
}

/* Every single damaged byte of the checkpoint image img gives an error
 * naming the file, or (a byte the file does not use) the unchanged content;
 * never a crash or a hang.  Run in a child process that leaves with _exit:
 * HDF5 1.10 leaks the object header it fails to load from a damaged file
 * (inside H5O_protect; not memspice's memory, and nothing memspice can
 * free), which LeakSanitizer would otherwise report at exit.  Our own
 * error paths are leak-checked by the other damaged-file cases. */
static void damaged_bytes(unsigned char *img, size_t n, const MsCheckpoint *ck, const char *path)
{
    fflush(stdout);
    pid_t pid = fork();
    CHECK_MSG(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        alarm(600);   /* a hang in HDF5 shows as SIGALRM */
        int refused = 0, intact = 0;
        static const unsigned char masks[2] = {0x5a, 0xff};
        for (int mi = 0; mi < 2; mi++) {
            for (size_t k = 0; k < n; k += mi ? 17 : k < 2048 ? 1 : 4) {   /* ~4000 files, 2 s */
                img[k] ^= masks[mi];
                spill(path, img, n);
                img[k] ^= masks[mi];
                MsCheckpoint got;
                MsError err = {0};
                int rc = ms_checkpoint_read(path, &got, &err);
                if (rc == MS_OK) {
                    intact++;
                    char what[64];
                    snprintf(what, sizeof what, "byte %zu ^ 0x%02x read back", k, masks[mi]);
                    check_ck_same(&got, ck, what);
                } else {
                    refused++;
                    CHECK_MSG(rc == MS_ERR_IO && strstr(err.msg, path) && ck_is_empty(&got),
                              "byte %zu ^ 0x%02x: rc %d %s", k, masks[mi], rc, err.msg);
                }
                ms_checkpoint_free(&got);
            }
        }
        CHECK_MSG(refused > 0, "no damaged byte was noticed (%d read back intact)", intact);
        printf("train_files: %d damaged files refused, %d with the damage in unused bytes read back intact\n",
               refused, intact);
        fflush(stdout);
        _exit(check_fail_ ? 1 : 0);
    }
    int st = 0;
    while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    CHECK_MSG(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "damaged-byte reads: %s %d (failures above)",
              WIFSIGNALED(st) ? "killed by signal" : "exit status",
              WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
}

static void test_read_errors(void)
{
    double p[NP], m[NP], v[NP];
    MsEpochStats h[NH];
    MsCheckpoint ck;
    make_ck(&ck, p, m, v, h);
    MsError err = {0};
    char *good = tpath("good.h5");
    CHECK_MSG(ms_checkpoint_write(good, &ck, &err) == MS_OK, "write: %s", err.msg);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);

    char *path = tpath("missing.h5");
    expect_read_error(path, "No such file", "missing file");
    free(path);
    expect_read_error(tmpdir, "folder", "a folder");

    path = tpath("empty.h5");
    spill(path, "", 0);
    expect_read_error(path, "not an HDF5 file", "empty file");
    free(path);
    path = tpath("text.h5");
    const char *txt = "epoch,train_loss\n1,0.5\n";
    spill(path, txt, strlen(txt));
    expect_read_error(path, "not an HDF5 file", "text file");
    free(path);

    /* every truncation of a good checkpoint is refused (the 8-byte
     * signature alone still looks like HDF5: "truncated") */
    size_t n;
    unsigned char *img = slurp(good, &n);
    CHECK(img && n > 1000);
    path = tpath("trunc.h5");
    int refused = 0, tried = 0;
    for (size_t len = 0; img && len < n; len += (len < 64 ? 1 : 37)) {
        spill(path, img, len);
        MsCheckpoint got;
        int rc = ms_checkpoint_read(path, &got, &err);
        tried++;
        if (rc == MS_ERR_IO && strstr(err.msg, path) && ck_is_empty(&got))
            refused++;
        else
            printf("FAIL-detail truncation to %zu of %zu bytes: rc %d %s\n", len, n, rc, err.msg);
        ms_checkpoint_free(&got);
    }
    CHECK_MSG(refused == tried, "truncated files: %d of %d refused", refused, tried);
    spill(path, img, n - 1);
    expect_read_error(path, "truncated", "one byte short");
    free(path);

    /* one damaged byte anywhere */
    path = tpath("flip.h5");
    if (img)
        damaged_bytes(img, n, &ck, path);
    /* a damaged parameter value (raw data, not checksummed by HDF5) is refused */
    size_t at = 0;
    for (size_t k = 0; img && k + 8 <= n; k++)
        if (!memcmp(img + k, &p[0], 8))
            at = k;
    CHECK_MSG(at > 0, "params[0] not found in the file");
    if (at) {
        img[at] ^= 1;
        spill(path, img, n);
        img[at] ^= 1;
        expect_read_error(path, "checksum", "damaged parameter value");
    }
    /* the superblock and object headers are checksummed: a damaged byte early in the file is refused */
    img[40] ^= 1;
    spill(path, img, n);
    img[40] ^= 1;
    expect_read_error(path, NULL, "damaged superblock");
    free(path);
    free(img);

    /* an HDF5 file that is not a checkpoint */
    path = tpath("foreign.h5");
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t dims[1] = {3};
    double three[3] = {1, 2, 3};
    hid_t sp = H5Screate_simple(1, dims, NULL);
    hid_t ds = H5Dcreate2(f, "x", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, three);
    H5Dclose(ds);
    H5Sclose(sp);
    H5Fclose(f);
    expect_read_error(path, "not a memspice checkpoint", "foreign HDF5 file");
    free(path);

    /* a checkpoint missing one piece, or with one of the wrong size */
    static const char *const drop[] = {"params", "names", "opt_m", "opt_v", "history/lr", "history/epoch",
                                       "history"};
    for (size_t k = 0; k < sizeof drop / sizeof *drop; k++) {
        char *name = ms_asprintf("drop%zu.h5", k);
        char *d = doctored(good, name, drop[k], NULL, NULL);
        char *want = ms_asprintf("no dataset /%s", k == 6 ? "history/epoch" : drop[k]);
        expect_read_error(d, want, drop[k]);
        free(want);
        free(d);
        free(name);
    }
    static const char *const attrs[] = {"epoch", "step", "seed", "config", "version", "nparams"};
    for (size_t k = 0; k < sizeof attrs / sizeof *attrs; k++) {
        char *name = ms_asprintf("attr%zu.h5", k);
        char *d = doctored(good, name, NULL, NULL, NULL);
        hid_t fd = H5Fopen(d, H5F_ACC_RDWR, H5P_DEFAULT);
        CHECK(fd >= 0 && H5Adelete(fd, attrs[k]) >= 0);
        H5Fclose(fd);
        char *want = ms_asprintf("no attribute '%s'", attrs[k]);
        expect_read_error(d, want, attrs[k]);
        free(want);
        free(d);
        free(name);
    }
    char *d = doctored(good, "short.h5", NULL, "opt_m", NULL);
    expect_read_error(d, "/opt_m has 2 elements, not 7", "short opt_m");
    free(d);
    d = doctored(good, "shorth.h5", NULL, "history/seconds", NULL);
    expect_read_error(d, "/history/seconds has 2 elements, not 4", "short history column");
    free(d);
    d = doctored(good, "format.h5", NULL, NULL, "something-else");
    expect_read_error(d, "not a memspice checkpoint", "other format");
    free(d);

    free(good);
}

/* ---- metrics.csv ---- */

static void test_metrics(void)
{
    MsEpochStats h[3] = {
        {1, 2.302585092994046, 0.1, NAN, NAN, 12.5, 80, 0.001, NAN, NAN},
        {2, 1.0 / 3.0, 0.5, 0.75, 0.4375, 11.25, 88.88888888888889, 0.0005, 0.625, 0.5},
        {3, 0.1 + 0.2, 1, -0.0, 1e-300, INFINITY, 5e-324, 0, NAN, NAN},
    };
    char *path = tpath("metrics.csv");
    MsError err = {0};
    int rc = ms_metrics_write_csv(path, h, 3, &err);
    CHECK_MSG(rc == MS_OK, "metrics: %s", err.msg);
    size_t n;
    char *txt = slurp(path, &n);
    const char *want = "epoch,train_loss,train_acc,test_loss,test_acc,seconds,samples_per_s,lr,val_loss,val_acc\n"
                       "1,2.302585092994046,0.1,,,12.5,80,0.001,,\n"
                       "2,0.3333333333333333,0.5,0.75,0.4375,11.25,88.88888888888889,0.0005,0.625,0.5\n"
                       "3,0.30000000000000004,1,-0,1e-300,inf,5e-324,0,,\n";
    CHECK_MSG(txt && n == strlen(want) && !memcmp(txt, want, n), "metrics.csv is\n%.*s\nwant\n%s", (int)n,
              txt ? txt : "", want);
    /* every field reads back to the very same double */
    if (txt) {
        txt = ms_realloc(txt, n + 1);
        txt[n] = 0;
        char *line = strchr(txt, '\n');
        for (int k = 0; k < 3 && line; k++) {
            char *s = line + 1;
            const double want_v[7] = {h[k].train_loss, h[k].train_acc, h[k].test_loss, h[k].test_acc,
                                      h[k].seconds, h[k].samples_per_s, h[k].lr};
            CHECK(strtol(s, &s, 10) == h[k].epoch);
            for (int j = 0; j < 7; j++) {
                CHECK(*s == ',');
                s++;
                if (isnan(want_v[j])) {
                    CHECK_MSG(*s == ',' || *s == '\n', "row %d col %d: NaN not empty", k, j);
                    continue;
                }
                double got = strtod(s, &s);
                CHECK_MSG(same_bits(got, want_v[j]), "row %d col %d: %.17g, want %.17g", k, j, got, want_v[j]);
            }
            line = strchr(s, '\n');
        }
    }
    free(txt);
    /* no rows: just the header */
    rc = ms_metrics_write_csv(path, h, 0, &err);
    txt = slurp(path, &n);
    CHECK_MSG(rc == MS_OK && txt && n == (size_t)(strchr(want, '\n') - want + 1),
              "header-only metrics: %d %zu", rc, n);
    free(txt);
    free(path);

    int before = count_files(tmpdir);
    path = tpath("no/such/dir/metrics.csv");
    rc = ms_metrics_write_csv(path, h, 3, &err);
    CHECK_MSG(rc == MS_ERR_IO && strstr(err.msg, path), "metrics into a missing folder: %d %s", rc, err.msg);
    CHECK(count_files(tmpdir) == before);
    free(path);
    CHECK_MSG(count_tmp_files(tmpdir) == 0, "temporary file left by metrics.csv");
}

/* ---- plots ---- */

static int have_gnuplot(void)
{
    char *g = ms_gnuplot_program();
    int ok = g != NULL;
    free(g);
    return ok;
}

static int is_png(const char *path, size_t min_size)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    size_t n;
    unsigned char *b = slurp(path, &n);
    int ok = b && n >= min_size && !memcmp(b, sig, 8);
    free(b);
    return ok;
}

static void test_plot_errors(void)
{
    MsEpochStats h[2] = {{1, 1, 0.5, NAN, NAN, 1, 1, 1, NAN, NAN}, {2, 0.5, 0.7, 0.6, 0.6, 1, 1, 1, NAN, NAN}};
    MsError err = {0};
    char *dir = tpath("noplot");
    mkdir(dir, 0777);
    /* gnuplot missing: a clear error naming the file, nothing written */
    setenv("MEMSPICE_GNUPLOT", "/nonexistent/gnuplot", 1);
    int rc = ms_train_plot(dir, h, 2, &err);
    CHECK_MSG(rc == MS_ERR_IO && strstr(err.msg, "gnuplot not found") && strstr(err.msg, dir),
              "no gnuplot: %d %s", rc, err.msg);
    double x[2] = {0, 0.1}, mean[2] = {0.9, 0.5};
    MsFaultSeries a = {"plain", mean, NULL, NULL};
    char *fp = tpath("noplot/faults.png");
    rc = ms_fault_plot(fp, x, 2, &a, NULL, "t", &err);
    CHECK_MSG(rc == MS_ERR_IO && strstr(err.msg, "gnuplot not found") && strstr(err.msg, fp),
              "no gnuplot (faults): %d %s", rc, err.msg);
    /* gnuplot failing: its exit status in the error, nothing left behind */
    if (access("/bin/false", X_OK) == 0) {
        setenv("MEMSPICE_GNUPLOT", "/bin/false", 1);
        rc = ms_train_plot(dir, h, 2, &err);
        CHECK_MSG(rc == MS_ERR_IO && strstr(err.msg, "gnuplot failed") && strstr(err.msg, dir),
                  "failing gnuplot: %d %s", rc, err.msg);
    }
    unsetenv("MEMSPICE_GNUPLOT");
    CHECK_MSG(count_files(dir) == 0, "a failed plot left %d files", count_files(dir));
    /* bad arguments */
    CHECK(ms_train_plot(dir, h, 0, &err) == MS_ERR_ARG);
    MsFaultSeries half = {"x", mean, mean, NULL};
    CHECK(ms_fault_plot(fp, x, 2, &half, NULL, NULL, &err) == MS_ERR_ARG);
    CHECK(ms_fault_plot(fp, x, 0, &a, NULL, NULL, &err) == MS_ERR_ARG);
    x[1] = NAN;
    CHECK(ms_fault_plot(fp, x, 2, &a, NULL, NULL, &err) == MS_ERR_ARG);
    CHECK(count_files(dir) == 0);
    free(fp);
    free(dir);
}

static void test_plots(void)
{
    if (!have_gnuplot()) {
        printf("train_files: gnuplot not installed (Debian package gnuplot-nox): plot checks skipped\n");
        return;
    }
    MsError err = {0};
    char *dir = tpath("plots");
    mkdir(dir, 0777);
    MsEpochStats h[12];
    for (int k = 0; k < 12; k++) {
        double t = k / 11.0;
        h[k] = (MsEpochStats){k + 1, 2.3 * exp(-3 * t) + 0.05, 0.1 + 0.85 * (1 - exp(-4 * t)), NAN, NAN,
                              10, 100, 1e-3, NAN, NAN};
        if (k % 3 == 2 || k == 11)
            h[k].test_loss = h[k].train_loss * 1.1, h[k].test_acc = h[k].train_acc - 0.03;
    }
    int rc = ms_train_plot(dir, h, 12, &err);
    CHECK_MSG(rc == MS_OK, "train plot: %s", err.msg);
    char *loss = ms_asprintf("%s/loss.png", dir), *acc = ms_asprintf("%s/accuracy.png", dir);
    CHECK_MSG(is_png(loss, 2000), "%s is not a PNG", loss);
    CHECK_MSG(is_png(acc, 2000), "%s is not a PNG", acc);
    CHECK_MSG(count_files(dir) == 2, "plots folder holds %d files", count_files(dir));

    /* one epoch; then an epoch without any finite value (diverged) */
    rc = ms_train_plot(dir, h, 1, &err);
    CHECK_MSG(rc == MS_OK && is_png(loss, 1000) && is_png(acc, 1000), "one-epoch plot: %s", err.msg);
    MsEpochStats bad = {1, NAN, NAN, NAN, NAN, 1, 1, 1, NAN, NAN};
    rc = ms_train_plot(dir, &bad, 1, &err);
    CHECK_MSG(rc == MS_OK && is_png(loss, 1000) && is_png(acc, 1000), "all-NaN plot: %s", err.msg);
    rc = ms_train_plot(dir, h, 12, &err);   /* the good ones again, to look at */
    CHECK_MSG(rc == MS_OK, "train plot again: %s", err.msg);

    /* the fault sweep: two series with error bars; a title that would
     * run commands if it ever reached gnuplot as script text */
    double x[5] = {0, 0.05, 0.1, 0.2, 0.3};
    double m1[5] = {0.97, 0.93, 0.85, 0.62, 0.41}, l1[5], h1[5];
    double m2[5] = {0.965, 0.95, 0.92, 0.84, 0.70}, l2[5], h2[5];
    for (int i = 0; i < 5; i++) {
        l1[i] = m1[i] - 0.01 * i, h1[i] = m1[i] + 0.008 * i;
        l2[i] = m2[i] - 0.006 * i, h2[i] = m2[i] + 0.005 * i;
    }
    MsFaultSeries a = {"plain training", m1, l1, h1}, b = {"fault-aware training (F = 0.1)", m2, l2, h2};
    char *fp = tpath("plots/faults.png");
    const char *evil = "it's \"x\" `touch pwned1` \\\n"
                       "system('touch pwned2'); set output 'pwned3' @ARG1 $x";
    rc = ms_fault_plot(fp, x, 5, &a, &b, evil, &err);
    CHECK_MSG(rc == MS_OK && is_png(fp, 2000), "fault plot: %s", err.msg);
    static const char *const pw[] = {"pwned1", "pwned2", "pwned3", "plots/pwned1", "plots/pwned2",
                                     "plots/pwned3"};
    for (size_t k = 0; k < sizeof pw / sizeof *pw; k++) {
        char *q = tpath(pw[k]);
        CHECK_MSG(access(q, F_OK) != 0 && access(pw[k], F_OK) != 0, "the title ran a command: %s exists", pw[k]);
        free(q);
    }
    /* one series, no error bars, default title */
    char *fp1 = tpath("plots/faults_one.png");
    MsFaultSeries c = {NULL, m1, NULL, NULL};
    rc = ms_fault_plot(fp1, x, 5, &c, NULL, NULL, &err);
    CHECK_MSG(rc == MS_OK && is_png(fp1, 2000), "one-series fault plot: %s", err.msg);
    CHECK_MSG(count_tmp_files(dir) == 0, "temporary files left in %s", dir);
    CHECK_MSG(count_files(dir) == 4, "plots folder holds %d files", count_files(dir));

    /* into a missing folder: an error naming the file */
    char *gone = tpath("no/such/dir");
    rc = ms_train_plot(gone, h, 12, &err);
    CHECK_MSG(rc == MS_ERR_IO && strstr(err.msg, gone), "plot into a missing folder: %d %s", rc, err.msg);
    free(gone);
    free(fp);
    free(fp1);
    free(loss);
    free(acc);
    free(dir);
}

int main(void)
{
    if (!tmp_begin("train_files"))
        return 1;
    /* gnuplot runs in our working directory: make it the scratch folder, so
     * that an injected command would leave its traces where we look */
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd) || chdir(tmpdir) != 0) {
        perror("chdir");
        return 1;
    }
    test_roundtrip();
    test_write_errors();
    test_read_errors();
    test_metrics();
    test_plot_errors();
    test_plots();
    CHECK_MSG(count_tmp_files(tmpdir) == 0, "temporary files left behind");
    if (chdir(cwd) != 0)
        perror("chdir back");
    return tmp_end("train_files");
}
