// Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, MPI_IN_PLACE, ...) are macros over
// global structs that Swift does not import; these functions hand them over.
#include <mpi.h>

static inline MPI_Comm asr_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype asr_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype asr_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype asr_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype asr_mpi_int(void) { return MPI_INT; }
static inline MPI_Op asr_mpi_sum(void) { return MPI_SUM; }
static inline void *asr_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int asr_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int asr_mpi_max_library_version_string(void) { return MPI_MAX_LIBRARY_VERSION_STRING; }
