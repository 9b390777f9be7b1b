import GlossCore
import GlossReplay

/// A replay of the log itself, for the commands allowed to read all of it: `gloss verify`
/// (which checks the projection against it) and `gloss snapshot --at/--lamport/--before` (a
/// point in history the projection does not hold).
public struct LogReplay {
    public let state: FastReplay
    /// The heads of the selection (MERGE.md §10).
    public let heads: [EventID]
    /// How many events the selection holds.
    public let count: Int
}

extension EventLog {
    /// Replays the events of `selection` from the log, reading each row in place. Nil when
    /// `.causalPast` names an event the log does not hold.
    public func replay(_ selection: EventSelection) throws(StoreError) -> LogReplay? {
        try wrap {
            try db.transaction(immediate: false) {
                var replay = FastReplay()
                let all = try devicesInCall()
                let allErasures = try erasuresInCall(devices: all)
                let anyErasure = allErasures.eventCount > 0
                switch selection {
                case .all:
                    replay.devices = all
                    replay.erasures = allErasures
                    let s = try db.statement("SELECT id, bytes FROM events ORDER BY rowid")
                    while try s.step() { replay.apply(id: s.hash(0) ?? .zero, bytes: s.rawBlob(1)) }
                    return LogReplay(state: replay, heads: try headsInCall(), count: replay.applied)
                case .lamport(let n):
                    if all.eventCount > 0 { replay.devices = try loadDeviceMap { _, lamport in lamport <= n } }
                    if anyErasure { replay.erasures = try loadErasureMap(replay.devices) { _, lamport in lamport <= n } }
                    var heads = HeadsOfSelection()
                    let s = try db.statement("SELECT id, bytes FROM events WHERE lamport <= ? ORDER BY rowid").bind(1, Int64(clamping: n))
                    while try s.step() {
                        let id = s.hash(0) ?? .zero, bytes = s.rawBlob(1)
                        heads.add(id, bytes)
                        replay.apply(id: id, bytes: bytes)
                    }
                    return LogReplay(state: replay, heads: heads.heads, count: replay.applied)
                case .before(let t):
                    // Storage order puts parents first, so one pass decides every event.
                    // With device events, a first pass decides the selection (the device map of
                    // the selection comes before any event is applied), a second applies it.
                    let twoPasses = all.eventCount > 0 || anyErasure
                    var heads = HeadsOfSelection()
                    var kept: Set<EventID> = []
                    var rows: [Int64] = []
                    let s = try db.statement("SELECT id, bytes, rowid FROM events WHERE time < ? ORDER BY rowid").bind(1, t)
                    while try s.step() {
                        let id = s.hash(0) ?? .zero, bytes = s.rawBlob(1)
                        guard let e = StoredEventView(bytes) else { continue }
                        var parentsKept = true
                        e.forEachParent { if !kept.contains($0) { parentsKept = false } }
                        guard parentsKept else { continue }
                        kept.insert(id)
                        heads.add(id, bytes)
                        if twoPasses { rows.append(s.int(2)) } else { replay.apply(id: id, bytes: bytes) }
                    }
                    s.reset()
                    if twoPasses {
                        let selected = Set(rows)
                        replay.devices = try loadDeviceMap { row, _ in selected.contains(row) }
                        replay.erasures = try loadErasureMap(replay.devices) { row, _ in selected.contains(row) }
                        try applyRows(rows, to: &replay)
                    }
                    return LogReplay(state: replay, heads: heads.heads, count: replay.applied)
                case .causalPast(let target):
                    let at = try db.statement("SELECT rowid FROM events WHERE id = ?").bind(1, target)
                    guard try at.step() else { return nil }
                    let last = at.int(0)
                    at.reset()
                    // Backwards from the event: a row is in its past when a selected row names it.
                    var needed: Set<EventID> = [target]
                    var rows: [Int64] = []
                    let back = try db.statement("SELECT rowid, id, bytes FROM events WHERE rowid <= ? ORDER BY rowid DESC").bind(1, last)
                    while try back.step() {
                        guard let id = back.hash(1), needed.remove(id) != nil, let e = StoredEventView(back.rawBlob(2)) else { continue }
                        rows.append(back.int(0))
                        e.forEachParent { needed.insert($0) }
                    }
                    back.reset()
                    if all.eventCount > 0 || anyErasure {
                        let selected = Set(rows)
                        replay.devices = try loadDeviceMap { row, _ in selected.contains(row) }
                        replay.erasures = try loadErasureMap(replay.devices) { row, _ in selected.contains(row) }
                    }
                    try applyRows(rows.reversed(), to: &replay)
                    return LogReplay(state: replay, heads: [target], count: replay.applied)
                }
            }
        }
    }

    /// Applies the events stored at `rows`, in that order.
    private func applyRows<S: Sequence<Int64>>(_ rows: S, to replay: inout FastReplay) throws {
        let one = try db.statement("SELECT id, bytes FROM events WHERE rowid = ?")
        for row in rows {
            one.reset()
            one.bind(1, row)
            guard try one.step() else { continue }
            replay.apply(id: one.hash(0) ?? .zero, bytes: one.rawBlob(1))
        }
        one.reset()
    }

    func headsInCall() throws -> [EventID] {
        let s = try db.statement("SELECT id FROM heads ORDER BY id")
        var out: [EventID] = []
        while try s.step() { if let h = s.hash(0) { out.append(h) } }
        s.reset()
        return out
    }
}

/// The heads of a selection fed event by event: the events no selected event names as a parent.
public struct HeadsOfSelection {
    private var ids: [EventID] = []
    private var named: Set<EventID> = []
    public init() {}
    public mutating func add(_ id: EventID, _ bytes: UnsafeRawBufferPointer) {
        ids.append(id)
        StoredEventView(bytes)?.forEachParent { named.insert($0) }
    }
    public var heads: [EventID] { ids.filter { !named.contains($0) }.sorted() }
}
