import COpenSSL

/// An author's Ed25519 private key, held as a libcrypto `EVP_PKEY`. Never printed or logged:
/// `description` shows only the public key.
///
/// `@unchecked Sendable` is safe: the `EVP_PKEY` is created in `init`, never mutated afterwards,
/// and freed only in `deinit`; OpenSSL allows concurrent signing with one key as long as each
/// signature uses its own `EVP_MD_CTX`, which `sign` creates per call.
public final class SigningKey: @unchecked Sendable, CustomStringConvertible {
    private let pkey: OpaquePointer
    public let publicKey: PublicKey

    /// A new random key.
    public convenience init() {
        self.init(validSeed: SecureRandom.bytes(32))
    }

    /// The key whose 32-byte private seed is `seed` (RFC 8032), as in the test vectors.
    public convenience init(seed: [UInt8]) throws(CryptoError) {
        guard seed.count == 32 else { throw CryptoError("an Ed25519 seed is 32 bytes, got \(seed.count)") }
        self.init(validSeed: seed)
    }

    private init(validSeed seed: [UInt8]) {
        guard let k = seed.withUnsafeBufferPointer({
            EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, $0.baseAddress, 32)
        }) else { fatalError("EVP_PKEY_new_raw_private_key failed for a 32-byte seed") }
        pkey = k
        var pub = [UInt8](repeating: 0, count: 32)
        var len = 32
        precondition(EVP_PKEY_get_raw_public_key(k, &pub, &len) == 1 && len == 32)
        publicKey = PublicKey(Hash32(pub))
    }

    deinit { EVP_PKEY_free(pkey) }

    /// The 32-byte seed, for writing the key file. Handle with care.
    public func seedBytes() -> [UInt8] {
        var seed = [UInt8](repeating: 0, count: 32)
        var len = 32
        precondition(EVP_PKEY_get_raw_private_key(pkey, &seed, &len) == 1 && len == 32)
        return seed
    }

    /// The 64-byte Ed25519 signature of `message` (deterministic, RFC 8032).
    public func sign(_ message: [UInt8]) -> [UInt8] {
        guard let ctx = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
        defer { EVP_MD_CTX_free(ctx) }
        precondition(EVP_DigestSignInit(ctx, nil, nil, nil, pkey) == 1, "EVP_DigestSignInit failed")
        var sig = [UInt8](repeating: 0, count: 64)
        var len = 64
        let ok = message.withUnsafeBufferPointer { m in EVP_DigestSign(ctx, &sig, &len, m.baseAddress, m.count) }
        precondition(ok == 1 && len == 64, "EVP_DigestSign failed")
        return sig
    }

    public var description: String { "SigningKey(public: \(publicKey.hex))" }
}

/// An Ed25519 public key: an author's identity, 32 bytes, shown as 64 hex digits.
public struct PublicKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let raw: Hash32
    public init(_ raw: Hash32) { self.raw = raw }
    public init?(hex: String) {
        guard let h = Hash32(hex: hex) else { return nil }
        raw = h
    }
    public var hex: String { raw.hex }
    public var description: String { raw.hex }
    public static func < (a: PublicKey, b: PublicKey) -> Bool { a.raw < b.raw }

    /// Whether `signature` is a valid Ed25519 signature of `message` by this key.
    /// A key that is not a valid curve point verifies nothing.
    public func verify(signature: ArraySlice<UInt8>, message: [UInt8]) -> Bool {
        guard signature.count == 64 else { return false }
        guard let pkey = raw.bytes.withUnsafeBufferPointer({
            EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, $0.baseAddress, 32)
        }) else { ERR_clear_error(); return false }
        defer { EVP_PKEY_free(pkey) }
        guard let ctx = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestVerifyInit(ctx, nil, nil, nil, pkey) == 1 else { ERR_clear_error(); return false }
        let ok = signature.withUnsafeBufferPointer { s in
            message.withUnsafeBufferPointer { m in EVP_DigestVerify(ctx, s.baseAddress, 64, m.baseAddress, m.count) }
        }
        if ok != 1 { ERR_clear_error() }
        return ok == 1
    }
}

/// A failure in key handling (a wrong-sized seed, say). Never carries key material.
public struct CryptoError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
