import GlossCore

/// The messages of Protocol/SYNC.md §Messages. Each is one frame body: a u8 type, then fields.
public enum SyncMessage: Sendable, Equatable {
    case hello(Hello)
    case auth(identity: PublicKey, signature: [UInt8])
    case frontier(window: UInt16, tips: [FrontierEntry])
    case batch(number: UInt32, events: [[UInt8]])
    case ack(number: UInt32, stored: UInt32, alreadyHad: UInt32, tips: [FrontierEntry])
    case done(sent: UInt64)
    case error(code: UInt16, message: String)
    case ping
    /// A signed event of an author whose chain forks from the receiver's (SYNC.md §7.1).
    case evidence(event: [UInt8])
    /// One step of range-based reconciliation (Protocol/RECONCILE.md): the body after the type.
    case ranges([UInt8])
    /// An erasure notice (`ErasureNotice` bytes), before the events it names (§7.3).
    case erasure(notice: [UInt8])

    public struct Hello: Sendable, Equatable {
        public var version: UInt16
        public var features: UInt32
        public var ephemeral: [UInt8]
        public var nonce: [UInt8]
        public init(version: UInt16, features: UInt32, ephemeral: [UInt8], nonce: [UInt8]) {
            self.version = version; self.features = features; self.ephemeral = ephemeral; self.nonce = nonce
        }
    }

    /// One author's tip: the newest seq held and its id.
    public struct FrontierEntry: Sendable, Equatable {
        public let author: PublicKey
        public let seq: UInt64
        public let id: EventID
        public init(author: PublicKey, seq: UInt64, id: EventID) { self.author = author; self.seq = seq; self.id = id }

        /// The newest (author, seq, id) per author among `events`, sorted by author: what an ACK carries.
        public static func tips(of events: [Event]) -> [FrontierEntry] {
            var tips: [PublicKey: FrontierEntry] = [:]
            for e in events where (tips[e.author]?.seq ?? 0) < e.header.seq {
                tips[e.author] = .init(author: e.author, seq: e.header.seq, id: e.id)
            }
            return tips.values.sorted { $0.author < $1.author }
        }
    }

    public var type: UInt8 {
        switch self {
        case .hello: 1
        case .auth: 2
        case .frontier: 3
        case .batch: 4
        case .ack: 5
        case .done: 6
        case .error: 7
        case .ping: 8
        case .evidence: 9
        case .ranges: 10
        case .erasure: 11
        }
    }

    public var name: String {
        switch self {
        case .hello: "HELLO"
        case .auth: "AUTH"
        case .frontier: "FRONTIER"
        case .batch: "BATCH"
        case .ack: "ACK"
        case .done: "DONE"
        case .error: "ERROR"
        case .ping: "PING"
        case .evidence: "EVIDENCE"
        case .ranges: "RANGES"
        case .erasure: "ERASURE"
        }
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(type)
        switch self {
        case .hello(let h):
            w.raw(SyncLimits.magic); w.u16(h.version); w.u32(h.features); w.raw(h.ephemeral); w.raw(h.nonce)
        case .auth(let identity, let sig):
            w.raw(identity.raw.bytes); w.raw(sig)
        case .frontier(let window, let tips):
            w.u16(window); Self.write(tips, &w)
        case .batch(let n, let events):
            w.u32(n); w.u16(UInt16(events.count))
            for e in events { w.u32(UInt32(e.count)); w.raw(e) }
        case .ack(let n, let stored, let had, let tips):
            w.u32(n); w.u32(stored); w.u32(had); Self.write(tips, &w)
        case .done(let sent):
            w.u64(sent)
        case .error(let code, let message):
            w.u16(code); w.string(Self.truncated(message, to: SyncLimits.maxErrorMessage))
        case .ping:
            break
        case .evidence(let e):
            w.u32(UInt32(e.count)); w.raw(e)
        case .ranges(let body):
            w.raw(body)
        case .erasure(let notice):
            w.u32(UInt32(notice.count)); w.raw(notice)
        }
        return w.bytes
    }

    /// `text` cut to at most `limit` UTF-8 bytes, at a character boundary (still valid UTF-8).
    static func truncated(_ text: String, to limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var out = "", size = 0
        for ch in text {
            let n = ch.utf8.count
            if size + n > limit { break }
            out.append(ch); size += n
        }
        return out
    }

