/// An article's text as anchoring compares it (Protocol/MERGE.md §17.1): a sequence of
/// user-perceived characters, each reduced to a key, so that two characters are equal exactly
/// when their folded forms are canonically equivalent (`é` as one code point or as `e` and a
/// combining accent; a curly and a straight quote; CR LF and LF). Built once per text and shared
/// by every annotation anchored on it.
public struct AnchoringText: Sendable {
    public let text: ArticleText
    /// One key per character.
    let keys: [Int32]
    /// The code-point offset where each character starts, then the text's length.
    let starts: [Int]
    /// Whether each character is part of a word (its first code point a letter, mark or number).
    let word: [Bool]
    /// The key of every character seen: a `Character` compares and hashes by canonical
    /// equivalence, so equivalent spellings find one key.
    private let table: [Character: Int32]

    public init(_ text: ArticleText) {
        self.text = text
        var table: [Character: Int32] = [:]
        var keys: [Int32] = [], starts: [Int] = [], word: [Bool] = []
        var offset = 0
        for ch in text.slice(0..<text.count) {
            let f = Self.folded(ch)
            let key: Int32
            if let k = table[f] { key = k } else { key = Int32(table.count); table[f] = key }
            keys.append(key)
            starts.append(offset)
            word.append(Self.isWord(ch))
            offset += ch.unicodeScalars.count
        }
        starts.append(offset)
        self.keys = keys; self.starts = starts; self.word = word; self.table = table
    }

    public init(_ text: String) { self.init(ArticleText(text)) }

    /// Characters in the text.
    var count: Int { keys.count }

    /// The keys of a selector's part; a character the text does not have gets −1, equal to none of it.
    func keys(of s: String) -> [Int32] { s.map { table[Self.folded($0)] ?? -1 } }

    /// Whether the first (or `last`) character of `s` is part of a word.
    static func isWord(_ s: String, last: Bool) -> Bool {
        guard let c = last ? s.last : s.first else { return false }
        return Self.isWord(c)
    }

    /// The number of characters that start before code-point offset `offset`.
    func characterIndex(_ offset: Int) -> Int {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if starts[mid] < offset { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Code points `[starts[lo], starts[hi])` of characters `lo..<hi`.
    func codePoints(_ r: Range<Int>) -> Range<Int> { starts[r.lowerBound]..<starts[r.upperBound] }

    /// Folding (§17.1): quotes, spaces, dashes and line breaks to one form each.
    static func folded(_ ch: Character) -> Character {
        let s = ch.unicodeScalars
        if ch == "\r\n" || ch == "\r" { return "\n" }
        guard s.count == 1, let only = s.first else { return ch }
        let f = QuoteMatcher.fold(only)
        return f == only ? ch : Character(f)
    }

    static func isWord(_ ch: Character) -> Bool {
        guard let first = ch.unicodeScalars.first else { return false }
        switch first.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }
}
