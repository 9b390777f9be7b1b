/// What storing a batch of events did: the ids newly stored and how many were already held.
/// A plain value, so the sync session can read a store's answer without knowing the store.
public struct AppendResult: Sendable, Equatable {
    /// Events stored by this call, in the order given.
    public var stored: [EventID] = []
    /// Events skipped because the log already held them.
    public var alreadyHad: Int = 0
    public init(stored: [EventID] = [], alreadyHad: Int = 0) { self.stored = stored; self.alreadyHad = alreadyHad }
}
