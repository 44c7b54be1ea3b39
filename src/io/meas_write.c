/* meas_write.c — measures to a CSV file (memspice run writes OUT.meas):
 *
 *   name,value,error
 *   rise_time,2.1972245773362196e-05,
 *   never,,"TARG v(out)=5 RISE=1: no such crossing in the result (out of interval)"
 *
 * one row per measure in netlist order, values with 17 significant digits
 * (they read back as the same double), a failed measure with an empty value
 * and the reason; written to a temporary name and renamed. */
#include "result.h"

#include <stdio.h>

static void put_quoted(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, fp);
    }
    fputc('"', fp);
}

int ms_write_measures(const MsMeasure *m, int n, const char *path, MsError *err)
{
    MsOutFile o;
    int rc = ms_out_open(&o, path, 0, err);
    if (rc != MS_OK)
        return rc;
    FILE *fp = o.fp;
    fputs("name,value,error\n", fp);
    for (int i = 0; i < n && !ferror(fp); i++) {
        fprintf(fp, "%s,", m[i].name);   /* names are letters, digits and '_' (parse_meas.c) */
        if (m[i].ok)
            fprintf(fp, "%.17g,\n", m[i].value);
        else {
            fputc(',', fp);
            put_quoted(fp, m[i].why);
            fputc('\n', fp);
        }
    }
    return ms_out_finish(&o, !ferror(fp), err);
}
