import GlossCore

/// What `gloss device link` hands from a device to a new one: the key of the device that minted
/// and linked it (the new device's first peer), and the new device's private key (its seed).
/// Written as `GLOSS-` then base32 (RFC 4648 alphabet, no padding) of that key ‖ seed ‖ the first
/// four bytes of SHA-256 of both, in groups of five: typed or pasted on the other device, with
/// typing mistakes caught by the checksum. Case, spaces and dashes do not matter when read.
///
/// It carries a secret: whoever holds it can write as the identity until the device is revoked.
public struct PairingCode: Sendable, Equatable {
    /// The device that linked the new one: it holds the link, so the new device syncs with it first.
    public let linkedBy: PublicKey
    public let seed: [UInt8]

    public init(linkedBy: PublicKey, seed: [UInt8]) { self.linkedBy = linkedBy; self.seed = seed }

    static let prefix = "GLOSS-"
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

    /// The code as printed.
    public var text: String {
        let bytes = linkedBy.raw.bytes + seed
        let body = Self.base32(bytes + Array(SHA256.hash(bytes).bytes.prefix(4)))
        var groups: [String] = []
        var i = body.startIndex
        while i < body.endIndex {
            let j = body.index(i, offsetBy: 5, limitedBy: body.endIndex) ?? body.endIndex
            groups.append(String(body[i..<j]))
            i = j
        }
        return Self.prefix + groups.joined(separator: "-")
    }

    /// Why a text is not a pairing code.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Reads a code as printed (any case; spaces, dashes and line breaks ignored).
    public init(parsing raw: String) throws(Invalid) {
        var s = raw.uppercased().filter { !$0.isWhitespace && $0 != "-" }
        guard s.hasPrefix("GLOSS") else {
            throw Invalid(description: "a pairing code starts with GLOSS- (it is what `gloss device link` printed on your other device)")
        }
        s.removeFirst(5)
        guard let bytes = Self.unbase32(s) else {
            throw Invalid(description: "a pairing code has only the letters A–Z and the digits 2–7 after GLOSS-: check what you typed (0, 1, 8 and 9 are never in it)")
        }
        guard bytes.count == 68 else {
            throw Invalid(description: "this pairing code is \(bytes.count < 68 ? "too short" : "too long"): it should be \(Self.codeLength) letters and digits after GLOSS-; check for a missing or extra group")
        }
        let payload = Array(bytes[0..<64])
        guard Array(SHA256.hash(payload).bytes.prefix(4)) == Array(bytes[64..<68]) else {
            throw Invalid(description: "this pairing code has a typing mistake (its checksum does not match): compare it with the one printed, group by group")
        }
        self.init(linkedBy: PublicKey(Hash32(payload[0..<32])), seed: Array(payload[32..<64]))
    }

    static var codeLength: Int { (68 * 8 + 4) / 5 }

    static func base32(_ bytes: [UInt8]) -> String {
        var out = ""
        var buffer = 0, bits = 0
        for b in bytes {
            buffer = (buffer << 8) | Int(b); bits += 8
            while bits >= 5 { bits -= 5; out.append(alphabet[(buffer >> bits) & 31]) }
        }
        if bits > 0 { out.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return out
    }

    static func unbase32(_ s: String) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer = 0, bits = 0
        for c in s {
            guard let v = alphabet.firstIndex(of: c) else { return nil }
            buffer = ((buffer << 5) | v) & 0xFFFF; bits += 5
            if bits >= 8 { bits -= 8; out.append(UInt8((buffer >> bits) & 0xFF)) }
        }
        return out
    }
}
