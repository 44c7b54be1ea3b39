/* input_sets.c — see input_sets.h. */
#include "input_sets.h"
#include "../util/util.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The names of dir's non-hidden regular files (symbolic links followed), sorted. */
static int list_files(const char *dir, char ***names, int *n, MsError *err)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return ms_err(err, MS_ERR_IO, "--inputs '%s': %s", dir, strerror(errno));
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *path = ms_asprintf("%s/%s", dir, e->d_name);
        struct stat st;
        int regular = stat(path, &st) == 0 && S_ISREG(st.st_mode);
        free(path);
        if (!regular)
            continue;
        MS_RESERVE_NEXT(*names, *n);
        (*names)[(*n)++] = ms_strdup(e->d_name);
    }
    closedir(d);
    if (*n > 1)
        qsort(*names, (size_t)*n, sizeof **names, by_name);
    if (*n == 0)
        return ms_err(err, MS_ERR_IO, "--inputs '%s': no input files in it (hidden files are skipped)", dir);
    return MS_OK;
}

static char *stem_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && dot > name ? ms_strndup(name, (size_t)(dot - name)) : ms_strdup(name);
}

int ms_input_sets_read(MsCircuit *c, const char *dir, MsInputSets *out, MsError *err)
{
    memset(out, 0, sizeof *out);
    char **names;
    int n, rc = list_files(dir, &names, &n, err);
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')   /* "in/" names its files "in/a.txt" */
        len--;
    if (rc == MS_OK)
        out->set = ms_calloc((size_t)n, sizeof *out->set);
    MsMap stems;
    ms_map_init(&stems);
    for (int i = 0; i < n && rc == MS_OK; i++) {
        MsInputSet *s = &out->set[i];
        s->name = names[i];
        names[i] = NULL;
        s->path = ms_asprintf("%.*s/%s", (int)len, dir, s->name);
        s->stem = stem_of(s->name);
        out->n = i + 1;
        int first;
        if (ms_map_get(&stems, s->stem, &first))
            rc = ms_err(err, MS_ERR_SEMANTIC, "input files '%s' and '%s' would both write the output '%s': rename one",
                        out->set[first].path, s->path, s->stem);
        else
            ms_map_put(&stems, s->stem, i);
        if (rc == MS_OK)
            rc = ms_source_specs_read(c, s->path, &s->specs, err);
    }
    ms_map_free(&stems);
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (rc)
        ms_input_sets_free(out);
    return rc;
}

void ms_input_sets_free(MsInputSets *s)
{
    for (int i = 0; i < s->n; i++) {
        free(s->set[i].path);
        free(s->set[i].name);
        free(s->set[i].stem);
        ms_source_specs_free(&s->set[i].specs);
    }
    free(s->set);
    memset(s, 0, sizeof *s);
}
