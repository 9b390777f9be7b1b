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
        guard events.contains(where: \.isErased) else { return [] }
        return try wrap {
            let devices = try devicesInCall()
            let assembly = NoticeAssembly(devices: devices, map: try erasuresInCall(devices: devices),
                                          event: { try self.eventInCall($0) }, kept: { try self.noticesInCall() })
            return try assembly.notices(for: events, sent: &sent)
        }
    }

    /// The erasure notices this ledger keeps (erasures received ahead of their place).
    public func keptNotices() throws(StoreError) -> [ErasureNotice] {
        try wrap { try noticesInCall() }
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

extension EventLog {
    /// The stub authority of a batch (`StubAuthority`) over this log, under the maps the
    /// batch's projector read (not read twice). Kept notices are read only when any exists.
    func stubAuthority(devices: DeviceMap, map: ErasureMap) throws -> StubAuthority {
        let any = try db.prepared("SELECT EXISTS (SELECT 1 FROM erasure_notices)")
        _ = try any.step()
        let hasNotices = any.int(0) != 0
        any.reset()
        let notices = hasNotices ? try noticesInCall().filter { try authorInCall($0.erasure.id) == nil } : []
        return StubAuthority(devices: devices, map: map, notices: notices, held: { try self.eventInCall($0) })
    }
}
