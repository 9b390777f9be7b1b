import GlossCore
import Testing

/// X25519, HKDF-SHA256 and ChaCha20-Poly1305 through libcrypto, against the RFCs.
@Suite struct SessionCryptoTests {
    /// RFC 7748 §6.1.
    @Test func x25519() throws {
        let a = try X25519KeyPair(privateKey: Hex.decode("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")!)
        let b = try X25519KeyPair(privateKey: Hex.decode("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")!)
        #expect(Hex.encode(a.publicKey) == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        #expect(Hex.encode(b.publicKey) == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
        let shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
        #expect(a.sharedSecret(with: b.publicKey).map(Hex.encode) == shared)
        #expect(b.sharedSecret(with: a.publicKey).map(Hex.encode) == shared)
        #expect(a.sharedSecret(with: [UInt8](repeating: 0, count: 32)) == nil, "a low-order point is refused")
        #expect(a.sharedSecret(with: [1, 2, 3]) == nil)
    }

    /// RFC 5869 appendix A.1.
    @Test func hkdf() {
        let okm = HKDF.sha256(ikm: [UInt8](repeating: 0x0b, count: 22), salt: Array(0...12), info: Array(0xf0...0xf9), count: 42)
        #expect(Hex.encode(okm) == "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
    }

    @Test func frameCipherRefusesTamperingReplayAndReordering() {
        let key = SHA256.hash([1]).bytes
        let seal = FrameCipher(key: key), open = FrameCipher(key: key)
        let f0 = seal.seal(Array("first".utf8), aad: [0, 0, 0, 21])
        let f1 = seal.seal(Array("second".utf8), aad: [0, 0, 0, 22])
        #expect(f0.count == 5 + 16)
        #expect(open.open(f1, aad: [0, 0, 0, 22]) == nil, "out of order")
        var flipped = f0; flipped[2] ^= 1
        #expect(open.open(flipped, aad: [0, 0, 0, 21]) == nil, "a flipped bit")
        #expect(open.open(f0, aad: [0, 0, 0, 99]) == nil, "other length bytes")
        #expect(open.open(f0, aad: [0, 0, 0, 21]) == Array("first".utf8))
        #expect(open.open(f0, aad: [0, 0, 0, 21]) == nil, "a replay")
        #expect(open.open(f1, aad: [0, 0, 0, 22]) == Array("second".utf8))
        let other = FrameCipher(key: SHA256.hash([2]).bytes)
        #expect(other.open(f0, aad: [0, 0, 0, 21]) == nil, "another session's key")
    }
}
