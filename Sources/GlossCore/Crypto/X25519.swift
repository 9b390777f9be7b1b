import COpenSSL

/// An ephemeral X25519 key pair for one sync session's key agreement (RFC 7748), in libcrypto.
///
/// `@unchecked Sendable` is safe: the `EVP_PKEY` is set in `init`, never mutated, freed in
/// `deinit`; `sharedSecret` creates its own `EVP_PKEY_CTX` per call.
public final class X25519KeyPair: @unchecked Sendable {
    private let pkey: OpaquePointer
    public let publicKey: [UInt8]

    /// A fresh random key pair.
    public convenience init() { self.init(validPrivate: SecureRandom.bytes(32)) }

    /// The key pair with this 32-byte private key (for test vectors).
    public convenience init(privateKey: [UInt8]) throws(CryptoError) {
        guard privateKey.count == 32 else { throw CryptoError("an X25519 private key is 32 bytes") }
        self.init(validPrivate: privateKey)
    }

    private init(validPrivate: [UInt8]) {
        guard let k = validPrivate.withUnsafeBufferPointer({ EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nil, $0.baseAddress, 32) }) else {
            fatalError("EVP_PKEY_new_raw_private_key(X25519) failed for 32 bytes")
        }
        pkey = k
        var pub = [UInt8](repeating: 0, count: 32)
        var len = 32
        precondition(EVP_PKEY_get_raw_public_key(k, &pub, &len) == 1 && len == 32)
        publicKey = pub
    }

    deinit { EVP_PKEY_free(pkey) }

    /// X25519(private, peer): nil when the peer's key is malformed or of low order (the shared
    /// secret would be all zeros, which libcrypto refuses).
    public func sharedSecret(with peer: [UInt8]) -> [UInt8]? {
        guard peer.count == 32,
              let peerKey = peer.withUnsafeBufferPointer({ EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nil, $0.baseAddress, 32) })
        else { ERR_clear_error(); return nil }
        defer { EVP_PKEY_free(peerKey) }
        guard let ctx = EVP_PKEY_CTX_new(pkey, nil) else { return nil }
        defer { EVP_PKEY_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: 32)
        var len = 32
        guard EVP_PKEY_derive_init(ctx) == 1, EVP_PKEY_derive_set_peer(ctx, peerKey) == 1,
              EVP_PKEY_derive(ctx, &out, &len) == 1, len == 32 else { ERR_clear_error(); return nil }
        return out
    }
}

/// HKDF with SHA-256 (RFC 5869), through libcrypto's EVP_PKEY HKDF.
public enum HKDF {
    public static func sha256(ikm: [UInt8], salt: [UInt8], info: [UInt8], count: Int) -> [UInt8] {
        guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nil) else { fatalError("libcrypto has no HKDF") }
        defer { EVP_PKEY_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: count)
        var len = count
        let ok = EVP_PKEY_derive_init(ctx) == 1
            && EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) == 1
            && EVP_PKEY_CTX_set1_hkdf_salt(ctx, salt, Int32(salt.count)) == 1
            && EVP_PKEY_CTX_set1_hkdf_key(ctx, ikm, Int32(ikm.count)) == 1
            && EVP_PKEY_CTX_add1_hkdf_info(ctx, info, Int32(info.count)) == 1
            && EVP_PKEY_derive(ctx, &out, &len) == 1
        precondition(ok && len == count, "HKDF-SHA256 failed")
        return out
    }
}
