import GlossStore
#if canImport(Glibc)
import Glibc
#endif

/// A file the user named (an article, a bundle, an annotation collection): one that does not
/// exist is `notFound`, one that cannot be read `badInput`; never a ledger problem.
/// `-` is standard input (`gloss article add -`), read up to `limit` bytes: more is refused.
func readInput(_ path: String, limit: Int = Int.max) throws -> [UInt8] {
    if path == "-" {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            out += buf[0..<n]
            if out.count > limit {
                throw CLIError("standard input holds more than \(Format.bytes(limit)), the most an article can be: split it into parts, or keep the part you want to annotate")
            }
        }
        return out
    }
    guard FileSystem.exists(path) else { throw CLIError("\(path) does not exist: check the path", .notFound) }
    do { return try FileSystem.read(path) } catch { throw CLIError(error.message, .badInput) }
}
