import GlossCore
import GlossReplay

extension EventLog {
    /// Who writes for whom in this ledger (MERGE.md §18): the device map of every device event
    /// it holds.
    public func devices() throws(StoreError) -> DeviceMap {
        try wrap { try devicesInCall() }
    }

    /// The device map, rebuilt only when the set of device events changed (their ids are read
    /// through a partial index: nothing when the ledger has none).
    func devicesInCall() throws -> DeviceMap {
        let s = try db.prepared("SELECT id FROM events WHERE kind IN (10, 11) ORDER BY kind, id")
        var ids: [EventID] = []
        while try s.step() { if let id = s.hash(0) { ids.append(id) } }
        s.reset()
        if let c = deviceCache, c.ids == ids { return c.map }
        let map = try loadDeviceMap { _, _ in true }
        deviceCache = (ids, map)
        return map
    }

    /// The device map of the device events a selection keeps (`selected(rowid, lamport)`).
    func loadDeviceMap(_ selected: (Int64, UInt64) -> Bool) throws -> DeviceMap {
        var events: [DeviceEvent] = []
        let rows = try db.prepared("SELECT id, bytes, rowid, lamport FROM events WHERE kind IN (10, 11)")
        while try rows.step() {
            guard selected(rows.int(2), UInt64(rows.int(3))), let id = rows.hash(0),
                  let e = try? Event.decode(stored: rows.blob(1), id: id), let d = DeviceEvent(e) else { continue }
            events.append(d)
        }
        rows.reset()
        return DeviceMap(events)
    }

    /// A projector for one batch, under the device map as the log has it now.
    func makeProjector() throws -> Projector {
        let devices = try devicesInCall()
        return Projector(db: db, devices: devices, erasures: try erasuresInCall(devices: devices))
    }

    /// Ends a batch of `events` stored through `projector`: when one of them changed who
    /// writes for whom, the projection is rebuilt under the new map (a link can make earlier
    /// changes count, a revocation void later ones: rare, and simplest done whole); otherwise
    /// it is marked as covering the log.
    /// `caughtUp`: the events were in the log before the projector was made (an older gloss
    /// stored them), so its map already counted them: any device event among them rebuilds.
    func finishProjecting(_ projector: Projector, events: Int, caughtUp: Bool = false) throws {
        try projector.finish()
        guard projector.touchedMaps else { return try markProjected(events: events) }
        let devices = try devicesInCall()
        let erasures = try erasuresInCall(devices: devices)
        if caughtUp || devices != projector.devices || erasures != projector.erasures {
            // The projector's statements may hold read cursors on the tables dropped next
            // (SQLite refuses DROP TABLE under one); none is mid-iteration here.
            db.resetStatements()
            try rebuild()
        } else {
            try markProjected(events: events)
        }
        // The projection holds no erased text now: the log's copies go too.
        try cutErasedPayloads(erasures)
    }
}

extension EventLog {
    /// `wrap` for the calls that build views: the device map is brought up to the log first,
    /// so every stamp read names its author's identity.
    func viewing<T>(_ body: () throws -> T) throws(StoreError) -> T {
        try wrap {
            _ = try devicesInCall()
            return try body()
        }
    }
}

extension EventLog {
    /// The keys this ledger syncs with (SYNC.md §5.4): those on the allow-list, every device of
    /// an allowed identity and of `own`'s identity (a person's phone syncs with their laptop
    /// unasked), never a revoked device.
    public func allowedKeys(own: PublicKey) throws(StoreError) -> Set<PublicKey> {
        try devices().allowedKeys(peers: try peers().map(\.key), own: own)
    }
}
