// oneDNN (Debian: libdnnl-dev): its BLAS-like int8 GEMM. Debian builds it with the OpenMP
// runtime, so the threads a call uses are OpenMP's, set per calling thread.
#include <oneapi/dnnl/dnnl.h>

// From libgomp (omp.h lives in GCC's private include folder, which Swift does not search).
void omp_set_num_threads(int);
