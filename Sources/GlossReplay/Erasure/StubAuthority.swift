import GlossCore

/// Decides, while a batch is stored, which erasure lets an event be held without its payload:
/// an effective erasure in the log, else a kept notice whose erasure would be effective: its
/// annotation is the event itself or is held, by the erasure's identity (MERGE.md §19.1).
/// The same rule for every store: `held` looks an event up in it (including the rows the
/// batch stored so far).
public struct StubAuthority {
    public let devices: DeviceMap
    public let map: ErasureMap
    /// Kept notices whose erasure is not in the log (those in the log are the map's business).
    public let notices: [ErasureNotice]
    private let held: (EventID) throws -> Event?

    public init(devices: DeviceMap, map: ErasureMap, notices: [ErasureNotice], held: @escaping (EventID) throws -> Event?) {
        self.devices = devices; self.map = map; self.notices = notices; self.held = held
    }

    public var isEmpty: Bool { map.isEmpty && notices.isEmpty }

    /// The erasure that removes `e`'s payload, when one does.
    public func erasure(of e: Event) throws -> EventID? {
        let kind: UInt16? = e.isErased ? nil : e.payloadKind
        if let x = map.erasure(of: e.id, author: e.author, kind: kind, devices: devices) { return x }
        guard ErasureMap.erasable(kind: kind) else { return nil }
        for n in notices where n.authorizes(e.id, author: e.author, identity: devices.identity(of:)) {
            let annotation = n.content.annotation
            if annotation == e.id { return n.erasure.id }
            // Held, by the erasure's identity, and a creation when its kind can be read (§19.1).
            if let h = try held(annotation),
               h.isErased || h.payloadKind == PayloadKind.annotationCreated.rawValue,
               n.identity(of: h.author, devices.identity(of:)) == n.identity(of: n.erasure.author, devices.identity(of:)) {
                return n.erasure.id
            }
        }
        return nil
    }
}

/// The erasure notices a peer needs before events it is sent (SYNC.md §7.3), whatever store
/// holds them: for each erased event, the erasure that lets it be held so, once per session
/// (`sent`), built from the erasure in the log with the chains of links that tie its signer and
/// the erased events' authors to their identity, or else a notice the store kept for it.
public struct NoticeAssembly {
    public let devices: DeviceMap
    public let map: ErasureMap
    /// An event the store holds, by id.
    public let event: (EventID) throws -> Event?
    /// The notices the store keeps (read only when needed).
    public let kept: () throws -> [ErasureNotice]

    public init(devices: DeviceMap, map: ErasureMap, event: @escaping (EventID) throws -> Event?, kept: @escaping () throws -> [ErasureNotice]) {
        self.devices = devices; self.map = map; self.event = event; self.kept = kept
    }

    public func notices(for events: [Event], sent: inout Set<EventID>) throws -> [[UInt8]] {
        var keptNotices: [ErasureNotice]?
        var out: [[UInt8]] = []
        for e in events where e.isErased {
            if let id = map.erasedEvents[e.id] {
                guard sent.insert(id).inserted, let x = try event(id), case .annotationErased(let c)? = try? x.payload() else { continue }
                var keys: Set<PublicKey> = [x.author]
                for t in c.events { if let a = try event(t)?.author { keys.insert(a) } }
                let links = try linkChains(of: keys)
                if let n = try? ErasureNotice(erasure: x, links: Array(links.prefix(ErasureNotice.maxLinks)), verified: true) { out.append(n.encoded) }
                continue
            }
            if keptNotices == nil { keptNotices = try kept() }
            if let n = keptNotices?.first(where: { $0.authorizes(e.id, author: e.author, identity: devices.identity(of:)) }),
               sent.insert(n.erasure.id).inserted {
                out.append(n.encoded)
            }
        }
        return out
    }

    /// The linking events of `keys` and of the devices that linked them, up to their identities.
    public func linkChains(of keys: Set<PublicKey>) throws -> [Event] {
        var out: [Event] = []
        var seen: Set<EventID> = []
        for start in keys.sorted() {
            var k = start
            while let l = devices.links[k], seen.insert(l.event.id).inserted {
                if let le = try event(l.event.id) { out.append(le) }
                k = l.event.author
            }
        }
        return out
    }
}
