/* dataset.h — the data sets of `memspice train`: MNIST-style IDX files
 * (plain or gzip) and HDF5 files, loaded whole into memory.
 *
 * IDX (http://yann.lecun.com/exdb/mnist/): a 4-byte magic 0x00 0x00 0x08 r
 * (0x08 = unsigned bytes, r = rank: 0x0801 labels, 0x0803 images), r
 * big-endian uint32 dimensions, then the bytes row-major.  The file holds
 * exactly that many bytes; a gzip-compressed file (detected by its content,
 * not its name) holds that stream.
 *
 * HDF5: /x (samples x features, or samples x rows x cols; any integer or
 * float type, uint8 scaled by 1/255, values must be finite) and /y (labels,
 * integer or integral float, 0..255; n or n x 1); the test split in
 * /x_test, /y_test.
 *
 * Every error names the file and what is wrong; on error *out is left
 * empty (nothing to free).  Sizes from a header are checked before
 * anything is allocated: at most MS_DATASET_MAX_VALUES values, and the
 * data an IDX header announces must really be there. */
#ifndef MS_DATASET_H
#define MS_DATASET_H

#include "../memspice.h"

typedef struct MsDataset {
    int n, nfeat, nclass;   /* samples, features per sample, 1 + largest label */
    float *x;               /* n * nfeat, row-major; IDX u8 images scaled to [0,1] (/255) */
    unsigned char *y;       /* n labels */
    int rows, cols;         /* image shape when known (IDX 3-d), else 0 */
} MsDataset;

/* n * nfeat above this is refused (16 GiB of floats). */
#define MS_DATASET_MAX_VALUES ((unsigned long long)1 << 32)

/* spec: "mnist", "fashion-mnist", a directory holding IDX files
 * (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz],
 * t10k-labels-idx1-ubyte[.gz]), or an HDF5 file with /x (samples x features, any float or
 * integer type; uint8 scaled by 1/255) and /y (labels), and for the test split /x_test, /y_test.
 * split: 0 train, 1 test.  Errors name the file.
 *
 * "mnist" is looked up in $MEMSPICE_DATA/mnist, then
 * ${XDG_CACHE_HOME:-$HOME/.cache}/memspice/mnist (tools/fetch-data.sh mnist);
 * "fashion-mnist" in $MEMSPICE_DATA/fashion-mnist, then
 * /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist).
 * The first of those folders holding the split's images file is used.
 * A directory of your own called "mnist" in the current folder: "./mnist". */
int ms_dataset_load(const char *spec, int split, MsDataset *out, MsError *err);
void ms_dataset_free(MsDataset *d);

#endif
