/// Why a RANGES message was refused (Protocol/RECONCILE.md §Errors). `code` is stable and names
/// the SYNC.md error the session should end with; `message` says what was wrong and which bound
/// applies.
public struct ReconcileError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        /// The bytes are not a RANGES body (SYNC.md `malformed`).
        case malformed
        /// The body is larger than `ReconcileLimits.maxMessageBytes` (SYNC.md `malformed`).
        case tooLarge = "too-large"
        /// A well-formed message that does not answer what was asked, arrives out of turn, or
        /// goes past a count limit (SYNC.md `protocol-violation`).
        case protocolViolation = "protocol-violation"
        /// The local entries handed to the reconciler are not a valid set (a caller bug).
        case invalidLocalEntries = "invalid-local-entries"
    }
    public let code: Code
    public let message: String
    public init(_ code: Code, _ message: String) { self.code = code; self.message = message }
    public var description: String { "\(code.rawValue): \(message)" }
}
