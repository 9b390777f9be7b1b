import GlossCore
import GlossLedger
import GlossReplay
import GlossStore

/// An opened ledger with its replayed state: what most commands work from.
struct Context {
    let ledger: Ledger
    let state: LedgerState
    /// Peers' names from the allow-list.
    let names: [PublicKey: String]

    /// How to show an author: you, a named peer, or the key's first digits.
    func who(_ key: PublicKey) -> String { Format.author(key, me: me, names: names) }

    init(_ options: LedgerOptions) throws {
        let ledger = try options.open()
        self.ledger = ledger
        state = try reporting { try StateLoader.load(ledger.log) }.state
        names = Dictionary((try? ledger.log.peers())?.map { ($0.key, $0.name) } ?? [], uniquingKeysWith: { a, _ in a })
    }

    var me: PublicKey { ledger.key.publicKey }

    /// The article whose id starts with `prefix`.
    func article(_ prefix: String) throws -> ArticleState {
        let id = try IDResolver.resolve(prefix, among: Array(state.articles.keys), what: "article",
                                        hint: "`gloss article list` shows the articles")
        return state.articles[id]!  // resolve returns one of the keys
    }

    /// The annotation whose id starts with `prefix` (deleted ones included).
    func annotation(_ prefix: String) throws -> AnnotationState {
        let id = try IDResolver.resolve(prefix, among: Array(state.annotations.keys), what: "annotation",
                                        hint: "`gloss list --all` shows the annotations")
        return state.annotations[id]!  // resolve returns one of the keys
    }

    /// Appends events by this ledger's author, durably, and returns them.
    @discardableResult
    func append(_ payloads: [Payload]) throws -> [Event] {
        try requireNotAwaitingSync()
        return try reporting { try ledger.log.appendOwn(key: ledger.key, payloads: payloads, time: Clock.nowMillis()) }
    }

    /// After `gloss key import`, writing waits for a sync (see `gloss key --help`).
    func requireNotAwaitingSync() throws {
        if try reporting({ try ledger.log.setting(KeyCommand.awaitingSync) }) == "1" {
            throw CLIError("this key was imported from another device: sync first (gloss sync HOST:PORT, or gloss bundle import FILE) so that its chain continues where the other device left it; writing now could fork it")
        }
    }

    /// Refuses a change by someone who may not make it, before anything is written.
    func requireMayChange(_ a: AnnotationState) throws {
        guard a.mayChange(me) else {
            throw CLIError("annotation \(a.id.short()) belongs to \(who(a.author)); only its author and the editors it names may change it. Reply to it instead: gloss reply \(a.id.short()) --comment …")
        }
    }
}

/// Finds the one id that starts with what a person typed, as git finds commits.
enum IDResolver {
    static func resolve(_ prefix: String, among ids: [Hash32], what: String, hint: String) throws -> Hash32 {
        let p = prefix.lowercased()
        guard !p.isEmpty, p.count <= 64, p.allSatisfy(\.isHexDigit) else {
            let article = what.first.map { "aeiou".contains($0) } == true ? "an" : "a"
            throw CLIError("\"\(prefix)\" is not \(article) \(what) id: ids are hex digits (a unique prefix is enough); \(hint)")
        }
        let matches = ids.filter { $0.hex.hasPrefix(p) }.sorted()
        switch matches.count {
        case 0: throw CLIError("no \(what) has an id starting with \(p); \(hint)")
        case 1: return matches[0]
        default:
            let list = matches.prefix(10).map { "  \($0.short(16))" }.joined(separator: "\n")
            throw CLIError("\(p) is ambiguous: \(matches.count) \(what)s start with it; type more digits:\n\(list)")
        }
    }
}
