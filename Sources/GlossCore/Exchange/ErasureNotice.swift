/// An erasure sent ahead of its place in the log (SYNC.md §7.3, bundles): the `annotation.erased`
/// event, and the `device.linked` events that tie its signer and the erased events' authors to
/// one identity. A ledger keeps it (append-only) so that the events it names may arrive without
/// their payloads before the erasure itself arrives, after them, as their descendant.
///
/// Encoded as `u8 count ‖ (u32 length ‖ event) × count`, the erasure first; at most 8 links.
public struct ErasureNotice: Sendable, Equatable {
    public let erasure: Event
    public let links: [Event]
    public let content: AnnotationErased

    public static let maxLinks = 8

    /// Why bytes are not a usable notice.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// `verified`: the signatures were checked when the notice was kept (a ledger reading its own).
    public init(erasure: Event, links: [Event], verified: Bool = false) throws(Invalid) {
        guard case .annotationErased(let x)? = try? erasure.payload() else {
            throw Invalid(description: "its first event is not an annotation.erased")
        }
        guard verified || erasure.hasValidSignature else { throw Invalid(description: "the erasure's signature does not verify") }
        guard links.count <= Self.maxLinks else { throw Invalid(description: "\(links.count) links, at most \(Self.maxLinks)") }
        for l in links {
            guard case .deviceLinked(let d)? = try? l.payload(), verified || (l.hasValidSignature && d.consentVerifies) else {
                throw Invalid(description: "link \(l.id.short()) is not a device.linked whose signature and consent verify")
            }
        }
        self.erasure = erasure; self.links = links; content = x
    }

    public var encoded: [UInt8] {
        var w = ByteWriter()
        w.u8(UInt8(1 + links.count))
        for e in [erasure] + links { w.u32(UInt32(e.bytes.count)); w.raw(e.bytes) }
        return w.bytes
    }

    public static func decode(_ bytes: [UInt8], verified: Bool = false) throws(Invalid) -> ErasureNotice {
        var r = ByteReader(bytes)
        var events: [Event] = []
        do {
            let n = Int(try r.u8("count"))
            guard n >= 1, n <= 1 + maxLinks else { throw Invalid(description: "a notice holds 1 to \(1 + maxLinks) events, not \(n)") }
            for i in 0..<n {
                let length = Int(try r.u32("length"))
                guard length <= EventLimits.maxEventBytes else { throw Invalid(description: "event \(i + 1) is over the size limit") }
                events.append(try Event.decode(Array(try r.raw(length, "event"))))
            }
            guard r.isAtEnd else { throw Invalid(description: "\(r.remaining) bytes after its events") }
        } catch let e as Invalid {
            throw e
        } catch {
            throw Invalid(description: "it does not decode: \(error)")
        }
        return try ErasureNotice(erasure: events[0], links: Array(events.dropFirst()), verified: verified)
    }

    /// Whether the notice lets an event by `author` named by it be held without its payload:
    /// `identity(key)` is the receiving ledger's device map; the notice's own links (signed by
    /// the identity itself, or by a key the map already puts in that identity) extend it.
    public func authorizes(_ id: EventID, author: PublicKey, identity: (PublicKey) -> PublicKey) -> Bool {
        guard content.events.contains(id) else { return false }
        return self.identity(of: author, identity) == self.identity(of: erasure.author, identity)
    }

    /// `key`'s identity by the receiver's map (`identity`), else by this notice's links: a link
    /// counts when its signer is, by the same rule, already of that identity (so a chain of
    /// links, each signed by a device the one before linked, reaches the identity).
    public func identity(of key: PublicKey, _ identity: (PublicKey) -> PublicKey) -> PublicKey {
        var alias: [PublicKey: PublicKey] = [:]
        func who(_ k: PublicKey) -> PublicKey {
            let mapped = identity(k)
            return mapped != k ? mapped : (alias[k] ?? k)
        }
        let linked = links.compactMap { l -> (signer: PublicKey, link: DeviceLinked)? in
            guard case .deviceLinked(let d)? = try? l.payload() else { return nil }
            return (l.author, d)
        }
        var changed = true
        while changed {
            changed = false
            for (signer, d) in linked where alias[d.device] == nil && who(signer) == d.identity {
                alias[d.device] = d.identity
                changed = true
            }
        }
        return who(key)
    }
}
