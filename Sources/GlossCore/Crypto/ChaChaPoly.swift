import COpenSSL

/// ChaCha20-Poly1305 (RFC 8439) for one direction of a sync session, through libcrypto.
/// The nonce of frame n is 4 zero bytes then n as a big-endian u64: frames must be opened in
/// the order they were sealed, and each counter is used once.
///
/// Not Sendable: it holds a mutable counter and a cipher context; one session owns it.
public final class FrameCipher {
    private let key: [UInt8]
    private let ctx: OpaquePointer
    private let cipher: OpaquePointer
    /// The counter of the next frame.
    public private(set) var counter: UInt64 = 0
    public static let tagSize = 16

    public init(key: [UInt8]) {
        precondition(key.count == 32, "ChaCha20-Poly1305 keys are 32 bytes")
        self.key = key
        guard let c = EVP_CIPHER_fetch(nil, "ChaCha20-Poly1305", nil), let x = EVP_CIPHER_CTX_new() else {
            fatalError("libcrypto has no ChaCha20-Poly1305")
        }
        cipher = c
        ctx = x
    }

    deinit {
        EVP_CIPHER_CTX_free(ctx)
        EVP_CIPHER_free(cipher)
    }

    static func nonce(_ n: UInt64) -> [UInt8] {
        var w = ByteWriter(capacity: 12)
        w.u32(0); w.u64(n)
        return w.bytes
    }

    /// Seals `plaintext` with `aad` under the next counter: ciphertext ‖ 16-byte tag.
    public func seal(_ plaintext: [UInt8], aad: [UInt8]) -> [UInt8] {
        let nonce = Self.nonce(counter)
        counter += 1
        var out = [UInt8](repeating: 0, count: plaintext.count + Self.tagSize)
        var len: Int32 = 0
        precondition(EVP_EncryptInit_ex2(ctx, cipher, key, nonce, nil) == 1, "ChaCha20-Poly1305 init failed")
        if !aad.isEmpty { precondition(EVP_EncryptUpdate(ctx, nil, &len, aad, Int32(aad.count)) == 1) }
        if !plaintext.isEmpty {
            precondition(out.withUnsafeMutableBufferPointer { EVP_EncryptUpdate(ctx, $0.baseAddress, &len, plaintext, Int32(plaintext.count)) } == 1)
        }
        precondition(out.withUnsafeMutableBufferPointer { EVP_EncryptFinal_ex(ctx, $0.baseAddress! + plaintext.count, &len) } == 1)
        let tagOK = out.withUnsafeMutableBufferPointer {
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, Int32(Self.tagSize), $0.baseAddress! + plaintext.count)
        }
        precondition(tagOK == 1)
        return out
    }

    /// Opens the next frame; nil when it was altered, replayed, reordered or sealed under
    /// another key. A failure does not advance the counter, but a session must close on it.
    public func open(_ sealed: [UInt8], aad: [UInt8]) -> [UInt8]? {
        guard sealed.count >= Self.tagSize else { return nil }
        let n = sealed.count - Self.tagSize
        var tag = Array(sealed[n...])
        var out = [UInt8](repeating: 0, count: max(n, 1))
        var len: Int32 = 0
        guard EVP_DecryptInit_ex2(ctx, cipher, key, Self.nonce(counter), nil) == 1 else { return nil }
        if !aad.isEmpty { guard EVP_DecryptUpdate(ctx, nil, &len, aad, Int32(aad.count)) == 1 else { return nil } }
        if n > 0 {
            let ok = sealed.withUnsafeBufferPointer { s in
                out.withUnsafeMutableBufferPointer { EVP_DecryptUpdate(ctx, $0.baseAddress, &len, s.baseAddress, Int32(n)) }
            }
            guard ok == 1 else { return nil }
        }
        guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, Int32(Self.tagSize), &tag) == 1 else { return nil }
        let final = out.withUnsafeMutableBufferPointer { EVP_DecryptFinal_ex(ctx, $0.baseAddress! + n, &len) }
        guard final == 1 else { ERR_clear_error(); return nil }
        counter += 1
        return Array(out.prefix(n))
    }
}
