/* hdf5_image.h — an HDF5 file built in memory, for the writers that put
 * its image through MsOutFile (src/io/hdf5.c, src/train/checkpoint.c; why
 * in memory: see the top of src/io/hdf5.c). */
#ifndef MS_HDF5_IMAGE_H
#define MS_HDF5_IMAGE_H

#include <stddef.h>

#include <hdf5.h>

/* What fill(file, user) writes (0, or -1 if it failed) into a new HDF5
 * file held in memory: HDF5's "core" driver without backing store, grown
 * in steps of step bytes, in the 1.8 file format if v18 (else HDF5's
 * default, the earliest one that holds the contents).  A malloc'ed image
 * of *size bytes, or NULL (*size 0) if fill or HDF5 failed.  name only
 * labels the in-memory file. */
unsigned char *ms_hdf5_image(const char *name, size_t step, int v18, int (*fill)(hid_t file, const void *user),
                             const void *user, size_t *size);

/* Datasets and groups whose headers keep no modification times (HDF5's
 * default stamps them), so that the same contents give the same bytes and
 * outputs can be compared by checksum; a group may track the creation
 * order of its links.  -1 if HDF5 failed. */
hid_t ms_hdf5_dataset(hid_t loc, const char *name, hid_t type, hid_t space);
hid_t ms_hdf5_group(hid_t loc, const char *name, int ordered);

#endif
