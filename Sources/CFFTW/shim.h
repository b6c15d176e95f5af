#include <fftw3.h>

/* fftw_version is an unsized C array, which Swift cannot import: hand it out as a pointer. */
static inline const char *asr_fftw_version(void) { return fftw_version; }
