import GlossCore

/// `gloss export --format html`: one self-contained page (no network fetches, no scripts):
/// the article with highlights, each paragraph followed by its notes. Everything that came
/// from an event is escaped.
public struct HTMLRenderer: Sendable {
    public let who: @Sendable (PublicKey) -> String
    public init(who: @escaping @Sendable (PublicKey) -> String) { self.who = who }

    /// Text from an event as HTML text: markup characters as entities, and controls and
    /// bidirectional overrides shown as text (`TerminalText`), so it displays as what it is.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in TerminalText.neutralised(LineBreaks.unix(s)).unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    public func render(_ layout: ArticleLayout) -> String {
        let e = Self.escape
        var body = "<header><h1>\(e(layout.article.title))</h1><p class=\"meta\">\(layout.notes.count) highlight\(layout.notes.count == 1 ? "" : "s") · article <code>\(layout.article.id.short())</code>\(layout.article.isRevised ? " · revised text" : "")</p>"
            + (layout.revisionConflict(who: who).map { "<p class=\"conflict\">⚠ \(e($0))</p>" } ?? "") + "</header>\n"
        for p in layout.paragraphs {
            body += "<section class=\"para\"><p>"
            for seg in p.segments {
                let text = e(layout.text.slice(seg.range)).replacingNewlines()
                if seg.notes.isEmpty { body += text } else {
                    let depth = min(seg.notes.count, 3)
                    body += "<mark class=\"d\(depth)\" data-notes=\"\(seg.notes.map(String.init).joined(separator: " "))\" title=\"note \(seg.notes.map(String.init).joined(separator: ", "))\">\(text)</mark>"
                }
                for n in layout.notes where n.range.upperBound == seg.range.upperBound && seg.notes.contains(n.number) {
                    body += "<sup><a href=\"#n\(n.number)\" id=\"r\(n.number)\">\(n.number)</a></sup>"
                }
            }
            body += "</p>"
            if !p.notes.isEmpty {
                body += "<aside><ol>"
                for n in p.notes { body += note(n) }
                body += "</ol></aside>"
            }
            body += "</section>\n"
        }
        if !layout.erased.isEmpty {
            body += "<section class=\"orphans\"><h2>Erased</h2><ul>"
            for (a, replies) in layout.erased {
                body += "<li>[erased by \(e(who(a.erasure?.by.identity ?? a.author)))]"
                for (r, depth) in replies {
                    body += "<div class=\"reply\" style=\"margin-left:\(depth)em\">↳ \(e(r.body)) <span class=\"who\">— \(e(who(r.author)))</span></div>"
                }
                body += "</li>"
            }
            body += "</ul></section>\n"
        }
        if !layout.orphans.isEmpty {
            body += "<section class=\"orphans\"><h2>\(layout.orphans.count) orphaned annotation\(layout.orphans.count == 1 ? "" : "s")</h2><ul>"
            for a in layout.orphans {
                body += "<li><q>\(e(a.selector?.exact ?? ""))</q> \(e(a.body)) <span class=\"who\">— \(e(who(a.author)))</span>"
                if let g = layout.suggestions[a.id] {
                    body += "<br><span class=\"suggestion\">suggested: <q>\(e(layout.text.slice(g.range)))</q> (words \(g.alikePercent)% alike, \(g.context) of \(g.contextLength) context characters agree; <code>gloss reanchor \(a.id.short()) --suggested</code>)</span>"
                }
                body += "</li>"
            }
            body += "</ul></section>\n"
        }
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(e(layout.article.title)) — Gloss</title>
            <style>
            body { font: 17px/1.6 Georgia, serif; color: #222; background: #fdfcf8; margin: 0 auto; max-width: 42em; padding: 1em; }
            h1 { font-size: 1.5em; line-height: 1.25; } .meta { color: #777; font: 13px sans-serif; }
            mark { background: #fff1a8; padding: 0 .05em; } mark.d2 { background: #ffd27a; } mark.d3 { background: #ffb35c; }
            sup a { color: #b35900; text-decoration: none; font: bold 11px sans-serif; }
            aside { font: 14px/1.45 sans-serif; border-left: 3px solid #e6c200; margin: .2em 0 1.4em; padding: .2em .8em; background: #fffbe6; }
            aside ol { margin: 0; padding-left: 1.4em; } aside li { margin: .3em 0; }
            .who, .tags { color: #777; } .tags { font-size: 12px; } .conflict { color: #b00; }
            .reply { margin: .2em 0 .2em 1em; color: #444; } .orphans { color: #666; } .conflict { background: #fff3cd; padding: .4em .6em; } .suggestion { font-size: .9em; }
            @media (min-width: 70em) { body { max-width: 60em; } section.para { display: grid; grid-template-columns: 40em 1fr; gap: 1.5em; } aside { margin: 0; align-self: start; } }
            </style></head>
            <body>
            \(body)</body></html>

            """
    }

    func note(_ n: ArticleLayout.Note) -> String {
        let e = Self.escape
        let a = n.annotation
        var s = "<li value=\"\(n.number)\" id=\"n\(n.number)\"><a href=\"#r\(n.number)\">↑</a> "
        s += a.body.isEmpty ? "<em>\(e(a.motivation))</em>" : e(a.body)
        if !a.tags.isEmpty { s += " <span class=\"tags\">" + a.tags.map { "#" + e($0) }.joined(separator: " ") + "</span>" }
        s += " <span class=\"who\">— \(e(who(a.author)))</span>"
        if !a.bodyConflicts.isEmpty {
            s += "<div class=\"conflict\">\(a.bodyLive.count) concurrent versions: " + a.bodyLive.map { "“\(e($0.value))” (\(e(who($0.stamp.identity))))" }.joined(separator: " · ") + "</div>"
        }
        for (r, depth) in n.replies {
            s += "<div class=\"reply\" style=\"margin-left:\(depth)em\">↳ \(e(r.body)) <span class=\"who\">— \(e(who(r.author)))</span></div>"
        }
        return s + "</li>"
    }
}

/// `gloss export --format markdown`: each quote as a blockquote with its notes, for notes apps.
/// Every field that came from an event goes through `MarkdownText.escape`: a note holding
/// `<script>`, `**`, `[link](…)` or a line starting with `#` prints as those characters.
public struct MarkdownRenderer: Sendable {
    public let who: @Sendable (PublicKey) -> String
    public init(who: @escaping @Sendable (PublicKey) -> String) { self.who = who }

    public func render(_ layout: ArticleLayout) -> String {
        let e = MarkdownText.escape
        var out = "# \(e(MarkdownText.oneLine(layout.article.title)))\n\n"
        if let conflict = layout.revisionConflict(who: who) { out += "> ⚠ \(e(MarkdownText.oneLine(conflict)))\n\n" }
        for n in layout.notes {
            let passage = layout.text.slice(n.range)
            if passage.count < 25 {
                // A short quote (one of twenty "Putin"s) is shown in its sentence, in bold.
                let before = MarkdownText.oneLine(layout.text.context(before: n.range.lowerBound, 32))
                let after = MarkdownText.oneLine(layout.text.context(after: n.range.upperBound, 32))
                out += "> …" + e(before) + "**" + e(MarkdownText.oneLine(passage)) + "**" + e(after) + "…\n\n"
            } else {
                out += LineBreaks.unix(passage).split(separator: "\n", omittingEmptySubsequences: false).map { "> " + e(String($0)) }.joined(separator: "\n") + "\n\n"
            }
            let a = n.annotation
            var line = "**\(n.number).** " + (a.body.isEmpty ? "_\(e(a.motivation))_" : MarkdownText.lines(a.body, indent: ""))
            line += " — \(e(MarkdownText.oneLine(who(a.author))))"
            if !a.tags.isEmpty { line += " · " + a.tags.map { e("#" + $0) }.joined(separator: " ") }
            if !a.bodyConflicts.isEmpty { line += " · ⚠ \(a.bodyLive.count) concurrent versions" }
            out += line + "\n"
            for (r, depth) in n.replies {
                let pad = String(repeating: "  ", count: depth - 1)
                out += pad + "- ↳ \(MarkdownText.lines(r.body, indent: pad + "  ")) — \(e(MarkdownText.oneLine(who(r.author))))\n"
            }
            out += "\n"
        }
        if !layout.erased.isEmpty {
            out += "## Erased\n\n"
            for (a, replies) in layout.erased {
                out += "- [erased by \(e(MarkdownText.oneLine(who(a.erasure?.by.identity ?? a.author))))]\n"
                for (r, depth) in replies {
                    let pad = String(repeating: "  ", count: depth)
                    out += pad + "- ↳ \(MarkdownText.lines(r.body, indent: pad + "  ")) — \(e(MarkdownText.oneLine(who(r.author))))\n"
                }
            }
            out += "\n"
        }
        if !layout.orphans.isEmpty {
            out += "## Orphaned annotations\n\n"
            for a in layout.orphans {
                out += "- was “\(e(MarkdownText.oneLine(a.selector?.exact ?? "")))”: \(MarkdownText.lines(a.body, indent: "  "))\n"
                if let g = layout.suggestions[a.id] {
                    out += "  suggested: “\(e(MarkdownText.oneLine(layout.text.slice(g.range))))” (words \(g.alikePercent)% alike)\n"
                }
            }
        }
        return out
    }
}

/// Text from an event made inert in Markdown (CommonMark and GitHub's), pure.
public enum MarkdownText {
    /// Characters Markdown or HTML act on anywhere in a line.
    static let active: Set<Unicode.Scalar> = ["\\", "`", "*", "_", "[", "]", "<", ">", "&", "|", "~", "!", "$"]
    /// Characters that act only at the start of a line (headings, lists, rules, setext).
    static let leading: Set<Unicode.Scalar> = ["#", "+", "-", "=", ">"]

    /// One line of text from an event, backslash-escaped so that it renders as itself, with
    /// controls and bidirectional overrides shown as text.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count + 8)
        let scalars = Array(TerminalText.neutralised(s, oneLine: true).unicodeScalars)
        // Where the line's first non-blank character is.
        let first = scalars.firstIndex { $0 != " " } ?? scalars.count
        for (i, c) in scalars.enumerated() {
            if active.contains(c) || (i == first && leading.contains(c)) {
                out += "\\"
            } else if i > first, c == "." || c == ")", scalars[first..<i].allSatisfy({ ("0"..."9").contains($0) }) {
                out += "\\"  // "1." or "1)" would start an ordered list
            }
            out.unicodeScalars.append(c)
        }
        return out
    }

    /// A multi-line field: each line escaped, joined by hard line breaks whose next line is
    /// indented by `indent` (to stay in its list item).
    public static func lines(_ s: String, indent: String) -> String {
        LineBreaks.unix(s).split(separator: "\n", omittingEmptySubsequences: false).map { escape(String($0)) }.joined(separator: "\\\n" + indent)
    }

    /// A field shown on one line: newlines become spaces.
    public static func oneLine(_ s: String) -> String { String(s.map { $0.isNewline ? " " : $0 }) }
}

extension String {
    func replacingNewlines() -> String {
        split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "<br>")
    }
}

/// Line breaks as the renderers write them: CR LF and a lone CR become LF.
public enum LineBreaks {
    public static func unix(_ s: String) -> String {
        guard s.unicodeScalars.contains("\r") else { return s }
        var out = String.UnicodeScalarView()
        var previousCR = false
        for c in s.unicodeScalars {
            if c == "\r" { out.append("\n"); previousCR = true; continue }
            if c == "\n" && previousCR { previousCR = false; continue }
            previousCR = false
            out.append(c)
        }
        return String(out)
    }
}
