// libFuzzer's driver, for a program with its own main (clang's libclang_rt.fuzzer_no_main).
// Declared here, defined only in fuzzing builds (scripts/fuzz.sh links that library); other
// builds never call it.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
