import GlossCore
import GlossReplay

extension EventLog {
    /// Which payloads this ledger's erasures remove (MERGE.md §19).
    public func erasures() throws(StoreError) -> ErasureMap {
        try wrap { try erasuresInCall(devices: try devicesInCall()) }
    }

    /// The erasure map of the log, read through a partial index (nothing to read when the
    /// ledger has no erasure). Recomputed when the erasures, the device map or the events they
    /// name that are held change.
    func erasuresInCall(devices: DeviceMap) throws -> ErasureMap {
        try loadErasureMap(devices) { _, _ in true }
    }

    /// The erasure map of the erasures a selection keeps (`selected(rowid, lamport)`), the
    /// authors and kinds of the events they name looked up among the selected rows only.
    func loadErasureMap(_ devices: DeviceMap, _ selected: (Int64, UInt64) -> Bool) throws -> ErasureMap {
        var events: [ErasureEvent] = []
        let s = try db.prepared("SELECT id, bytes, rowid, lamport FROM events WHERE kind = 12")
        while try s.step() {
            guard selected(s.int(2), UInt64(s.int(3))), let id = s.hash(0), let e = try? Event.decode(stored: s.blob(1), id: id),
                  let x = ErasureEvent(e) else { continue }
            events.append(x)
        }
        s.reset()
        guard !events.isEmpty else { return .empty }
        let named = try db.prepared("SELECT rowid, lamport, bytes FROM events WHERE id = ?")
        var authors: [EventID: PublicKey] = [:]
        var kinds: [EventID: UInt16] = [:]
        for e in events {
            for id in e.erasure.events + [e.erasure.annotation] where authors[id] == nil {
                named.reset()
                named.bind(1, id)
                // The kind as the held bytes say (none when held erased), never the kind column,
                // which keeps the kind of a payload cut here: every ledger must judge alike.
                guard try named.step(), selected(named.int(0), UInt64(named.int(1))),
                      let held = try? Event.decode(stored: named.blob(2), id: id) else { continue }
                authors[id] = held.author
                if !held.isErased { kinds[id] = held.payloadKind }
            }
        }
        named.reset()
        return ErasureMap(events, devices: devices, authorOf: { authors[$0] }, kindOf: { kinds[$0] })
    }

    /// Inside the caller's transaction: removes the payload of every held event an effective
    /// erasure names (keeping header ‖ signature), recording each in `erasures`, which the
    /// events table's update trigger requires (the log's one exception to append-only). The
    /// projection must already be free of their text (rebuilt under the map). Returns how many.
    @discardableResult
    func cutErasedPayloads(_ map: ErasureMap) throws -> Int {
        guard !map.erasedEvents.isEmpty else { return 0 }
        let read = try db.prepared("SELECT bytes FROM events WHERE id = ?")
        let record = try db.prepared("INSERT OR IGNORE INTO erasures(target, erasure) VALUES (?, ?)")
        let cut = try db.prepared("UPDATE events SET bytes = ? WHERE id = ?")
        var n = 0
        for (target, erasure) in map.erasedEvents.sorted(by: { $0.key < $1.key }) {
            read.reset()
            read.bind(1, target)
            guard try read.step() else { continue }
            let bytes = read.blob(0)
            read.reset()
            guard let e = try? Event.decode(stored: bytes, id: target), !e.isErased else { continue }
            record.reset(); try record.bind(1, target).bind(2, erasure).run()
            cut.reset(); try cut.bind(1, blob: e.erased.bytes).bind(2, target).run()
            n += 1
        }
        if n > 0 {
            try setSettingInCall(Self.compactPendingSetting, "1")
            compactionDue = true
        }
        return n
    }

    static let compactPendingSetting = "erase.compact-pending"

    /// After a commit that removed payloads: moves every page out of the write-ahead log and
    /// truncates it, so the removed bytes (zeroed in the database by `secure_delete`) are in no
    /// file. Another process reading the ledger can keep the log busy: then the setting stays
    /// and the next write or `gloss verify` tries again. Returns whether it is done.
    @discardableResult
    public func compactAfterErasure() -> Bool {
        guard (try? setting(Self.compactPendingSetting)) == "1" else { return true }
        guard let s = try? db.statement("PRAGMA wal_checkpoint(TRUNCATE)"), (try? s.step()) == true else { return false }
        let busy = s.int(0)
        s.reset()
        guard busy == 0 else { return false }
        try? setSetting(Self.compactPendingSetting, "0")
        return true
    }
}
