import COpenSSL

/// SHA-256 through libcrypto, with the algorithm fetched once rather than on every call.
public enum SHA256 {
    /// An `EVP_MD` fetched once for the whole process.
    /// Safe to share between threads: OpenSSL documents fetched `EVP_MD` objects as immutable and
    /// reference-counted; they are only ever read here, and never freed.
    private final class Fetched: @unchecked Sendable {
        let md: OpaquePointer
        init() {
            guard let md = EVP_MD_fetch(nil, "SHA256", nil) else {
                fatalError("libcrypto has no SHA256: the OpenSSL installation is broken")
            }
            self.md = md
        }
    }
    private static let fetched = Fetched()

    public static func hash<C: ContiguousCollection>(_ data: C) -> Hash32 where C.Element == UInt8 {
        var out = [UInt8](repeating: 0, count: 32)
        let ok = data.withContiguousBytes { input in
            out.withUnsafeMutableBufferPointer { o in
                EVP_Digest(input.baseAddress, input.count, o.baseAddress, nil, fetched.md, nil)
            }
        }
        precondition(ok == 1, "EVP_Digest(SHA256) failed")
        return Hash32(out)
    }

    /// SHA-256 of several pieces, as if concatenated (the domain tag and a header, say).
    public static func hash(_ parts: [UInt8]...) -> Hash32 {
        guard let ctx = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
        defer { EVP_MD_CTX_free(ctx) }
        precondition(EVP_DigestInit_ex(ctx, fetched.md, nil) == 1, "EVP_DigestInit_ex failed")
        for p in parts {
            p.withUnsafeBytes { b in _ = EVP_DigestUpdate(ctx, b.baseAddress, b.count) }
        }
        var out = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 0
        precondition(EVP_DigestFinal_ex(ctx, &out, &len) == 1 && len == 32, "EVP_DigestFinal_ex failed")
        return Hash32(out)
    }
}

/// Byte collections that can hand out one contiguous buffer (Array, ArraySlice, ContiguousArray).
public protocol ContiguousCollection: Collection where Element == UInt8 {
    func withContiguousBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}
extension Array: ContiguousCollection where Element == UInt8 {
    public func withContiguousBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try withUnsafeBytes(body) }
}
extension ArraySlice: ContiguousCollection where Element == UInt8 {
    public func withContiguousBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try withUnsafeBytes(body) }
}

extension SHA256 {
    /// SHA-256 fed piece by piece: the hash of a snapshot written as a stream, so the whole
    /// text never has to be held at once.
    ///
    /// Not Sendable: one hasher belongs to the code that writes one stream.
    public final class Hasher {
        private let ctx: OpaquePointer

        public init() {
            guard let ctx = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
            precondition(EVP_DigestInit_ex(ctx, fetched.md, nil) == 1, "EVP_DigestInit_ex failed")
            self.ctx = ctx
        }
        deinit { EVP_MD_CTX_free(ctx) }

        public func update(_ bytes: UnsafeRawBufferPointer) {
            guard bytes.count > 0 else { return }
            precondition(EVP_DigestUpdate(ctx, bytes.baseAddress, bytes.count) == 1, "EVP_DigestUpdate failed")
        }

        public func update<C: ContiguousCollection>(_ bytes: C) { bytes.withContiguousBytes { update($0) } }

        /// The hash of everything fed so far. The hasher must not be fed again.
        public func finish() -> Hash32 {
            var out = [UInt8](repeating: 0, count: 32)
            var len: UInt32 = 0
            precondition(EVP_DigestFinal_ex(ctx, &out, &len) == 1 && len == 32, "EVP_DigestFinal_ex failed")
            return Hash32(out)
        }
    }
}
