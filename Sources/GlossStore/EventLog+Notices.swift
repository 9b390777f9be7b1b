import GlossCore
import GlossReplay

extension EventLog {
    /// Keeps an erasure received ahead of its place in the log (SYNC.md §7.3), after checking
    /// its signature and its links' (`ErasureNotice`): events it names may then arrive without
    /// their payloads. Idempotent by the erasure's id.
    public func recordNotice(_ bytes: [UInt8]) throws(StoreError) {
        let notice: ErasureNotice
        do { notice = try ErasureNotice.decode(bytes) } catch {
            throw StoreError(.invalidEvent, "an erasure notice was refused: \(error.description)")
        }
        try recordNotice(notice)
    }

    public func recordNotice(_ notice: ErasureNotice) throws(StoreError) {
        try wrap { try db.transaction { try insertNotice(notice) } }
    }

    func insertNotice(_ notice: ErasureNotice) throws {
        try db.prepared("INSERT OR IGNORE INTO erasure_notices(id, bytes, received) VALUES (?, ?, ?)")
            .bind(1, notice.erasure.id).bind(2, blob: notice.encoded).bind(3, Clock.nowMillis()).run()
    }

    /// The notices a peer needs before `events` (read to send it): for each erased one, the
    /// erasure that lets it be held so (SYNC.md §7.3), once per session (`sent`): built from
    /// the erasure in the log, with the chains of links that tie its signer and the erased
    /// events' authors to their identity, or else the notice this ledger kept for it.
    public func notices(for events: [Event], sent: inout Set<EventID>) throws(StoreError) -> [[UInt8]] {
        let erased = events.filter(\.isErased)
        guard !erased.isEmpty else { return [] }
        return try wrap {
            let devices = try devicesInCall()
            let map = try erasuresInCall(devices: devices)
            var kept: [ErasureNotice]?
            var out: [[UInt8]] = []
            for e in erased {
                if let id = map.erasedEvents[e.id] {
                    guard sent.insert(id).inserted, let x = try eventInCall(id), case .annotationErased(let c)? = try? x.payload() else { continue }
                    var keys: Set<PublicKey> = [x.author]
                    for t in c.events { if let a = try authorInCall(t) { keys.insert(a) } }
                    let links = try linkChains(of: keys, devices)
                    if let n = try? ErasureNotice(erasure: x, links: Array(links.prefix(ErasureNotice.maxLinks)), verified: true) { out.append(n.encoded) }
                    continue
                }
                if kept == nil { kept = try noticesInCall() }
                if let n = kept?.first(where: { $0.authorizes(e.id, author: e.author, identity: devices.identity(of:)) }),
                   sent.insert(n.erasure.id).inserted {
                    out.append(n.encoded)
                }
            }
            return out
        }
    }

    /// The linking events of `keys` and of the devices that linked them, up to their identities.
    func linkChains(of keys: Set<PublicKey>, _ devices: DeviceMap) throws -> [Event] {
        var out: [Event] = []
        var seen: Set<EventID> = []
        for start in keys.sorted() {
            var k = start
            while let l = devices.links[k], seen.insert(l.event.id).inserted {
                if let le = try eventInCall(l.event.id) { out.append(le) }
                k = l.event.author
            }
        }
        return out
    }

    /// The notices this ledger keeps (their signatures were checked when they were kept).
    func noticesInCall() throws -> [ErasureNotice] {
        let s = try db.prepared("SELECT bytes FROM erasure_notices")
        var out: [ErasureNotice] = []
        while try s.step() { if let n = try? ErasureNotice.decode(s.blob(0), verified: true) { out.append(n) } }
        s.reset()
        return out
    }

    func eventInCall(_ id: EventID) throws -> Event? {
        let s = try db.prepared("SELECT bytes FROM events WHERE id = ?").bind(1, id)
        defer { s.reset() }
        guard try s.step() else { return nil }
        return try? Event.decode(stored: s.blob(0), id: id)
    }

    func authorInCall(_ id: EventID) throws -> PublicKey? {
        let s = try db.prepared("SELECT author FROM events WHERE id = ?").bind(1, id)
        defer { s.reset() }
        return try s.step() ? s.hash(0).map(PublicKey.init) : nil
    }
}

/// Decides, while a batch is stored, which erasure lets an event be held without its payload:
/// an effective erasure in the log, else a kept notice whose erasure would be effective: its
/// annotation is the event itself or is held, by the erasure's identity (MERGE.md §19.1).
/// Loaded once per batch, and only when the ledger keeps any erasure or notice.
final class StubAuthority {
    let devices: DeviceMap
    let map: ErasureMap
    let notices: [ErasureNotice]
    private let log: EventLog

    /// `devices` and `map`: the log's, as the batch's projector read them (not read twice).
    init(_ log: EventLog, devices: DeviceMap, map: ErasureMap) throws {
        self.log = log
        self.devices = devices
        self.map = map
        let any = try log.db.prepared("SELECT EXISTS (SELECT 1 FROM erasure_notices)")
        _ = try any.step()
        let hasNotices = any.int(0) != 0
        any.reset()
        // Notices whose erasure is in the log already are the map's business.
        notices = hasNotices ? try log.noticesInCall().filter { try log.authorInCall($0.erasure.id) == nil } : []
    }

    var isEmpty: Bool { map.isEmpty && notices.isEmpty }

    /// The erasure that removes `e`'s payload, when one does.
    func erasure(of e: Event) throws -> EventID? {
        let kind: UInt16? = e.isErased ? nil : e.payloadKind
        if let x = map.erasure(of: e.id, author: e.author, kind: kind, devices: devices) { return x }
        guard ErasureMap.erasable(kind: kind) else { return nil }
        for n in notices where n.authorizes(e.id, author: e.author, identity: devices.identity(of:)) {
            let annotation = n.content.annotation
            if annotation == e.id { return n.erasure.id }
            // Held, by the erasure's identity, and a creation when its kind can be read (§19.1).
            if let held = try log.eventInCall(annotation),
               held.isErased || held.payloadKind == PayloadKind.annotationCreated.rawValue,
               n.identity(of: held.author, devices.identity(of:)) == n.identity(of: n.erasure.author, devices.identity(of:)) {
                return n.erasure.id
            }
        }
        return nil
    }
}
