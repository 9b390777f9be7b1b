import GlossCore

/// Range-based set reconciliation of two sides' tip entries (Protocol/RECONCILE.md): a pure
/// value, bytes in and bytes out, no I/O, no clock, no randomness. The initiator calls `start()`;
/// each side passes every RANGES body it receives to `receive(_:)` and sends back what it
/// returns, until `isComplete`. Then `differences` holds, for every author where the sides
/// differ, what the peer holds; authors where they agree are never named on the wire.
public struct RangeReconciler: Sendable {
    /// Message and byte counts of one reconciliation (bodies only, without the RANGES type byte).
    public struct Stats: Sendable, Equatable {
        public var messagesSent = 0, messagesReceived = 0
        public var bytesSent = 0, bytesReceived = 0
        /// Bytes on an encrypted sync connection: each body plus its type byte, the 4 length
        /// bytes and the 16-byte AEAD tag, both ways.
        public var controlBytes: Int { bytesSent + bytesReceived + 21 * (messagesSent + messagesReceived) }
    }

    private let index: TipIndex
    /// For every author where the sides differ: what the peer holds.
    public private(set) var differences: [PublicKey: PeerTip] = [:]
    /// True once neither side has anything more to send: the last message sent or received
    /// asked for no reply.
    public private(set) var isComplete = false
    public private(set) var stats = Stats()
    /// The LIST ranges of the last message sent: the peer's reply must answer them (§7).
    private var pendingLists: [(lower: RangeBound, upper: RangeBound)] = []

    /// `entries`: this side's tips, sorted by author, each author once, seq ≥ 1, at most
    /// `ReconcileLimits.maxEntries`.
    public init(entries: [TipEntry]) throws(ReconcileError) {
        guard entries.count <= ReconcileLimits.maxEntries else {
            throw ReconcileError(.invalidLocalEntries, "\(entries.count) entries, the limit is \(ReconcileLimits.maxEntries)")
        }
        for i in entries.indices {
            guard entries[i].seq >= 1 else { throw ReconcileError(.invalidLocalEntries, "entry \(i): seq 0") }
            if i > 0, !(entries[i - 1].author < entries[i].author) {
                throw ReconcileError(.invalidLocalEntries, "entries must be sorted by author, each author once (entry \(i))")
            }
        }
        index = TipIndex(entries)
    }

    /// Whether a side with `localCount` entries should rather send today's plain FRONTIER
    /// (RECONCILE.md §10): at most `ReconcileLimits.plainFrontierMaxEntries` entries.
    public static func prefersPlainFrontier(localCount: Int) -> Bool {
        localCount <= ReconcileLimits.plainFrontierMaxEntries
    }

    /// The initiator's first message (§5). Only before any message was sent or received.
    public mutating func start() throws(ReconcileError) -> [UInt8] {
        guard stats.messagesSent == 0, stats.messagesReceived == 0 else {
            throw ReconcileError(.protocolViolation, "start() opens a reconciliation; this one has already begun")
        }
        var out = RangeOutput()
        out.append(contentsOf: split(.zero, .infinity, 0, index.count))
        return send(out)
    }

    /// Handles one RANGES body from the peer; returns the body to send back, or nil when the
    /// peer's message asked for nothing (the reconciliation is then complete).
    public mutating func receive(_ body: [UInt8]) throws(ReconcileError) -> [UInt8]? {
        guard !isComplete else {
            throw ReconcileError(.protocolViolation, "a RANGES message after the reconciliation was complete")
        }
        stats.messagesReceived += 1
        stats.bytesReceived += body.count
        guard stats.messagesReceived <= ReconcileLimits.maxMessagesReceived else {
            throw ReconcileError(.protocolViolation, "more than \(ReconcileLimits.maxMessagesReceived) RANGES messages received in one reconciliation")
        }
        let items = try RangeCodec.decode(body)
        try checkAnswersCover(items)
        let out = try respond(to: items)
        guard items.contains(where: { $0.mode.asksForReply }) else {
            isComplete = true
            pendingLists = []
            return nil
        }
        return send(out)
    }

    private mutating func send(_ out: RangeOutput) -> [UInt8] {
        let body = RangeCodec.encode(out.items)
        stats.messagesSent += 1
        stats.bytesSent += body.count
        pendingLists = []
        var lower = RangeBound.zero
        for item in out.items {
            if case .list = item.mode { pendingLists.append((lower, item.upper)) }
            lower = item.upper
        }
        if !out.asksForReply { isComplete = true }
        return body
    }

    // MARK: Checks that need the last message sent (§7)

