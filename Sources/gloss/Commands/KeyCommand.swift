import ArgumentParser
import GlossCore
import GlossStore

/// Moving an identity between devices.
struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Move your identity (private key) to another device.",
        discussion: Help.reflow("""
            An author's events form one chain (seq 1, 2, 3, …). Two devices writing with the same key
            without syncing would both write the next seq: a fork, which every peer refuses for good.
            So after `gloss key import`, this ledger refuses to write until it has synced (or imported a
            bundle) from a peer holding your latest events. Stop writing on the old device, sync it
            with a peer, import the key here, sync here, then write.
            """),
        subcommands: [Export.self, Import.self])

    static let awaitingSync = Ledger.awaitingSyncSetting

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write your private key to a file (mode 0600) for another device.")
        @OptionGroup var options: LedgerOptions
        @Option(help: "The file to write; it must not exist yet.") var to: String

        func run() throws {
            let ledger = try options.open()
            try reporting { try KeyFile.write(ledger.key, to: to) }
            print("Wrote the private key of \(ledger.key.publicKey.hex) to \(to) (mode 0600).")
            print("Anyone holding this file can sign as you: move it by a private channel, import it with `gloss key import`, then delete it.")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Use a key exported from another device as this ledger's identity.",
            discussion: "Allowed while this ledger's current key has written nothing. Writing is then refused until a sync brings in your latest events.")
        @OptionGroup var options: LedgerOptions
        @Argument(help: "The key file written by `gloss key export`.") var file: String

        func run() throws {
            let ledger = try options.open()
            let key = try reporting { try KeyFile.read(file) }
            if key.publicKey == ledger.key.publicKey { print("This ledger already uses \(key.publicKey.hex)."); return }
            if let tip = try reporting({ try ledger.log.tip(of: ledger.key.publicKey) }) {
                throw CLIError("this ledger's current key \(ledger.key.publicKey.raw.short(16)) has written \(tip.seq) event\(tip.seq == 1 ? "" : "s"); importing another key would orphan them. Import into a new ledger instead: gloss --ledger NEW init, then gloss --ledger NEW key import \(file)")
            }
            try reporting { try ledger.replaceKey(key) }
            try reporting { try ledger.log.setSetting(KeyCommand.awaitingSync, "1") }
            print("This ledger now writes as \(key.publicKey.hex).")
            print("Writing is refused until you sync with a peer that has your latest events: gloss sync HOST:PORT")
        }
    }
}
