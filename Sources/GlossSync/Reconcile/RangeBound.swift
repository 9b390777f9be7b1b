import GlossCore

/// One end of a range of authors (RECONCILE.md §Bounds): a prefix of 0…32 bytes standing for
/// the 32-byte key of that prefix padded with zeros, or infinity (above every key).
struct RangeBound: Equatable, Sendable {
    /// The prefix padded to 32 bytes; unused when `isInfinity`.
    let key: Hash32
    /// Prefix length 0…32.
    let length: Int
    let isInfinity: Bool

    static let zero = RangeBound(key: .zero, length: 0, isInfinity: false)
    static let infinity = RangeBound(key: .zero, length: 0, isInfinity: true)

    /// The encoded size: the length byte and the prefix.
    var encodedSize: Int { isInfinity ? 1 : 1 + length }

    init(key: Hash32, length: Int, isInfinity: Bool) { self.key = key; self.length = length; self.isInfinity = isInfinity }

    init(prefix: ArraySlice<UInt8>) {
        var padded = Array(prefix)
        padded.append(contentsOf: repeatElement(0, count: 32 - prefix.count))
        self.init(key: Hash32(padded), length: prefix.count, isInfinity: false)
    }

    /// The shortest bound b with `below < b ≤ above` (precondition: below < above).
    static func between(_ below: PublicKey, _ above: PublicKey) -> RangeBound {
        let a = below.raw.bytes, b = above.raw.bytes
        var k = 0
        while k < 31, a[k] == b[k] { k += 1 }
        return RangeBound(prefix: b[0...k])
    }

    /// Whether `author` is below this bound (everything is below infinity).
    @inline(__always)
    func isAbove(_ author: PublicKey) -> Bool { isInfinity || author.raw < key }

    /// Strict order; infinity is above everything.
    static func < (a: RangeBound, b: RangeBound) -> Bool {
        if a.isInfinity { return false }
        if b.isInfinity { return true }
        return a.key < b.key
    }

    func write(_ w: inout ByteWriter) {
        if isInfinity { w.u8(255); return }
        w.u8(UInt8(length))
        w.raw(key.bytes[0..<length])
    }

    var hexDescription: String { isInfinity ? "∞" : (length == 0 ? "0" : Hex.encode(key.bytes[0..<length])) }
}
