import GlossCore

/// The numbers of Protocol/RECONCILE.md §Limits and the sender's choices of §Splitting.
public enum ReconcileLimits {
    /// Largest message body (the bytes after the RANGES type byte). A sender never builds more;
    /// a receiver refuses more. Half a frame: the type byte, the 4 length bytes and the AEAD tag
    /// fit with room to spare.
    public static let maxMessageBytes = 1 << 20
    /// Messages one side accepts from its peer in one reconciliation.
    public static let maxMessagesReceived = 4096
    /// Entries a side may hold to reconcile (its own set), and authors the peer may tell it of
    /// beyond its own.
    public static let maxEntries = 1 << 22
    /// Sender choice: a range of more own entries than `listThreshold` is split into at most
    /// this many subranges.
    public static let branching = 32
    /// Sender choice: a differing range of at most this many own entries is listed in full.
    public static let listThreshold = 8
    /// Sender choice: a range of more entries is split into subranges of about this many, at
    /// most `branching` of them. Half the list threshold, so that a subrange the peer holds a
    /// few more entries of is still listed at once rather than split again.
    public static let groupSize = 4
    /// At most this many local entries: the plain FRONTIER is the better choice (§Crossover).
    public static let plainFrontierMaxEntries = 40
}
