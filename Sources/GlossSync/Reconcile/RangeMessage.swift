import GlossCore

/// The tip entry reconciled: an author, its newest seq and that event's id (SYNC.md §4 *entries*).
public typealias TipEntry = SyncMessage.FrontierEntry

/// What the peer holds for an author where the two sides differ.
public enum PeerTip: Sendable, Equatable, CustomStringConvertible {
    /// The peer holds no event of this author.
    case absent
    /// The peer's newest seq of this author and that event's id.
    case tip(seq: UInt64, id: EventID)

    public var description: String {
        switch self {
        case .absent: "absent"
        case .tip(let seq, let id): "\(seq):\(id.short())"
        }
    }
}

/// One range of a RANGES body (RECONCILE.md §3): its upper bound (the lower bound is the
/// previous range's upper bound) and what the sender says about it.
struct RangeItem: Equatable, Sendable {
    enum Mode: Equatable, Sendable {
        case skip
        case fingerprint([UInt8])
        case list([TipEntry])
        /// `bits` = how many of the peer's listed entries the bitmap covers.
        case answer(bits: Int, bitmap: [UInt8], entries: [TipEntry])

        var byte: UInt8 {
            switch self {
            case .skip: 0
            case .fingerprint: 1
            case .list: 2
            case .answer: 3
            }
        }

        /// Encoded size of the mode byte and the payload.
        var encodedSize: Int {
            switch self {
            case .skip: 1
            case .fingerprint: 17
            case .list(let e): 3 + 72 * e.count
            case .answer(_, let bitmap, let e): 5 + bitmap.count + 72 * e.count
            }
        }

        /// FINGERPRINT and LIST ranges ask the receiver for an answer.
        var asksForReply: Bool {
            switch self {
            case .fingerprint, .list: true
            case .skip, .answer: false
            }
        }
    }
    var upper: RangeBound
    var mode: Mode

    var encodedSize: Int { upper.encodedSize + mode.encodedSize }
}

/// Encoding and decoding of a RANGES body, with every check that needs no state (§3, §9).
enum RangeCodec {
    static func encode(_ items: [RangeItem]) -> [UInt8] {
        var w = ByteWriter(capacity: items.reduce(0) { $0 + $1.encodedSize })
        for item in items {
            item.upper.write(&w)
            w.u8(item.mode.byte)
            switch item.mode {
            case .skip: break
            case .fingerprint(let fp): w.raw(fp)
            case .list(let entries):
                w.u16(UInt16(entries.count)); for e in entries { write(e, &w) }
            case .answer(let bits, let bitmap, let entries):
                w.u16(UInt16(bits)); w.raw(bitmap)
                w.u16(UInt16(entries.count)); for e in entries { write(e, &w) }
            }
        }
        return w.bytes
    }

    static func write(_ e: TipEntry, _ w: inout ByteWriter) {
        w.raw(e.author.raw.bytes); w.u64(e.seq); w.raw(e.id.bytes)
    }

    static func decode(_ body: [UInt8]) throws(ReconcileError) -> [RangeItem] {
        guard body.count <= ReconcileLimits.maxMessageBytes else {
            throw ReconcileError(.tooLarge, "a RANGES body of \(body.count) bytes is over the limit of \(ReconcileLimits.maxMessageBytes)")
        }
        guard !body.isEmpty else { throw ReconcileError(.malformed, "an empty RANGES body: at least one range (ending at ∞) is required") }
        var r = ByteReader(body)
        var items: [RangeItem] = []
        var lower = RangeBound.zero
        do {
            while true {
                let index = items.count
                let upper = try readBound(&r, index)
                guard lower < upper else {
                    throw ReconcileError(.malformed, "range \(index): upper bound \(upper.hexDescription) is not above the previous bound \(lower.hexDescription) (bounds must increase strictly)")
                }
                let modeByte = try r.u8("mode")
                let mode: RangeItem.Mode
                switch modeByte {
                case 0: mode = .skip
                case 1: mode = .fingerprint(Array(try r.raw(16, "fingerprint")))
                case 2: mode = .list(try readEntries(&r, index, lower, upper))
                case 3:
                    let bits = Int(try r.u16("bitmap bit count"))
                    let bitmap = Array(try r.raw((bits + 7) / 8, "bitmap"))
                    if bits % 8 != 0, let last = bitmap.last, last & (0xFF >> UInt8(bits % 8)) != 0 {
                        throw ReconcileError(.malformed, "range \(index): the bitmap's padding bits are not zero")
                    }
                    mode = .answer(bits: bits, bitmap: bitmap, entries: try readEntries(&r, index, lower, upper))
                default:
                    throw ReconcileError(.malformed, "range \(index): unknown mode \(modeByte) (0 SKIP, 1 FINGERPRINT, 2 LIST, 3 ANSWER)")
                }
                items.append(RangeItem(upper: upper, mode: mode))
                if upper.isInfinity { break }
                lower = upper
            }
        } catch let e as DecodeError {
            throw ReconcileError(.malformed, "\(e.message) (a RANGES body must end with a range whose upper bound is ∞)")
        } catch let e as ReconcileError {
            throw e
        } catch {
            throw ReconcileError(.malformed, "\(error)")
        }
        guard r.isAtEnd else {
            throw ReconcileError(.malformed, "\(r.remaining) bytes after the range ending at ∞")
        }
        return items
    }

    private static func readBound(_ r: inout ByteReader, _ index: Int) throws -> RangeBound {
        let n = try r.u8("bound length")
        if n == 255 { return .infinity }
        guard n <= 32 else { throw ReconcileError(.malformed, "range \(index): bound length \(n) (0…32, or 255 for ∞)") }
        let prefix = try r.raw(Int(n), "bound prefix")
        if let last = prefix.last, last == 0 {
            throw ReconcileError(.malformed, "range \(index): a bound prefix must not end with a zero byte (not the shortest form)")
        }
        return RangeBound(prefix: prefix)
    }

    private static func readEntries(_ r: inout ByteReader, _ index: Int, _ lower: RangeBound, _ upper: RangeBound) throws -> [TipEntry] {
        let n = Int(try r.u16("entry count"))
        guard n * 72 <= r.remaining else {
            throw ReconcileError(.malformed, "range \(index): \(n) entries need \(n * 72) bytes, only \(r.remaining) left")
        }
        var out: [TipEntry] = []
        out.reserveCapacity(n)
        for i in 0..<n {
            let e = TipEntry(author: PublicKey(try r.id("author")), seq: try r.u64("seq"), id: try r.id("id"))
            guard e.seq >= 1 else { throw ReconcileError(.malformed, "range \(index), entry \(i): seq 0") }
            guard e.author.raw >= lower.key || lower.length == 0, upper.isAbove(e.author) else {
                throw ReconcileError(.malformed, "range \(index), entry \(i): author \(e.author.raw.short(16)) is outside the range [\(lower.hexDescription), \(upper.hexDescription))")
            }
            if let last = out.last, !(last.author < e.author) {
                throw ReconcileError(.malformed, "range \(index): entries must be sorted by author, each author once")
            }
            out.append(e)
        }
        return out
    }
}
