import GlossCore

/// Entry points for fuzzers (libFuzzer in `make fuzz`, a seeded mutation loop in the tests):
/// each feeds arbitrary bytes to one decoder the network reaches. None may crash, hang or
/// allocate without bound, whatever the bytes.
public enum FuzzTargets {
    public static let names = ["frame", "event", "handshake"]

    public static func run(_ target: String, _ data: [UInt8]) {
        switch target {
        case "frame": frame(data)
        case "event": event(data)
        case "handshake": handshake(data)
        default: break
        }
    }

    /// The frame decoder and message decoder, bytes arriving in two pieces.
    public static func frame(_ data: [UInt8]) {
        var d = FrameDecoder()
        let cut = data.isEmpty ? 0 : Int(data[0]) % (data.count + 1)
        d.feed(data.prefix(cut))
        for _ in 0..<2 {
            while let f = try? d.next() { _ = try? SyncMessage.decode(f.body) }
            d.feed(data.dropFirst(cut))
        }
        _ = try? d.finish()
    }

    /// The event decoder (with payload and signature) and the bundle decoder.
    public static func event(_ data: [UInt8]) {
        if let e = try? Event.decode(data) {
            _ = try? e.payload()
            _ = e.hasValidSignature
        }
        _ = try? Bundle.decode(data)
    }

    /// A server session fed arbitrary bytes after the connection opens: the HELLO parser, key
    /// agreement and the first sealed frames.
    public static func handshake(_ data: [UInt8]) {
        let session = SyncSession(config: SyncSessionConfig(role: .server, identity: fuzzKey, allowed: [], ephemeral: fuzzEphemeral,
                                                            nonce: [UInt8](repeating: 7, count: 32)))
        _ = session.start()
        _ = session.handle(.received(data))
        _ = session.handle(.peerClosed)
    }

    static let fuzzKey = try! SigningKey(seed: [UInt8](repeating: 3, count: 32))  // a constant, valid seed
    static let fuzzEphemeral = try! X25519KeyPair(privateKey: [UInt8](repeating: 5, count: 32))  // a constant, valid key

    /// A valid client HELLO: the start of the handshake corpus, so mutations reach key agreement.
    public static var sampleHello: [UInt8] {
        let body = SyncMessage.hello(.init(version: SyncLimits.version, features: 0, ephemeral: fuzzEphemeral.publicKey,
                                           nonce: [UInt8](repeating: 1, count: 32))).encoded()
        return FrameDecoder.lengthPrefix(body.count) + body
    }
}
