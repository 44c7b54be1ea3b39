/* op.c — the .op analysis and recording saved vectors. */
#include "output_row.h"
#include "dcop.h"
#include "../io/result.h"

void ms_result_for_circuit(const MsCircuit *c, MsResult *r, const char *plotname, int with_time)
{
    ms_result_init(r, c->title, plotname, c->nsaves, with_time);
    for (int j = 0; j < c->nsaves; j++) {
        r->names[j] = ms_strdup(c->saves[j].name);
        r->kinds[j] = c->saves[j].kind;
    }
    if (c->faults)
        r->faults = ms_strdup(c->faults);
}

void ms_result_record(const MsCircuit *c, MsResult *r, double t, const double *x)
{
    double *row = ms_result_add_point(r, t);
    for (int j = 0; j < c->nsaves; j++) {
        const MsSave *s = &c->saves[j];
        row[j] = s->kind == MS_VEC_VOLTAGE ? x[s->a] - x[s->b] : x[s->a];
    }
}

int ms_run_op(MsWork *w, MsResult *res, MsError *err)
{
    const MsCircuit *c = w->c;
    int rc = ms_dcop(w, 0, 1, 0, err);
    if (rc)
        return rc;
    ms_result_for_circuit(c, res, "Operating Point", 0);
    ms_result_record(c, res, 0, w->x);
    res->factorizations = w->factorizations;
    return MS_OK;
}
