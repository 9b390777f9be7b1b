import ArgumentParser
import GlossCore
import GlossLedger
import GlossStore

struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle", abstract: "Sync offline by file: export signed events, import a peer's.",
        discussion: Help.reflow("""
            To sync by file (a USB stick, mail) instead of over the network:
              1. here: gloss frontier > mine.txt, and send mine.txt to the peer;
              2. the peer: gloss bundle export --since @mine.txt you.bundle, sends it back;
              3. here: gloss bundle import you.bundle.
            """),
        subcommands: [Export.self, Import.self])

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write signed events to a bundle file.")
        @OptionGroup var options: LedgerOptions
        @Option(help: "Only what a ledger with this frontier lacks (as `gloss frontier` prints it, or @FILE).") var since: String?
        @Argument(help: "The bundle file to write.") var file: String

        func run() throws {
            let ledger = try options.open()
            var frontier: Frontier?
            if let since {
                let text = since.hasPrefix("@")
                    ? String(decoding: try readInput(String(since.dropFirst())), as: UTF8.self) : since
                switch Frontier.parse(text) {
                case .success(let f): frontier = f
                case .failure(let e): throw CLIError("--since: \(e)", .usage)
                }
            }
            // Streamed to the file: one event in memory at a time, whatever the size of the ledger.
            var size = 0
            let r = try reporting {
                try FileSystem.replace(file) { write in
                    try withoutActuallyEscaping(write) { write in
                        try BundleExchange.export(ledger.log, since: frontier, to: { size += $0.count; try write($0) })
                    }
                }
            }
            Quarantine.warn(r.quarantined, withheldChildren: r.withheldChildren, leftOutOf: "the bundle")
            print("Wrote \(r.count) event\(r.count == 1 ? "" : "s") (\(size) bytes) to \(file)")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a bundle and append its events, all or nothing, skipping those already here.")
        @OptionGroup var options: LedgerOptions
        @Argument(help: "The bundle file to read.") var file: String

        func run() throws {
            let ledger = try options.open()
            let bytes = try readInput(file)
            let r = try reporting { try BundleExchange.import(bytes, into: ledger.log) }
            try? ledger.log.setSetting(KeyCommand.awaitingSync, "0")
            print("Imported \(r.new) new event\(r.new == 1 ? "" : "s") from \(file) (\(r.alreadyHad) already here)")
        }
    }
}

struct FrontierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frontier", abstract: "Print what this ledger holds (KEY:SEQ:ID per author), for `bundle export --since`.")
    @OptionGroup var options: LedgerOptions
    @Flag(help: "Print JSON: one object per author.") var json = false

    func run() throws {
        let frontier = try reporting { try options.open().log.frontier() }
        if json {
            var out = JSONArrayWriter()
            for (author, tip) in frontier.tips.sorted(by: { $0.key < $1.key }) {
                out.add(.object(["author": .string(author.hex), "seq": .int(Int64(tip.seq)), "id": tip.id.map { .string($0.hex) } ?? .null]))
            }
            out.finish()
            return
        }
        print(frontier.description)
    }
}