    /// Every LIST range we sent must be met by non-SKIP ranges, and every ANSWER range must lie
    /// inside one LIST range we sent.
    private func checkAnswersCover(_ items: [RangeItem]) throws(ReconcileError) {
        var lower = RangeBound.zero
        var p = 0
        for (n, item) in items.enumerated() {
            // The first pending LIST range whose upper bound is above `lower`.
            while p < pendingLists.count, !(lower < pendingLists[p].upper) { p += 1 }
            let intersects = p < pendingLists.count && pendingLists[p].lower < item.upper
            switch item.mode {
            case .skip:
                if intersects {
                    throw ReconcileError(.protocolViolation, "range \(n) SKIPs part of the range [\(pendingLists[p].lower.hexDescription), \(pendingLists[p].upper.hexDescription)) this side LISTed: a LIST must be answered")
                }
            case .answer:
                guard p < pendingLists.count, !(lower < pendingLists[p].lower), !(pendingLists[p].upper < item.upper) else {
                    throw ReconcileError(.protocolViolation, "range \(n) is an ANSWER to [\(lower.hexDescription), \(item.upper.hexDescription)), which this side did not LIST")
                }
            case .fingerprint, .list:
                break
            }
            lower = item.upper
        }
    }

    // MARK: Responding (§6)

    private static let deferralSize = 18

    private mutating func respond(to items: [RangeItem]) throws(ReconcileError) -> RangeOutput {
        var out = RangeOutput()
        var cut = false
        var lower = RangeBound.zero
        let max = ReconcileLimits.maxMessageBytes
        for item in items {
            let i = index.index(of: lower), j = index.index(of: item.upper)
            var response: [RangeItem]
            switch item.mode {
            case .skip:
                response = [RangeItem(upper: item.upper, mode: .skip)]
            case .fingerprint(let fp):
                response = index.fingerprint(i, j) == fp ? [RangeItem(upper: item.upper, mode: .skip)] : split(lower, item.upper, i, j)
            case .list(let theirs):
                try learn(fromList: theirs, i, j)
                if !cut {
                    let full = answer(theirs, i, j, upper: item.upper)
                    if out.size(appending: [full]) + Self.deferralSize <= max {
                        response = [full]
                    } else {
                        answerInPart(theirs, i, j, &out)
                        cut = true
                        response = []
                    }
                } else {
                    response = []
                }
            case .answer(let bits, let bitmap, let theirs):
                try learn(fromAnswer: bits, bitmap, theirs, i, j, lower: lower, upper: item.upper)
                response = [RangeItem(upper: item.upper, mode: .skip)]
            }
            if !cut, !response.isEmpty {
                if out.size(appending: response) + Self.deferralSize <= max {
                    out.append(contentsOf: response)
                } else {
                    out.append(RangeItem(upper: .infinity, mode: .fingerprint(index.fingerprint(i, index.count))))
                    cut = true
                }
            }
            lower = item.upper
        }
        return out
    }

    /// The ranges that describe own entries[i..<j], the range [lower, upper) differing (§6.1):
    /// a LIST of them when few, else up to `branching` FINGERPRINT subranges of about equal counts.
    private func split(_ lower: RangeBound, _ upper: RangeBound, _ i: Int, _ j: Int) -> [RangeItem] {
        let c = j - i
        if c <= ReconcileLimits.listThreshold { return [RangeItem(upper: upper, mode: .list(Array(index.entries[i..<j])))] }
        let g = ReconcileLimits.groupSize
        let k = Swift.min(ReconcileLimits.branching, (c + g - 1) / g)
        var out: [RangeItem] = []
        out.reserveCapacity(k)
        for g in 0..<k {
            let s = i + g * c / k, e = i + (g + 1) * c / k
            let bound = g == k - 1 ? upper : RangeBound.between(index.entries[e - 1].author, index.entries[e].author)
            out.append(RangeItem(upper: bound, mode: .fingerprint(index.fingerprint(s, e))))
        }
        return out
    }

    /// The ANSWER to the peer's LIST `theirs` of a range holding own entries[i..<j].
    private func answer(_ theirs: [TipEntry], _ i: Int, _ j: Int, upper: RangeBound) -> RangeItem {
        let (bits, mine) = compare(theirs, i, j)
        return RangeItem(upper: upper, mode: .answer(bits: theirs.count, bitmap: Self.bitmap(bits[...]), entries: mine))
    }

