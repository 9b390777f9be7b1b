/// An article's text seen as Unicode code points, the unit of every selector offset, with the
/// grapheme-cluster boundaries that an offset must not split.
public struct ArticleText: Sendable {
    public let scalars: [Unicode.Scalar]
    /// Code-point offsets where a user-perceived character starts (and the end offset).
    private let boundaries: Set<Int>

    public init(_ text: String) {
        scalars = Array(text.unicodeScalars)
        var b: Set<Int> = [0]
        var offset = 0
        for ch in text {
            offset += ch.unicodeScalars.count
            b.insert(offset)
        }
        boundaries = b
    }

    public var count: Int { scalars.count }

    public func isBoundary(_ offset: Int) -> Bool { boundaries.contains(offset) }

    public func slice(_ range: Range<Int>) -> String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars[range.clamped(to: 0..<scalars.count)])
        return String(s)
    }

    /// Up to `n` code points before `offset`, not splitting a character.
    public func context(before offset: Int, _ n: Int) -> String {
        var start = max(0, offset - n)
        while start > 0 && !isBoundary(start) { start -= 1 }
        return slice(start..<offset)
    }

    /// Up to `n` code points after `offset`, not splitting a character.
    public func context(after offset: Int, _ n: Int) -> String {
        var end = min(count, offset + n)
        while end < count && !isBoundary(end) { end += 1 }
        return slice(offset..<end)
    }
}
