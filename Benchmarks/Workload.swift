import GlossCore
import GlossStore

/// N annotation events from several authors on one article: creations, comment edits, tag
/// changes, replies, in the proportions of a real reading session.
enum Workload {
    static let text = String(repeating: "Vladimir Putin ordered it under a collective security agreement. “Dozens” were killed — officials said. ", count: 40)

    /// Appends `n` events by `authors` authors into `log` (bulk path: 1,000 per transaction),
    /// returns the seconds spent appending.
    static func append(into log: EventLog, n: Int, authors: Int, keys given: [SigningKey]? = nil) throws -> Double {
        let keys = given ?? (0..<authors).map { _ in SigningKey() }
        let article = ArticleAdded(title: "Bench", source: "bench", text: text)
        _ = try log.appendOwn(key: keys[0], payload: .articleAdded(article), time: 0)
        let matcher = QuoteMatcher(text: ArticleText(text))
        let quotes = try ["Putin", "collective security", "“Dozens”", "officials said"].map { try matcher.select(quote: $0, occurrence: 3) }
        var created: [[EventID]] = Array(repeating: [], count: authors)
        var done = 1
        var t: Int64 = 0
        return try seconds {
            while done < n {
                for (a, key) in keys.enumerated() where done < n {
                    let k = min(1000, n - done)
                    var payloads: [Payload] = []
                    for i in 0..<k {
                        t += 1
                        let roll = (done + i) % 10
                        if created[a].isEmpty || roll < 3 {
                            payloads.append(.annotationCreated(AnnotationCreated(
                                article: article.articleID, target: .text(quotes[(done + i) % quotes.count]), motivation: "commenting",
                                body: "A comment of a realistic length, about this passage, number \(done + i).", tags: ["bench", "t\(roll)"],
                                editors: keys.map(\.publicKey).filter { $0 != key.publicKey })))
                        } else if roll < 7 {
                            let target = created[a][(done + i) % created[a].count]
                            payloads.append(.bodyEdited(BodyEdited(annotation: target, pred: [target], body: "An edited comment, number \(done + i).")))
                        } else {
                            let target = created[a][(done + i) % created[a].count]
                            payloads.append(.tagsChanged(TagsChanged(annotation: target, add: ["tag\(roll)"], remove: [], pred: [])))
                        }
                    }
                    let events = try log.appendOwn(key: key, payloads: payloads, time: t)
                    for (e, p) in zip(events, payloads) { if case .annotationCreated = p { created[a].append(e.id) } }
                    done += k
                }
            }
        }
    }
}
