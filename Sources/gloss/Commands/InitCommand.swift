import ArgumentParser
import GlossStore

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a ledger and a new author key, and print the public key.",
        discussion: "The folder gets ledger.sqlite (the event log) and key (your private key, mode 0600). Keep the key file private and backed up: it is your identity as an author.")

    @OptionGroup var options: LedgerOptions

    func run() throws {
        let folder = options.folder
        let ledger = try reporting { try Ledger.create(at: folder) }
        print("Created a ledger in \(folder)")
        print("Your public key (your author id; give it to peers):")
        print(ledger.key.publicKey.hex)
    }
}

struct WhoamiCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whoami", abstract: "Print this ledger's public key (your author id).")

    @OptionGroup var options: LedgerOptions

    func run() throws {
        print(try options.open().key.publicKey.hex)
    }
}
