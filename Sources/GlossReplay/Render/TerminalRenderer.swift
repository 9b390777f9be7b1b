import GlossCore

/// `gloss read`: the article wrapped to a width, highlights marked (colour, or [brackets]ⁿ
/// when plain), and each paragraph followed by its numbered notes. Every piece of text from
/// the ledger (title, article text, notes, tags, names) is neutralised (`TerminalText`) before
/// the renderer adds its own colours, so only those reach the terminal as sequences.
public struct TerminalRenderer: Sendable {
    public let width: Int
    public let color: Bool
    /// How to show an author.
    public let who: @Sendable (PublicKey) -> String

    public init(width: Int, color: Bool, who: @escaping @Sendable (PublicKey) -> String) {
        self.width = max(20, width); self.color = color; self.who = who
    }

    public func render(_ layout: ArticleLayout) -> String {
        var out = bold(wrap(flat(layout.article.title), indent: "")) + "\n"
        out += dim("\(layout.article.id.short())  \(layout.notes.count) highlight\(layout.notes.count == 1 ? "" : "s")"
                   + (layout.article.isRevised ? "  (revised text)" : "")) + "\n\n"
        if let conflict = layout.revisionConflict(who: who) { out += bold("⚠ " + wrap(flat(conflict), indent: "  ")) + "\n\n" }
        for p in layout.paragraphs {
            out += wrap(marked(p, layout), indent: "") + "\n"
            for n in p.notes { out += note(n) }
            out += "\n"
        }
        if !layout.orphans.isEmpty {
            out += bold("\(layout.orphans.count) orphaned annotation\(layout.orphans.count == 1 ? "" : "s")") + dim(" (the passage is gone from the revised text; `gloss reanchor ID --quote …` re-attaches one, `--suggested` takes the suggestion)") + "\n"
            for a in layout.orphans {
                out += "  \(a.id.short())  was \"\(flat(a.selector?.exact ?? ""))\"" + (a.body.isEmpty ? "" : " — \(flat(a.body))") + "\n"
                if let g = layout.suggestions[a.id] {
                    out += dim("      suggested: \"\(flat(layout.text.slice(g.range)))\" (words \(g.alikePercent)% alike, \(g.context) of \(g.contextLength) context characters agree)") + "\n"
                }
            }
        }
        for (a, replies) in layout.erased {
            out += "  \(a.id.short())  " + dim("[erased by \(flat(who(a.erasure?.by.identity ?? a.author))), \(Timestamp.iso8601(a.erasure?.by.time ?? 0))]") + "\n"
            for (r, depth) in replies {
                let pad = String(repeating: "  ", count: depth + 1)
                out += wrap(pad + "↳ " + flat(r.body) + dim("  — \(flat(who(r.author)))"), indent: pad + "  ") + "\n"
            }
        }
        return out
    }

    /// The paragraph's text with highlight marks.
    func marked(_ p: ArticleLayout.Paragraph, _ layout: ArticleLayout) -> String {
        var s = ""
        for (i, seg) in p.segments.enumerated() {
            let piece = flat(layout.text.slice(seg.range))
            let starting = layout.notes.filter { $0.range.lowerBound == seg.range.lowerBound && seg.notes.contains($0.number) }
            let ending = layout.notes.filter { $0.range.upperBound == seg.range.upperBound && seg.notes.contains($0.number) }
            if color {
                if seg.notes.isEmpty { s += piece } else {
                    let bg = seg.notes.count > 1 ? "\u{1B}[30;45m" : "\u{1B}[30;43m"
                    s += bg + piece + "\u{1B}[0m"
                }
                if !ending.isEmpty { s += "\u{1B}[1;33m" + ending.map { ArticleLayout.superscript($0.number) }.joined(separator: "˒") + "\u{1B}[0m" }
            } else {
                s += String(repeating: "[", count: starting.count) + piece
                for e in ending { s += "]" + ArticleLayout.superscript(e.number) }
            }
            _ = i
        }
        return s
    }

    func note(_ n: ArticleLayout.Note) -> String {
        let a = n.annotation
        var line = "  " + (color ? "\u{1B}[1;33m" : "") + ArticleLayout.superscript(n.number) + (color ? "\u{1B}[0m" : "") + " "
        line += a.body.isEmpty ? dim("(\(a.motivation))") : flat(a.body)
        if !a.tags.isEmpty { line += "  " + flat(a.tags.map { "#" + $0 }.joined(separator: " ")) }
        line += dim("  — \(flat(who(a.author)))")
        if a.bodyConflicts.count > 0 { line += "  " + warn("⚠ \(a.bodyLive.count) concurrent versions (gloss show \(a.id.short()))") }
        if n.stage == .fuzzy { line += dim("  (re-anchored by approximate match)") }
        var out = wrap(line, indent: "     ") + "\n"
        for (r, depth) in n.replies {
            let pad = String(repeating: "  ", count: depth + 1)
            out += wrap(pad + "↳ " + flat(r.body) + dim("  — \(flat(who(r.author)))"), indent: pad + "  ") + "\n"
        }
        return out
    }

    /// Ledger text on the renderer's lines: newlines become spaces, and every control and
    /// bidirectional formatting character is shown as text.
    func flat(_ s: String) -> String { TerminalText.neutralised(String(s.map { $0.isNewline ? " " : $0 }), oneLine: true) }
    func bold(_ s: String) -> String { color ? "\u{1B}[1m\(s)\u{1B}[0m" : s }
    func dim(_ s: String) -> String { color ? "\u{1B}[2m\(s)\u{1B}[0m" : s }
    func warn(_ s: String) -> String { color ? "\u{1B}[31m\(s)\u{1B}[0m" : s }

    /// Greedy word wrap; escape sequences take no width.
    func wrap(_ s: String, indent: String) -> String {
        let lead = String(s.prefix { $0 == " " })
        var lines: [String] = []
        var line = lead
        var lineWidth = lead.count
        for word in s.dropFirst(lead.count).split(separator: " ", omittingEmptySubsequences: false) {
            let w = Self.visibleWidth(word)
            if lineWidth > 0 && lineWidth + 1 + w > width {
                lines.append(line)
                line = indent + word
                lineWidth = indent.count + w
            } else {
                if lineWidth > lead.count { line += " "; lineWidth += 1 }
                line += word
                lineWidth += w
            }
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }

    static func visibleWidth<S: StringProtocol>(_ s: S) -> Int {
        var n = 0
        var inEscape = false
        for c in s {
            if inEscape { if c.isLetter { inEscape = false }; continue }
            if c == "\u{1B}" { inEscape = true; continue }
            n += 1
        }
        return n
    }
}
