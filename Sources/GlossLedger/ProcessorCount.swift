#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How many cores the process may use.
enum ProcessorCount {
    static let value: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
}
