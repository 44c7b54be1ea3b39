/* tmp_util.h — the scratch folder the file tests share (test_io.c,
 * test_dataset.c, test_train_files.c): made under /tmp by tmp_begin(),
 * paths in it, its files counted, read and written, and removed by
 * tmp_end() unless a check failed or MS_TEST_KEEP=1 asks to keep it. */
#ifndef MS_TMP_UTIL_H
#define MS_TMP_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "util/util.h"

static char tmpdir[64];

/* Make the scratch folder /tmp/ms_test_<name>_XXXXXX; 0 if it failed (said). */
static inline int tmp_begin(const char *name)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ms_test_%s_XXXXXX", name);
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 0;
    }
    return 1;
}

/* name in the scratch folder (malloc'ed). */
static inline char *tpath(const char *name)
{
    return ms_asprintf("%s/%s", tmpdir, name);
}

/* Entries of dir other than . and .. whose name contains part ("": all). */
static inline int count_files_with(const char *dir, const char *part)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strstr(e->d_name, part))
            n++;
    if (d)
        closedir(d);
    return n;
}

static inline int count_files(const char *dir) { return count_files_with(dir, ""); }

/* Temporary files ("*.tmp.*") left in dir. */
static inline int count_tmp_files(const char *dir) { return count_files_with(dir, ".tmp."); }

static inline void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *p = ms_asprintf("%s/%s", dir, e->d_name);
        struct stat st;
        if (!lstat(p, &st) && S_ISDIR(st.st_mode))
            remove_tree(p);
        else
            unlink(p);
        free(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

/* The whole file (malloc'ed, with a 0 byte after its *len bytes), or NULL
 * with *len = 0 if it cannot be opened. */
static inline void *slurp(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *b = NULL;
    size_t cap = 0, got;
    do {
        ms_grow((void **)&b, &cap, *len + 4096 + 1, 1);
        got = fread(b + *len, 1, 4096, f);
        *len += got;
    } while (got > 0);
    fclose(f);
    b[*len] = 0;
    return b;
}

/* path holds exactly the n bytes of data: 0, or -1 if it could not be written. */
static inline int spill(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = n ? fwrite(data, 1, n, f) : 0;
    return (fclose(f) == 0 && w == n) ? 0 : -1;
}

/* Remove the scratch folder, or keep it (and say where) if a check failed
 * or MS_TEST_KEEP is set; the test's summary line and exit status. */
static inline int tmp_end(const char *name)
{
    if (!check_fail_ && !getenv("MS_TEST_KEEP"))   /* MS_TEST_KEEP=1: look at the files */
        remove_tree(tmpdir);
    else
        printf("%s: files kept in %s\n", name, tmpdir);
    return check_summary(name);
}

#endif
