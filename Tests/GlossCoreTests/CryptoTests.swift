import GlossCore
import Testing

/// libcrypto through our wrappers, against published answers.
@Suite struct CryptoTests {
    @Test func sha256OfABC() {
        #expect(SHA256.hash(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hash(Array("a".utf8), Array("bc".utf8)) == SHA256.hash(Array("abc".utf8)))
    }

    /// RFC 8032 §7.1, test 1: the empty message.
    @Test func ed25519RFC8032Test1() throws {
        let key = try SigningKey(seed: Hex.decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")!)
        #expect(key.publicKey.hex == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        let sig = key.sign([])
        #expect(Hex.encode(sig) == "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
        #expect(key.publicKey.verify(signature: sig[...], message: []))
        var bad = sig; bad[0] ^= 1
        #expect(!key.publicKey.verify(signature: bad[...], message: []))
        #expect(!key.publicKey.verify(signature: sig[...], message: [0]))
    }

    @Test func seedRoundTripsAndKeysDiffer() throws {
        let a = SigningKey(), b = SigningKey()
        #expect(a.publicKey != b.publicKey)
        #expect(try SigningKey(seed: a.seedBytes()).publicKey == a.publicKey)
        #expect(throws: CryptoError.self) { try SigningKey(seed: [1, 2, 3]) }
        #expect(!a.description.contains(Hex.encode(a.seedBytes())))
    }

    @Test func hexRejectsJunk() {
        #expect(Hex.decode("0g") == nil)
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("ABcd") == [0xab, 0xcd])
        #expect(Hash32(hex: "00") == nil)
    }
}