    /// Which of `theirs` this side holds identically, and own entries of [i, j) not among them.
    private func compare(_ theirs: [TipEntry], _ i: Int, _ j: Int) -> ([Bool], [TipEntry]) {
        var bits: [Bool] = []
        bits.reserveCapacity(theirs.count)
        var mine: [TipEntry] = []
        var k = i
        for t in theirs {
            while k < j, index.entries[k].author < t.author { mine.append(index.entries[k]); k += 1 }
            if k < j, index.entries[k].author == t.author {
                let same = index.entries[k] == t
                bits.append(same)
                if !same { mine.append(index.entries[k]) }
                k += 1
            } else {
                bits.append(false)
            }
        }
        while k < j { mine.append(index.entries[k]); k += 1 }
        return (bits, mine)
    }

    static func bitmap(_ bits: ArraySlice<Bool>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: (bits.count + 7) / 8)
        for (n, b) in bits.enumerated() where b { out[n / 8] |= 0x80 >> UInt8(n % 8) }
        return out
    }

    /// An ANSWER too large for what is left of the message: its longest prefix [lower, mid)
    /// that fits, then FINGERPRINT [mid, ∞); or FINGERPRINT [lower, ∞) alone (§6.3).
    private func answerInPart(_ theirs: [TipEntry], _ i: Int, _ j: Int, _ out: inout RangeOutput) {
        let (bits, mine) = compare(theirs, i, j)
        var best: (item: RangeItem, mid: RangeBound)?
        var covered = 0
        if mine.count >= 2 {
            for n in 1..<mine.count {
                let mid = RangeBound.between(mine[n - 1].author, mine[n].author)
                while covered < theirs.count, mid.isAbove(theirs[covered].author) { covered += 1 }
                let item = RangeItem(upper: mid, mode: .answer(bits: covered, bitmap: Self.bitmap(bits[0..<covered]), entries: Array(mine[0..<n])))
                guard out.size(appending: [item]) + Self.deferralSize <= ReconcileLimits.maxMessageBytes else { break }
                best = (item, mid)
            }
        }
        if let best {
            out.append(best.item)
            out.append(RangeItem(upper: .infinity, mode: .fingerprint(index.fingerprint(index.index(of: best.mid), index.count))))
        } else {
            out.append(RangeItem(upper: .infinity, mode: .fingerprint(index.fingerprint(i, index.count))))
        }
    }

    // MARK: What each side learns (§8)

    private mutating func note(_ author: PublicKey, _ tip: PeerTip) throws(ReconcileError) {
        differences[author] = tip
        guard differences.count <= index.count + ReconcileLimits.maxEntries else {
            throw ReconcileError(.protocolViolation, "the peer names more than \(ReconcileLimits.maxEntries) authors this side does not hold")
        }
    }

    /// The peer listed all its entries of a range holding own entries[i..<j].
    private mutating func learn(fromList theirs: [TipEntry], _ i: Int, _ j: Int) throws(ReconcileError) {
        var k = i
        for t in theirs {
            while k < j, index.entries[k].author < t.author { try note(index.entries[k].author, .absent); k += 1 }
            if k < j, index.entries[k].author == t.author {
                if index.entries[k] != t { try note(t.author, .tip(seq: t.seq, id: t.id)) }
                k += 1
            } else {
                try note(t.author, .tip(seq: t.seq, id: t.id))
            }
        }
        while k < j { try note(index.entries[k].author, .absent); k += 1 }
    }

    /// The peer answered (part of) a range this side listed, holding own entries[i..<j].
    private mutating func learn(fromAnswer bits: Int, _ bitmap: [UInt8], _ theirs: [TipEntry], _ i: Int, _ j: Int,
                                lower: RangeBound, upper: RangeBound) throws(ReconcileError) {
        guard bits == j - i else {
            throw ReconcileError(.protocolViolation, "the ANSWER to [\(lower.hexDescription), \(upper.hexDescription)) has \(bits) bits; this side listed \(j - i) entries there")
        }
        func bit(_ n: Int) -> Bool { bitmap[n / 8] & (0x80 >> UInt8(n % 8)) != 0 }
        var k = i
        for t in theirs {
            while k < j, index.entries[k].author < t.author {
                if !bit(k - i) { try note(index.entries[k].author, .absent) }
                k += 1
            }
            if k < j, index.entries[k].author == t.author {
                guard !bit(k - i), index.entries[k] != t else {
                    throw ReconcileError(.protocolViolation, "the ANSWER both holds and differs on author \(t.author.raw.short(16))")
                }
                k += 1
            }
            try note(t.author, .tip(seq: t.seq, id: t.id))
        }
        while k < j {
            if !bit(k - i) { try note(index.entries[k].author, .absent) }
            k += 1
        }
    }
}
