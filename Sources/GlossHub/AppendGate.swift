/// One append at a time per process reaches the database's append lock: the others wait here,
/// holding no connection, so reads (a session's admission, its pages) always find one in the
/// pool however many sessions are storing. Across processes the database's lock decides.
actor AppendGate {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func inside<T: Sendable, E: Error>(_ body: @Sendable () async throws(E) -> T) async throws(E) -> T {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
        defer {
            if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
        }
        return try await body()
    }
}
