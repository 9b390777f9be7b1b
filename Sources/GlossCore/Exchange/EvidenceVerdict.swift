/// What a peer's fork evidence turned out to be (SYNC.md §7.1).
public enum EvidenceVerdict: Sendable {
    /// A fork: `new` when this ledger did not hold the evidence yet; `twin` is this ledger's
    /// own event at that author and seq.
    case recorded(new: Bool, twin: Event)
    /// Not evidence of a fork; the reason.
    case refused(String)
}
