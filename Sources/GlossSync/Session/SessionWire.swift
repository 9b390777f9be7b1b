import GlossCore

/// A session's record layer (SYNC.md §3, §4): frames in and out, sealed once keys are agreed,
/// the byte counts of the summary, and when the session last heard and wrote (in the shell's
/// clock). Shared by every phase; the phases decide what to say.
struct SessionWire {
    var decoder = FrameDecoder()
    var sendCipher: FrameCipher?
    var receiveCipher: FrameCipher?
    var stats = SyncStats()
    /// The latest time the shell gave, and when the session started, last heard and last wrote.
    var clock: Double = 0
    var startedAt: Double?
    var lastReceived: Double = 0
    var lastSent: Double = 0

    /// Bytes from the peer: buffered until a whole frame is there.
    mutating func received(_ bytes: [UInt8]) {
        lastReceived = clock
        stats.bytesReceived += bytes.count
        decoder.feed(bytes)
    }

    /// Opens a frame (once keys are agreed) and decodes its message; an ERROR from the peer is
    /// thrown as the peer's error. Returns the message and its plain body (HELLO's is hashed
    /// into the transcript).
    mutating func open(length: [UInt8], body: [UInt8]) throws -> (SyncMessage, [UInt8]) {
        let plain: [UInt8]
        if let receiveCipher {
            guard let p = receiveCipher.open(body, aad: length) else {
                throw SyncError(.decryptFailed, "a frame failed authentication (altered, replayed, reordered, or from another session)")
            }
            plain = p
        } else {
            plain = body
        }
        let message = try SyncMessage.decode(plain)
        if case .batch(_, let events) = message {
            let eventBytes = events.reduce(0) { $0 + $1.count }
            stats.controlBytesReceived += 4 + body.count - eventBytes
        } else {
            stats.controlBytesReceived += 4 + body.count
        }
        if case .error(let code, let text) = message {
            throw SyncError(SyncError.Code(rawValue: code) ?? .internalError, text, fromPeer: true)
        }
        return (message, plain)
    }

    mutating func send(_ m: SyncMessage, control: Bool, _ out: inout [SyncAction]) {
        out.append(.send(frame(m.encoded(), control: control)))
    }

    /// Frames a message body, sealing it once keys are agreed.
    mutating func frame(_ body: [UInt8], control: Bool) -> [UInt8] {
        let bytes: [UInt8]
        if let sendCipher {
            let length = FrameDecoder.lengthPrefix(body.count + FrameCipher.tagSize)
            bytes = length + sendCipher.seal(body, aad: length)
        } else {
            bytes = FrameDecoder.lengthPrefix(body.count) + body
        }
        stats.bytesSent += bytes.count
        if control { stats.controlBytesSent += bytes.count }
        lastSent = clock
        return bytes
    }
}
