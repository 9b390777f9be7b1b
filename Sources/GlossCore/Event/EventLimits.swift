/// The hard caps of Protocol/EVENTS.md §Limits. An event over any of them is refused whole.
public enum EventLimits {
    /// The format version this code writes and reads.
    public static let version: UInt8 = 1
    /// Largest payload, in bytes (an article text of about a megabyte).
    public static let maxPayload = 1 << 20
    /// Most ids in `deps`.
    public static let maxDeps = 64
    /// Largest seq or lamport: both must fit a signed 64-bit integer.
    public static let maxCounter: UInt64 = UInt64(Int64.max)
    /// Largest whole encoded event: the longest header, the largest payload, the signature.
    public static let maxEventBytes = 1 + 32 + 8 + 32 + 8 + 8 + 1 + 32 * maxDeps + 4 + 32 + maxPayload + 64
    /// The domain tag hashed before the header: the ASCII bytes "gloss/event/v1" then one 0x00 byte.
    public static let idDomainTag: [UInt8] = Array("gloss/event/v1".utf8) + [0]

    // Payload field caps.
    public static let maxTitle = 1024, maxSource = 4096, maxText = maxPayload - 64
    public static let maxBody = 65536, maxQuote = 65536, maxContext = 1024
    public static let maxMotivation = 64, maxTag = 128, maxTags = 64, maxEditors = 16, maxPred = 64
}
