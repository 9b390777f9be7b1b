#if canImport(Glibc)
import Glibc
#endif

/// `make bench` measures each command's peak memory from inside: with GLOSS_PEAK_MEMORY_FILE
/// set, the process writes its VmHWM (from /proc/self/status, in KiB) to that file as it exits.
/// Measured from outside, a child's high-water mark would include its parent's memory.
enum PeakMemory {
    static func reportAtExit() {
        guard getenv("GLOSS_PEAK_MEMORY_FILE") != nil else { return }
        atexit {
            guard let path = getenv("GLOSS_PEAK_MEMORY_FILE"), let status = fopen("/proc/self/status", "r") else { return }
            defer { fclose(status) }
            var line = [CChar](repeating: 0, count: 256)
            while fgets(&line, Int32(line.count), status) != nil {
                let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                guard text.hasPrefix("VmHWM:") else { continue }
                let kib = text.split(separator: " ").dropFirst().first.map(String.init) ?? "0"
                guard let out = fopen(path, "w") else { return }
                fputs(kib + "\n", out)
                fclose(out)
                return
            }
        }
    }
}
