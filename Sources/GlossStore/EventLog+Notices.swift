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

    /// The notices a ledger at `peer` needs before this ledger's events: one per effective
    /// erasure it lacks, with the links that tie the erasure's signer and the erased events'
    /// authors to their identity.
    public func erasureNotices(notCoveredBy peer: Frontier) throws(StoreError) -> [[UInt8]] {
        try wrap {
            let devices = try devicesInCall()
            let map = try erasuresInCall(devices: devices)
            guard !map.isEmpty else { return [] }
            var byErasure: [EventID: Set<EventID>] = [:]
            for (target, erasure) in map.erasedEvents { byErasure[erasure, default: []].insert(target) }
            var out: [[UInt8]] = []
            for (erasureID, targets) in byErasure.sorted(by: { $0.key < $1.key }) {
                guard let e = try eventInCall(erasureID) else { continue }
                if let tip = peer.tips[e.author], tip.seq >= e.header.seq { continue }
                var keys: Set<PublicKey> = [e.author]
                for t in targets { if let a = try authorInCall(t) { keys.insert(a) } }
                var links: [Event] = []
                for k in keys.sorted() {
                    if let l = devices.links[k], let le = try eventInCall(l.event.id) { links.append(le) }
                }
                if let n = try? ErasureNotice(erasure: e, links: Array(links.prefix(ErasureNotice.maxLinks))) { out.append(n.encoded) }
            }
            return out
        }
    }

    /// The notices this ledger keeps.
    func noticesInCall() throws -> [ErasureNotice] {
        let s = try db.prepared("SELECT bytes FROM erasure_notices")
        var out: [ErasureNotice] = []
        while try s.step() { if let n = try? ErasureNotice.decode(s.blob(0)) { out.append(n) } }
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
/// an effective erasure in the log, else a notice. Loaded once per batch, and only when the
/// batch has an event an erasure may concern.
struct StubAuthority {
    let devices: DeviceMap
    let map: ErasureMap
    let notices: [ErasureNotice]

    init(_ log: EventLog) throws {
        devices = try log.devicesInCall()
        map = try log.erasuresInCall(devices: devices)
        notices = try log.noticesInCall()
    }

    var isEmpty: Bool { map.isEmpty && notices.isEmpty }

    /// The erasure that removes `e`'s payload, when one does.
    func erasure(of e: Event) -> EventID? {
        let kind: UInt16? = e.isErased ? nil : e.payloadKind
        if let x = map.erasure(of: e.id, author: e.author, kind: kind, devices: devices) { return x }
        guard ErasureMap.erasable(kind: kind) else { return nil }
        return notices.first { $0.authorizes(e.id, author: e.author, identity: devices.identity(of:)) }?.erasure.id
    }
}
