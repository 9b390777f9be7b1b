import GlossCore
import GlossLedger
import GlossReplay
import GlossStore

/// An opened ledger and the allow-list's names: what most commands work from. Commands read
/// the projection (the state kept in SQLite) one query at a time, never the whole state.
struct Context {
    let ledger: Ledger
    /// Peers' names from the allow-list.
    let names: [PublicKey: String]
    /// Who writes for whom (MERGE.md §18), as the ledger held it when the command began.
    let devices: DeviceMap

    var log: EventLog { ledger.log }
    /// This ledger's own key: the device that signs what this command writes.
    var me: PublicKey { ledger.key.publicKey }
    /// The identity this device writes for: its own key unless a link made it a device of another.
    var myIdentity: PublicKey { devices.identity(of: me) }

    /// How to show an identity (or a device's key, shown as its identity): you, a named peer,
    /// or the key's first digits.
    func who(_ key: PublicKey) -> String { namer(key) }

    /// `who` as a value a renderer can keep (names by identity, computed once).
    let namer: @Sendable (PublicKey) -> String

    init(_ options: LedgerOptions) throws {
        let ledger = try options.open()
        self.ledger = ledger
        names = Dictionary((try? ledger.log.peers())?.map { ($0.key, $0.name) } ?? [], uniquingKeysWith: { a, _ in a })
        let devices = (try? ledger.log.devices()) ?? .empty
        self.devices = devices
        let me = devices.identity(of: ledger.key.publicKey), named = devices.namesByIdentity(names)
        namer = { Format.author(devices.identity(of: $0), me: me, names: named) }
    }

    /// The article whose id starts with `prefix`.
    func article(_ prefix: String) throws -> ArticleView {
        let id = try IDResolver.resolve(prefix, what: "article", hint: "`gloss article list` shows the articles") {
            try log.articleIDs(withPrefix: $0, limit: $1)
        }
        guard let a = try reporting({ try log.article(id) }) else { throw CLIError("article \(id.short()) vanished while reading it; try again", .notFound) }
        return a
    }

    /// The current text of an article.
    func text(of article: ArticleView) throws -> String {
        guard let t = try reporting({ try log.articleText(article.id) }) else {
            throw CLIError("the text of article \(article.id.short()) cannot be read from the log: run `gloss verify`", .ledger)
        }
        return t
    }

    /// The annotation whose id starts with `prefix` (deleted ones included).
    func annotation(_ prefix: String) throws -> AnnotationView {
        let id = try IDResolver.resolve(prefix, what: "annotation", hint: "`gloss list --all` shows the annotations") {
            try log.annotationIDs(withPrefix: $0, limit: $1)
        }
        guard let a = try reporting({ try log.annotation(id) }) else { throw CLIError("annotation \(id.short()) vanished while reading it; try again", .notFound) }
        return a
    }

    /// Every annotation of an article (replies and deleted ones included), in the total order.
    func annotations(of article: Hash32) throws -> [AnnotationView] {
        var out: [AnnotationView] = []
        try reporting { try log.forEachAnnotation(article: article, includeDeleted: true) { out.append($0) } }
        return out
    }

    /// Appends events by this ledger's author, durably, and returns them.
    @discardableResult
    func append(_ payloads: [Payload]) throws -> [Event] {
        try requireNotAwaitingSync()
        try requireNotRevoked()
        return try reporting { try ledger.log.appendOwn(key: ledger.key, payloads: payloads, time: Clock.nowMillis()) }
    }

    /// After `gloss key import`, writing waits for a sync (see `gloss key --help`).
    func requireNotAwaitingSync() throws {
        if try reporting({ try ledger.log.setting(KeyCommand.awaitingSync) }) == "1" {
            throw CLIError("this key was imported from another device: sync first (gloss sync HOST:PORT, or gloss bundle import FILE) so that its chain continues where the other device left it; writing now could fork it")
        }
    }

    /// Refuses a change by someone who may not make it, before anything is written.
    func requireMayChange(_ a: AnnotationView) throws {
        guard a.mayChange(myIdentity, devices: devices) else {
            throw CLIError("annotation \(a.id.short()) belongs to \(who(a.author)); only its author and the editors it names may change it. Reply to it instead: gloss reply \(a.id.short()) --comment …", .permission)
        }
    }
}

/// The projection as `W3CImport` reads it.
struct ProjectionLookup: W3CImport.Ledger {
    let log: EventLog
    func articleText(_ id: Hash32) -> String? { try? log.articleText(id) }
    func article(withSource source: String) -> Hash32? { try? log.article(withSource: source) }
    func articleOfAnnotation(_ id: EventID) -> Hash32? { (try? log.annotation(id))?.article }
}

/// Finds the one id that starts with what a person typed, as git finds commits.
enum IDResolver {
    /// `lookup(prefix, limit)` returns the ids starting with the hex `prefix`, at most `limit`.
    static func resolve(_ prefix: String, what: String, hint: String,
                        lookup: (String, Int) throws -> [Hash32]) throws -> Hash32 {
        let p = prefix.lowercased()
        guard !p.isEmpty, p.count <= 64, p.allSatisfy(\.isHexDigit) else {
            let article = what.first.map { "aeiou".contains($0) } == true ? "an" : "a"
            throw CLIError("\"\(prefix)\" is not \(article) \(what) id: ids are hex digits (a unique prefix is enough); \(hint)", .usage)
        }
        let matches = try reporting { try lookup(p, 101) }
        switch matches.count {
        case 0: throw CLIError("no \(what) has an id starting with \(p); \(hint)", .notFound)
        case 1: return matches[0]
        default:
            let list = matches.prefix(10).map { "  \($0.short(16))" }.joined(separator: "\n")
            let count = matches.count > 100 ? "more than 100" : "\(matches.count)"
            throw CLIError("\(p) is ambiguous: \(count) \(what)s start with it; type more digits:\n\(list)", .usage)
        }
    }
}
