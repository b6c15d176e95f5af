import CFFTW
import COpenBLAS
import CSamplerate
import CSndfile

/// Versions of the native libraries in use, for `asr info` and bug reports.
public enum LibraryVersions {
    public static var all: [(name: String, version: String)] {
        var sndfile = [CChar](repeating: 0, count: 128)
        sf_command(nil, Int32(SFC_GET_LIB_VERSION), &sndfile, Int32(sndfile.count))
        let openblas = openblas_get_config().map { String(cString: $0) } ?? "unknown"
        return [
            ("libsndfile", String(decoding: sndfile.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)),
            ("libsamplerate", String(cString: src_get_version())),
            ("FFTW", PowerSpectrum.fftwVersion),
            ("OpenBLAS", "\(openblas) (core \(BLASSetup.coreName))"),
            ("MPI", Distributed.libraryVersion ?? "not built in (install libopenmpi-dev and rebuild to train with mpirun)"),
        ]
    }
}
