import GlossCore

/// One side's tip entries, sorted by author, with prefix sums of the entry hashes so that the
/// fingerprint of any run of entries costs one subtraction and one SHA-256
/// (RECONCILE.md §Fingerprints).
struct TipIndex: Sendable {
    let entries: [TipEntry]
    /// prefix[i] = Σ hash(entries[j]) for j < i, mod 2^256; count + 1 values.
    private let prefix: [Sum256]

    init(_ entries: [TipEntry]) {
        self.entries = entries
        var prefix: [Sum256] = []
        prefix.reserveCapacity(entries.count + 1)
        var acc = Sum256.zero
        prefix.append(acc)
        var buf = [UInt8](repeating: 0, count: 72)
        for e in entries {
            acc = acc &+ Sum256(TipIndex.hash(e, &buf))
            prefix.append(acc)
        }
        self.prefix = prefix
    }

    var count: Int { entries.count }

    /// SHA-256(author ‖ seq ‖ id), `buf` being 72 bytes of scratch.
    static func hash(_ e: TipEntry, _ buf: inout [UInt8]) -> Hash32 {
        buf.withUnsafeMutableBytes { p in
            e.author.raw.withUnsafeBytes { p.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: 32) }
            p.storeBytes(of: e.seq.bigEndian, toByteOffset: 32, as: UInt64.self)
            e.id.withUnsafeBytes { (p.baseAddress! + 40).copyMemory(from: $0.baseAddress!, byteCount: 32) }
        }
        return SHA256.hash(buf)
    }

    /// The index of the first entry whose author is not below `bound` (count for infinity).
    func index(of bound: RangeBound) -> Int {
        if bound.isInfinity { return entries.count }
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].author.raw < bound.key { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The index of `author`'s entry, if held.
    func index(of author: PublicKey) -> Int? {
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].author < author { lo = mid + 1 } else { hi = mid }
        }
        return lo < entries.count && entries[lo].author == author ? lo : nil
    }

    /// The 16-byte fingerprint of entries[from..<to].
    func fingerprint(_ from: Int, _ to: Int) -> [UInt8] {
        TipIndex.fingerprint(sum: prefix[to] &- prefix[from], count: UInt64(to - from))
    }

    /// First 16 bytes of SHA-256(sum (32 bytes) ‖ count (u64)).
    static func fingerprint(sum: Sum256, count: UInt64) -> [UInt8] {
        var w = ByteWriter(capacity: 40)
        w.u64(sum.w0); w.u64(sum.w1); w.u64(sum.w2); w.u64(sum.w3); w.u64(count)
        return Array(SHA256.hash(w.bytes).bytes[0..<16])
    }
}

/// A 256-bit unsigned integer, big-endian words, with arithmetic mod 2^256.
struct Sum256: Equatable, Sendable {
    var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64
    static let zero = Sum256(w0: 0, w1: 0, w2: 0, w3: 0)

    init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) { self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3 }

    init(_ h: Hash32) {
        (w0, w1, w2, w3) = h.withUnsafeBytes { b in
            (UInt64(bigEndian: b.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
             UInt64(bigEndian: b.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
             UInt64(bigEndian: b.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
             UInt64(bigEndian: b.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
        }
    }

    static func &+ (a: Sum256, b: Sum256) -> Sum256 {
        let (s3, c3) = a.w3.addingReportingOverflow(b.w3)
        let (t2, c2a) = a.w2.addingReportingOverflow(b.w2)
        let (s2, c2b) = t2.addingReportingOverflow(c3 ? 1 : 0)
        let (t1, c1a) = a.w1.addingReportingOverflow(b.w1)
        let (s1, c1b) = t1.addingReportingOverflow(c2a || c2b ? 1 : 0)
        let s0 = a.w0 &+ b.w0 &+ (c1a || c1b ? 1 : 0)
        return Sum256(w0: s0, w1: s1, w2: s2, w3: s3)
    }

    static func &- (a: Sum256, b: Sum256) -> Sum256 {
        let (s3, c3) = a.w3.subtractingReportingOverflow(b.w3)
        let (t2, c2a) = a.w2.subtractingReportingOverflow(b.w2)
        let (s2, c2b) = t2.subtractingReportingOverflow(c3 ? 1 : 0)
        let (t1, c1a) = a.w1.subtractingReportingOverflow(b.w1)
        let (s1, c1b) = t1.subtractingReportingOverflow(c2a || c2b ? 1 : 0)
        let s0 = a.w0 &- b.w0 &- (c1a || c1b ? 1 : 0)
        return Sum256(w0: s0, w1: s1, w2: s2, w3: s3)
    }
}
