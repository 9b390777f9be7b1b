import GlossCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few file operations the store needs, through POSIX, with errors a person can act on.
public enum FileSystem {
    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// The size of a regular file, or nil (missing, or not a regular file).
    public static func size(_ path: String) -> Int? {
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int(st.st_size)
    }

    public static func errno_() -> String { String(cString: strerror(errno)) }

    /// Creates `path` and any missing parents, mode 0700.
    public static func makeFolder(_ path: String) throws(StoreError) {
        var partial = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            partial += "/" + part
            if mkdir(partial, 0o700) != 0 && errno != EEXIST {
                throw StoreError(.io, "cannot create the folder \(partial): \(errno_())")
            }
        }
    }

    /// Writes a file that must not exist yet, with `mode`, and fsyncs it.
    public static func writeNew(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(StoreError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard fd >= 0 else { throw StoreError(.io, "cannot create \(path): \(errno_())") }
        defer { close(fd) }
        try writeAll(fd, bytes, path)
        guard fsync(fd) == 0 else { throw StoreError(.io, "cannot sync \(path) to disk: \(errno_())") }
    }

    /// Writes a line to a file descriptor (standard error, say), ignoring failures.
    public static func writeLine(_ fd: Int32, _ text: String) {
        try? writeAll(fd, Array((text + "\n").utf8), "file descriptor \(fd)")
    }

    /// Writes every byte to an open file descriptor (standard output, say).
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], _ what: String) throws(StoreError) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw StoreError(.io, "cannot write \(what): \(errno_())") }
            off += n
        }
    }

    /// Reads a whole file.
    public static func read(_ path: String) throws(StoreError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw StoreError(.io, "cannot read \(path): \(errno_())") }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { throw StoreError(.io, "cannot read \(path): \(errno_())") }
            if n == 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return out
    }
}

extension FileSystem {
    /// Writes `bytes` to `path` whole or not at all: into a temporary file beside it, fsynced,
    /// then renamed over it.
    /// Like `replace(_:_:)`, for content written piece by piece: `body` is handed a function
    /// that appends bytes. Nothing replaces `path` unless `body` returns.
    public static func replace<T>(_ path: String, writing body: (_ write: ([UInt8]) throws -> Void) throws -> T) throws -> T {
        let tmp = path + ".tmp-\(getpid())"
        unlink(tmp)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw StoreError(.io, "cannot create \(tmp): \(errno_())") }
        let value: T
        do {
            value = try body { bytes in try writeAll(fd, bytes, path) }
            guard fsync(fd) == 0 else { throw StoreError(.io, "cannot sync \(path) to disk: \(errno_())") }
        } catch {
            close(fd); unlink(tmp)
            throw error
        }
        close(fd)
        guard rename(tmp, path) == 0 else {
            let why = errno_()
            unlink(tmp)
            throw StoreError(.io, "cannot write \(path): \(why)")
        }
        return value
    }

    public static func replace(_ path: String, _ bytes: [UInt8]) throws(StoreError) {
        let tmp = path + ".tmp-\(getpid())"
        unlink(tmp)
        try writeNew(tmp, bytes, mode: 0o644)
        guard rename(tmp, path) == 0 else {
            let why = errno_()
            unlink(tmp)
            throw StoreError(.io, "cannot write \(path): \(why)")
        }
    }
}
