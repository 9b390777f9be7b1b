import GlossCore

/// The key agreement and mutual authentication of Protocol/SYNC.md §Handshake.
public enum Handshake {
    public static let transcriptTag: [UInt8] = Array("gloss/sync/v1/transcript".utf8) + [0]
    public static let authTag: [UInt8] = Array("gloss/sync/v1/auth".utf8) + [0]
    public static let keysInfo: [UInt8] = Array("gloss/sync/v1/keys".utf8)

    public enum Role: UInt8, Sendable { case client = 1, server = 2 }

    /// SHA-256 over the tag, the client's HELLO body, then the server's HELLO body.
    public static func transcript(clientHello: [UInt8], serverHello: [UInt8]) -> Hash32 {
        SHA256.hash(transcriptTag, clientHello, serverHello)
    }

    /// The two session keys: (client → server, server → client).
    public static func keys(sharedSecret: [UInt8], transcript: Hash32) -> (clientToServer: [UInt8], serverToClient: [UInt8]) {
        let okm = HKDF.sha256(ikm: sharedSecret, salt: transcript.bytes, info: keysInfo, count: 64)
        return (Array(okm[0..<32]), Array(okm[32..<64]))
    }

    /// What a side signs in AUTH: the tag, its role, the transcript.
    public static func authMessage(role: Role, transcript: Hash32) -> [UInt8] {
        authTag + [role.rawValue] + transcript.bytes
    }
}
