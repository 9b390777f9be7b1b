import ArgumentParser
import GlossCore
import GlossReplay
import GlossStore

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import W3C Web Annotations (JSON-LD) as new annotations of yours.",
        discussion: "Reads an AnnotationCollection (as `gloss snapshot --format w3c` writes), a page, an array or one Annotation. Targets must be articles already in the ledger (by urn:sha256:ID or by source URL). The new annotations are signed by you; ids, creators and times in the file are not kept. All or nothing.")

    enum Format: String, ExpressibleByArgument { case w3c }
    @OptionGroup var options: LedgerOptions
    @Option(help: "The file's format.") var format: Format = .w3c
    @Argument(help: "The file to import.") var file: String

    func run() throws {
        let ctx = try Context(options)
        let bytes = try readInput(file)
        let items = try reporting { try W3CImport.items(bytes, state: ProjectionLookup(log: ctx.log)) }
        try ctx.requireNotAwaitingSync()
        let events = try reporting {
            try ctx.ledger.log.appendOwn(key: ctx.ledger.key, count: items.count, time: Clock.nowMillis()) { i, done in
                let item = items[i]
                let parent = item.parentInLedger ?? item.parentKey.flatMap { k in items.firstIndex { $0.key == k }.map { done[$0].id } }
                return item.payload(parent: parent)
            }
        }
        print("Imported \(events.count) annotation\(events.count == 1 ? "" : "s") from \(file)")
    }
}
