#include <cblas.h>

// Not in cblas.h, but exported by every OpenBLAS built with pthreads (it is what the
// library's fork handler calls): stops the worker threads, which otherwise spin on
// sched_yield for about 0.1 s of a core after the library loads.
int blas_thread_shutdown_(void);
