/// The cheap check a ledger makes before it relays one of its own stored rows (to a peer or into
/// a bundle): is the row still what was verified when it was stored?
///
/// At insert time the ledger records an **integrity tag** over the event's id and signature
/// (the signature was verified then). Before relaying, it decodes the stored bytes fully
/// (canonical form, payload hash, id recomputed from the header and compared with the id
/// column) and recomputes the tag. A changed byte anywhere in the row is then caught with two
/// SHA-256 passes, not a second Ed25519 verification. Rows stored before tags existed (no tag)
/// get the full signature check instead.
///
/// This guards against damage (a failing disk, a hand edit, a buggy tool), not against a local
/// attacker: whoever can write the ledger can recompute a tag, and can read the key anyway.
public enum StoredRowCheck {
    public static let tagDomain: [UInt8] = Array("gloss/stored/v1".utf8) + [0]
    public static let tagSize = 16

    /// The integrity tag of an event whose signature has been verified.
    public static func tag(id: EventID, signature: ArraySlice<UInt8>) -> [UInt8] {
        Array(SHA256.hash(tagDomain, id.bytes, Array(signature)).bytes.prefix(tagSize))
    }

    public static func tag(of e: Event) -> [UInt8] { tag(id: e.id, signature: e.signature) }

    /// Why a stored row may not be relayed.
    public struct Damage: Error, Sendable, Equatable, CustomStringConvertible {
        public let message: String
        public init(message: String) { self.message = message }
        public var description: String { message }
    }

    /// The event of a stored row when the row is intact; the damage otherwise.
    /// `idColumn` is the stored id, `tag` the stored integrity tag (nil for rows older than tags).
    public static func check(bytes: [UInt8], idColumn: [UInt8], tag: [UInt8]?) -> Result<Event, Damage> {
        guard idColumn.count == 32 else { return .failure(Damage(message: "its id column is not 32 bytes")) }
        let event: Event
        do { event = try Event.decode(bytes, expectedID: Hash32(idColumn), allowErased: true) } catch {
            return .failure(Damage(message: "its bytes no longer decode to the event stored: \(error.message)"))
        }
        if let tag {
            guard tag == Self.tag(of: event) else {
                return .failure(Damage(message: "its signature bytes differ from those verified when it was stored"))
            }
        } else if !event.hasValidSignature {
            return .failure(Damage(message: "its signature does not verify"))
        }
        return .success(event)
    }
}
