/* result.c — growing MsResult tables: the solver appends points, writers read them. */
#include "result.h"

#include <stdlib.h>
#include <string.h>

void ms_result_init(MsResult *r, const char *title, const char *plotname, int nvec,
                    int with_time)
{
    memset(r, 0, sizeof *r);
    r->title = ms_strdup(title ? title : "");
    r->plotname = ms_strdup(plotname);
    r->nvec = nvec;
    r->names = ms_calloc((size_t)nvec, sizeof *r->names);
    r->kinds = ms_calloc((size_t)nvec, sizeof *r->kinds);
    if (with_time)
        r->time = ms_malloc(sizeof *r->time);
}

double *ms_result_add_point(MsResult *r, double t)
{
    if (r->npts == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 1024;
        r->data = ms_realloc(r->data, r->cap * (size_t)r->nvec * sizeof *r->data);
        if (r->time)
            r->time = ms_realloc(r->time, r->cap * sizeof *r->time);
        if (r->imag)   /* a complex result grows its imaginary parts alike */
            r->imag = ms_realloc(r->imag, r->cap * (size_t)r->nvec * sizeof *r->imag);
    }
    if (r->time)
        r->time[r->npts] = t;
    return r->data + r->npts++ * (size_t)r->nvec;
}

const char *ms_result_scale(const MsResult *r)
{
    return r->scale ? r->scale : "time";
}

int ms_result_scale_kind(const MsResult *r)
{
    const char *s = ms_result_scale(r);
    if (!strcmp(s, "time"))
        return MS_VEC_TIME;
    if (!strcmp(s, "frequency"))
        return MS_VEC_FREQUENCY;
    if (!strncmp(s, "v(", 2))
        return MS_VEC_VOLTAGE;
    if (!strncmp(s, "i(", 2))
        return MS_VEC_CURRENT;
    return MS_VEC_STATE;
}

int ms_is_sweep_scale(const char *name)
{
    return strstr(name, "-sweep") != NULL;
}

int ms_result_find(const MsResult *r, const char *name)
{
    for (int j = 0; j < r->nvec; j++)
        if (!strcmp(r->names[j], name))
            return j;
    return -1;
}

void ms_result_free(MsResult *r)
{
    if (!r)
        return;
    for (int j = 0; j < r->nvec; j++)
        free(r->names[j]);
    free(r->names);
    free(r->kinds);
    free(r->title);
    free(r->plotname);
    free(r->faults);
    free(r->time);
    free(r->scale);
    free(r->imag);
    free(r->data);
    memset(r, 0, sizeof *r);
}
