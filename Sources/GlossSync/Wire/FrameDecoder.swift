import GlossCore

/// Splits a byte stream into frames: a u32 big-endian length, then that many bytes. Bytes may
/// arrive in any pieces (one at a time, or many frames at once); a length over the cap is an
/// error before any of the body is buffered.
public struct FrameDecoder: Sendable {
    private var buffer: [UInt8] = []
    private var start = 0
    public let maxFrame: Int

    public init(maxFrame: Int = SyncLimits.maxFrame) { self.maxFrame = maxFrame }

    /// Bytes received but not yet returned as frames.
    public var buffered: Int { buffer.count - start }

    public mutating func feed<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if start > 0 && start == buffer.count { buffer.removeAll(keepingCapacity: true); start = 0 }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame (its length prefix and body), or nil when more bytes are needed.
    public mutating func next() throws(SyncError) -> (lengthBytes: [UInt8], body: [UInt8])? {
        guard buffered >= 4 else { return nil }
        let l = buffer[start..<(start + 4)]
        let n = l.reduce(0) { $0 << 8 | Int($1) }
        guard n <= maxFrame else {
            throw SyncError(.frameTooLarge, "a frame of \(n) bytes, over the limit of \(maxFrame)")
        }
        guard buffered >= 4 + n else { return nil }
        let body = Array(buffer[(start + 4)..<(start + 4 + n)])
        let lengthBytes = Array(l)
        start += 4 + n
        if start > 65536 && start * 2 > buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
        return (lengthBytes, body)
    }

    /// Called at end of stream: an incomplete frame left over is a truncation.
    public func finish() throws(SyncError) {
        if buffered > 0 { throw SyncError(.truncated, "the connection closed in the middle of a frame (\(buffered) bytes of it arrived)") }
    }

    public static func lengthPrefix(_ n: Int) -> [UInt8] {
        [UInt8(truncatingIfNeeded: n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)]
    }
}

/// Why a sync session ended badly. `code` is the wire error code of Protocol/SYNC.md §Errors.
public struct SyncError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: UInt16, Sendable {
        case malformed = 1, frameTooLarge = 2, truncated = 3, unsupportedVersion = 4, badHandshake = 5
        case notAllowed = 6, unexpectedKey = 7, decryptFailed = 8, protocolViolation = 9
        case invalidEvent = 10, idleTimeout = 11, overloaded = 12, shuttingDown = 13, internalError = 14

        public var name: String {
            switch self {
            case .malformed: "malformed"
            case .frameTooLarge: "frame-too-large"
            case .truncated: "truncated"
            case .unsupportedVersion: "unsupported-version"
            case .badHandshake: "bad-handshake"
            case .notAllowed: "not-allowed"
            case .unexpectedKey: "unexpected-key"
            case .decryptFailed: "decrypt-failed"
            case .protocolViolation: "protocol-violation"
            case .invalidEvent: "invalid-event"
            case .idleTimeout: "idle-timeout"
            case .overloaded: "overloaded"
            case .shuttingDown: "shutting-down"
            case .internalError: "internal-error"
            }
        }
    }
    public let code: Code
    public let message: String
    /// Whether the peer told us (an ERROR message) rather than us finding it.
    public var fromPeer = false
    public init(_ code: Code, _ message: String, fromPeer: Bool = false) { self.code = code; self.message = message; self.fromPeer = fromPeer }
    public var description: String { fromPeer ? "the peer refused: \(message) (\(code.name))" : "\(message) (\(code.name))" }
}
