/* output.c — ms_write_result: choose a writer from the format name or,
 * when none is given, from the file name's extension. */
#include "result.h"

#include <string.h>
#include <strings.h>

enum { FMT_RAW, FMT_RAWASCII, FMT_CSV, FMT_HDF5, FMT_NONE };

static int format_from_name(const char *format)
{
    static const struct { const char *name; int fmt; } names[] = {
        { "raw", FMT_RAW }, { "rawascii", FMT_RAWASCII }, { "csv", FMT_CSV },
        { "h5", FMT_HDF5 }, { "hdf5", FMT_HDF5 },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(format, names[i].name))
            return names[i].fmt;
    return FMT_NONE;
}

static int format_from_path(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return FMT_NONE;
    if (!strcasecmp(dot, ".raw"))
        return FMT_RAW;
    if (!strcasecmp(dot, ".csv"))
        return FMT_CSV;
    if (!strcasecmp(dot, ".h5") || !strcasecmp(dot, ".hdf5"))
        return FMT_HDF5;
    return FMT_NONE;
}

int ms_write_result(const MsResult *r, const char *path, const char *format, MsError *err)
{
    if (!path || !path[0])
        return ms_err(err, MS_ERR_ARG, "no output file name given");
    int fmt = format ? format_from_name(format) : format_from_path(path);
    if (fmt == FMT_NONE && format)
        return ms_err(err, MS_ERR_ARG,
                      "unknown output format '%s': use raw, rawascii, csv or h5", format);
    if (fmt == FMT_NONE)
        return ms_err(err, MS_ERR_ARG,
                      "cannot tell the output format from '%s': use .raw, .csv or .h5, or --format",
                      path);
    /* Binary formats on a terminal or pipe are rarely what was meant. */
    if (!strcmp(path, "-") && (fmt == FMT_RAW || fmt == FMT_HDF5))
        return ms_err(err, MS_ERR_ARG,
                      "format '%s' cannot be written to standard output: use csv or rawascii",
                      format ? format : "?");
    switch (fmt) {
    case FMT_RAW: return ms_write_raw(r, path, 0, err);
    case FMT_RAWASCII: return ms_write_raw(r, path, 1, err);
    case FMT_CSV: return ms_write_csv(r, path, err);
    default: return ms_write_hdf5(r, path, err);
    }
}
