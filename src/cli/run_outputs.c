/* run_outputs.c — see run_outputs.h. */
#include "run_outputs.h"

#include <stdlib.h>
#include <string.h>

char *ms_run_sibling_path(const char *out, const char *tag)
{
    if (!strcmp(out, "-"))
        return ms_strdup(out);
    const char *slash = strrchr(out, '/'), *dot = strrchr(out, '.');
    /* no extension: a dot in a folder name, a hidden file's leading dot */
    if (!dot || (slash && dot < slash) || dot == out || (slash && dot == slash + 1))
        return ms_asprintf("%s_%s", out, tag);
    return ms_asprintf("%.*s_%s%s", (int)(dot - out), out, tag, dot);
}

int ms_run_outputs(const MsRunResults *r, const char *out, const MsResult *res[3], char *paths[3])
{
    const MsResult *primary = r->tran ? r->tran : r->dc ? r->dc : r->ac ? r->ac : r->op;
    int n = 0;
    if (!primary)
        return 0;
    res[n] = primary;
    paths[n++] = ms_strdup(out);
    if (r->dc && r->dc != primary) {
        res[n] = r->dc;
        paths[n++] = ms_run_sibling_path(out, "dc");
    }
    if (r->ac && r->ac != primary) {
        res[n] = r->ac;
        paths[n++] = ms_run_sibling_path(out, "ac");
    }
    return n;
}

int ms_run_outputs_check_stems(const MsSweep *s, MsError *err)
{
    int tran = ms_circuit_has_tran(s->c, NULL), dc = ms_circuit_has_dc(s->c, NULL), ac = ms_circuit_has_ac(s->c, NULL);
    const char *tags[2];
    int nt = 0;
    if (dc && tran)
        tags[nt++] = "dc";
    if (ac && (tran || dc))
        tags[nt++] = "ac";
    if (!nt)
        return MS_OK;
    MsMap stems;
    ms_map_init(&stems);
    for (int i = 0; i < s->in.n; i++)
        ms_map_put(&stems, s->in.set[i].stem, i);
    int rc = MS_OK;
    for (int i = 0; i < s->in.n && rc == MS_OK; i++)
        for (int t = 0; t < nt && rc == MS_OK; t++) {
            char *sib = ms_asprintf("%s_%s", s->in.set[i].stem, tags[t]);
            int j;
            if (ms_map_get(&stems, sib, &j))
                rc = ms_err(err, MS_ERR_SEMANTIC,
                            "input files '%s' and '%s' would both write %s/%s.*: the %s result of the first is "
                            "written beside its main output; rename one",
                            s->in.set[i].path, s->in.set[j].path, s->o.outdir, sib, tags[t]);
            free(sib);
        }
    ms_map_free(&stems);
    return rc;
}
