import GlossCore
import GlossReplay
import GlossWeb
import Testing

/// What the API appends for a request, or why not: decided without a server or a ledger.
@Suite struct WebRequestsTests {
    let text = "Café 👍🏽 “quoted” — done.\n\nThen the important passage."

    @Test func aSelectionIsCheckedAgainstTheTextInCodePoints() throws {
        let start = Array(text.unicodeScalars).count - "the important passage.".unicodeScalars.count
        let sel = try WebRequests.selector(start: start, end: start + 21, exact: "the important passage", text: text)
        #expect(sel.exact == "the important passage" && sel.prefix.hasSuffix("Then ") && sel.suffix == ".")
        // The UTF-16 offset a careless page would send lands elsewhere: refused, not stored.
        #expect(throws: WebError.self) { try WebRequests.selector(start: start + 2, end: start + 23, exact: "the important passage", text: text) }
        do {
            _ = try WebRequests.selector(start: start, end: start + 21, exact: "the important passagE", text: text)
            Issue.record("a mismatch is refused")
        } catch { #expect(error.status == 409) }
        // The page's context, when sent, must be the text's.
        _ = try WebRequests.selector(start: start, end: start + 21, exact: "the important passage", prefix: "\n\nThen ", suffix: ".", text: text)
        for (p, q, status) in [("Than ", ".", 409), ("Then ", "!", 409), (String(repeating: "x", count: 80), ".", 422), ("Then ", ". and more", 422)] {
            do {
                _ = try WebRequests.selector(start: start, end: start + 21, exact: "the important passage", prefix: p, suffix: q, text: text)
                Issue.record("context \(p.debugDescription) / \(q.debugDescription) is refused")
            } catch { #expect(error.status == status, "\(p) / \(q): \(error.message)") }
        }
        do {
            _ = try WebRequests.selector(start: 5, end: 6, exact: "\u{1F44D}", text: text)
            Issue.record("half an emoji sequence is refused")
        } catch { #expect(error.status == 422 && error.message.contains("not a passage")) }
        do {
            _ = try WebRequests.selector(start: 40, end: 400, exact: "x", text: text)
            Issue.record("out of range is refused")
        } catch { #expect(error.status == 422) }
    }

    @Test func commentsMotivationsAndTags() throws {
        #expect(try WebRequests.comment(nil) == nil && WebRequests.comment("") == nil && WebRequests.comment("ok") == "ok")
        #expect(throws: WebError.self) { try WebRequests.comment(" \n\t") }
        #expect(try WebRequests.motivation(nil, comment: nil) == "highlighting")
        #expect(try WebRequests.motivation(nil, comment: "x") == "commenting")
        #expect(throws: WebError.self) { try WebRequests.motivation("<script>", comment: nil) }
        #expect(try WebRequests.tags([" a ", "", "b"]) == ["a", "b"])
        #expect(throws: WebError.self) { try WebRequests.tags(["bad\u{1B}[31m"]) }
        #expect(throws: WebError.self) { try WebRequests.ids(["not hex"]) }
    }

    @Test func anEditOfAChangedCommentIsRefusedNotMerged() throws {
        let key = SigningKey()
        let id = Hash32(hex: String(repeating: "11", count: 32))!, other = Hash32(hex: String(repeating: "22", count: 32))!
        let stamp = Stamp(lamport: 1, author: key.publicKey, id: id, time: 0)
        let a = AnnotationView(id: id, article: id, created: stamp, modified: stamp,
                               target: .text(try QuoteMatcher(text: ArticleText(text)).select(quote: "done")), editors: [],
                               motivation: "commenting", motivationLive: [], body: "old", bodyLive: [], isDeleted: false, tags: [],
                               replies: [], reanchored: nil)
        guard case .bodyEdited(let e)? = try WebRequests.edit(a, heads: [id], body: "new", seen: [id]) else { Issue.record("an edit"); return }
        #expect(e.pred == [id] && e.body == "new")
        #expect(try WebRequests.edit(a, heads: [id], body: "old", seen: nil) == nil, "nothing to change")
        do {
            _ = try WebRequests.edit(a, heads: [other], body: "new", seen: [id])
            Issue.record("a stale edit is refused")
        } catch { #expect(error.status == 409) }
    }
}