    static func write(_ tips: [FrontierEntry], _ w: inout ByteWriter) {
        w.u32(UInt32(tips.count))
        for t in tips { w.raw(t.author.raw.bytes); w.u64(t.seq); w.raw(t.id.bytes) }
    }

    static func readTips(_ r: inout ByteReader) throws(DecodeError) -> [FrontierEntry] {
        let n = Int(try r.u32("entry count"))
        guard n <= SyncLimits.maxFrontierEntries, n * 72 <= r.remaining else {
            throw DecodeError(.invalidField, "\(n) frontier entries do not fit the frame")
        }
        var out: [FrontierEntry] = []
        out.reserveCapacity(n)
        for i in 0..<n {
            let e = FrontierEntry(author: PublicKey(try r.id("author")), seq: try r.u64("seq"), id: try r.id("id"))
            guard e.seq >= 1 else { throw DecodeError(.invalidField, "entry \(i): seq 0") }
            if let last = out.last, !(last.author < e.author) {
                throw DecodeError(.nonCanonical, "frontier entries must be sorted by author, each author once")
            }
            out.append(e)
        }
        return out
    }

    /// Decodes one frame body; anything malformed or with trailing bytes is an error.
    public static func decode(_ body: [UInt8]) throws(SyncError) -> SyncMessage {
        var r = ByteReader(body)
        do {
            let type = try r.u8("type")
            let m: SyncMessage
            switch type {
            case 1:
                guard Array(try r.raw(8, "magic")) == SyncLimits.magic else { throw SyncError(.malformed, "the first frame is not a Gloss HELLO (wrong magic): is this a Gloss peer?") }
                m = .hello(Hello(version: try r.u16("version"), features: try r.u32("features"),
                                 ephemeral: Array(try r.raw(32, "ephemeral key")), nonce: Array(try r.raw(32, "nonce"))))
            case 2:
                m = .auth(identity: PublicKey(try r.id("identity")), signature: Array(try r.raw(64, "signature")))
            case 3:
                m = .frontier(window: try r.u16("window"), tips: try readTips(&r))
            case 4:
                let n = try r.u32("batch number")
                let count = Int(try r.u16("event count"))
                guard count >= 1, count <= SyncLimits.maxBatchEvents else { throw SyncError(.protocolViolation, "a batch of \(count) events (1…\(SyncLimits.maxBatchEvents) allowed)") }
                var events: [[UInt8]] = []
                for i in 0..<count {
                    let len = Int(try r.u32("event length"))
                    guard len <= EventLimits.maxEventBytes else { throw SyncError(.invalidEvent, "event \(i + 1) of batch \(n) is \(len) bytes, over the limit") }
                    events.append(Array(try r.raw(len, "event")))
                }
                m = .batch(number: n, events: events)
            case 5:
                m = .ack(number: try r.u32("batch number"), stored: try r.u32("stored"), alreadyHad: try r.u32("already had"), tips: try readTips(&r))
            case 6:
                m = .done(sent: try r.u64("sent"))
            case 7:
                m = .error(code: try r.u16("code"), message: try r.string("message", max: SyncLimits.maxErrorMessage))
            case 8:
                m = .ping
            case 9:
                let len = Int(try r.u32("event length"))
                guard len <= EventLimits.maxEventBytes else { throw SyncError(.invalidEvent, "the EVIDENCE event is \(len) bytes, over the limit") }
                m = .evidence(event: Array(try r.raw(len, "event")))
            case 10:
                m = .ranges(Array(try r.raw(r.remaining, "ranges")))
            case 11:
                let len = Int(try r.u32("notice length"))
                guard len <= (1 + ErasureNotice.maxLinks) * (EventLimits.maxEventBytes + 4) + 1 else { throw SyncError(.invalidEvent, "the ERASURE notice is \(len) bytes, over the limit") }
                m = .erasure(notice: Array(try r.raw(len, "notice")))
            default:
                throw SyncError(.malformed, "unknown message type \(type)")
            }
            guard r.isAtEnd else { throw SyncError(.malformed, "\(r.remaining) bytes after a \(m.name) message") }
            return m
        } catch let e as SyncError {
            throw e
        } catch {
            throw SyncError(.malformed, "a malformed message: \(error)")
        }
    }
}
