import Foundation
import GlossCore
import GlossSync
import Testing

/// Protocol/vectors/sync.json: the handshake from fixed keys and nonces to the derived keys and
/// the first sealed frame of each side (Protocol/SYNC.md). GLOSS_WRITE_VECTORS=1 rewrites it.
struct SyncVector: Codable, Equatable {
    var clientIdentitySeed: String, serverIdentitySeed: String
    var clientEphemeralPrivate: String, serverEphemeralPrivate: String
    var clientNonce: String, serverNonce: String
    var clientHelloFrame: String, serverHelloFrame: String
    var sharedSecret: String, transcript: String
    var clientToServerKey: String, serverToClientKey: String
    var clientAuthFrame: String, serverAuthFrame: String
}

@Suite struct SyncVectorTests {
    static var url: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Protocol/vectors/sync.json")
    }

    /// Runs both sides' pure sessions with the vector's fixed inputs and records the bytes.
    static func compute(from v: SyncVector) throws -> SyncVector {
        let ck = try SigningKey(seed: Hex.decode(v.clientIdentitySeed)!), sk = try SigningKey(seed: Hex.decode(v.serverIdentitySeed)!)
        let ce = try X25519KeyPair(privateKey: Hex.decode(v.clientEphemeralPrivate)!)
        let se = try X25519KeyPair(privateKey: Hex.decode(v.serverEphemeralPrivate)!)
        // The vector's HELLOs carry features 0 (client) and 1 (server, watch): the sessions are
        // configured without the later `evidence`, `ranges` and `erasures` features so that they send exactly those.
        var clientConfig = SyncSessionConfig(role: .client, identity: ck, allowed: [sk.publicKey], ephemeral: ce, nonce: Hex.decode(v.clientNonce)!)
        clientConfig.evidence = false
        clientConfig.ranges = false
        clientConfig.erasures = false
        var serverConfig = SyncSessionConfig(role: .server, identity: sk, allowed: [ck.publicKey], watch: true, ephemeral: se, nonce: Hex.decode(v.serverNonce)!)
        serverConfig.evidence = false
        serverConfig.ranges = false
        serverConfig.erasures = false
        let client = SyncSession(config: clientConfig)
        let server = SyncSession(config: serverConfig)
        func sent(_ a: [SyncAction]) -> [UInt8] { a.compactMap { if case .send(let b) = $0 { b } else { nil } }.first ?? [] }
        let ch = sent(client.start()), sh = sent(server.start())
        let ca = sent(client.handle(.received(sh))), sa = sent(server.handle(.received(ch)))
        let shared = try #require(ce.sharedSecret(with: se.publicKey))
        let th = Handshake.transcript(clientHello: Array(ch.dropFirst(4)), serverHello: Array(sh.dropFirst(4)))
        let keys = Handshake.keys(sharedSecret: shared, transcript: th)
        var out = v
        out.clientHelloFrame = Hex.encode(ch); out.serverHelloFrame = Hex.encode(sh)
        out.sharedSecret = Hex.encode(shared); out.transcript = th.hex
        out.clientToServerKey = Hex.encode(keys.clientToServer); out.serverToClientKey = Hex.encode(keys.serverToClient)
        out.clientAuthFrame = Hex.encode(ca); out.serverAuthFrame = Hex.encode(sa)
        return out
    }

    static let inputs = SyncVector(
        clientIdentitySeed: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        serverIdentitySeed: String(repeating: "42", count: 32),
        clientEphemeralPrivate: "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
        serverEphemeralPrivate: "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
        clientNonce: String(repeating: "01", count: 32), serverNonce: String(repeating: "02", count: 32),
        clientHelloFrame: "", serverHelloFrame: "", sharedSecret: "", transcript: "",
        clientToServerKey: "", serverToClientKey: "", clientAuthFrame: "", serverAuthFrame: "")

    @Test func handshakeMatchesTheVector() throws {
        if ProcessInfo.processInfo.environment["GLOSS_WRITE_VECTORS"] == "1" {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try enc.encode(try Self.compute(from: Self.inputs)).write(to: Self.url)
        }
        let v = try JSONDecoder().decode(SyncVector.self, from: Data(contentsOf: Self.url))
        #expect(try Self.compute(from: v) == v)
        // The first sealed frame opens with the derived key, to the AUTH of the spec.
        let frame = try #require(Hex.decode(v.clientAuthFrame))
        let body = try #require(FrameCipher(key: Hex.decode(v.clientToServerKey)!).open(Array(frame.dropFirst(4)), aad: Array(frame.prefix(4))))
        guard case .auth(let key, _) = try SyncMessage.decode(body) else { Issue.record("not an AUTH"); return }
        #expect(key.hex == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    }
}
