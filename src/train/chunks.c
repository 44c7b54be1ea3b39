/* chunks.c — see chunks.h. */
#include "chunks.h"
#include "../util/util.h"

#include <pthread.h>
#include <unistd.h>

typedef struct Run {
    MsChunkFn fn;
    void *user;
    int nchunks, next, rc;
    MsError err;
    pthread_mutex_t lock;
} Run;

typedef struct Worker {
    Run *r;
    int thread;
} Worker;

static void *worker(void *arg)
{
    Worker *wk = arg;
    Run *r = wk->r;
    for (;;) {
        pthread_mutex_lock(&r->lock);
        int c = r->rc ? r->nchunks : r->next++;
        pthread_mutex_unlock(&r->lock);
        if (c >= r->nchunks)
            break;
        MsError err = {0};
        int rc = r->fn(r->user, wk->thread, c, &err);
        if (rc) {
            pthread_mutex_lock(&r->lock);
            if (!r->rc) {
                r->rc = rc;
                r->err = err;
            }
            pthread_mutex_unlock(&r->lock);
        }
    }
    return NULL;
}

int ms_run_chunks(int nchunks, int nthreads, MsChunkFn fn, void *user, MsError *err)
{
    Run r = {fn, user, nchunks, 0, 0, {0}, PTHREAD_MUTEX_INITIALIZER};
    int nt = nthreads < nchunks ? nthreads : nchunks;
    pthread_t th[MS_MAX_THREADS];
    Worker wk[MS_MAX_THREADS];
    int started = 0;
    for (int t = 1; t < nt && t < MS_MAX_THREADS; t++) {
        wk[t] = (Worker){&r, t};
        if (pthread_create(&th[t], NULL, worker, &wk[t]))
            break;   /* fewer threads: the same chunks, the same results */
        started = t;
    }
    wk[0] = (Worker){&r, 0};
    worker(&wk[0]);
    for (int t = 1; t <= started; t++)
        pthread_join(th[t], NULL);
    pthread_mutex_destroy(&r.lock);
    if (r.rc)
        return ms_err(err, r.rc, "%s", r.err.msg);
    return MS_OK;
}

int ms_thread_count(int asked)
{
    long n = asked > 0 ? asked : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MS_MAX_THREADS ? MS_MAX_THREADS : (int)n;
}
