/* op_util.h — helpers the netlist tests share: load a netlist (text or
 * file), run its operating point, read a vector of the result. */
#ifndef MS_OP_UTIL_H
#define MS_OP_UTIL_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "memspice.h"

/* Run .op on a loaded circuit (rc: the load's status); frees the circuit. */
static int op_run(MsCircuit *c, int rc, MsResult *res, MsError *err)
{
    MsWork *w = NULL;
    if (rc == MS_OK)
        rc = ms_work_new(c, &w, err);
    if (rc == MS_OK)
        rc = ms_run_op(w, res, err);
    ms_work_free(&w);
    ms_circuit_free(&c);
    return rc;
}

/* Load text (named `name` in messages) and run .op into *res. */
static inline int op_of_text(const char *text, const char *name, MsResult *res, MsError *err)
{
    MsCircuit *c = NULL;
    memset(res, 0, sizeof *res);
    err->msg[0] = 0;
    return op_run(c, ms_circuit_load_string(text, name, &c, err), res, err);
}

/* The same for a netlist file. */
static inline int op_of_file(const char *path, MsResult *res, MsError *err)
{
    MsCircuit *c = NULL;
    memset(res, 0, sizeof *res);
    return op_run(c, ms_circuit_load(path, &c, err), res, err);
}

/* Vector `name` of an operating point, NaN (with a message) if absent. */
static inline double val(const MsResult *r, const char *name)
{
    int j = ms_result_find(r, name);
    if (j < 0 || r->npts < 1) {
        printf("  (no vector '%s' in the result)\n", name);
        return NAN;
    }
    return r->data[j];
}

#endif
