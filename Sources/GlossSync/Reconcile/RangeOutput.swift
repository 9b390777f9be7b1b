/// The ranges of the message being built, with its encoded size kept up to date; adjacent
/// SKIP ranges are merged (RECONCILE.md §6).
struct RangeOutput {
    private(set) var items: [RangeItem] = []
    private(set) var size = 0

    /// The body size if `more` were appended.
    func size(appending more: [RangeItem]) -> Int {
        var total = size
        var lastIsSkip = items.last?.mode == .skip
        var lastBoundSize = items.last?.upper.encodedSize ?? 0
        for item in more {
            if item.mode == .skip, lastIsSkip {
                total += item.upper.encodedSize - lastBoundSize
            } else {
                total += item.encodedSize
            }
            lastIsSkip = item.mode == .skip
            lastBoundSize = item.upper.encodedSize
        }
        return total
    }

    mutating func append(_ item: RangeItem) {
        if item.mode == .skip, let last = items.last, last.mode == .skip {
            size += item.upper.encodedSize - last.upper.encodedSize
            items[items.count - 1].upper = item.upper
        } else {
            size += item.encodedSize
            items.append(item)
        }
    }

    mutating func append(contentsOf more: [RangeItem]) { for item in more { append(item) } }

    /// Whether the message asks the peer for a reply (it has a FINGERPRINT or LIST range).
    var asksForReply: Bool { items.contains { $0.mode.asksForReply } }
}
