/* chunks.h — a batch's chunks over worker threads, for the trainer and the
 * batch API: the chunks are taken in turn (a shared counter), so the work
 * balances, and each chunk writes only its own outputs, so the results do
 * not depend on which thread ran it. */
#ifndef MS_TRAIN_CHUNKS_H
#define MS_TRAIN_CHUNKS_H

#include "../memspice.h"

/* One chunk on thread `thread` (0 .. nthreads-1): MS_OK, or an error in err. */
typedef int (*MsChunkFn)(void *user, int thread, int chunk, MsError *err);

/* fn for chunks 0 .. nchunks-1 on min(nthreads, nchunks) threads, the
 * calling one among them; after the first error no new chunk starts and
 * that error is returned. */
int ms_run_chunks(int nchunks, int nthreads, MsChunkFn fn, void *user, MsError *err);

/* Threads to use: asked (> 0), else one per core; at most MS_MAX_THREADS. */
#define MS_MAX_THREADS 64
int ms_thread_count(int asked);

#endif
