import GlossCore

/// The numbers of Protocol/SYNC.md §Limits.
public enum SyncLimits {
    public static let version: UInt16 = 1
    public static let magic: [UInt8] = Array("GLOSSYNC".utf8)
    /// Largest frame body (after the 4 length bytes), sealed or not: one maximal event, a batch
    /// header and the AEAD tag fit.
    public static let maxFrame = 2 * 1024 * 1024
    /// A batch holds at most this many events…
    public static let maxBatchEvents = 512
    /// …and, unless it is a single event, at most this many event bytes.
    public static let maxBatchBytes = 1024 * 1024
    /// Batches a receiver accepts in flight (unacknowledged) when it does not say otherwise.
    public static let defaultWindow: UInt16 = 8
    public static let maxWindow: UInt16 = 16
    /// Most frontier entries in one FRONTIER message.
    public static let maxFrontierEntries = 1 << 20
    public static let maxErrorMessage = 4096
    /// In a session without RANGES, a server holding more authors than this sends its FRONTIER
    /// only after the client's, with the entries of the client's authors alone (SYNC.md §7).
    public static let plainFrontierMaxEntries = 1024
}

/// Feature bits of HELLO.
extension SyncLimits {
    /// Most ERASURE notices a side accepts in one session (SYNC.md §7.3): each is kept for good.
    public static let maxNoticesPerSession = 1024
}

public struct SyncFeatures: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Keep the session open after catching up and exchange new events as they are appended.
    public static let watch = SyncFeatures(rawValue: 1)
    /// Exchange fork evidence (EVIDENCE messages, SYNC.md §7.1).
    public static let evidence = SyncFeatures(rawValue: 2)
    /// Reconcile by RANGES instead of full FRONTIER entries (SYNC.md §7.2, RECONCILE.md).
    public static let ranges = SyncFeatures(rawValue: 4)
    /// Send erasures ahead of the events they name, and erased events without their payloads
    /// (ERASURE messages, SYNC.md §7.3).
    public static let erasures = SyncFeatures(rawValue: 8)
}
