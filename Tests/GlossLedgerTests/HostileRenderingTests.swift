import Foundation
import GlossCore
import GlossReplay
import GlossStore
import Testing
import GlossTestSupport

/// Text from events rendered for a terminal (in colour too), as Markdown and as HTML: it shows
/// as the characters it is, never as terminal control, markup or formatting.
@Suite struct HostileRenderingTests {
    static let hostile = "fine \u{1B}[2J\u{1B}]0;pwned\u{07} \u{1B}[31mRED \u{202E}evil\u{202C} <script>alert(1)</script> **bold** [x](http://e.test)\n# not a heading\n1. not a list"

    /// A ledger holding an article whose title and text hold escape sequences, annotated with
    /// a hostile comment and a hostile reply.
    func layout() throws -> (ArticleLayout, TempDir) {
        let dir = try TempDir()
        let log = try EventLog(path: dir.path + "/a.sqlite", create: true)
        let key = SigningKey()
        let text = "Title \u{1B}]0;t\u{07}\n\nTroops landed \u{1B}[2J at dawn. Nobody resigned."
        let added = ArticleAdded(title: "Title \u{1B}]0;t\u{07} \u{202E}x", source: "s", text: text)
        let matcher = QuoteMatcher(text: ArticleText(text))
        _ = try log.appendOwn(key: key, payload: .articleAdded(added), time: 1)
        let created = try log.appendOwn(key: key, payloads: [
            .annotationCreated(AnnotationCreated(article: added.articleID, target: .text(try matcher.select(quote: "Nobody resigned")),
                                                 motivation: "commenting", body: Self.hostile, tags: ["t"])),
        ], time: 2)
        _ = try log.appendOwn(key: key, payloads: [
            .annotationCreated(AnnotationCreated(article: added.articleID, target: .reply(to: created[0].id),
                                                 motivation: "replying", body: Self.hostile, tags: [])),
        ], time: 3)
        let article = try #require(try log.article(added.articleID))
        var all: [AnnotationView] = []
        try log.forEachAnnotation(article: article.id, includeDeleted: true) { all.append($0) }
        return (ArticleLayout(article: article, text: try #require(try log.articleText(article.id)), annotations: all), dir)
    }

    /// Scalars a terminal acts on, other than newline and tab.
    static func hazards(_ s: String) -> [UInt32] {
        s.unicodeScalars.map(\.value).filter { v in
            (v < 0x20 && v != 0x0A && v != 0x09) || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
        }
    }

    @Test func theTerminalRendererShowsControlsAsTextEvenInColour() throws {
        let (l, _) = try layout()
        for color in [false, true] {
            let out = TerminalRenderer(width: 100, color: color, who: { _ in "Eve\u{1B}[2J" }).render(l)
            #expect(out.contains("\\x1b[2J"), "the escape is shown")
            #expect(out.contains("U+202E"))
            // The only raw escapes are the renderer's own colours: ESC [ digits ; … m.
            let stripped = out.replacingOccurrences(of: #"\u{1B}\[[0-9;]*m"#, with: "", options: .regularExpression)
            #expect(Self.hazards(stripped).isEmpty, "colour \(color): raw controls \(Self.hazards(stripped))")
            if !color { #expect(Self.hazards(out).isEmpty) }
        }
    }

    @Test func markdownPrintsANoteAsTheTextItIs() throws {
        let (l, _) = try layout()
        let md = MarkdownRenderer(who: { _ in "Eve <b>" }).render(l)
        #expect(Self.hazards(md).isEmpty)
        #expect(!md.contains("<script>"), "HTML from an event must not pass through")
        #expect(md.contains("\\<script\\>alert(1)\\</script\\>"))
        #expect(md.contains("\\*\\*bold\\*\\*") && md.contains("\\[x\\](http://e.test)"))
        #expect(md.contains("Eve \\<b\\>"))
        // A line of a note never starts a heading or a list: its later lines are hard breaks.
        for line in md.split(separator: "\n") where line.contains("not a heading") || line.contains("not a list") {
            #expect(line.contains("\\# not a heading") || line.contains("1\\. not a list"), "unescaped: \(line)")
        }
    }

    @Test func markdownEscapesOnlyWhatActs() {
        #expect(MarkdownText.escape("Don’t look now, but U.S. troops (2022) - fine") == "Don’t look now, but U.S. troops (2022) - fine")
        #expect(MarkdownText.escape("- item") == "\\- item")
        #expect(MarkdownText.escape("12) x") == "12\\) x")
        #expect(MarkdownText.escape("> quote") == "\\> quote")
        #expect(MarkdownText.escape("a_b*c`d") == "a\\_b\\*c\\`d")
        #expect(MarkdownText.escape("&amp; <i>") == "\\&amp; \\<i\\>")
    }

    @Test func htmlEscapesMarkupAndShowsControls() throws {
        let (l, _) = try layout()
        let html = HTMLRenderer(who: { _ in "Eve" }).render(l)
        #expect(Self.hazards(html).isEmpty)
        #expect(!html.contains("<script>alert"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("\\x1b[2J"))
    }
}
